"""Opfølgning (Barnets Lov §95), tilsyn (§156), partshøring (forvaltningsloven §19), agreements,
interventions and the team review."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from models.dates import add_months
from models.deadlines.calendar import local_date
from models.deadlines.rules.base import (
    FOLLOWED_UP,
    RULES,
    Ctx,
    active_support,
    end_of_day,
    follow_up_done_on,
    make,
    missing,
    placements_of,
    start_of_day,
    with_changes,
)
from models.deadlines.types import (
    AnyIntervention,
    Deadline,
    DeadlineStatus,
)
from models.vocabulary import (
    DeadlineAckKind,
    MeetingKind,
)

# -- opfølgning, tilsyn, partshøring --------------------------------------------------------


def first_follow_up(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §95 stk. 2: the first follow-up is at the end of a parallel undersøgelse or
    3 months after the support started, whichever comes first. §95 stk. 1 covers support and
    placement (§§32, 46, 47) and ungestøtte (§§114–116, 120) alike."""
    support = [i for i in c.facts.interventions if i.legal_basis in FOLLOWED_UP]
    if not support:
        return
    started = min(i.start_on for i in support)
    candidates = [add_months(started, c.std.first_follow_up_months)]
    for a in c.facts.assessments:
        # "Sideløbende": still running after the support started (it may have begun before or
        # after). One finished by the day support started is the basis of the decision.
        if a.completed_on is not None and a.completed_on > started:
            candidates.append(a.completed_on)
    done = sorted(
        d for f in c.facts.follow_ups if (d := follow_up_done_on(f)) is not None and d >= started
    )
    yield make(
        c,
        "foerste_opfoelgning",
        None,
        trigger=start_of_day(started),
        due=end_of_day(min(candidates)),
        done_at=start_of_day(done[0]) if done else None,
        fulfilled_by="Opfølgning gennemført",
    )


