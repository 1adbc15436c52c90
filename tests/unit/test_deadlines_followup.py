"""The follow-up family of deadline rules (opfølgning, tilsyn, partshøring, ressourceperson,
indsats reviews, teamkoordinator), each at its boundary days: the day before, of and after.

Rows are built in memory with every attribute a rule reads set explicitly (column defaults only
apply on INSERT). Each rule's test names the paragraph or local standard it checks."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from models.deadlines.calendar import DK, end_of_day
from models.deadlines.engine import check_facts, compute
from models.deadlines.rules import (
    Ctx,
    Rule,
    first_follow_up,
    follow_up_done_on,
    hearing_answer,
    intervention_reviews,
    next_follow_up,
    resource_agreement,
    supervision,
    team_review,
)
from models.deadlines.standards import Standards, load
from models.deadlines.types import CaseFacts, Deadline, DeadlineStatus
from models.schema import (
    Agreement,
    Assessment,
    Case,
    DeadlineAck,
    FollowUp,
    Intervention,
    Meeting,
    Person,
)
from models.vocabulary import (
    AgreementKind,
    AssessmentStatus,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    StepStatus,
)

OK, SNART, OVER, DONE, MISSING = (
    DeadlineStatus.OK,
    DeadlineStatus.SNART,
    DeadlineStatus.OVERSKREDET,
    DeadlineStatus.OPFYLDT,
    DeadlineStatus.MANGLER,
)
DAY = timedelta(days=1)
_ids = itertools.count(1)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=DK)


def uid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


# -- in-memory rows ---------------------------------------------------------------------------


def child(birth: date | None = date(2014, 5, 10), *, unborn: bool = False) -> Person:
    return Person(
        id="child-1",
        first_name="Ida",
        last_name="Nielsen",
        cpr=None,
        birth_date=birth,
        unborn=unborn,
        expected_date=date(2026, 1, 1) if unborn else None,
    )


def case(opened_on: date = date(2024, 1, 8), every: int | None = None) -> Case:
    return Case(
        id="case-1",
        case_number="2024-0001",
        child_id="child-1",
        opened_on=opened_on,
        closed_on=None,
        follow_up_every_months=every,
    )


def indsats(
    start: date,
    end: date | None = None,
    *,
    basis: LegalBasis = LegalBasis.BL32,
    placement: bool = False,
    title: str = "Familiebehandling",
    assessed_on: date | None = None,
    evaluated_on: date | None = None,
) -> Intervention:
    return Intervention(
        id=uid("indsats"),
        case_id="case-1",
        title=title,
        legal_basis=basis,
        staircase_step=4 if placement else 3,
        decided_on=start,
        start_on=start,
        end_on=end,
        is_placement=placement,
        assessed_on=assessed_on,
        evaluated_on=evaluated_on,
    )


def undersoegelse(started: date, completed: date | None) -> Assessment:
    return Assessment(
        id=uid("us"),
        case_id="case-1",
        aware_on=started,
        started_on=started,
        status=AssessmentStatus.IGANG if completed is None else AssessmentStatus.AFSLUTTET,
        no_home_visit_reason="",
        preliminary_on=None,
        completed_on=completed,
    )


def opfoelgning(
    *,
    decided_on: date | None = None,
    steps: tuple[StepStatus, StepStatus, StepStatus, StepStatus] = (StepStatus.AFVENTER,) * 4,
    step_days: tuple[date | None, date | None, date | None, date | None] = (None,) * 4,
    next_due_on: date | None = None,
    hearing_deadline: date | None = None,
    evidence: dict[str, Any] | None = None,
) -> FollowUp:
    return FollowUp(
        id=uid("opf"),
        case_id="case-1",
        due_on=date(2024, 1, 1),
        child_conversation=steps[0],
        child_conversation_on=step_days[0],
        meeting=steps[1],
        meeting_on=step_days[1],
        written_plan=steps[2],
        written_plan_on=step_days[2],
        hearing=steps[3],
        hearing_sent_on=step_days[3],
        hearing_deadline=hearing_deadline,
        evidence=evidence if evidence is not None else {},
        decided_on=decided_on,
        next_due_on=next_due_on,
    )


def decided(day: date, next_due_on: date | None = None) -> FollowUp:
    return opfoelgning(decided_on=day, next_due_on=next_due_on)


def tilsynsbesoeg(held: date, child_alone: bool | None = True) -> Meeting:
    return Meeting(
        id=uid("tilsyn"),
        case_id="case-1",
        kind=MeetingKind.TILSYNSBESOEG,
        held_at=noon(held),
        planned_at=None,
        child_alone=child_alone,
    )


def ack(rule: str, at: date, kind: DeadlineAckKind = DeadlineAckKind.KVITTERET) -> DeadlineAck:
    return DeadlineAck(
        id=uid("ack"),
        case_id="case-1",
        rule=rule,
        subject_id=None,
        kind=kind,
        reason="",
        acknowledged_at=noon(at),
    )


def facts(
    *,
    person: Person | None = None,
    the_case: Case | None = None,
    **rows: Any,
) -> CaseFacts:
    return CaseFacts(
        case=the_case or case(),
        child=person or child(),
        **{name: tuple(value) for name, value in rows.items()},
    )


def run(rule: Rule, f: CaseFacts, today: date, std: Standards | None = None) -> list[Deadline]:
    """One rule's deadlines at noon on ``today``; the facts must be valid input first."""
    now = noon(today)
    check_facts(f, now)
    return list(rule(Ctx(f, now, std or Standards())))


