"""One function per deadline of DOMAIN.md's lifecycle table. Each takes a case's facts, "now"
and the settings, and yields that rule's deadlines. Pure: no database, no clock.

Legal references live in ``RULES`` only, so a paragraph number is corrected in one place. Every
paragraph cited was checked against the law text (Barnets Lov, LBK nr. 282 af 17/03/2025) and the
ministry's guidance (VEJ nr. 9471 af 21/06/2024); a rule the law gives no number for is cited as
the local standard it comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from models.dates import add_months
from models.deadlines.calendar import DK, add_hours, add_workdays, local_date
from models.deadlines.calendar import end_of_day as local_end_of_day
from models.deadlines.standards import LEGAL_CALENDAR, LEGAL_LIMITS, Standards
from models.deadlines.types import (
    AnyFollowUp,
    AnyIntervention,
    AnyMeeting,
    AnyPlan,
    CaseFacts,
    Deadline,
    DeadlineStatus,
)
from models.vocabulary import (
    AssessmentStatus,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    NotifierKind,
    PlanKind,
    PlanStatus,
    ScreeningOutcome,
    StepStatus,
)

LAW = "Barnets Lov"

#: rule → (Danish title, legal basis). The single place to correct a reference.
RULES: dict[str, tuple[str, str]] = {
    "underretning_24_timer": (
        "Vurdering af underretning inden 24 timer",
        f"{LAW} §136 (tidl. SEL §155)",
    ),
    "kvittering_underretter": (
        "Kvittering til fagperson, der har underrettet",
        f"{LAW} §138, stk. 1 (tidl. SEL §155 b, stk. 1)",
    ),
    "tilbagemelding_underretter": (
        "Tilbagemelding til fagperson om undersøgelse eller indsats",
        f"{LAW} §138, stk. 2 (frist: lokal standard)",
    ),
    "underretningsmoede_14_dage": (
        "Underretningsmøde med familie og underretter",
        "Lokal standard",
    ),
    "underretning_afklaring_30_dage": ("Afklaring af underretning", "Lokal standard"),
    "undersoegelse_4_maaneder": ("Børnefaglig undersøgelse afsluttet", f"{LAW} §20, stk. 3"),
    "undersoegelse_snarest": (
        "Undersøgelsen afsluttes snarest efter foreløbig vurdering",
        f"{LAW} §20, stk. 3 (snarest: lokal standard for antal dage)",
    ),
    "undersoegelse_simpel_6_uger": ("Simpel børnefaglig undersøgelse afsluttet", "Lokal standard"),
    "hjemmebesoeg_undersoegelse": (
        "Hjemmebesøg under undersøgelsen (eller begrundelse)",
        "Lokal standard (Slagelse 2008, afsnit 2)",
    ),
    "barnets_plan_3_maaneder": ("Barnets plan udarbejdet", f"{LAW} §91"),
    "ungeplan_16_aar": ("Ungeplan (barnet er fyldt 16 år)", f"{LAW} §108, stk. 3 og 4"),
    "ungestoette_18_aar": (
        "Afgørelse om ungestøtte senest 6 måneder før det 18. år",
        f"{LAW} §111, stk. 1",
    ),
    "foerste_opfoelgning": ("Første opfølgning på indsatsen", f"{LAW} §95, stk. 1 og 2"),
    "loebende_opfoelgning": ("Næste opfølgning", f"{LAW} §95, stk. 3"),
    "tilsyn_2_om_aaret": (
        "Tilsynsbesøg med børnesamtale (mindst 2 om året)",
        f"{LAW} §156, stk. 5",
    ),
    "ny_underretning_137": (
        "Ny underretning vurderet med en kollega, der er ny i sagen",
        f"{LAW} §137, stk. 1",
    ),
    "samtale_overgreb_137": (
        "Samtale med barnet ved underretning om overgreb",
        f"{LAW} §137, stk. 3",
    ),
    "partshoering_svar": (
        "Frist for bemærkninger til partshøring",
        "Forvaltningsloven §19 (fristen fastsættes af kommunen)",
    ),
    "ressourceperson_opfoelgning": ("Opfølgning på ressourcepersonaftale", "Lokal standard"),
    "indsats_vurdering_3_maaneder": ("Indsatsen vurderet efter 3 måneder", "Lokal standard"),
    "indsats_evaluering_1_aar": ("Indsatsen evalueret efter et år", "Lokal standard"),
    "teamkoordinator_8_uger": (
        "Teamkoordinators gennemgang af sagen (0–6 år)",
        "Lokal standard",
    ),
}

SUPPORT = (LegalBasis.BL32, LegalBasis.BL46, LegalBasis.BL47)
#: What Barnets Lov §95 stk. 1 follows up: support and placement (§§32, 46, 47) and ungestøtte
#: (§§114–116 and 120, recorded as ``BL114``).
FOLLOWED_UP = (*SUPPORT, LegalBasis.BL114)


class Ctx:
    """What every rule of one case sees: its facts, "now" and the settings. Made once per case
    (5,000 times over a whole vault), so what it derives is computed once, on a plain class
    (``functools.cached_property`` takes a lock on every first read)."""

    __slots__ = ("_held", "facts", "now", "now_utc", "std", "today")

    def __init__(self, facts: CaseFacts, now: datetime, std: Standards) -> None:
        self.facts = facts
        self.now = now
        self.std = std
        self.today: date = local_date(now)
        # Moments are compared in UTC: two aware datetimes of different zones compare through
        # both offsets, which was most of the engine's time over a whole vault.
        self.now_utc: datetime = now.astimezone(UTC)
        self._held: dict[MeetingKind, list[AnyMeeting]] | None = None

    @property
    def held(self) -> dict[MeetingKind, list[AnyMeeting]]:
        """The case's held meetings of each kind, earliest first (asked for by several rules)."""
        if self._held is None:
            by_kind: dict[MeetingKind, list[AnyMeeting]] = {}
            for m in self.facts.meetings:
                if m.held_at is not None:
                    by_kind.setdefault(m.kind, []).append(m)
            for meetings in by_kind.values():
                meetings.sort(key=lambda m: m.held_at)  # type: ignore[arg-type, return-value]
            self._held = by_kind
        return self._held

    def local(self, basis: str) -> str:
        return _local_basis(basis, self.std.municipality)


