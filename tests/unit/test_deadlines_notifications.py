"""Deadlines of an underretning (DOMAIN.md stages 1–4 and Barnets Lov §137): the 24-hour
assessment, the receipt to a professional notifier in 6 hverdage, the local 14-day meeting and
30-day clarification, and the §137 re-assessment and child conversation. Each test checks the
moments around the deadline: before it, at its last moment, and just after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.deadlines.calendar import DK, end_of_day
from models.deadlines.engine import compute
from models.deadlines.rules import RULES
from models.deadlines.standards import DeadlineSettingError, Standards, apply
from models.deadlines.types import CaseFacts, Deadline, DeadlineStatus
from models.schema import Assessment, Case, DeadlineAck, Intervention, Meeting, Notification, Person
from models.vocabulary import (
    AssessmentStatus,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    NotifierKind,
    ScreeningOutcome,
)

S = DeadlineStatus
US = timedelta(microseconds=1)
EXACT = Standards(soon_days=0)  # no "snart" window: ok right up to the deadline


def dk(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, us, tzinfo=DK)


def notification(
    received_at: datetime | None,
    *,
    nid: str = "n1",
    kind: NotifierKind = NotifierKind.FAGPERSON,
    concerns_abuse: bool = False,
    assessed_at: datetime | None = None,
    outcome: ScreeningOutcome | None = None,
    new_colleague: str | None = None,
    receipt_sent_on: date | None = None,
    feedback_sent_on: date | None = None,
) -> Notification:
    return Notification(
        id=nid,
        case_id="c1",
        received_at=received_at,
        notifier_kind=kind,
        notifier_sector=None,
        concerns_abuse=concerns_abuse,
        assessed_at=assessed_at,
        outcome=outcome,
        assessed_with_new_colleague=new_colleague,
        receipt_sent_on=receipt_sent_on,
        feedback_sent_on=feedback_sent_on,
    )


def meeting(kind: MeetingKind, held_at: datetime | None, *, mid: str = "m1") -> Meeting:
    return Meeting(
        id=mid,
        case_id="c1",
        kind=kind,
        held_at=held_at,
        planned_at=None,
        child_alone=None,
        not_held_reason="",
    )


def intervention(
    basis: LegalBasis, start_on: date, end_on: date | None = None, *, iid: str = "i1"
) -> Intervention:
    return Intervention(
        id=iid,
        case_id="c1",
        title="Familiebehandling",
        legal_basis=basis,
        staircase_step=3,
        decided_on=None,
        start_on=start_on,
        end_on=end_on,
        is_placement=basis in (LegalBasis.BL46, LegalBasis.BL47),
        assessed_on=None,
        evaluated_on=None,
    )


def assessment(started_on: date, *, aid: str = "a1") -> Assessment:
    return Assessment(
        id=aid,
        case_id="c1",
        aware_on=started_on,
        started_on=started_on,
        status=AssessmentStatus.IGANG,
        preliminary_on=None,
        completed_on=None,
        no_home_visit_reason="",
    )


def ack(
    kind: DeadlineAckKind, rule: str, subject_id: str | None, at: datetime, reason: str = ""
) -> DeadlineAck:
    return DeadlineAck(
        id=f"ack-{rule}-{kind}",
        case_id="c1",
        rule=rule,
        subject_id=subject_id,
        kind=kind,
        reason=reason,
        acknowledged_at=at,
    )


def facts(
    *notifications: Notification,
    meetings: tuple[Meeting, ...] = (),
    interventions: tuple[Intervention, ...] = (),
    assessments: tuple[Assessment, ...] = (),
    acks: tuple[DeadlineAck, ...] = (),
) -> CaseFacts:
    child = Person(id="p1", first_name="Barn", birth_date=date(2016, 8, 10), unborn=False)
    case = Case(
        id="c1",
        case_number="2026-0001",
        child_id="p1",
        opened_on=date(2025, 11, 3),
        closed_on=None,
        follow_up_every_months=None,
    )
    return CaseFacts(
        case=case,
        child=child,
        notifications=notifications,
        meetings=meetings,
        interventions=interventions,
        assessments=assessments,
        acks=acks,
    )


def of_rule(rule: str, f: CaseFacts, now: datetime, std: Standards | None = None) -> list[Deadline]:
    return [d for d in compute(f, now, std) if d.rule == rule]


def one(rule: str, f: CaseFacts, now: datetime, std: Standards | None = None) -> Deadline:
    found = of_rule(rule, f, now, std)
    assert len(found) == 1, found
    return found[0]


def status(rule: str, f: CaseFacts, now: datetime, std: Standards | None = None) -> S:
    return one(rule, f, now, std).status


# -- underretning_24_timer ---------------------------------------------------------------------

R24 = "underretning_24_timer"


def test_bl136_24_hours_across_a_weekend_boundaries() -> None:
    """Barnets Lov §136: the underretning is assessed within 24 calendar hours of its
    receipt; a Friday-afternoon underretning is due Saturday afternoon (weekends count)."""
    f = facts(notification(dk(2026, 1, 16, 15, 30)))  # Friday 15:30 CET
    due = dk(2026, 1, 17, 15, 30)
    d = one(R24, f, dk(2026, 1, 16, 16))
    assert d.due == due
    assert d.trigger == dk(2026, 1, 16, 15, 30)
    assert d.legal_basis == RULES[R24][1] == "Barnets Lov §136 (tidl. SEL §155)"
    assert d.subject_id == "n1"
    # the day before / the hour before / the last moment / just after / the day after
    assert status(R24, f, dk(2026, 1, 16, 15, 30), EXACT) == S.OK
    assert status(R24, f, due - timedelta(hours=1), EXACT) == S.OK
    assert status(R24, f, due - US, EXACT) == S.OK
    assert status(R24, f, due) == S.SNART  # still within the deadline
    assert status(R24, f, due + US) == S.OVERSKREDET
    assert status(R24, f, dk(2026, 1, 19, 8)) == S.OVERSKREDET  # Monday morning is too late
    # With the default 7-day "snart" window a 24-hour deadline is "snart" from receipt.
    assert status(R24, f, dk(2026, 1, 16, 15, 31)) == S.SNART


@pytest.mark.parametrize("tz", [DK, UTC], ids=["dk", "utc"])
def test_24_hours_across_spring_dst_change_are_real_hours(tz: object) -> None:
    """Barnets Lov §136: 24 hours are 24 elapsed hours. Received Saturday 28 March 2026
    12:00 CET; the clocks go forward that night, so the deadline is Sunday 13:00 CEST."""
    received = dk(2026, 3, 28, 12).astimezone(tz)  # type: ignore[arg-type]
    f = facts(notification(received))
    d = one(R24, f, dk(2026, 3, 28, 13))
    assert d.due == datetime(2026, 3, 29, 11, tzinfo=UTC)
    assert d.due is not None and d.due - received == timedelta(hours=24)
    assert status(R24, f, dk(2026, 3, 29, 12, 30)) == S.SNART  # 23.5 hours after receipt
    assert status(R24, f, dk(2026, 3, 29, 13)) == S.SNART
    assert status(R24, f, dk(2026, 3, 29, 13) + US) == S.OVERSKREDET


@pytest.mark.parametrize("tz", [DK, UTC], ids=["dk", "utc"])
def test_24_hours_across_autumn_dst_change_are_real_hours(tz: object) -> None:
    """Barnets Lov §136: received Saturday 24 October 2026 12:00 CEST; the clocks go back
    that night, so the deadline is Sunday 11:00 CET (24 elapsed hours), not 12:00."""
    received = dk(2026, 10, 24, 12).astimezone(tz)  # type: ignore[arg-type]
    f = facts(notification(received))
    d = one(R24, f, dk(2026, 10, 24, 13))
    assert d.due == datetime(2026, 10, 25, 10, tzinfo=UTC)
    assert status(R24, f, dk(2026, 10, 25, 11)) == S.SNART
    assert status(R24, f, dk(2026, 10, 25, 11) + US) == S.OVERSKREDET
    assert status(R24, f, dk(2026, 10, 25, 11, 30)) == S.OVERSKREDET  # 24.5 hours after receipt


def test_24_hours_fulfilled_by_the_assessment_once_it_has_happened() -> None:
    """Barnets Lov §136: the registered indledende vurdering fulfils the deadline, but a
    vurdering recorded later than "now" does not count yet."""
    received = dk(2026, 1, 16, 15, 30)
    assessed = dk(2026, 1, 17, 9)
    f = facts(notification(received, assessed_at=assessed))
    before = one(R24, f, assessed - US)
    assert before.status == S.SNART
    assert before.fulfilled_at is None
    after = one(R24, f, assessed)
    assert after.status == S.OPFYLDT
    assert after.fulfilled_at == assessed
    assert one(R24, f, dk(2026, 2, 1)).status == S.OPFYLDT


def test_24_hours_setting_may_be_stricter_never_looser() -> None:
    """Barnets Lov §136 is the floor: a municipality may assess faster, never slower."""
    std = apply(Standards(), {"notification_assessment_hours": 12})
    f = facts(notification(dk(2026, 1, 16, 8)))
    assert one(R24, f, dk(2026, 1, 16, 9), std).due == dk(2026, 1, 16, 20)
    with pytest.raises(DeadlineSettingError):
        apply(Standards(), {"notification_assessment_hours": 25})


def test_unknown_receipt_time_is_reported_missing_never_guessed() -> None:
    """Barnets Lov §136 and §138, stk. 1: without the time of receipt no deadline can be
    computed; the 24-hour and receipt deadlines say "mangler oplysninger" with what is missing,
    and the rules that count from receipt yield nothing rather than a guessed date."""
    f = facts(
        notification(None, concerns_abuse=True),
        interventions=(intervention(LegalBasis.BL32, date(2025, 12, 1)),),
    )
    now = dk(2026, 3, 2, 10)
    d = one(R24, f, now)
    assert d.status == S.MANGLER
    assert d.missing == ("modtagelsestidspunkt",)
    assert d.due is None and d.trigger is None and d.due_date is None
    receipt = one("kvittering_underretter", f, now)
    assert receipt.status == S.MANGLER
    assert "modtagelsestidspunkt" in receipt.missing
    assert receipt.due is None
    for rule in (
        "underretningsmoede_14_dage",
        "underretning_afklaring_30_dage",
        "tilbagemelding_underretter",
        "ny_underretning_137",
        "samtale_overgreb_137",
    ):
        assert of_rule(rule, f, now) == [], rule


def test_unknown_receipt_time_of_a_citizen_notification() -> None:
    """Barnets Lov §136: a citizen's underretning without receipt time is missing its
    24-hour deadline; it never gets a receipt deadline (§138, stk. 1 is for professionals only)."""
    f = facts(notification(None, kind=NotifierKind.BORGER))
    now = dk(2026, 3, 2, 10)
    assert one(R24, f, now).missing == ("modtagelsestidspunkt",)
    assert of_rule("kvittering_underretter", f, now) == []


# -- kvittering_underretter --------------------------------------------------------------------

RK = "kvittering_underretter"


@pytest.mark.parametrize(
    ("received", "due_day"),
    [
        (dk(2026, 1, 12, 10), date(2026, 1, 20)),  # Monday: next Tuesday
        (dk(2026, 1, 16, 14), date(2026, 1, 26)),  # Friday
        (dk(2026, 1, 17, 11), date(2026, 1, 26)),  # Saturday: counting starts Monday
        (dk(2026, 1, 18, 11), date(2026, 1, 26)),  # Sunday
        # Easter 2026: 2, 3 and 6 April are holidays.
        (dk(2026, 3, 30, 9), date(2026, 4, 10)),
        (dk(2026, 3, 31, 23, 59), date(2026, 4, 13)),
        (dk(2026, 4, 1, 9), date(2026, 4, 14)),
        (dk(2026, 4, 2, 9), date(2026, 4, 14)),  # received on Skærtorsdag
        (dk(2026, 4, 6, 9), date(2026, 4, 14)),  # received on 2. påskedag
        # Kristi Himmelfartsdag 14 May, 2. pinsedag 25 May 2026.
        (dk(2026, 5, 11, 9), date(2026, 5, 19) + timedelta(days=1)),
        (dk(2026, 5, 19, 9), date(2026, 5, 28)),
        # Christmas and New Year (24 and 31 December are working days by default).
        (dk(2026, 12, 21, 9), date(2026, 12, 30)),
        (dk(2026, 12, 29, 9), date(2027, 1, 7)),
        # Grundlovsdag is a working day by default.
        (dk(2026, 6, 1, 9), date(2026, 6, 9)),
        # Received late in the UTC evening: it is already the next Danish day (Skærtorsdag).
        (datetime(2026, 4, 1, 22, 30, tzinfo=UTC), date(2026, 4, 14)),
        (datetime(2026, 3, 31, 21, 59, tzinfo=UTC), date(2026, 4, 13)),
    ],
)
def test_bl138_stk1_receipt_6_hverdage_skips_weekends_and_holidays(
    received: datetime, due_day: date
) -> None:
    """Barnets Lov §138, stk. 1 (old SEL §155 b): a professional notifier gets a receipt within
    6 hverdage; the day of receipt does not count; weekends and Danish public holidays do not."""
    f = facts(notification(received))
    d = one(RK, f, received)
    assert d.due == end_of_day(due_day)
    assert d.due_date == due_day
    assert d.legal_basis == RULES[RK][1] == "Barnets Lov §138, stk. 1 (tidl. SEL §155 b, stk. 1)"


@pytest.mark.parametrize(
    ("received", "due_day"),
    [
        # The law counts 1 May, Grundlovsdag, 24 and 31 December as hverdage: a municipality
        # closed on them must still answer by the law's day (else 6 May, 10 June, 4 and 8 Jan).
        (dk(2026, 4, 27, 9), date(2026, 5, 5)),  # 1 May 2026 is a Friday
        (dk(2026, 6, 1, 9), date(2026, 6, 9)),  # Grundlovsdag 5 June
        (dk(2026, 12, 21, 9), date(2026, 12, 30)),  # 24 December
        (dk(2026, 12, 29, 9), date(2027, 1, 7)),  # 31 December
    ],
)
def test_bl138_stk1_closing_days_never_move_the_receipt_past_the_law(
    received: datetime, due_day: date
) -> None:
    """Barnets Lov §138, stk. 1: the law is the floor for the calendar too. A municipality closed
    on 1 May, Grundlovsdag, 24 and 31 December (``closed_on_optional_holidays``) gets the law's
    day, the same as one that is open: in time all that day, overdue the day after."""
    std = Standards(closed_on_optional_holidays=True, soon_days=0)
    f = facts(notification(received))
    assert one(RK, f, received, std).due_date == due_day
    assert one(RK, f, received).due_date == due_day  # the same as with the law's calendar
    assert status(RK, f, end_of_day(due_day - timedelta(days=1)), std) == S.OK
    assert status(RK, f, end_of_day(due_day) - US, std) == S.OK
    assert status(RK, f, end_of_day(due_day) + US, std) == S.OVERSKREDET


@pytest.mark.parametrize(
    ("workdays", "due_day"),
    [
        (4, date(2026, 5, 4)),  # stricter and earlier than the law's Tuesday 5 May: it applies
        (5, date(2026, 5, 5)),  # 1 May closed makes it the law's day
        (6, date(2026, 5, 5)),  # the law's number: the closing day does not count
    ],
)
def test_bl138_stk1_a_stricter_number_with_the_local_calendar_applies_when_earlier(
    workdays: int, due_day: date
) -> None:
    """Barnets Lov §138, stk. 1: the municipality's own (stricter) number of hverdage with its own
    calendar applies where it gives an earlier day than the law's 6 hverdage with the law's."""
    std = Standards(closed_on_optional_holidays=True, notifier_receipt_workdays=workdays)
    received = dk(2026, 4, 27, 9)  # Monday; Friday 1 May is closed
    assert one(RK, facts(notification(received)), received, std).due_date == due_day


def test_receipt_boundaries_over_easter() -> None:
    """Barnets Lov §138, stk. 1: received Wednesday 1 April 2026, the receipt is due Tuesday
    14 April (Easter holidays skipped): in time all that day, overdue from midnight."""
    f = facts(notification(dk(2026, 4, 1, 9)))
    assert status(RK, f, dk(2026, 4, 6, 12)) == S.OK  # 2. påskedag, 8 days left
    assert status(RK, f, dk(2026, 4, 7, 23, 59, 59, 999998)) == S.OK
    assert status(RK, f, dk(2026, 4, 7, 23, 59, 59, 999999)) == S.SNART  # 7 days before
    assert status(RK, f, dk(2026, 4, 13, 12), EXACT) == S.OK  # the day before
    assert status(RK, f, dk(2026, 4, 14, 0), EXACT) == S.OK  # the day of
    assert status(RK, f, dk(2026, 4, 14, 23, 59, 59, 999999)) == S.SNART  # its last moment
    assert status(RK, f, dk(2026, 4, 15, 0)) == S.OVERSKREDET  # the day after


def test_receipt_sent_fulfils_from_the_day_it_is_sent() -> None:
    """Barnets Lov §138, stk. 1: a receipt sent on the last day fulfils the deadline; a send date
    recorded after "now" does not count yet."""
    f = facts(notification(dk(2026, 4, 1, 9), receipt_sent_on=date(2026, 4, 14)))
    assert status(RK, f, dk(2026, 4, 13, 23, 59)) == S.SNART
    d = one(RK, f, dk(2026, 4, 14, 8))
    assert d.status == S.OPFYLDT
    assert d.fulfilled_at == dk(2026, 4, 14)
    assert status(RK, f, dk(2026, 5, 1)) == S.OPFYLDT


@pytest.mark.parametrize("kind", [NotifierKind.BORGER, NotifierKind.ANONYM])
def test_receipt_only_for_professional_notifiers(kind: NotifierKind) -> None:
    """Barnets Lov §138, stk. 1: only a professional notifier (skærpet underretningspligt) gets a
    receipt; a citizen or an anonymous notifier gets none (the 24-hour rule still applies)."""
    f = facts(notification(dk(2026, 4, 1, 9), kind=kind))
    now = dk(2026, 4, 20)
    assert of_rule(RK, f, now) == []
    assert status(R24, f, now) == S.OVERSKREDET


def test_receipt_setting_may_be_stricter_never_looser() -> None:
    """Barnets Lov §138, stk. 1: 6 hverdage is the floor; 4 is allowed, 7 is refused."""
    std = apply(Standards(), {"notifier_receipt_workdays": 4})
    assert one(RK, facts(notification(dk(2026, 4, 1, 9))), dk(2026, 4, 1, 10), std).due_date == (
        date(2026, 4, 10)
    )
    with pytest.raises(DeadlineSettingError):
        apply(Standards(), {"notifier_receipt_workdays": 7})


# -- tilbagemelding_underretter ----------------------------------------------------------------

RF = "tilbagemelding_underretter"


def test_bl138_stk2_feedback_is_a_task_due_after_the_local_standard() -> None:
    """Barnets Lov §138, stk. 2: a professional notifier is told whether an undersøgelse or
    indsats was started. The law names no number: the local standard's 30 days (calendar days
    from the Danish day of receipt) — in time all through the last day, overdue after it."""
    f = facts(notification(dk(2026, 3, 2, 10)))
    d = one(RF, f, dk(2026, 3, 2, 11))
    assert d.due == end_of_day(date(2026, 4, 1))
    assert d.legal_basis == "Barnets Lov §138, stk. 2 (frist: lokal standard)"
    assert d.title == "Tilbagemelding til fagperson om undersøgelse eller indsats"
    assert d.subject_id == "n1"
    assert status(RF, f, dk(2026, 3, 31, 12), EXACT) == S.OK  # the day before
    assert status(RF, f, end_of_day(date(2026, 4, 1)) - US, EXACT) == S.OK  # its last moment
    assert status(RF, f, dk(2026, 4, 2, 0)) == S.OVERSKREDET  # the day after


def test_bl138_stk2_feedback_sent_fulfils_it_from_that_day() -> None:
    """Barnets Lov §138, stk. 2: the day the feedback was sent fulfils it (not before)."""
    f = facts(notification(dk(2026, 3, 2, 10), feedback_sent_on=date(2026, 4, 1)))
    assert status(RF, f, dk(2026, 3, 31, 12)) == S.SNART
    d = one(RF, f, dk(2026, 4, 1, 8))
    assert (d.status, d.fulfilled_at) == (S.OPFYLDT, dk(2026, 4, 1))
    assert d.fulfilled_by == "Tilbagemelding sendt til underretter"


@pytest.mark.parametrize("kind", [NotifierKind.BORGER, NotifierKind.ANONYM])
def test_bl138_stk2_feedback_only_to_a_professional_notifier(kind: NotifierKind) -> None:
    """Barnets Lov §138, stk. 2 concerns notifiers with skærpet underretningspligt (§133)."""
    assert of_rule(RF, facts(notification(dk(2026, 3, 2, 10), kind=kind)), dk(2026, 5, 1)) == []


def test_bl138_stk2_feedback_period_is_a_local_standard() -> None:
    """Barnets Lov §138, stk. 2 has no number: a municipality sets its own period (any sane
    value, no legal floor), and cannot switch the duty off."""
    std = apply(Standards(municipality="Testkommune"), {"notifier_feedback_days": 14})
    d = one(RF, facts(notification(dk(2026, 3, 2, 10))), dk(2026, 3, 2, 11), std)
    assert d.due_date == date(2026, 3, 16)
    assert apply(Standards(), {"notifier_feedback_days": 60}).notifier_feedback_days == 60
    with pytest.raises(DeadlineSettingError):
        apply(Standards(), {"notifier_feedback_days": 0})


# -- underretningsmoede_14_dage ---------------------------------------------------------------

RM = "underretningsmoede_14_dage"


def test_meeting_14_days_boundaries() -> None:
    """Lokal standard (Halsnæs): an underretningsmøde within 14 calendar days of receipt —
    received Monday 2 March 2026, due at the end of Monday 16 March."""
    f = facts(notification(dk(2026, 3, 2, 10)))
    d = one(RM, f, dk(2026, 3, 2, 11))
    assert d.due == end_of_day(date(2026, 3, 16))
    assert d.legal_basis == "Lokal standard: Standard"
    assert d.status == S.OK
    # "snart" from 7 days before the last moment
    assert status(RM, f, end_of_day(date(2026, 3, 9)) - US) == S.OK
    assert status(RM, f, end_of_day(date(2026, 3, 9))) == S.SNART
    assert status(RM, f, dk(2026, 3, 15, 12), EXACT) == S.OK  # the day before
    assert status(RM, f, dk(2026, 3, 16, 23, 59), EXACT) == S.OK  # the day of
    assert status(RM, f, dk(2026, 3, 17, 0)) == S.OVERSKREDET  # the day after


def test_meeting_fulfilled_only_by_an_underretningsmoede_held_after_receipt() -> None:
    """Lokal standard (Halsnæs): only an underretningsmøde actually held after this
    underretning's receipt and before "now" fulfils it."""
    received = dk(2026, 3, 2, 10)
    now = dk(2026, 3, 20)
    cases = {
        "earlier meeting": meeting(MeetingKind.UNDERRETNINGSMOEDE, dk(2026, 3, 2, 9)),
        "other kind": meeting(MeetingKind.NETVAERKSMOEDE, dk(2026, 3, 5, 10)),
        "only planned": meeting(MeetingKind.UNDERRETNINGSMOEDE, None),
        "recorded in the future": meeting(MeetingKind.UNDERRETNINGSMOEDE, dk(2026, 3, 25, 10)),
    }
    for label, m in cases.items():
        assert status(RM, facts(notification(received), meetings=(m,)), now) == S.OVERSKREDET, label
    held = dk(2026, 3, 16, 14)
    f = facts(
        notification(received),
        meetings=(
            meeting(MeetingKind.UNDERRETNINGSMOEDE, held, mid="m2"),
            cases["earlier meeting"],
        ),
    )
    assert status(RM, f, held - US) == S.SNART
    d = one(RM, f, held)
    assert (d.status, d.fulfilled_at) == (S.OPFYLDT, held)
    assert status(RM, f, now) == S.OPFYLDT