def one(rule: Rule, f: CaseFacts, today: date, std: Standards | None = None) -> Deadline:
    (d,) = run(rule, f, today, std)
    return d


def boundary(rule: Rule, f: CaseFacts, due: date, std: Standards | None = None) -> None:
    """Due all through its day: still open (snart) the day before and on the day; overdue the
    day after. A week and a day before it is not yet "snart"."""
    for today, status in (
        (due - 8 * DAY, OK),
        (due - DAY, SNART),
        (due, SNART),
        (due + DAY, OVER),
    ):
        d = one(rule, f, today, std)
        assert d.due_date == due, today
        assert d.due == end_of_day(due)
        assert d.status == status, today


# -- foerste_opfoelgning: Barnets Lov §95 stk. 1 and 2 ---------------------------------------

START = date(2024, 3, 15)
THREE_MONTHS = date(2024, 6, 15)


def test_first_follow_up_is_due_3_months_after_support_started() -> None:
    """§95 stk. 2: 3 months after the support started (calendar months)."""
    f = facts(interventions=[indsats(START)])
    boundary(first_follow_up, f, THREE_MONTHS)
    d = one(first_follow_up, f, START)
    assert d.rule == "foerste_opfoelgning"
    assert d.legal_basis == "Barnets Lov §95, stk. 1 og 2"
    assert d.trigger == datetime.combine(START, time(0), tzinfo=DK)


def test_first_follow_up_counts_calendar_months_clamped_to_the_months_end() -> None:
    f = facts(interventions=[indsats(date(2023, 11, 30))])
    assert one(first_follow_up, f, date(2024, 1, 2)).due_date == date(2024, 2, 29)


def test_first_follow_up_counts_from_the_earliest_support() -> None:
    f = facts(interventions=[indsats(date(2024, 4, 1)), indsats(START)])
    assert one(first_follow_up, f, date(2024, 4, 2)).due_date == THREE_MONTHS


@pytest.mark.parametrize(
    ("completed", "due"),
    [
        (THREE_MONTHS - DAY, THREE_MONTHS - DAY),  # the undersøgelse ends first: it wins
        (THREE_MONTHS, THREE_MONTHS),
        (THREE_MONTHS + DAY, THREE_MONTHS),  # 3 months come first
    ],
)
def test_first_follow_up_at_the_end_of_a_parallel_assessment_whichever_first(
    completed: date, due: date
) -> None:
    """§95 stk. 2: "det tidligste af" the end of an undersøgelse made alongside the support
    and 3 months after the support started."""
    f = facts(
        interventions=[indsats(START)],
        assessments=[undersoegelse(START - 10 * DAY, completed)],
    )
    boundary(first_follow_up, f, due)


def test_a_parallel_assessment_may_start_after_the_support() -> None:
    """Acute support first, the undersøgelse alongside it afterwards: still "sideløbende"."""
    completed = date(2024, 5, 20)
    f = facts(
        interventions=[indsats(START)],
        assessments=[undersoegelse(START + 5 * DAY, completed)],
    )
    assert one(first_follow_up, f, completed).due_date == completed


@pytest.mark.parametrize("completed", [START - DAY, START])
def test_an_assessment_finished_before_or_as_the_support_started_is_not_parallel(
    completed: date,
) -> None:
    """The undersøgelse the decision rests on was not made alongside the support: the first
    follow-up is not due the day the support starts."""
    f = facts(
        interventions=[indsats(START)],
        assessments=[undersoegelse(START - 60 * DAY, completed)],
    )
    assert one(first_follow_up, f, START).due_date == THREE_MONTHS


def test_an_unfinished_parallel_assessment_leaves_the_3_months() -> None:
    f = facts(
        interventions=[indsats(START)],
        assessments=[undersoegelse(START - 10 * DAY, None)],
    )
    assert one(first_follow_up, f, START).due_date == THREE_MONTHS