@lru_cache(maxsize=256)
def _local_basis(basis: str, municipality: str) -> str:
    return f"{basis}: {municipality}" if basis == "Lokal standard" else basis


# The rules' moments are in UTC: an aware datetime of another zone compares and converts
# through both offsets (most of the engine's time over a whole vault, when the days were in
# Danish time). The moment is the same; the screens show it in Danish time.


@lru_cache(maxsize=1 << 14)
def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in Danish time, in UTC."""
    return datetime.combine(day, time(0), tzinfo=DK).astimezone(UTC)


@lru_cache(maxsize=1 << 14)
def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in Danish time (a day deadline is met all through it), in UTC."""
    return local_end_of_day(day).astimezone(UTC)


def legal_workday(c: Ctx, start: date, setting: str) -> date:
    """The day a legal deadline of ``setting`` hverdage after ``start`` falls due: the
    municipality's number with its calendar, but never later than the law's number with the law's
    calendar (public holidays only). The law is the floor for the calendar too: a municipality
    closed on 1 May or Grundlovsdag may answer sooner, never later."""
    _rule, legal_days, _kind = LEGAL_LIMITS[setting]
    local = add_workdays(
        start, getattr(c.std, setting), with_optional=c.std.closed_on_optional_holidays
    )
    legal = add_workdays(
        start, legal_days, with_optional=LEGAL_CALENDAR["closed_on_optional_holidays"]
    )
    return min(local, legal)