def test_meeting_disabled_by_zero_and_configurable() -> None:
    """Lokal standard: the 14 days are a municipal setting; 0 switches the deadline off."""
    f = facts(notification(dk(2026, 3, 2, 10)))
    now = dk(2026, 3, 3)
    assert of_rule(RM, f, now, Standards(notification_meeting_days=0)) == []
    d = one(RM, f, now, Standards(notification_meeting_days=10))
    assert d.due_date == date(2026, 3, 12)


def test_meeting_not_for_a_merged_notification() -> None:
    """Lokal standard: an underretning merged into another (sammenlagt) gets no meeting of its own."""
    f = facts(
        notification(
            dk(2026, 3, 2, 10), outcome=ScreeningOutcome.SAMMENLAGT, assessed_at=dk(2026, 3, 2, 12)
        )
    )
    assert of_rule(RM, f, dk(2026, 3, 20)) == []


# -- underretning_afklaring_30_dage -----------------------------------------------------------

RA = "underretning_afklaring_30_dage"


def test_clarification_30_days_boundaries() -> None:
    """Lokal standard (Halsnæs): the underretning is clarified within 30 days — received Monday
    2 March 2026, due at the end of Wednesday 1 April."""
    f = facts(notification(dk(2026, 3, 2, 10)))
    d = one(RA, f, dk(2026, 3, 2, 11))
    assert d.due == end_of_day(date(2026, 4, 1))
    assert d.legal_basis == "Lokal standard: Standard"
    assert d.status == S.OK
    assert status(RA, f, dk(2026, 3, 31, 12), EXACT) == S.OK  # the day before
    assert status(RA, f, dk(2026, 4, 1, 23, 59, 59, 999999)) == S.SNART  # the day of
    assert status(RA, f, dk(2026, 4, 2, 0)) == S.OVERSKREDET  # the day after


