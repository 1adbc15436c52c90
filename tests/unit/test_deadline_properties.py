"""Properties of the deadline engine over random but valid case facts, built in memory (rows
constructed without a database, every column set explicitly): a due never lies before its
trigger, cases never leak into each other, time only moves an overdue deadline forward, the
result is deterministic, and each status agrees with its dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.deadlines import CaseFacts, Deadline, DeadlineStatus, Standards, check_facts, compute
from models.deadlines.calendar import DK, local_date
from models.deadlines.rules import RULES
from models.schema import (
    Agreement,
    Assessment,
    Base,
    Case,
    DeadlineAck,
    FollowUp,
    Intervention,
    Meeting,
    Notification,
    Person,
    Plan,
)
from models.vocabulary import (
    AgreementKind,
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

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STAMP = datetime(2018, 1, 1, tzinfo=UTC)
STD = Standards()

R = TypeVar("R", bound=Base)


def _row(cls: type[R], **values: Any) -> R:
    """A row as the database would return it: every column set, the unset ones to their
    default (or None). Built without a session, so nothing is filled in behind the test's back."""
    obj = cls()
    for column in cls.__table__.columns:  # type: ignore[attr-defined]
        if column.key in values:
            continue
        default = column.default
        if default is None:
            value = None
        elif default.is_scalar:
            value = default.arg
        else:
            value = default.arg(None)
        setattr(obj, column.key, value)
    obj.updated_at = STAMP  # type: ignore[attr-defined]
    for key, value in values.items():
        setattr(obj, key, value)
    return obj


# -- strategies -------------------------------------------------------------------------------

refs = st.dates(date(2019, 1, 1), date(2027, 12, 31))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=DK).astimezone(UTC)


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(st.none() | strategy)


def _day(draw: st.DrawFn, base: date, lo: int, hi: int) -> date:
    return base + timedelta(days=draw(st.integers(lo, hi)))


def _opt_day(draw: st.DrawFn, base: date, lo: int, hi: int) -> date | None:
    return None if draw(st.booleans()) else _day(draw, base, lo, hi)


def _moment(draw: st.DrawFn, base: datetime, lo_min: int, hi_min: int) -> datetime:
    return base + timedelta(minutes=draw(st.integers(lo_min, hi_min)))


DAY = 24 * 60