def next_follow_up(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §95 stk. 3: after the first follow-up, the case's own schedule (stored on the
    case); else the local standard — every 6 months, every 3 months for children 0–6. Runs while
    an indsats §95 stk. 1 covers is active (ungestøtte included)."""
    if not active_support(c, c.today, FOLLOWED_UP):
        return
    runs = sorted(
        ((d, f) for f in c.facts.follow_ups if (d := follow_up_done_on(f)) is not None),
        key=lambda x: x[0],
    )
    if not runs:
        return
    last_day, last = runs[-1]
    if last.next_due_on is not None:
        due_day = last.next_due_on
    else:
        months = c.facts.case.follow_up_every_months
        if months is None:
            born = c.facts.child.birth_date
            if born is None and not c.facts.child.unborn:
                # 3 or 6 months depends on the age: not guessed
                yield missing(
                    c, "loebende_opfoelgning", last.id, "barnets fødselsdato", "Næste opfølgning"
                )
                return
            small = born is None or last_day < add_months(
                born, (c.std.small_children_max_age + 1) * 12
            )
            months = c.std.follow_up_small_children_months if small else c.std.follow_up_months
        due_day = add_months(last_day, months)
    yield make(
        c,
        "loebende_opfoelgning",
        last.id,
        trigger=start_of_day(last_day),
        due=end_of_day(due_day),
        done_at=None,
        fulfilled_by="Næste opfølgning gennemført",
    )


def _days_placed(placed: Iterable[AnyIntervention], first: date, last: date) -> int:
    """The days from ``first`` to ``last`` (inclusive) on which any of the placements ran."""
    spans = sorted((max(p.start_on, first), min(p.end_on or last, last)) for p in placed)
    days, covered_to = 0, first - timedelta(days=1)
    for start, end in spans:
        begin = max(start, covered_to + timedelta(days=1))
        if end >= begin:
            days += (end - begin).days + 1
            covered_to = end
    return days


def supervision(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §156 stk. 5: at least 2 tilsyn visits a year at the placement, each with a
    conversation with the child (``child_alone`` recorded). Counted per calendar year; a year
    that was missed stays overdue through the next year (else it would vanish on 1 January).
    A year the child is placed only part of (the year a placement starts, or ends) needs its
    share of the visits, rounded up: placed from 1 October, 1 visit that year, not 2."""
    for year in (c.today.year - 1, c.today.year):
        first, last = date(year, 1, 1), date(year, 12, 31)
        placed = [
            p
            for p in placements_of(c)
            if p.start_on <= last and (p.end_on is None or p.end_on >= first)
        ]
        if not placed:
            continue
        visits = [
            m
            for m in c.held.get(MeetingKind.TILSYNSBESOEG, ())
            if m.held_at is not None
            and local_date(m.held_at).year == year
            and m.child_alone is not None
        ]
        days, year_days = _days_placed(placed, first, last), (last - first).days + 1
        per_year = c.std.supervision_visits_per_year
        needed = -(-per_year * days // year_days)  # pro rata, rounded up
        share = f" (anbragt {days} af årets {year_days} dage)" if days < year_days else ""
        done = visits[needed - 1].held_at if len(visits) >= needed else None
        d = make(
            c,
            "tilsyn_2_om_aaret",
            str(year),
            trigger=start_of_day(max(first, min(p.start_on for p in placed))),
            due=end_of_day(last),
            done_at=done,
            fulfilled_by=(
                f"{needed} tilsynsbesøg med børnesamtale i {year}{share} ({len(visits)} holdt)"
            ),
        )
        if year == c.today.year or d.status != DeadlineStatus.OPFYLDT:
            yield d


def hearing_answer(c: Ctx) -> Iterator[Deadline]:
    """Forvaltningsloven §19: the parties may comment on the draft within a deadline the
    municipality sets (default 14 days, configurable; an extension moves ``hearing_deadline``).
    Met when comments arrive, or when the period has run out (the decision may then be made)."""
    for f in c.facts.follow_ups:
        if f.hearing_sent_on is None:
            continue
        due_day = f.hearing_deadline or f.hearing_sent_on + timedelta(days=c.std.hearing_days)
        step = (f.evidence or {}).get("hearing")
        received = step.get("comments_received_on") if isinstance(step, dict) else None
        done = None
        if isinstance(received, str):
            try:
                done = start_of_day(date.fromisoformat(received))
            except ValueError:
                done = None
        if done is not None and done > end_of_day(due_day):
            done = None  # late comments: the period had run out first, and that met it
        d = make(
            c,
            "partshoering_svar",
            f.id,
            trigger=start_of_day(f.hearing_sent_on),
            due=end_of_day(due_day),
            done_at=done,
            fulfilled_by="Bemærkninger modtaget",
        )
        if d.status == DeadlineStatus.OVERSKREDET:
            d = with_changes(
                d,
                status=DeadlineStatus.OPFYLDT,
                fulfilled_by="Høringsfristen er udløbet",
                fulfilled_at=d.due,
            )
        yield d


# -- agreements, interventions, team review --------------------------------------------------


def resource_agreement(c: Ctx) -> Iterator[Deadline]:
    """Local standard: a ressourcepersonaftale is followed up after 3 months, then at least
    yearly, and noted in the journal."""
    from models.vocabulary import AgreementKind

    for a in c.facts.agreements:
        if a.kind != AgreementKind.RESSOURCEPERSONAFTALE:
            continue
        if a.signed_on is None:
            yield missing(c, "ressourceperson_opfoelgning", a.id, "underskriftsdato", "Opfølgning")
            continue
        if a.last_follow_up_on is None:
            trigger, due_day = (
                a.signed_on,
                add_months(a.signed_on, c.std.resource_agreement_first_months),
            )
        else:
            trigger = a.last_follow_up_on
            due_day = add_months(trigger, c.std.resource_agreement_interval_months)
        yield make(
            c,
            "ressourceperson_opfoelgning",
            a.id,
            trigger=start_of_day(trigger),
            due=end_of_day(due_day),
            done_at=None,
            fulfilled_by="Opfølgning på aftalen registreret",
        )


def intervention_reviews(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Slagelse): each indsats is assessed within 3 months of its start and
    evaluated after one year. An indsats that ended before a review fell due needs none."""
    for i in c.facts.interventions:
        for rule, months, done in (
            ("indsats_vurdering_3_maaneder", c.std.intervention_assessment_months, i.assessed_on),
            ("indsats_evaluering_1_aar", c.std.intervention_evaluation_months, i.evaluated_on),
        ):
            if months <= 0:
                continue
            due_day = add_months(i.start_on, months)
            if i.end_on is not None and i.end_on < due_day and done is None:
                continue
            yield make(
                c,
                rule,
                i.id,
                trigger=start_of_day(i.start_on),
                due=end_of_day(due_day),
                done_at=None if done is None else start_of_day(done),
                fulfilled_by="Vurdering registreret"
                if "vurdering" in rule
                else "Evaluering registreret",
                title=f"{RULES[rule][0]}: {i.title}",
            )


def team_review(c: Ctx) -> Iterator[Deadline]:
    """Local standard (the 2019 note on 0–6-year-olds): the teamkoordinator reviews the case of a
    child aged 0–6 every 8 weeks. A review is recorded as an acknowledgement of this rule (any
    subject); the next period starts from it."""
    weeks = c.std.team_review_weeks
    born = c.facts.child.birth_date
    if weeks <= 0:
        return
    small = c.facts.child.unborn or (
        born is not None and c.today < add_months(born, (c.std.team_review_max_age + 1) * 12)
    )
    if not small:
        return
    reviews = sorted(
        a.acknowledged_at
        for a in c.facts.acks
        if a.rule == "teamkoordinator_8_uger"
        and a.kind == DeadlineAckKind.KVITTERET
        and a.acknowledged_at <= c.now
    )
    trigger = reviews[-1] if reviews else start_of_day(c.facts.case.opened_on)
    # Each 8-week period is its own subject, so an exception or acknowledgement of one period
    # never silences the next.
    yield make(
        c,
        "teamkoordinator_8_uger",
        local_date(trigger).isoformat(),
        trigger=trigger,
        due=end_of_day(local_date(trigger) + timedelta(weeks=weeks)),
        done_at=None,
        fulfilled_by="Gennemgang registreret",
    )