def make(
    c: Ctx,
    rule: str,
    subject_id: str | None,
    *,
    trigger: datetime,
    due: datetime,
    done_at: datetime | None,
    fulfilled_by: str,
    title: str | None = None,
) -> Deadline:
    """A deadline of ``rule`` with its status at ``c.now``. Fulfilment counts only once it has
    happened (a recorded future date does not)."""
    base_title, basis = RULES[rule]
    now, due, trigger = c.now_utc, due.astimezone(UTC), trigger.astimezone(UTC)
    due = max(due, trigger)  # never before its trigger
    if done_at is not None and (done_at := done_at.astimezone(UTC)) <= now:
        status = DeadlineStatus.OPFYLDT
    else:
        done_at = None
        if now > due:
            status = DeadlineStatus.OVERSKREDET
        # "soon": days on the Danish calendar (across a change of summer time, an hour more or
        # less than days of 24 hours)
        elif now >= (due.astimezone(DK) - timedelta(days=c.std.soon_days)).astimezone(UTC):
            status = DeadlineStatus.SNART
        else:
            status = DeadlineStatus.OK
    return Deadline(
        rule,
        c.facts.case.id,
        subject_id,
        title or base_title,
        c.local(basis),
        trigger,
        due,
        status,
        fulfilled_by,
        done_at,
    )


def missing(c: Ctx, rule: str, subject_id: str | None, what: str, fulfilled_by: str) -> Deadline:
    """A deadline whose input is missing: reported with what is missing, never guessed."""
    title, basis = RULES[rule]
    return Deadline(
        rule=rule,
        case_id=c.facts.case.id,
        subject_id=subject_id,
        title=title,
        legal_basis=c.local(basis),
        trigger=None,
        due=None,
        status=DeadlineStatus.MANGLER,
        fulfilled_by=fulfilled_by,
        missing=(what,),
    )


def _first_held_after(c: Ctx, kind: MeetingKind, after: datetime) -> datetime | None:
    for m in c.held.get(kind, ()):
        assert m.held_at is not None
        if m.held_at >= after:
            return m.held_at
    return None


def _active_support(
    c: Ctx, at: date, bases: tuple[LegalBasis, ...] = SUPPORT
) -> list[AnyIntervention]:
    return [
        i
        for i in c.facts.interventions
        if i.legal_basis in bases and i.start_on <= at and (i.end_on is None or i.end_on >= at)
    ]


def _placements(c: Ctx) -> list[AnyIntervention]:
    return [
        i
        for i in c.facts.interventions
        if i.is_placement or i.legal_basis in (LegalBasis.BL46, LegalBasis.BL47)
    ]


def follow_up_done_on(f: AnyFollowUp) -> date | None:
    """The day a follow-up run was completed: its decision, else the last of four settled steps."""
    if f.decided_on is not None:
        return f.decided_on
    steps = [
        (f.child_conversation, f.child_conversation_on),
        (f.meeting, f.meeting_on),
        (f.written_plan, f.written_plan_on),
        (f.hearing, f.hearing_sent_on),
    ]
    if any(status == StepStatus.AFVENTER for status, _ in steps):
        return None
    days = [d for _, d in steps if d is not None]
    return max(days) if days else None


# -- underretning ----------------------------------------------------------------------