@pytest.mark.parametrize(
    ("outcome", "assessed"),
    [
        (ScreeningOutcome.INGEN_FORANSTALTNING, True),
        (ScreeningOutcome.RAAD_OG_VEJLEDNING, True),
        (ScreeningOutcome.SAMMENLAGT, True),
    ],
)
def test_clarification_fulfilled_by_a_closing_outcome(
    outcome: ScreeningOutcome, assessed: bool
) -> None:
    """Lokal standard: closed with no measure or with advice, or merged, clarifies the
    underretning from the moment of the assessment."""
    assessed_at = dk(2026, 3, 10, 9)
    f = facts(notification(dk(2026, 3, 2, 10), outcome=outcome, assessed_at=assessed_at))
    assert status(RA, f, assessed_at - US) == S.OK
    d = one(RA, f, assessed_at)
    assert (d.status, d.fulfilled_at) == (S.OPFYLDT, assessed_at)


def test_clarification_fulfilled_by_feedback_or_a_started_assessment() -> None:
    """Lokal standard: feedback sent, or a børnefaglig undersøgelse (Barnets Lov §20) started on
    or after the day of receipt, clarifies the underretning."""
    received = dk(2026, 3, 2, 10)
    f = facts(notification(received, feedback_sent_on=date(2026, 3, 20)))
    assert status(RA, f, dk(2026, 3, 19, 23, 59)) == S.OK
    assert status(RA, f, dk(2026, 3, 20, 0)) == S.OPFYLDT
    f = facts(notification(received), assessments=(assessment(date(2026, 3, 2)),))
    d = one(RA, f, dk(2026, 3, 2, 11))
    assert (d.status, d.fulfilled_at) == (S.OPFYLDT, dk(2026, 3, 2))