@pytest.mark.parametrize("done", [THREE_MONTHS - DAY, THREE_MONTHS, THREE_MONTHS + DAY])
def test_first_follow_up_is_done_by_the_decision_of_a_follow_up(done: date) -> None:
    f = facts(interventions=[indsats(START)], follow_ups=[decided(done)])
    d = one(first_follow_up, f, THREE_MONTHS + 2 * DAY)
    assert d.status == DONE
    assert d.fulfilled_at == datetime.combine(done, time(0), tzinfo=DK)
    assert d.fulfilled_by == "Opfølgning gennemført"


def test_first_follow_up_recorded_for_a_later_day_is_not_yet_done() -> None:
    f = facts(interventions=[indsats(START)], follow_ups=[decided(THREE_MONTHS)])
    d = one(first_follow_up, f, THREE_MONTHS - DAY)
    assert d.status == SNART
    assert d.fulfilled_at is None


def test_a_follow_up_before_the_support_started_does_not_count() -> None:
    f = facts(interventions=[indsats(START)], follow_ups=[decided(START - DAY)])
    assert one(first_follow_up, f, THREE_MONTHS + DAY).status == OVER


def test_first_follow_up_needs_an_indsats_under_32_46_47_or_ungestoette() -> None:
    f = facts(interventions=[indsats(START, basis=LegalBasis.ANDEN)])
    assert run(first_follow_up, f, THREE_MONTHS) == []
    placed = facts(interventions=[indsats(START, basis=LegalBasis.BL46, placement=True)])
    assert one(first_follow_up, placed, START).due_date == THREE_MONTHS


def test_bl95_stk1_ungestoette_gets_its_first_follow_up_3_months_after_it_started() -> None:
    """Barnets Lov §95 stk. 1 covers ungestøtte (§§114–116 and 120) too: the first follow-up
    (stk. 2) is due 3 months after it started — in time that day, overdue the day after."""
    f = facts(interventions=[indsats(START, basis=LegalBasis.BL114, title="Efterværn")])
    boundary(first_follow_up, f, THREE_MONTHS)
    d = one(first_follow_up, f, START)
    assert (d.rule, d.legal_basis) == ("foerste_opfoelgning", "Barnets Lov §95, stk. 1 og 2")


def test_bl95_stk1_running_follow_up_continues_while_ungestoette_runs() -> None:
    """Barnets Lov §95 stk. 1 and 3: after the first follow-up of ungestøtte, the next one is due
    on the case's schedule while the ungestøtte runs; none once it has ended."""
    f = facts(
        interventions=[indsats(START, date(2025, 6, 1), basis=LegalBasis.BL114)],
        follow_ups=[decided(THREE_MONTHS, next_due_on=date(2024, 12, 15))],
    )
    assert one(next_follow_up, f, THREE_MONTHS + DAY).due_date == date(2024, 12, 15)
    assert run(next_follow_up, f, date(2025, 6, 2)) == []


def test_a_stricter_first_follow_up_setting_is_obeyed() -> None:
    f = facts(interventions=[indsats(START)])
    std = Standards(first_follow_up_months=2)
    assert one(first_follow_up, f, START, std).due_date == date(2024, 5, 15)


# -- follow_up_done_on: the four steps ----------------------------------------------------------

U, S, A = StepStatus.UDFOERT, StepStatus.SPRUNGET_OVER, StepStatus.AFVENTER
D1, D2, D3, D4 = date(2024, 6, 3), date(2024, 6, 5), date(2024, 6, 10), date(2024, 6, 12)


def test_a_follow_up_is_done_when_all_four_steps_are_settled_at_the_last_step() -> None:
    assert follow_up_done_on(opfoelgning(steps=(U, U, U, U), step_days=(D1, D2, D3, D4))) == D4
    # the last step date, whichever step it belongs to
    assert follow_up_done_on(opfoelgning(steps=(U, U, U, U), step_days=(D4, D2, D3, D1))) == D4


def test_a_skipped_step_counts_as_settled() -> None:
    assert follow_up_done_on(opfoelgning(steps=(U, U, U, S), step_days=(D1, D2, D3, None))) == D3
    assert follow_up_done_on(opfoelgning(steps=(S, U, U, U), step_days=(None, D2, D3, D4))) == D4


@pytest.mark.parametrize("waiting", range(4))
def test_a_follow_up_with_a_step_waiting_is_not_done(waiting: int) -> None:
    steps = [U, U, U, U]
    steps[waiting] = A
    run_ = opfoelgning(steps=tuple(steps), step_days=(D1, D2, D3, D4))  # type: ignore[arg-type]
    assert follow_up_done_on(run_) is None


def test_the_decision_day_wins_over_the_steps() -> None:
    decided_on = date(2024, 6, 20)
    f = opfoelgning(decided_on=decided_on, steps=(U, U, U, U), step_days=(D1, D2, D3, D4))
    assert follow_up_done_on(f) == decided_on
    assert follow_up_done_on(opfoelgning(decided_on=decided_on)) == decided_on