def notification_assessment(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §136 (old SEL §155): an underretning is assessed within 24 hours of its
    receipt (calendar hours, weekends and holidays included), so a child in danger is found at
    once. §§133–134 are the notifiers' duty to notify, not the municipality's deadline."""
    for n in c.facts.notifications:
        if n.received_at is None:
            yield missing(c, "underretning_24_timer", n.id, "modtagelsestidspunkt", "Vurdering")
            continue
        yield make(
            c,
            "underretning_24_timer",
            n.id,
            trigger=n.received_at,
            due=add_hours(n.received_at, c.std.notification_assessment_hours),
            done_at=n.assessed_at,
            fulfilled_by="Indledende vurdering registreret",
        )


def notifier_receipt(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §138 stk. 1 (old SEL §155 b stk. 1): a professional notifier (skærpet
    underretningspligt, §133) gets a receipt within 6 working days of receipt. Hverdage exclude
    weekends and Danish public holidays; the day of receipt does not count. A municipality's
    extra closing days (``closed_on_optional_holidays``) never move it later (``legal_workday``)."""
    for n in c.facts.notifications:
        if n.notifier_kind != NotifierKind.FAGPERSON:
            continue
        if n.received_at is None:
            yield missing(c, "kvittering_underretter", n.id, "modtagelsestidspunkt", "Kvittering")
            continue
        due_day = legal_workday(c, local_date(n.received_at), "notifier_receipt_workdays")
        yield make(
            c,
            "kvittering_underretter",
            n.id,
            trigger=n.received_at,
            due=end_of_day(due_day),
            done_at=None if n.receipt_sent_on is None else start_of_day(n.receipt_sent_on),
            fulfilled_by="Kvittering sendt til underretter",
        )


def notifier_feedback(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §138 stk. 2 (old SEL §155 b stk. 2): a professional notifier is told whether
    the underretning led to an undersøgelse or an indsats (or the child already has one). The
    law names no number of days: the period is a local standard (``notifier_feedback_days``,
    30 days by default, as the Halsnæs clarification of an underretning). Without the time of
    receipt nothing is guessed (the receipt deadline reports it missing)."""
    for n in c.facts.notifications:
        if n.notifier_kind != NotifierKind.FAGPERSON or n.received_at is None:
            continue
        yield make(
            c,
            "tilbagemelding_underretter",
            n.id,
            trigger=n.received_at,
            due=end_of_day(
                local_date(n.received_at) + timedelta(days=c.std.notifier_feedback_days)
            ),
            done_at=None if n.feedback_sent_on is None else start_of_day(n.feedback_sent_on),
            fulfilled_by="Tilbagemelding sendt til underretter",
        )


def notification_meeting(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Halsnæs): an underretningsmøde with the family and the notifier within
    14 days of receipt."""
    days = c.std.notification_meeting_days
    if days <= 0:
        return
    for n in c.facts.notifications:
        if n.received_at is None or n.outcome == ScreeningOutcome.SAMMENLAGT:
            continue
        yield make(
            c,
            "underretningsmoede_14_dage",
            n.id,
            trigger=n.received_at,
            due=end_of_day(local_date(n.received_at) + timedelta(days=days)),
            done_at=_first_held_after(c, MeetingKind.UNDERRETNINGSMOEDE, n.received_at),
            fulfilled_by="Underretningsmøde holdt",
        )


def notification_clarification(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Halsnæs): an underretning is clarified within 30 days: closed with
    advice or no measure, merged, feedback given, or a børnefaglig undersøgelse started."""
    days = c.std.notification_clarification_days
    if days <= 0:
        return
    closing = (
        ScreeningOutcome.INGEN_FORANSTALTNING,
        ScreeningOutcome.RAAD_OG_VEJLEDNING,
        ScreeningOutcome.SAMMENLAGT,
    )
    for n in c.facts.notifications:
        if n.received_at is None:
            continue
        received = local_date(n.received_at)
        done: list[datetime] = []
        if n.outcome in closing and n.assessed_at is not None:
            done.append(n.assessed_at)
        if n.feedback_sent_on is not None:
            done.append(start_of_day(n.feedback_sent_on))
        done += [
            start_of_day(a.started_on) for a in c.facts.assessments if a.started_on >= received
        ]
        yield make(
            c,
            "underretning_afklaring_30_dage",
            n.id,
            trigger=n.received_at,
            due=end_of_day(received + timedelta(days=days)),
            done_at=min(done) if done else None,
            fulfilled_by="Afklaret: afsluttet, sammenlagt, tilbagemeldt eller undersøgelse startet",
        )


def new_notification_in_supported_case(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §137 stk. 1: a new underretning about a child who already has support or is
    placed is assessed together with at least one colleague who has not worked on the case."""
    for n in c.facts.notifications:
        if n.received_at is None:
            continue
        received = local_date(n.received_at)
        # "already has support": a §32/§46/§47 indsats begun before the day of receipt and still
        # active at receipt (one starting that day answers this underretning, it is not prior)
        if not any(i.start_on < received for i in _active_support(c, received)):
            continue
        yield make(
            c,
            "ny_underretning_137",
            n.id,
            trigger=n.received_at,
            due=add_hours(n.received_at, c.std.notification_new_colleague_hours),
            done_at=n.assessed_at if n.assessed_with_new_colleague else None,
            fulfilled_by="Vurderet sammen med en kollega, der er ny i sagen",
        )


def abuse_child_conversation(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §137 stk. 3: when an underretning concerns abuse (overgreb), a conversation
    with the child is mandatory. The law says "snarest"; the number of days is a local standard."""
    for n in c.facts.notifications:
        if not n.concerns_abuse or n.received_at is None:
            continue
        yield make(
            c,
            "samtale_overgreb_137",
            n.id,
            trigger=n.received_at,
            due=end_of_day(
                local_date(n.received_at) + timedelta(days=c.std.abuse_child_conversation_days)
            ),
            done_at=_first_held_after(c, MeetingKind.BOERNESAMTALE, n.received_at),
            fulfilled_by="Børnesamtale holdt",
        )


# -- børnefaglig undersøgelse -----------------------------------------------------------


def assessment_deadline(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §20 stk. 3: the børnefaglig undersøgelse is completed within 4 months of the
    municipality becoming aware that the child may need support (calendar months: 31 October +
    4 months = 28/29 February). If that is impossible, a foreløbig vurdering is made at 4 months
    and the undersøgelse is completed "snarest" (days: local standard)."""
    for a in c.facts.assessments:
        due_day = add_months(a.aware_on, c.std.assessment_months)
        completed = a.completed_on
        if completed is None and a.status == AssessmentStatus.AFSLUTTET:
            yield missing(
                c, "undersoegelse_4_maaneder", a.id, "afslutningsdato", "Undersøgelsen afsluttet"
            )
            continue
        done = None if completed is None else start_of_day(completed)
        by = "Undersøgelsen afsluttet"
        if (
            (completed is None or completed > due_day)
            and a.preliminary_on is not None
            and a.preliminary_on <= due_day
        ):
            done, by = start_of_day(a.preliminary_on), "Foreløbig vurdering efter 4 måneder"
            yield make(
                c,
                "undersoegelse_snarest",
                a.id,
                trigger=start_of_day(a.preliminary_on),
                due=end_of_day(
                    a.preliminary_on + timedelta(days=c.std.assessment_after_preliminary_days)
                ),
                done_at=None if completed is None else start_of_day(completed),
                fulfilled_by="Undersøgelsen afsluttet",
            )
        yield make(
            c,
            "undersoegelse_4_maaneder",
            a.id,
            trigger=start_of_day(a.aware_on),
            due=end_of_day(due_day),
            done_at=done,
            fulfilled_by=by,
        )


def simple_assessment(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Slagelse 2017 status: "6-ugers børnefaglig undersøgelse"): an undersøgelse
    marked simple (``is_simple``) is completed within 6 weeks of its start
    (``simple_assessment_weeks``; 0 switches it off), never later than the law's 4 months
    (Barnets Lov §20 stk. 3, its own deadline beside this one). Completed without a day: the
    4-month rule reports it missing, nothing is guessed here."""
    weeks = c.std.simple_assessment_weeks
    if weeks <= 0:
        return
    for a in c.facts.assessments:
        if not a.is_simple or (a.completed_on is None and a.status == AssessmentStatus.AFSLUTTET):
            continue
        due_day = min(
            a.started_on + timedelta(weeks=weeks), add_months(a.aware_on, c.std.assessment_months)
        )
        yield make(
            c,
            "undersoegelse_simpel_6_uger",
            a.id,
            trigger=start_of_day(a.started_on),
            due=end_of_day(due_day),
            done_at=None if a.completed_on is None else start_of_day(a.completed_on),
            fulfilled_by="Undersøgelsen afsluttet",
        )


def home_visit(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Slagelse 2008 standards, section 2 "Hjemmebesøg"; not a paragraph of the
    law — §20 stk. 2 is about starting an undersøgelse): a børnefaglig undersøgelse includes at
    least one hjemmebesøg; if none happened, the reason is documented (then the deadline is
    excepted with that reason)."""
    for a in c.facts.assessments:
        due_day = add_months(a.aware_on, c.std.assessment_months)
        if a.completed_on is not None:
            due_day = min(due_day, a.completed_on)
        start = start_of_day(a.started_on)
        visit = _first_held_after(c, MeetingKind.HJEMMEBESOEG, start)
        if visit is not None and a.completed_on is not None and local_date(visit) > a.completed_on:
            visit = None  # after the undersøgelse was finished: it does not count (a late one does)
        d = make(
            c,
            "hjemmebesoeg_undersoegelse",
            a.id,
            trigger=start,
            due=end_of_day(due_day),
            done_at=visit,
            fulfilled_by="Hjemmebesøg registreret",
        )
        if d.status != DeadlineStatus.OPFYLDT and a.no_home_visit_reason.strip():
            d = _excepted(d, a.no_home_visit_reason.strip())
        yield d


# -- plans ---------------------------------------------------------------------------------


def _approved(plans: Iterable[AnyPlan], kinds: tuple[PlanKind, ...]) -> list[AnyPlan]:
    return sorted(
        (
            p
            for p in plans
            if p.kind in kinds
            and p.approved_on is not None
            and p.status in (PlanStatus.GAELDENDE, PlanStatus.ERSTATTET)
        ),
        key=lambda p: p.approved_on,  # type: ignore[arg-type, return-value]
    )


def child_plan(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §91: barnets plan within 3 months of the decision on support. Mandatory for a
    placement (§91 stk. 2); for §32 support the municipality decides whether a plan is made
    (§91 stk. 1) — a decision not to make one is recorded as an exception with its reason.
    For a placement without consent (§47) the plan is made before the decision."""
    plans = _approved(c.facts.plans, (PlanKind.HANDLEPLAN, PlanKind.BARNETS_PLAN))
    for i in c.facts.interventions:
        if i.legal_basis not in SUPPORT:
            continue
        if i.decided_on is None:
            yield missing(c, "barnets_plan_3_maaneder", i.id, "afgørelsesdato", "Barnets plan")
            continue
        title: str | None = None
        if i.legal_basis == LegalBasis.BL47:
            due_day = i.decided_on
            window_start = add_months(i.decided_on, -c.std.plan_months)
            title = "Barnets plan før afgørelse om anbringelse uden samtykke"
        else:
            due_day = add_months(i.decided_on, c.std.plan_months)
            window_start = i.decided_on
            title = (
                None
                if (i.is_placement or i.legal_basis == LegalBasis.BL46)
                else ("Barnets plan – eller beslutning om ingen plan (§32)")
            )
        matching = [p for p in plans if p.decision_on == i.decided_on] or [
            p for p in plans if p.approved_on is not None and p.approved_on >= window_start
        ]
        done = matching[0].approved_on if matching else None
        yield make(
            c,
            "barnets_plan_3_maaneder",
            i.id,
            trigger=start_of_day(min(i.decided_on, due_day)),
            due=end_of_day(due_day),
            done_at=None if done is None else start_of_day(done),
            fulfilled_by="Barnets plan godkendt",
            title=title,
        )


def youth_plan(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §108: from 16, a decision on an ungeplan — within 3 months of the decision on
    support or of the 16th birthday (§108 stk. 3); mandatory when the young person is placed.
    For a placement without consent (§47) decided from 16, the ungeplan is made before the
    decision (§108 stk. 4), as barnets plan is (§91): due on the decision day."""
    support = [i for i in c.facts.interventions if i.legal_basis in SUPPORT]
    if not support:
        return
    born = c.facts.child.birth_date
    if born is None:
        if not c.facts.child.unborn:
            yield missing(c, "ungeplan_16_aar", c.facts.child.id, "barnets fødselsdato", "Ungeplan")
        return
    sixteen, eighteen = add_months(born, 16 * 12), add_months(born, 18 * 12)
    if c.today < add_months(sixteen, -12) or c.today >= eighteen:
        return
    relevant = [i for i in support if i.end_on is None or i.end_on >= sixteen]
    if not relevant:
        return
    decided = min((i.decided_on or i.start_on) for i in relevant)
    trigger = max(sixteen, decided)
    due_day = add_months(trigger, c.std.youth_plan_months)
    title: str | None = None
    without_consent = sorted(
        i.decided_on
        for i in relevant
        if i.legal_basis == LegalBasis.BL47 and i.decided_on is not None and i.decided_on >= sixteen
    )
    if without_consent and without_consent[0] <= due_day:
        due_day = without_consent[0]
        trigger = min(trigger, due_day)
        title = "Ungeplan før afgørelse om anbringelse uden samtykke"
    plans = _approved(c.facts.plans, (PlanKind.UNGEPLAN,))
    yield make(
        c,
        "ungeplan_16_aar",
        c.facts.child.id,
        trigger=start_of_day(trigger),
        due=end_of_day(due_day),
        done_at=None
        if not plans or plans[0].approved_on is None
        else start_of_day(plans[0].approved_on),
        fulfilled_by="Ungeplan godkendt",
        title=title,
    )


def youth_support_decision(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §111 stk. 1: for a placed young person, the decision on ungestøtte (§§114–116
    and 120) is made at least 6 months before the placement ends at 18."""
    placements = [p for p in _placements(c) if p.end_on is None or p.end_on >= c.today]
    if not placements:
        return
    born = c.facts.child.birth_date
    if born is None:
        yield missing(c, "ungestoette_18_aar", c.facts.child.id, "barnets fødselsdato", "Afgørelse")
        return
    eighteen = add_months(born, 18 * 12)
    if c.today < add_months(eighteen, -24) or c.today >= eighteen:
        return
    due_day = add_months(eighteen, -c.std.youth_support_decision_months_before_18)
    start = min(p.start_on for p in placements)
    decisions = sorted(
        i.decided_on
        for i in c.facts.interventions
        if i.legal_basis == LegalBasis.BL114 and i.decided_on is not None
    )
    acked = sorted(
        a.acknowledged_at
        for a in c.facts.acks
        if a.rule == "ungestoette_18_aar" and a.kind == DeadlineAckKind.KVITTERET
    )
    done = [start_of_day(decisions[0])] if decisions else []
    done += acked[:1]
    yield make(
        c,
        "ungestoette_18_aar",
        c.facts.child.id,
        trigger=start_of_day(min(start, due_day)),
        due=end_of_day(due_day),
        done_at=min(done) if done else None,
        fulfilled_by="Afgørelse om ungestøtte truffet",
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
    if not _active_support(c, c.today, FOLLOWED_UP):
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
            for p in _placements(c)
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
            d = _replace(
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


def _replace(d: Deadline, **changes: object) -> Deadline:
    return d._replace(**changes)  # type: ignore[arg-type]


def _excepted(d: Deadline, reason: str) -> Deadline:
    return _replace(d, status=DeadlineStatus.UNDTAGET, reason=reason)


Rule = Callable[[Ctx], Iterator[Deadline]]

ALL_RULES: tuple[Rule, ...] = (
    notification_assessment,
    notifier_receipt,
    notifier_feedback,
    notification_meeting,
    notification_clarification,
    new_notification_in_supported_case,
    abuse_child_conversation,
    assessment_deadline,
    simple_assessment,
    home_visit,
    child_plan,
    youth_plan,
    youth_support_decision,
    first_follow_up,
    next_follow_up,
    supervision,
    hearing_answer,
    resource_agreement,
    intervention_reviews,
    team_review,
)