def test_clarification_not_fulfilled_by_an_open_outcome_or_an_older_assessment() -> None:
    """Lokal standard: an acute or undersøgelse outcome without a started undersøgelse, a closing
    outcome with no assessment time, an undersøgelse started before the receipt, or one recorded
    after "now" does not clarify the underretning."""
    received = dk(2026, 3, 2, 10)
    now = dk(2026, 4, 2)
    for n, a in [
        (notification(received, outcome=ScreeningOutcome.AKUT, assessed_at=dk(2026, 3, 2, 11)), ()),
        (
            notification(
                received, outcome=ScreeningOutcome.UNDERSOEGELSE, assessed_at=dk(2026, 3, 2, 11)
            ),
            (),
        ),
        (notification(received, outcome=ScreeningOutcome.INGEN_FORANSTALTNING), ()),
        (notification(received), (assessment(date(2026, 3, 1)),)),
        (notification(received), (assessment(date(2026, 4, 10)),)),
        (notification(received, feedback_sent_on=date(2026, 4, 10)), ()),
    ]:
        d = one(RA, facts(n, assessments=a), now)
        assert d.status == S.OVERSKREDET, (n.outcome, a)
        assert d.fulfilled_at is None


def test_clarification_disabled_by_zero() -> None:
    """Lokal standard: 0 days switches the clarification deadline off."""
    f = facts(notification(dk(2026, 3, 2, 10)))
    assert of_rule(RA, f, dk(2026, 3, 3), Standards(notification_clarification_days=0)) == []
    assert one(RA, f, dk(2026, 3, 3), Standards(notification_clarification_days=45)).due_date == (
        date(2026, 4, 16)
    )