@st.composite
def case_facts(draw: st.DrawFn, key: str, ref: date) -> CaseFacts:
    """One valid case at any moment from the start of ``ref`` (Danish time) on: whatever
    check_facts refuses as "in the future" lies on or before ``ref``."""
    start = _midnight(ref)
    child_kind = draw(st.sampled_from(["born", "unknown", "unborn"]))
    born = _day(draw, ref, -20 * 366, 0) if child_kind == "born" else None
    child = _row(
        Person,
        id=f"{key}-child",
        first_name="Barn",
        birth_date=born,
        unborn=child_kind == "unborn",
        expected_date=_day(draw, ref, 1, 200) if child_kind == "unborn" else None,
    )
    opened = _day(draw, ref, -1500, 0)
    case = _row(
        Case,
        id=key,
        case_id=key,
        case_number=f"2025-{key}",
        child_id=child.id,
        opened_on=opened,
        closed_on=_opt_day(draw, ref, -30, 400)
        if draw(st.booleans()) and draw(st.booleans())
        else None,
        follow_up_every_months=_maybe(draw, st.sampled_from([1, 3, 6, 12])),
    )

    notifications = []
    for i in range(draw(st.integers(0, 3))):
        # Sometimes unknown: the receipt time of an old underretning may be lost.
        received = _moment(draw, start, -600 * DAY, 0) if draw(st.integers(0, 9)) else None
        assessed = None if draw(st.booleans()) else _moment(draw, received or start, 0, 5 * DAY)
        receipt = (
            None
            if received is None or draw(st.booleans())
            else _day(draw, local_date(received), 0, 15)
        )
        feedback = None if draw(st.booleans()) else _day(draw, ref, -400, 30)
        notifications.append(
            _row(
                Notification,
                id=f"{key}-n{i}",
                case_id=key,
                received_at=received,
                notifier_kind=draw(st.sampled_from(list(NotifierKind))),
                concerns_abuse=draw(st.booleans()),
                assessed_at=assessed,
                outcome=_maybe(draw, st.sampled_from(list(ScreeningOutcome))),
                assessed_with_new_colleague=_maybe(draw, st.just("Kollega Ny")),
                receipt_sent_on=receipt,
                feedback_sent_on=feedback,
            )
        )

    assessments = []
    for i in range(draw(st.integers(0, 2))):
        aware = _day(draw, ref, -500, 0)
        started = _day(draw, aware, 0, 30)
        assessments.append(
            _row(
                Assessment,
                id=f"{key}-a{i}",
                case_id=key,
                aware_on=aware,
                started_on=started,
                status=draw(st.sampled_from(list(AssessmentStatus))),
                no_home_visit_reason=draw(st.sampled_from(["", "  ", "Familien afviste besøg"])),
                preliminary_on=_opt_day(draw, started, 0, 200),
                completed_on=_opt_day(draw, started, 0, 250),
            )
        )

    interventions = []
    for i in range(draw(st.integers(0, 3))):
        begin = _day(draw, ref, -900, 60)
        interventions.append(
            _row(
                Intervention,
                id=f"{key}-i{i}",
                case_id=key,
                title=f"Indsats {i}",
                legal_basis=draw(st.sampled_from(list(LegalBasis))),
                staircase_step=draw(st.integers(1, 6)),
                decided_on=None
                if draw(st.integers(0, 5)) == 0
                else min(_day(draw, begin, -30, 10), ref),
                start_on=begin,
                end_on=_opt_day(draw, begin, 0, 900),
                is_placement=draw(st.booleans()),
                assessed_on=_opt_day(draw, begin, 0, 150),
                evaluated_on=_opt_day(draw, begin, 0, 500),
            )
        )

    plans = []
    for i in range(draw(st.integers(0, 3))):
        plans.append(
            _row(
                Plan,
                id=f"{key}-p{i}",
                case_id=key,
                kind=draw(st.sampled_from(list(PlanKind))),
                version=i + 1,
                status=draw(st.sampled_from(list(PlanStatus))),
                decision_on=_maybe(
                    draw, st.sampled_from([i.decided_on for i in interventions] or [ref])
                ),
                approved_on=_opt_day(draw, ref, -800, 30),
            )
        )

    follow_ups = []
    for i in range(draw(st.integers(0, 2))):
        due = _day(draw, ref, -600, 120)

        def step(d: date = due) -> tuple[StepStatus, date | None]:
            status = draw(st.sampled_from(list(StepStatus)))
            on = None if draw(st.integers(0, 3)) == 0 else _day(draw, d, -30, 30)
            return status, on

        (talk, talk_on), (meet, meet_on), (written, written_on), (hear, hear_on) = (
            step(),
            step(),
            step(),
            step(),
        )
        hearing_deadline = (
            None if hear_on is None or draw(st.booleans()) else _day(draw, hear_on, 0, 40)
        )
        evidence: dict[str, Any] = draw(
            st.sampled_from(
                [
                    {},
                    {"hearing": {"comments_received_on": _day(draw, due, -10, 40).isoformat()}},
                    {"hearing": {"comments_received_on": "ikke en dato"}},
                ]
            )
        )
        follow_ups.append(
            _row(
                FollowUp,
                id=f"{key}-f{i}",
                case_id=key,
                due_on=due,
                child_conversation=talk,
                child_conversation_on=talk_on,
                meeting=meet,
                meeting_on=meet_on,
                written_plan=written,
                written_plan_on=written_on,
                hearing=hear,
                hearing_sent_on=hear_on,
                hearing_deadline=hearing_deadline,
                evidence=evidence,
                decided_on=_opt_day(draw, due, -20, 40),
                next_due_on=_opt_day(draw, due, 30, 400),
            )
        )

    meetings = []
    for i in range(draw(st.integers(0, 4))):
        meetings.append(
            _row(
                Meeting,
                id=f"{key}-m{i}",
                case_id=key,
                kind=draw(st.sampled_from(list(MeetingKind))),
                held_at=None
                if draw(st.integers(0, 4)) == 0
                else _moment(draw, start, -700 * DAY, 60 * DAY),
                child_alone=_maybe(draw, st.booleans()),
            )
        )

    agreements = []
    for i in range(draw(st.integers(0, 2))):
        signed = _opt_day(draw, ref, -800, 10)
        agreements.append(
            _row(
                Agreement,
                id=f"{key}-g{i}",
                case_id=key,
                kind=draw(st.sampled_from(list(AgreementKind))),
                signed_on=signed,
                last_follow_up_on=None
                if signed is None or draw(st.booleans())
                else _day(draw, signed, 0, 400),
            )
        )

    facts = CaseFacts(
        case=case,
        child=child,
        notifications=tuple(notifications),
        assessments=tuple(assessments),
        plans=tuple(plans),
        follow_ups=tuple(follow_ups),
        meetings=tuple(meetings),
        interventions=tuple(interventions),
        agreements=tuple(agreements),
    )
    # Acks mostly aim at the case's own deadlines (several at one, too), so they hit something.
    targets = sorted(
        {(d.rule, d.subject_id) for d in compute(facts, start)},
        key=lambda k: (k[0], k[1] or ""),
    )
    anywhere = st.tuples(
        st.sampled_from(sorted(RULES)), st.sampled_from([None, child.id, str(ref.year)])
    )
    aims = st.sampled_from(targets) | anywhere if targets else anywhere
    acks = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(list(DeadlineAckKind)))
        rule, subject = draw(aims)
        acks.append(
            _row(
                DeadlineAck,
                id=f"{key}-k{i}",
                case_id=key,
                rule=rule,
                subject_id=subject,
                kind=kind,
                reason=f"Begrundelse {i}" if kind == DeadlineAckKind.UNDTAGET else "",
                acknowledged_at=_moment(draw, start, -400 * DAY, 200 * DAY),
            )
        )
    return replace(facts, acks=tuple(acks))