def test_first_follow_up_is_done_by_four_settled_steps() -> None:
    steps = opfoelgning(steps=(U, U, U, S), step_days=(D1, D2, THREE_MONTHS, None))
    f = facts(interventions=[indsats(START)], follow_ups=[steps])
    assert one(first_follow_up, f, THREE_MONTHS - DAY).status == SNART
    d = one(first_follow_up, f, THREE_MONTHS)
    assert d.status == DONE
    assert d.fulfilled_at == datetime.combine(THREE_MONTHS, time(0), tzinfo=DK)


# -- loebende_opfoelgning: Barnets Lov §95 stk. 3 ------------------------------------------

LAST = date(2024, 6, 14)


def test_no_running_follow_up_before_the_first_is_done() -> None:
    f = facts(interventions=[indsats(START)], follow_ups=[opfoelgning()])
    assert run(next_follow_up, f, LAST) == []


def test_next_follow_up_on_the_date_set_at_the_last_follow_up_wins() -> None:
    """§95 stk. 3: the municipality decides the schedule at the follow-up; its date wins over
    the case's interval and the local standard."""
    nxt = date(2024, 8, 1)
    f = facts(
        the_case=case(every=4),
        interventions=[indsats(START)],
        follow_ups=[decided(LAST, next_due_on=nxt)],
    )
    boundary(next_follow_up, f, nxt)
    d = one(next_follow_up, f, LAST)
    assert d.rule == "loebende_opfoelgning"
    assert d.legal_basis == "Barnets Lov §95, stk. 3"
    assert d.subject_id == f.follow_ups[0].id


def test_next_follow_up_uses_the_cases_own_interval() -> None:
    f = facts(
        the_case=case(every=4),
        interventions=[indsats(START)],
        follow_ups=[decided(LAST)],
    )
    boundary(next_follow_up, f, date(2024, 10, 14))


def test_next_follow_up_default_is_the_local_6_months() -> None:
    """Local standard: every 6 months (the child is 10)."""
    f = facts(interventions=[indsats(START)], follow_ups=[decided(LAST)])
    boundary(next_follow_up, f, date(2024, 12, 14))


@pytest.mark.parametrize(
    ("last", "due"),
    [
        # the 7th birthday is 2024-06-14: aged 6 the day before, 7 on the day
        (LAST - DAY, date(2024, 9, 13)),
        (LAST, date(2024, 12, 14)),
        (LAST + DAY, date(2024, 12, 15)),
    ],
)
def test_next_follow_up_every_3_months_for_a_child_aged_0_to_6_at_the_last_follow_up(
    last: date, due: date
) -> None:
    """Local standard: every 3 months when the child was 0–6 at the last follow-up."""
    f = facts(
        person=child(date(2017, 6, 14)),
        interventions=[indsats(START)],
        follow_ups=[decided(last)],
    )
    assert one(next_follow_up, f, LAST + DAY).due_date == due


def test_next_follow_up_for_an_unborn_child_is_every_3_months() -> None:
    """An unborn child is among the 0–6-year-olds."""
    f = facts(
        person=child(None, unborn=True),
        interventions=[indsats(START)],
        follow_ups=[decided(LAST)],
    )
    assert one(next_follow_up, f, LAST).due_date == date(2024, 9, 14)


def test_next_follow_up_without_a_birth_date_is_not_guessed() -> None:
    f = facts(person=child(None), interventions=[indsats(START)], follow_ups=[decided(LAST)])
    d = one(next_follow_up, f, LAST)
    assert d.status == MISSING
    assert d.missing == ("barnets fødselsdato",)
    # the case's own schedule needs no age
    f = facts(
        person=child(None),
        the_case=case(every=4),
        interventions=[indsats(START)],
        follow_ups=[decided(LAST)],
    )
    assert one(next_follow_up, f, LAST).due_date == date(2024, 10, 14)


def test_next_follow_up_counts_from_the_latest_completed_run() -> None:
    later = date(2024, 9, 2)
    f = facts(
        interventions=[indsats(START)],
        follow_ups=[decided(later), decided(LAST, next_due_on=date(2024, 7, 1)), opfoelgning()],
    )
    d = one(next_follow_up, f, later)
    assert d.due_date == date(2025, 3, 2)
    assert d.subject_id == f.follow_ups[0].id


@pytest.mark.parametrize(("end", "expected"), [(LAST - DAY, 0), (LAST, 1), (LAST + DAY, 1)])
def test_next_follow_up_only_while_support_is_active(end: date, expected: int) -> None:
    f = facts(interventions=[indsats(START, end)], follow_ups=[decided(LAST - 30 * DAY)])
    assert len(run(next_follow_up, f, LAST)) == expected