# -- ny_underretning_137 -----------------------------------------------------------------------

R137 = "ny_underretning_137"


@pytest.mark.parametrize("basis", [LegalBasis.BL32, LegalBasis.BL46, LegalBasis.BL47])
def test_new_notification_in_supported_case_boundaries(basis: LegalBasis) -> None:
    """Barnets Lov §137, stk. 1: a new underretning about a child who already has support (§32)
    or is placed (§46/§47) is assessed within 24 hours with a colleague new to the case."""
    received = dk(2026, 3, 2, 10)
    f = facts(notification(received), interventions=(intervention(basis, date(2026, 1, 5)),))
    d = one(R137, f, dk(2026, 3, 2, 11))
    assert d.due == received + timedelta(hours=24)
    assert d.legal_basis == RULES[R137][1]
    assert d.subject_id == "n1"
    assert status(R137, f, dk(2026, 3, 2, 10), EXACT) == S.OK
    assert status(R137, f, dk(2026, 3, 3, 9, 59), EXACT) == S.OK
    assert status(R137, f, dk(2026, 3, 3, 10)) == S.SNART
    assert status(R137, f, dk(2026, 3, 3, 10) + US) == S.OVERSKREDET
    assert status(R137, f, dk(2026, 3, 4, 10)) == S.OVERSKREDET