@st.composite
def scenario(draw: st.DrawFn) -> tuple[CaseFacts, datetime]:
    ref = draw(refs)
    facts = draw(case_facts("a", ref))
    now = _moment(draw, _midnight(ref), 0, 3 * DAY)
    check_facts(facts, now)  # valid input, by construction
    return facts, now


@st.composite
def two_cases(draw: st.DrawFn) -> tuple[CaseFacts, CaseFacts, CaseFacts, datetime]:
    """Cases A and B at one moment, and A again with extra rows of every kind."""
    ref = draw(refs)
    a, b = draw(case_facts("a", ref)), draw(case_facts("b", ref))
    more = draw(case_facts("a-extra", ref))
    moved = {
        name: tuple(_rehome(r, "a") for r in getattr(more, name))
        for name in (
            "notifications",
            "assessments",
            "plans",
            "follow_ups",
            "meetings",
            "interventions",
            "agreements",
            "acks",
        )
    }
    grown = replace(a, **{name: getattr(a, name) + rows for name, rows in moved.items()})
    now = _moment(draw, _midnight(ref), 0, 3 * DAY)
    return a, grown, b, now


def _rehome(row: R, case_id: str) -> R:
    row.case_id = case_id  # type: ignore[attr-defined]
    return row


# -- helpers ----------------------------------------------------------------------------------


def _key(d: Deadline) -> tuple[str, str | None]:
    return d.rule, d.subject_id


def _by_key(deadlines: list[Deadline]) -> dict[tuple[str, str | None], Deadline]:
    return {_key(d): d for d in deadlines}


def _acks(facts: CaseFacts, rule: str, kind: DeadlineAckKind) -> list[DeadlineAck]:
    return [a for a in facts.acks if a.rule == rule and a.kind == kind]


# -- properties -------------------------------------------------------------------------------


@SETTINGS
@given(scenario())
def test_due_is_never_before_its_trigger(data: tuple[CaseFacts, datetime]) -> None:
    facts, now = data
    for d in compute(facts, now):
        if d.due is not None:
            assert d.trigger is not None, d
            assert d.due >= d.trigger, d


@SETTINGS
@given(two_cases())
def test_rows_of_one_case_never_change_another(
    data: tuple[CaseFacts, CaseFacts, CaseFacts, datetime],
) -> None:
    a, grown, b, now = data
    before = compute(b, now)
    compute(a, now)
    after_a = compute(grown, now)
    assert compute(b, now) == before
    assert all(d.case_id == "b" for d in before)
    assert all(d.case_id == "a" for d in after_a)