# -- tilsyn_2_om_aaret: Barnets Lov §156 stk. 5 (pro rata in a part year) ------------------

PLACED = date(2024, 1, 15)


def placed(*meetings: Meeting, start: date = PLACED, end: date | None = None) -> CaseFacts:
    return facts(
        interventions=[indsats(start, end, basis=LegalBasis.BL46, placement=True)],
        meetings=list(meetings),
    )


def test_supervision_needs_two_visits_with_a_child_conversation_in_the_calendar_year() -> None:
    f = placed(tilsynsbesoeg(date(2024, 3, 4)))
    d = one(supervision, f, date(2024, 6, 1))
    assert d.rule == "tilsyn_2_om_aaret"
    assert d.legal_basis == "Barnets Lov §156, stk. 5"
    assert d.subject_id == "2024"
    assert d.due_date == date(2024, 12, 31)
    assert d.status == OK
    assert "(1 holdt)" in d.fulfilled_by


def test_supervision_is_met_by_the_second_visit() -> None:
    second = date(2024, 9, 9)
    f = placed(tilsynsbesoeg(date(2024, 3, 4), child_alone=False), tilsynsbesoeg(second))
    assert one(supervision, f, second - DAY).status == OK
    d = one(supervision, f, second)
    assert d.status == DONE
    assert d.fulfilled_at == noon(second)


def test_a_visit_without_a_child_conversation_does_not_count() -> None:
    f = placed(tilsynsbesoeg(date(2024, 3, 4)), tilsynsbesoeg(date(2024, 9, 9), child_alone=None))
    d = one(supervision, f, date(2024, 10, 1))
    assert d.status == OK
    assert "(1 holdt)" in d.fulfilled_by


def test_visits_of_last_year_do_not_count_this_year() -> None:
    f = placed(
        tilsynsbesoeg(date(2023, 11, 1)), tilsynsbesoeg(date(2023, 12, 31)), start=date(2023, 2, 1)
    )
    d = one(supervision, f, date(2024, 1, 2))
    assert d.subject_id == "2024"
    assert d.status == OK


def test_supervision_at_the_turn_of_the_year() -> None:
    """Due on 31 December: still open that day; the next day the missed year is overdue (and
    the new year has its own deadline), so a missed year never silently disappears."""
    f = placed(tilsynsbesoeg(date(2024, 3, 4)))
    assert one(supervision, f, date(2024, 12, 23)).status == OK
    assert one(supervision, f, date(2024, 12, 30)).status == SNART
    assert one(supervision, f, date(2024, 12, 31)).status == SNART
    by_year = {d.subject_id: d for d in run(supervision, f, date(2025, 1, 1))}
    assert by_year["2024"].status == OVER
    assert by_year["2024"].due_date == date(2024, 12, 31)
    assert by_year["2025"].status == OK


def test_a_missed_year_stays_overdue_through_the_next_year_only() -> None:
    f = placed(tilsynsbesoeg(date(2024, 3, 4)), end=date(2024, 10, 1))
    (d,) = run(supervision, f, date(2025, 12, 31))  # the placement ended: 2025 needs none
    assert (d.subject_id, d.status) == ("2024", OVER)
    assert run(supervision, f, date(2026, 1, 1)) == []


def test_a_met_year_is_not_repeated_the_next_year() -> None:
    f = placed(tilsynsbesoeg(date(2024, 3, 4)), tilsynsbesoeg(date(2024, 9, 9)))
    (d,) = run(supervision, f, date(2025, 1, 1))
    assert d.subject_id == "2025"


def test_supervision_only_for_a_placed_child() -> None:
    f = facts(interventions=[indsats(PLACED)], meetings=[tilsynsbesoeg(date(2024, 3, 4))])
    assert run(supervision, f, date(2024, 6, 1)) == []
    # a placement that ended before this year (and whose last year was met) has none
    ended = placed(
        tilsynsbesoeg(date(2023, 3, 4)),
        tilsynsbesoeg(date(2023, 9, 9)),
        start=date(2023, 2, 1),
        end=date(2023, 12, 1),
    )
    assert run(supervision, ended, date(2024, 6, 1)) == []
    # a §47 placement without the flag is still a placement
    f47 = facts(interventions=[indsats(PLACED, basis=LegalBasis.BL47)])
    assert one(supervision, f47, date(2024, 6, 1)).rule == "tilsyn_2_om_aaret"