def test_new_notification_24_hours_across_dst() -> None:
    """Barnets Lov §137, stk. 1: the 24 hours are elapsed hours across the spring DST change."""
    f = facts(
        notification(dk(2026, 3, 28, 12)),
        interventions=(intervention(LegalBasis.BL32, date(2026, 1, 5)),),
    )
    assert one(R137, f, dk(2026, 3, 28, 13)).due == datetime(2026, 3, 29, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "interventions",
    [
        pytest.param((), id="no support"),
        pytest.param((intervention(LegalBasis.ANDEN, date(2026, 1, 5)),), id="not §32/46/47"),
        pytest.param((intervention(LegalBasis.BL114, date(2026, 1, 5)),), id="ungestøtte"),
        pytest.param((intervention(LegalBasis.BL32, date(2026, 3, 2)),), id="started that day"),
        pytest.param((intervention(LegalBasis.BL32, date(2026, 3, 10)),), id="started later"),
        pytest.param(
            (intervention(LegalBasis.BL32, date(2025, 6, 1), date(2026, 3, 1)),),
            id="ended the day before",
        ),
        pytest.param(
            (
                intervention(LegalBasis.ANDEN, date(2025, 6, 1), iid="i0"),
                intervention(LegalBasis.BL32, date(2026, 3, 2)),
            ),
            id="older non-support, support from that day",
        ),
        pytest.param(
            (
                intervention(LegalBasis.BL32, date(2025, 6, 1), date(2025, 12, 31), iid="i0"),
                intervention(LegalBasis.BL32, date(2026, 3, 2)),
            ),
            id="older ended support, new support from that day",
        ),
    ],
)
def test_new_notification_only_when_support_already_active(
    interventions: tuple[Intervention, ...],
) -> None:
    """Barnets Lov §137, stk. 1 applies only when the child already had support (§32/§46/§47)
    before the underretning arrived and that support was still active at receipt."""
    f = facts(notification(dk(2026, 3, 2, 10)), interventions=interventions)
    assert of_rule(R137, f, dk(2026, 3, 5)) == []