@SETTINGS
@given(scenario(), st.integers(1, 500 * DAY))
def test_time_never_turns_an_overdue_deadline_back(
    data: tuple[CaseFacts, datetime], minutes: int
) -> None:
    facts, now = data
    later = now + timedelta(minutes=minutes)
    then = _by_key(compute(facts, now))
    after = _by_key(compute(facts, later))
    for key, d in then.items():
        if key not in after:
            continue  # a deadline may end with its subject (a new year, the 18th birthday)
        e = after[key]
        rule = d.rule
        if d.status == DeadlineStatus.OPFYLDT:
            assert e.status == DeadlineStatus.OPFYLDT, (d, e)  # what is done stays done
            assert e.fulfilled_at == d.fulfilled_at, (d, e)
            continue
        if d.status == DeadlineStatus.SNART and e.status == DeadlineStatus.OK:
            assert any(
                now < a.acknowledged_at <= later
                for a in _acks(facts, rule, DeadlineAckKind.KVITTERET)
            ), (d, e)
        if d.status != DeadlineStatus.OVERSKREDET:
            continue
        if e.status == DeadlineStatus.OVERSKREDET:
            continue
        if e.status == DeadlineStatus.OPFYLDT:
            assert e.fulfilled_at is not None, (d, e)
            assert now < e.fulfilled_at <= later, (d, e)
        elif e.status == DeadlineStatus.UNDTAGET:
            assert any(
                now < a.acknowledged_at <= later
                and (a.subject_id or None) == (d.subject_id or None)
                for a in _acks(facts, rule, DeadlineAckKind.UNDTAGET)
            ), (d, e)
        else:
            # Only a recorded review restarts a rolling deadline (the teamkoordinator's).
            assert e.status in (DeadlineStatus.OK, DeadlineStatus.SNART), (d, e)
            assert any(
                now < a.acknowledged_at <= later
                for a in _acks(facts, rule, DeadlineAckKind.KVITTERET)
            ), (d, e)


@SETTINGS
@given(scenario(), st.randoms(use_true_random=False))
def test_compute_is_deterministic_and_ignores_row_order(
    data: tuple[CaseFacts, datetime], rnd: Any
) -> None:
    facts, now = data
    first = compute(facts, now)
    assert compute(facts, now) == first
    # The vault returns rows in no promised order.
    shuffled = replace(
        facts,
        **{
            name: tuple(rnd.sample(getattr(facts, name), len(getattr(facts, name))))
            for name in (
                "notifications",
                "assessments",
                "plans",
                "follow_ups",
                "meetings",
                "interventions",
                "agreements",
                "acks",
            )
        },
    )
    assert compute(shuffled, now) == first


@SETTINGS
@given(scenario())
def test_statuses_agree_with_their_dates(data: tuple[CaseFacts, datetime]) -> None:
    facts, now = data
    out = compute(facts, now)
    assert out == sorted(out, key=Deadline.sort_key)
    keys = [_key(d) for d in out]
    assert len(keys) == len(set(keys)), "one deadline per rule and subject (acks aim at it)"
    for d in out:
        assert d.rule in RULES
        assert d.case_id == facts.case.id
        if d.status == DeadlineStatus.OPFYLDT:
            assert d.fulfilled_at is not None and d.fulfilled_at <= now, d
        else:
            assert d.fulfilled_at is None, d
        if d.status == DeadlineStatus.MANGLER:
            assert d.due is None and d.missing, d
        # Without a due only while an input is missing (or such a deadline was excepted).
        assert (d.due is None) == bool(d.missing), d
        if d.due is None:
            # (Or marked met by the row that met it: the mark needs no computed due.)
            assert d.status in (
                DeadlineStatus.MANGLER,
                DeadlineStatus.UNDTAGET,
                DeadlineStatus.OPFYLDT,
            ), d
        if d.status == DeadlineStatus.OVERSKREDET:
            assert d.due is not None and now > d.due, d
        if d.status in (DeadlineStatus.OK, DeadlineStatus.SNART):
            assert d.due is not None and now <= d.due, d
        if d.status == DeadlineStatus.OK:
            assert d.due is not None and now < d.due - timedelta(days=STD.soon_days), d
        if d.status == DeadlineStatus.UNDTAGET:
            assert d.reason.strip(), d
        if d.acknowledged:
            assert any(
                a.acknowledged_at <= now and (a.subject_id or None) == (d.subject_id or None)
                for a in _acks(facts, d.rule, DeadlineAckKind.KVITTERET)
            ), d


def test_a_closed_case_has_no_deadlines() -> None:
    now = datetime(2025, 6, 2, 12, tzinfo=UTC)
    child = _row(Person, id="c", first_name="Barn", birth_date=date(2020, 1, 1), unborn=False)
    case = _row(
        Case,
        id="x",
        case_id="x",
        case_number="2025-x",
        child_id="c",
        opened_on=date(2025, 1, 1),
        closed_on=date(2025, 6, 1),
    )
    n = _row(
        Notification,
        id="n",
        case_id="x",
        received_at=now - timedelta(days=3),
        notifier_kind=NotifierKind.FAGPERSON,
    )
    facts = CaseFacts(case=case, child=child, notifications=(n,))
    assert compute(facts, now) == []
    assert compute(replace(facts, case=_row(Case, **{**_columns(case), "closed_on": None})), now)