@pytest.mark.parametrize(
    ("start", "needed"),
    [
        (date(2024, 7, 1), 2),  # 184 of 366 days: 1.005 visits, rounded up to 2
        (date(2024, 7, 2), 1),  # 183 of 366 days: exactly 1
        (date(2024, 10, 1), 1),
        (date(2024, 12, 31), 1),  # a single day still needs its (rounded-up) visit
    ],
)
def test_bl156_stk5_tilsyn_counts_pro_rata_in_the_year_a_placement_starts(
    start: date, needed: int
) -> None:
    """Barnets Lov §156 stk. 5: "mindst 2 om året" counts pro rata in the year a placement
    starts (rounded up, so never below the law's share): from 2 July 2024 one visit meets 2024,
    from 1 July it takes two. The year is still due on 31 December."""
    one_visit = placed(tilsynsbesoeg(date(2024, 12, 31)), start=start)
    d = one(supervision, one_visit, date(2024, 12, 31))
    assert d.due_date == date(2024, 12, 31)
    assert d.status == (DONE if needed == 1 else SNART)
    assert f"{needed} tilsynsbesøg med børnesamtale i 2024 (anbragt" in d.fulfilled_by
    by_year = {d.subject_id: d for d in run(supervision, one_visit, date(2025, 1, 1))}
    assert ("2024" in by_year) is (needed == 2)  # a met year is not repeated
    if needed == 2:
        assert by_year["2024"].status == OVER
    none = placed(start=start)
    assert one(supervision, none, date(2024, 12, 31)).status == SNART
    assert {d.subject_id: d.status for d in run(supervision, none, date(2025, 1, 1))}["2024"] == (
        OVER
    )


def test_bl156_stk5_a_full_year_and_the_year_a_placement_ends() -> None:
    """Barnets Lov §156 stk. 5: a whole year placed needs both visits; the year a placement
    ends counts its share too (ended 1 March 2025: 60 of 365 days, one visit)."""
    f = placed(
        tilsynsbesoeg(date(2024, 3, 4)),
        tilsynsbesoeg(date(2024, 9, 9)),
        tilsynsbesoeg(date(2025, 2, 3)),
        start=date(2023, 6, 1),
        end=date(2025, 3, 1),
    )
    full = {d.subject_id: d for d in run(supervision, f, date(2024, 10, 1))}["2024"]
    assert full.status == DONE
    assert full.fulfilled_by.startswith("2 tilsynsbesøg med børnesamtale i 2024 (2 holdt)")
    (d,) = run(supervision, f, date(2025, 6, 1))
    assert (d.subject_id, d.status) == ("2025", DONE)
    assert "1 tilsynsbesøg med børnesamtale i 2025 (anbragt 60 af årets 365 dage)" in (
        d.fulfilled_by
    )


def test_bl156_stk5_overlapping_placements_count_each_day_once() -> None:
    f = facts(
        interventions=[
            indsats(date(2024, 10, 1), date(2024, 11, 30), basis=LegalBasis.BL46, placement=True),
            indsats(date(2024, 11, 1), None, basis=LegalBasis.BL47, placement=True),
        ],
    )
    d = one(supervision, f, date(2024, 12, 1))
    assert "(anbragt 92 af årets 366 dage)" in d.fulfilled_by


def test_a_future_visit_does_not_count_yet() -> None:
    f = placed(tilsynsbesoeg(date(2024, 3, 4)), tilsynsbesoeg(date(2024, 10, 1)))
    assert one(supervision, f, date(2024, 9, 30)).status == OK


def test_a_stricter_number_of_visits_is_obeyed() -> None:
    f = placed(tilsynsbesoeg(date(2024, 3, 4)), tilsynsbesoeg(date(2024, 9, 9)))
    std = Standards(supervision_visits_per_year=3)
    assert one(supervision, f, date(2024, 10, 1), std).status == OK


# -- partshoering_svar: Forvaltningsloven §19 ------------------------------------------------

SENT = date(2024, 5, 1)
HEARING_DUE = date(2024, 5, 15)


def hearing(**kw: Any) -> CaseFacts:
    steps = (U, U, U, A)
    return facts(
        follow_ups=[opfoelgning(steps=steps, step_days=(D1, D2, D3, SENT), **kw)],
    )


def test_hearing_deadline_is_14_days_after_sending_by_default() -> None:
    f = hearing()
    for today, status in ((HEARING_DUE - DAY, SNART), (HEARING_DUE, SNART)):
        d = one(hearing_answer, f, today)
        assert (d.due_date, d.status) == (HEARING_DUE, status)
    d = one(hearing_answer, f, HEARING_DUE)
    assert d.rule == "partshoering_svar"
    assert d.legal_basis.startswith("Forvaltningsloven §19")


def test_after_the_hearing_deadline_without_comments_it_is_met_by_expiry() -> None:
    d = one(hearing_answer, hearing(), HEARING_DUE + DAY)
    assert d.status == DONE
    assert d.fulfilled_by == "Høringsfristen er udløbet"
    assert d.fulfilled_at == end_of_day(HEARING_DUE)


