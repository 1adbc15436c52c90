"""The deadline rules' common ground: the legal references (``RULES``), what a rule sees (``Ctx``)
and how it makes a deadline (``make``, ``missing``). Pure: no database, no clock.

Legal references live in ``RULES`` only, so a paragraph number is corrected in one place. Every
paragraph cited was checked against the law text (Barnets Lov, LBK nr. 282 af 17/03/2025) and the
ministry's guidance (VEJ nr. 9471 af 21/06/2024); a rule the law gives no number for is cited as
the local standard it comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from models.deadlines.calendar import DK, add_workdays, local_date
from models.deadlines.calendar import end_of_day as local_end_of_day
from models.deadlines.standards import LEGAL_CALENDAR, LEGAL_LIMITS, Standards
from models.deadlines.types import (
    AnyFollowUp,
    AnyIntervention,
    AnyMeeting,
    CaseFacts,
    Deadline,
    DeadlineStatus,
)
from models.vocabulary import (
    LegalBasis,
    MeetingKind,
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


def first_held_after(c: Ctx, kind: MeetingKind, after: datetime) -> datetime | None:
    for m in c.held.get(kind, ()):
        assert m.held_at is not None
        if m.held_at >= after:
            return m.held_at
    return None


def active_support(
    c: Ctx, at: date, bases: tuple[LegalBasis, ...] = SUPPORT
) -> list[AnyIntervention]:
    return [
        i
        for i in c.facts.interventions
        if i.legal_basis in bases and i.start_on <= at and (i.end_on is None or i.end_on >= at)
    ]


def placements_of(c: Ctx) -> list[AnyIntervention]:
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


def with_changes(d: Deadline, **changes: object) -> Deadline:
    return d._replace(**changes)  # type: ignore[arg-type]


def excepted(d: Deadline, reason: str) -> Deadline:
    return with_changes(d, status=DeadlineStatus.UNDTAGET, reason=reason)


Rule = Callable[[Ctx], Iterator[Deadline]]