def _columns(row: Base) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


# -- what the properties found (kept as plain examples) ---------------------------------------

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)


def _small_case(**rows: Any) -> CaseFacts:
    child = _row(Person, id="c", first_name="Barn", birth_date=date(2012, 3, 4), unborn=False)
    case = _row(
        Case, id="x", case_id="x", case_number="2025-x", child_id="c", opened_on=date(2025, 1, 6)
    )
    return CaseFacts(case=case, child=child, **rows)


def _ack(
    i: int, rule: str, subject: str | None, kind: DeadlineAckKind, at: datetime
) -> DeadlineAck:
    return _row(
        DeadlineAck,
        id=f"k{i}",
        case_id="x",
        rule=rule,
        subject_id=subject,
        kind=kind,
        reason=f"Begrundelse {i}" if kind == DeadlineAckKind.UNDTAGET else "",
        acknowledged_at=at,
    )


def test_an_excepted_deadline_without_a_due_sorts_beside_dated_ones() -> None:
    """Excepting a "mangler oplysninger" deadline (no due) next to an excepted dated one made
    the sort compare a naive with an aware datetime: compute, and so every list, crashed."""
    unknown = _row(
        Notification, id="n1", case_id="x", received_at=None, notifier_kind=NotifierKind.BORGER
    )
    known = _row(
        Notification,
        id="n2",
        case_id="x",
        received_at=NOW - timedelta(days=3),
        notifier_kind=NotifierKind.BORGER,
    )
    acks = (
        _ack(1, "underretning_24_timer", "n1", DeadlineAckKind.UNDTAGET, NOW - timedelta(hours=1)),
        _ack(2, "underretning_24_timer", "n2", DeadlineAckKind.UNDTAGET, NOW - timedelta(hours=1)),
    )
    out = compute(_small_case(notifications=(unknown, known), acks=acks), NOW)
    excepted = [d for d in out if d.rule == "underretning_24_timer"]
    assert [(d.subject_id, d.status) for d in excepted] == [
        ("n2", DeadlineStatus.UNDTAGET),
        ("n1", DeadlineStatus.UNDTAGET),
    ]


def test_of_several_acks_the_row_order_does_not_matter() -> None:
    """The vault returns rows in no promised order: the latest exception gives the reason, and
    an acknowledgement counts whether it comes before or after the exception."""
    n = _row(
        Notification,
        id="n",
        case_id="x",
        received_at=NOW - timedelta(days=3),
        notifier_kind=NotifierKind.BORGER,
    )
    acks = (
        _ack(1, "underretning_24_timer", "n", DeadlineAckKind.UNDTAGET, NOW - timedelta(days=2)),
        _ack(2, "underretning_24_timer", "n", DeadlineAckKind.UNDTAGET, NOW - timedelta(days=1)),
        _ack(3, "underretning_24_timer", "n", DeadlineAckKind.KVITTERET, NOW - timedelta(days=1)),
    )
    for order in (acks, acks[::-1], (acks[1], acks[2], acks[0])):
        (d,) = [
            d
            for d in compute(_small_case(notifications=(n,), acks=order), NOW)
            if d.rule == "underretning_24_timer"
        ]
        assert (d.status, d.reason, d.acknowledged) == (
            DeadlineStatus.UNDTAGET,
            "Begrundelse 2",
            True,
        )


def test_late_hearing_comments_do_not_move_a_met_hearing_deadline() -> None:
    """The hearing period ran out on 20 May (met then); comments on 23 May were late. Once met,
    the deadline keeps its date: time moving on never rewrites a fulfilment."""
    f = _row(
        FollowUp,
        id="f",
        case_id="x",
        due_on=date(2025, 5, 1),
        hearing_sent_on=date(2025, 5, 6),
        hearing_deadline=date(2025, 5, 20),
        evidence={"hearing": {"comments_received_on": "2025-05-23"}},
    )
    facts = _small_case(follow_ups=(f,))
    for now in (datetime(2025, 5, 22, 12, tzinfo=UTC), NOW):
        (d,) = [d for d in compute(facts, now) if d.rule == "partshoering_svar"]
        assert d.status == DeadlineStatus.OPFYLDT
        assert d.fulfilled_by == "Høringsfristen er udløbet"
        assert d.fulfilled_at is not None and local_date(d.fulfilled_at) == date(2025, 5, 20)