@pytest.mark.parametrize("received", [HEARING_DUE - DAY, HEARING_DUE])
def test_comments_received_fulfil_the_hearing(received: date) -> None:
    f = hearing(evidence={"hearing": {"comments_received_on": received.isoformat()}})
    assert one(hearing_answer, f, received - DAY).status == SNART
    d = one(hearing_answer, f, received)
    assert d.status == DONE
    assert d.fulfilled_by == "Bemærkninger modtaget"
    assert d.fulfilled_at == datetime.combine(received, time(0), tzinfo=DK)


def test_comments_after_the_deadline_leave_it_met_by_expiry() -> None:
    late = HEARING_DUE + DAY
    f = hearing(evidence={"hearing": {"comments_received_on": late.isoformat()}})
    for today in (late, late + DAY):
        d = one(hearing_answer, f, today)
        assert (d.status, d.fulfilled_by) == (DONE, "Høringsfristen er udløbet")
        assert d.fulfilled_at == end_of_day(HEARING_DUE)


def test_an_extension_is_a_later_hearing_deadline() -> None:
    extended = date(2024, 5, 22)
    f = hearing(hearing_deadline=extended)
    d = one(hearing_answer, f, HEARING_DUE + DAY)
    assert (d.due_date, d.status) == (extended, SNART)
    assert one(hearing_answer, f, extended).status == SNART
    assert one(hearing_answer, f, extended + DAY).fulfilled_by == "Høringsfristen er udløbet"


def test_the_hearing_period_is_a_setting() -> None:
    assert one(hearing_answer, hearing(), SENT, Standards(hearing_days=10)).due_date == date(
        2024, 5, 11
    )


def test_no_hearing_deadline_before_the_hearing_is_sent() -> None:
    assert run(hearing_answer, facts(follow_ups=[opfoelgning()]), SENT) == []


@pytest.mark.parametrize(
    "evidence",
    [
        {"hearing": {"comments_received_on": "ikke en dato"}},
        {"hearing": {"comments_received_on": None}},
        {"hearing": "bemærkninger modtaget"},
        {"hearing": None},
    ],
)
def test_unreadable_hearing_evidence_is_no_comment_and_no_crash(evidence: dict[str, Any]) -> None:
    assert one(hearing_answer, hearing(evidence=evidence), HEARING_DUE).status == SNART


# -- ressourceperson_opfoelgning: local standard ---------------------------------------------


def aftale(
    signed: date | None, last: date | None = None, kind: AgreementKind | None = None
) -> Agreement:
    return Agreement(
        id=uid("aftale"),
        case_id="case-1",
        kind=kind or AgreementKind.RESSOURCEPERSONAFTALE,
        title="Mormor henter fra skole",
        signed_on=signed,
        last_follow_up_on=last,
    )


def test_resource_agreement_followed_up_3_months_after_signing() -> None:
    """Local standard: the ressourcepersonaftale is followed up after 3 months."""
    f = facts(agreements=[aftale(date(2024, 1, 31))])
    boundary(resource_agreement, f, date(2024, 4, 30))
    d = one(resource_agreement, f, date(2024, 2, 1))
    assert d.rule == "ressourceperson_opfoelgning"
    assert d.legal_basis == "Lokal standard: Standard"
    assert d.subject_id == f.agreements[0].id


def test_resource_agreement_then_yearly_after_the_last_follow_up() -> None:
    f = facts(agreements=[aftale(date(2024, 1, 31), last=date(2024, 5, 2))])
    boundary(resource_agreement, f, date(2025, 5, 2))


def test_resource_agreement_without_signing_date_is_missing_information() -> None:
    d = one(resource_agreement, facts(agreements=[aftale(None)]), date(2024, 5, 2))
    assert d.status == MISSING
    assert d.missing == ("underskriftsdato",)
    assert d.due is None


def test_other_agreements_have_no_follow_up_deadline() -> None:
    f = facts(agreements=[aftale(date(2024, 1, 31), kind=AgreementKind.SIKKERHEDSPLAN)])
    assert run(resource_agreement, f, date(2024, 5, 2)) == []


# -- indsats_vurdering_3_maaneder / indsats_evaluering_1_aar: Slagelse ------------------------

INDSATS_START = date(2024, 2, 10)
REVIEW = {
    "indsats_vurdering_3_maaneder": date(2024, 5, 10),
    "indsats_evaluering_1_aar": date(2025, 2, 10),
}


def reviews(f: CaseFacts, today: date) -> dict[str, Deadline]:
    return {d.rule: d for d in run(intervention_reviews, f, today, load("slagelse"))}