def test_new_notification_support_ending_on_the_day_of_receipt_counts() -> None:
    """Barnets Lov §137, stk. 1: support that ends on the day of receipt was active at receipt."""
    f = facts(
        notification(dk(2026, 3, 2, 10)),
        interventions=(intervention(LegalBasis.BL32, date(2025, 6, 1), date(2026, 3, 2)),),
    )
    assert len(of_rule(R137, f, dk(2026, 3, 5))) == 1


def test_new_notification_fulfilled_only_with_a_new_colleague() -> None:
    """Barnets Lov §137, stk. 1: an assessment alone does not fulfil it; it must be made with a
    colleague who has not worked on the case (``assessed_with_new_colleague`` set)."""
    received = dk(2026, 3, 2, 10)
    assessed = dk(2026, 3, 2, 15)
    support = (intervention(LegalBasis.BL32, date(2026, 1, 5)),)
    now = dk(2026, 3, 4)
    for colleague in (None, ""):
        f = facts(
            notification(received, assessed_at=assessed, new_colleague=colleague),
            interventions=support,
        )
        assert status(R137, f, now) == S.OVERSKREDET
        assert status(R24, f, now) == S.OPFYLDT  # the ordinary 24-hour assessment is done
    f = facts(
        notification(received, assessed_at=assessed, new_colleague="Kollega Hansen"),
        interventions=support,
    )
    assert status(R137, f, assessed - US) == S.SNART
    d = one(R137, f, assessed)
    assert (d.status, d.fulfilled_at) == (S.OPFYLDT, assessed)


# -- samtale_overgreb_137 ----------------------------------------------------------------------

RS = "samtale_overgreb_137"