@pytest.mark.parametrize("rule", list(REVIEW))
def test_each_indsats_is_assessed_after_3_months_and_evaluated_after_a_year(rule: str) -> None:
    """Local standard (Slagelse 2008): vurdering within 3 months, evaluering after one year."""
    f = facts(interventions=[indsats(INDSATS_START, title="Familiebehandling")])
    due = REVIEW[rule]
    for today, status in ((due - DAY, SNART), (due, SNART), (due + DAY, OVER)):
        d = reviews(f, today)[rule]
        assert (d.due_date, d.status) == (due, status), today
    d = reviews(f, due)[rule]
    assert d.legal_basis == "Lokal standard: Slagelse"
    assert d.title.endswith(": Familiebehandling")


@pytest.mark.parametrize("rule", list(REVIEW))
@pytest.mark.parametrize(("offset", "needed"), [(-1, False), (0, True), (1, True)])
def test_an_indsats_that_ended_before_its_review_was_due_needs_none(
    rule: str, offset: int, needed: bool
) -> None:
    end = REVIEW[rule] + offset * DAY
    f = facts(interventions=[indsats(INDSATS_START, end)])
    assert (rule in reviews(f, end)) is needed


def test_recorded_reviews_fulfil_them() -> None:
    f = facts(
        interventions=[
            indsats(
                INDSATS_START,
                assessed_on=date(2024, 5, 10),
                evaluated_on=date(2025, 2, 11),
            )
        ]
    )
    found = reviews(f, date(2025, 3, 1))
    assert found["indsats_vurdering_3_maaneder"].status == DONE
    assert found["indsats_evaluering_1_aar"].status == DONE  # late, but done
    # a review recorded although the indsats ended early is shown as done
    early = facts(
        interventions=[indsats(INDSATS_START, date(2024, 4, 1), assessed_on=date(2024, 4, 1))]
    )
    assert reviews(early, date(2024, 6, 1))["indsats_vurdering_3_maaneder"].status == DONE


def test_reviews_switched_off_by_a_zero_setting() -> None:
    f = facts(interventions=[indsats(INDSATS_START)])
    std = Standards(intervention_assessment_months=0, intervention_evaluation_months=0)
    assert run(intervention_reviews, f, INDSATS_START, std) == []


# -- teamkoordinator_8_uger: local standard (Halsnæs, 0–6-year-olds) ----------------------------

OPENED = date(2024, 1, 8)
REVIEW_DUE = date(2024, 3, 4)  # 8 weeks later


def small_case(person: Person | None = None, acks: list[DeadlineAck] | None = None) -> CaseFacts:
    return facts(
        person=person or child(date(2021, 5, 10)),
        the_case=case(opened_on=OPENED),
        acks=acks or [],
    )


def test_teamkoordinator_reviews_a_small_childs_case_every_8_weeks() -> None:
    f = small_case()
    boundary(team_review, f, REVIEW_DUE, load("halsnaes"))
    d = one(team_review, f, OPENED, load("halsnaes"))
    assert d.rule == "teamkoordinator_8_uger"
    assert d.legal_basis == "Lokal standard: Halsnæs"


def test_teamkoordinator_review_for_an_unborn_child() -> None:
    assert one(team_review, small_case(child(None, unborn=True)), OPENED).due_date == REVIEW_DUE


@pytest.mark.parametrize(("offset", "expected"), [(-1, 1), (0, 0), (1, 0)])
def test_teamkoordinator_review_stops_at_the_7th_birthday(offset: int, expected: int) -> None:
    seventh = date(2024, 2, 20)
    f = small_case(child(date(2017, 2, 20)))
    assert len(run(team_review, f, seventh + offset * DAY)) == expected


def test_the_next_review_counts_from_the_last_acknowledged_review() -> None:
    reviewed = date(2024, 3, 1)
    f = small_case(acks=[ack("teamkoordinator_8_uger", reviewed)])
    assert one(team_review, f, reviewed - DAY).due_date == REVIEW_DUE  # not yet reviewed
    boundary(team_review, f, reviewed + 8 * 7 * DAY)


def test_other_acks_are_not_a_review() -> None:
    f = small_case(
        acks=[
            ack("teamkoordinator_8_uger", date(2024, 3, 1), DeadlineAckKind.UNDTAGET),
            ack("ungestoette_18_aar", date(2024, 3, 1)),
        ]
    )
    assert one(team_review, f, date(2024, 3, 2)).due_date == REVIEW_DUE


def test_a_review_ack_through_the_engine() -> None:
    f = small_case(acks=[ack("teamkoordinator_8_uger", date(2024, 3, 1))])
    (d,) = [d for d in compute(f, noon(date(2024, 3, 2))) if d.rule == "teamkoordinator_8_uger"]
    assert d.due_date == date(2024, 4, 26)
    assert d.status == OK