def test_abuse_child_conversation_boundaries() -> None:
    """Barnets Lov §137, stk. 3: an underretning about abuse (overgreb) requires a conversation
    with the child; due 7 days (local standard for "snarest") after the day of receipt."""
    f = facts(notification(dk(2026, 3, 2, 10), concerns_abuse=True))
    d = one(RS, f, dk(2026, 3, 2, 11))
    assert d.due == end_of_day(date(2026, 3, 9))
    assert d.legal_basis == RULES[RS][1]
    assert status(RS, f, dk(2026, 3, 8, 12), EXACT) == S.OK  # the day before
    assert status(RS, f, dk(2026, 3, 9, 23, 59, 59, 999999)) == S.SNART  # the day of
    assert status(RS, f, dk(2026, 3, 10, 0)) == S.OVERSKREDET  # the day after


def test_abuse_child_conversation_only_when_abuse() -> None:
    """Barnets Lov §137, stk. 3 applies only to an underretning about abuse."""
    f = facts(notification(dk(2026, 3, 2, 10), concerns_abuse=False))
    assert of_rule(RS, f, dk(2026, 3, 20)) == []


def test_abuse_child_conversation_fulfilled_by_a_boernesamtale_after_receipt() -> None:
    """Barnets Lov §137, stk. 3: only a børnesamtale held after the receipt (and before "now")
    fulfils it; a home visit or an earlier conversation does not."""
    received = dk(2026, 3, 2, 10)
    now = dk(2026, 3, 20)
    for m in (
        meeting(MeetingKind.BOERNESAMTALE, dk(2026, 3, 1, 10)),
        meeting(MeetingKind.HJEMMEBESOEG, dk(2026, 3, 4, 10)),
        meeting(MeetingKind.BOERNESAMTALE, None),
        meeting(MeetingKind.BOERNESAMTALE, dk(2026, 3, 25, 10)),
    ):
        f = facts(notification(received, concerns_abuse=True), meetings=(m,))
        assert status(RS, f, now) == S.OVERSKREDET, (m.kind, m.held_at)
    held = dk(2026, 3, 5, 13)
    f = facts(
        notification(received, concerns_abuse=True),
        meetings=(meeting(MeetingKind.BOERNESAMTALE, held),),
    )
    assert status(RS, f, held - US) == S.SNART
    d = one(RS, f, held)
    assert (d.status, d.fulfilled_at) == (S.OPFYLDT, held)


# -- statuses and acknowledgements -------------------------------------------------------------


def test_soon_window_follows_the_setting() -> None:
    """Lokal standard (underretningsmøde): "snart" starts ``soon_days`` before the deadline's
    last moment (default 7)."""
    f = facts(notification(dk(2026, 3, 2, 10)))
    due = end_of_day(date(2026, 3, 16))
    assert status(RM, f, due - timedelta(days=7) - US) == S.OK
    assert status(RM, f, due - timedelta(days=7)) == S.SNART
    std = Standards(soon_days=3)
    assert status(RM, f, due - timedelta(days=3) - US, std) == S.OK
    assert status(RM, f, due - timedelta(days=3), std) == S.SNART


def test_undtaget_ack_excepts_with_its_reason() -> None:
    """Barnets Lov §138, stk. 1: a documented exception (undtaget) closes the open receipt
    deadline and carries its reason; it applies from its own time and to its own subject only."""
    reason = "Underretter har frabedt sig kvittering"
    at = dk(2026, 4, 8, 9)
    f = facts(
        notification(dk(2026, 4, 1, 9)),
        notification(dk(2026, 4, 1, 9), nid="n2"),
        acks=(ack(DeadlineAckKind.UNDTAGET, RK, "n1", at, reason),),
    )
    by_subject = {d.subject_id: d for d in of_rule(RK, f, dk(2026, 4, 20))}
    assert by_subject["n1"].status == S.UNDTAGET
    assert by_subject["n1"].reason == reason
    assert not by_subject["n1"].is_open
    assert by_subject["n2"].status == S.OVERSKREDET
    assert by_subject["n2"].reason == ""
    # before the exception was recorded it does not apply
    before = {d.subject_id: d for d in of_rule(RK, f, at - US)}
    assert before["n1"].status == S.SNART


def test_undtaget_ack_does_not_override_a_fulfilled_deadline() -> None:
    """Barnets Lov §136: an exception only closes an open deadline; a fulfilled one stays
    fulfilled."""
    f = facts(
        notification(dk(2026, 4, 1, 9), assessed_at=dk(2026, 4, 1, 12)),
        acks=(ack(DeadlineAckKind.UNDTAGET, R24, "n1", dk(2026, 4, 1, 13), "x"),),
    )
    assert status(R24, f, dk(2026, 4, 3)) == S.OPFYLDT


def test_kvitteret_ack_only_marks_acknowledged() -> None:
    """Barnets Lov §136: acknowledging (kvitteret) an overdue deadline marks it seen; it
    stays overdue and open."""
    f = facts(
        notification(dk(2026, 4, 1, 9)),
        acks=(ack(DeadlineAckKind.KVITTERET, R24, "n1", dk(2026, 4, 2, 12), "set"),),
    )
    d = one(R24, f, dk(2026, 4, 3))
    assert d.acknowledged is True
    assert d.status == S.OVERSKREDET
    assert d.is_open
    assert d.reason == ""
    assert one(R24, f, dk(2026, 4, 2, 11)).acknowledged is False  # not yet recorded
