"""The deadline engine's rules for the børnefaglig undersøgelse and the plans (Barnets Lov §20,
§91, §108, §111), tested on the day before, the day of and the day after each due day, plus the
engine's own behaviour (order, closed cases, impossible dates). Rows are built in memory: every
attribute a rule reads is set explicitly, since column defaults only apply on INSERT."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from models.deadlines.calendar import DK, local_date
from models.deadlines.engine import check_facts, compute
from models.deadlines.standards import Standards
from models.deadlines.types import CaseFacts, Deadline, DeadlineStatus
from models.errors import ValidationError
from models.schema import Assessment, Case, DeadlineAck, Intervention, Meeting, Person, Plan
from models.vocabulary import (
    AssessmentStatus,
    CaseStage,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    PlanKind,
    PlanStatus,
)

STD = Standards()
S = DeadlineStatus

# -- builders ------------------------------------------------------------------------------


def child(born: date | None = date(2015, 3, 15), *, unborn: bool = False) -> Person:
    return Person(
        id="child-1",
        case_id=None,
        first_name="Barn",
        last_name="",
        cpr=None,
        birth_date=born,
        unborn=unborn,
        expected_date=None,
    )


def case(opened: date = date(2025, 1, 1), closed: date | None = None) -> Case:
    return Case(
        id="case-1",
        case_id="case-1",
        case_number="2025-0001",
        child_id="child-1",
        stage=CaseStage.UNDERRETNING,
        opened_on=opened,
        closed_on=closed,
        follow_up_every_months=None,
    )


def assessment(
    aware: date,
    started: date | None = None,
    *,
    status: AssessmentStatus = AssessmentStatus.IGANG,
    completed: date | None = None,
    preliminary: date | None = None,
    no_visit_reason: str = "",
    simple: bool = False,
    home_visit_on: date | None = None,
    id: str = "ass-1",
) -> Assessment:
    return Assessment(
        id=id,
        case_id="case-1",
        aware_on=aware,
        started_on=started or aware,
        status=status,
        completed_on=completed,
        preliminary_on=preliminary,
        no_home_visit_reason=no_visit_reason,
        is_simple=simple,
        home_visit_on=home_visit_on,
    )


def home_visit(day: date, hour: int = 10, id: str = "meet-1") -> Meeting:
    return Meeting(
        id=id,
        case_id="case-1",
        kind=MeetingKind.HJEMMEBESOEG,
        held_at=datetime.combine(day, time(hour), tzinfo=DK),
        planned_at=None,
        child_alone=None,
    )


def intervention(
    basis: LegalBasis,
    decided: date | None,
    *,
    start: date | None = None,
    end: date | None = None,
    placement: bool = False,
    id: str = "ind-1",
) -> Intervention:
    return Intervention(
        id=id,
        case_id="case-1",
        title="Indsats",
        legal_basis=basis,
        staircase_step=3,
        decided_on=decided,
        start_on=start or decided or date(2025, 1, 1),
        end_on=end,
        is_placement=placement,
        assessed_on=None,
        evaluated_on=None,
    )


def plan(
    kind: PlanKind,
    approved: date | None,
    *,
    status: PlanStatus = PlanStatus.GAELDENDE,
    decision: date | None = None,
    id: str = "plan-1",
) -> Plan:
    return Plan(
        id=id,
        case_id="case-1",
        kind=kind,
        version=1,
        status=status,
        decision_on=decision,
        approved_on=approved,
    )


def ack(
    rule: str, subject: str | None, kind: DeadlineAckKind, at: datetime, reason: str = ""
) -> DeadlineAck:
    return DeadlineAck(
        id=f"ack-{rule}-{kind}",
        case_id="case-1",
        rule=rule,
        subject_id=subject,
        kind=kind,
        reason=reason,
        acknowledged_at=at,
    )


def facts(
    *, born: date | None = date(2015, 3, 15), closed: date | None = None, **rows: object
) -> CaseFacts:
    return CaseFacts(case=case(closed=closed), child=child(born), **rows)  # type: ignore[arg-type]


def noon(day: date) -> datetime:
    """Midday Danish time on ``day``: "now" in a boundary test."""
    return datetime.combine(day, time(12), tzinfo=DK)


def only(f: CaseFacts, now: datetime, rule: str) -> Deadline:
    found = [d for d in compute(f, now, STD) if d.rule == rule]
    assert len(found) == 1, found
    return found[0]


def none_of(f: CaseFacts, now: datetime, rule: str) -> bool:
    return not any(d.rule == rule for d in compute(f, now, STD))


def statuses_around(f: CaseFacts, due: date, rule: str) -> tuple[S, S, S]:
    """The rule's status at noon the day before, the day of and the day after ``due``."""
    return tuple(  # type: ignore[return-value]
        only(f, noon(due + timedelta(days=k)), rule).status for k in (-1, 0, 1)
    )


# -- §20 stk. 3: undersøgelsen inden 4 måneder ----------------------------------------------

ASSESS = "undersoegelse_4_maaneder"
SNAREST = "undersoegelse_snarest"


@pytest.mark.parametrize(
    ("aware", "due"),
    [
        (date(2025, 3, 10), date(2025, 7, 10)),
        (date(2025, 10, 31), date(2026, 2, 28)),  # clamped to the month's end
        (date(2027, 10, 31), date(2028, 2, 29)),  # leap year
    ],
)
def test_bl20_stk3_due_four_calendar_months_after_aware(aware: date, due: date) -> None:
    f = facts(assessments=(assessment(aware),))
    d = only(f, noon(aware), ASSESS)
    assert d.due_date == due
    assert d.legal_basis == "Barnets Lov §20, stk. 3"
    assert statuses_around(f, due, ASSESS) == (S.SNART, S.SNART, S.OVERSKREDET)


def test_bl20_stk3_ok_until_the_soon_window() -> None:
    # The soon window is counted back from the end of the due day: 7 days before the due day is
    # still "ok" until its last moment; from 6 days before it is "snart".
    f = facts(assessments=(assessment(date(2025, 10, 31)),))
    due = date(2026, 2, 28)
    assert only(f, noon(due - timedelta(days=STD.soon_days)), ASSESS).status == S.OK
    assert only(f, noon(due - timedelta(days=STD.soon_days - 1)), ASSESS).status == S.SNART


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        (date(2026, 2, 27), S.OPFYLDT),
        (date(2026, 2, 28), S.OPFYLDT),
        # Completed a day late: the row is fulfilled (the engine shows the fulfilment, not the
        # lateness; the late completion is visible from fulfilled_at > due).
        (date(2026, 3, 1), S.OPFYLDT),
    ],
)
def test_bl20_stk3_fulfilled_by_completed_on(completed: date, expected: S) -> None:
    a = assessment(date(2025, 10, 31), status=AssessmentStatus.AFSLUTTET, completed=completed)
    d = only(facts(assessments=(a,)), noon(date(2026, 3, 2)), ASSESS)
    assert d.status == expected
    assert d.fulfilled_by == "Undersøgelsen afsluttet"
    assert d.fulfilled_at is not None and local_date(d.fulfilled_at) == completed


def test_bl20_stk3_completion_recorded_for_the_future_does_not_count() -> None:
    a = assessment(date(2025, 10, 31), completed=date(2026, 2, 20))
    d = only(facts(assessments=(a,)), noon(date(2026, 2, 19)), ASSESS)
    assert d.status == S.OK and d.fulfilled_at is None
    assert only(facts(assessments=(a,)), noon(date(2026, 2, 20)), ASSESS).status == S.OPFYLDT


@pytest.mark.parametrize(
    ("preliminary", "met_by_preliminary"),
    [
        (date(2026, 2, 27), True),  # day before the due day
        (date(2026, 2, 28), True),  # the due day itself
        (date(2026, 3, 1), False),  # the day after: too late to meet the 4 months
    ],
)
def test_bl20_stk3_foreloebig_vurdering_meets_the_four_months(
    preliminary: date, met_by_preliminary: bool
) -> None:
    a = assessment(date(2025, 10, 31), status=AssessmentStatus.FORELOEBIG, preliminary=preliminary)
    now = noon(date(2026, 3, 2))
    found = {d.rule: d for d in compute(facts(assessments=(a,)), now, STD)}
    main = found[ASSESS]
    if met_by_preliminary:
        assert main.status == S.OPFYLDT
        assert main.fulfilled_by == "Foreløbig vurdering efter 4 måneder"
        snarest = found[SNAREST]
        assert snarest.due_date == preliminary + timedelta(
            days=STD.assessment_after_preliminary_days
        )
        assert snarest.legal_basis.startswith("Barnets Lov §20, stk. 3")
        assert snarest.status in (S.OK, S.SNART)
    else:
        assert main.status == S.OVERSKREDET
        assert SNAREST not in found


def test_bl20_stk3_snarest_boundaries_and_fulfilment() -> None:
    preliminary = date(2026, 2, 20)
    due = preliminary + timedelta(days=STD.assessment_after_preliminary_days)
    a = assessment(date(2025, 10, 31), status=AssessmentStatus.FORELOEBIG, preliminary=preliminary)
    f = facts(assessments=(a,))
    assert due == date(2026, 3, 22)
    assert statuses_around(f, due, SNAREST) == (S.SNART, S.SNART, S.OVERSKREDET)
    # Completing after the foreløbig vurdering fulfils "snarest"; the 4 months stay met.
    done = assessment(
        date(2025, 10, 31),
        status=AssessmentStatus.AFSLUTTET,
        preliminary=preliminary,
        completed=due,
    )
    found = {d.rule: d for d in compute(facts(assessments=(done,)), noon(due + timedelta(1)), STD)}
    assert found[SNAREST].status == S.OPFYLDT
    assert found[ASSESS].status == S.OPFYLDT


def test_bl20_stk3_snarest_days_are_a_local_standard() -> None:
    std = Standards(municipality="Testkommune", assessment_after_preliminary_days=10)
    a = assessment(date(2025, 10, 31), preliminary=date(2026, 2, 20))
    found = {d.rule: d for d in compute(facts(assessments=(a,)), noon(date(2026, 2, 21)), std)}
    assert found[SNAREST].due_date == date(2026, 3, 2)
    assert found[SNAREST].legal_basis == (
        "Barnets Lov §20, stk. 3 (snarest: lokal standard for antal dage)"
    )


def test_bl20_stk3_no_snarest_when_completed_within_four_months() -> None:
    a = assessment(
        date(2025, 10, 31),
        status=AssessmentStatus.AFSLUTTET,
        preliminary=date(2026, 2, 1),
        completed=date(2026, 2, 28),
    )
    found = {d.rule: d for d in compute(facts(assessments=(a,)), noon(date(2026, 3, 1)), STD)}
    assert SNAREST not in found
    assert found[ASSESS].fulfilled_by == "Undersøgelsen afsluttet"


def test_bl20_stk3_afsluttet_without_completed_on_is_missing_information() -> None:
    a = assessment(date(2025, 10, 31), status=AssessmentStatus.AFSLUTTET)
    d = only(facts(assessments=(a,)), noon(date(2026, 3, 5)), ASSESS)
    assert d.status == S.MANGLER
    assert d.missing == ("afslutningsdato",)
    assert d.due is None


# -- lokal standard (Slagelse 2017): simpel undersøgelse inden 6 uger -----------------------------

SIMPLE = "undersoegelse_simpel_6_uger"


def test_local_standard_simple_assessment_due_six_weeks_after_its_start() -> None:
    """Local standard (Slagelse 2017, "6-ugers børnefaglig undersøgelse"): an undersøgelse
    marked simple is due 6 weeks after it started; the law's 4 months (Barnets Lov §20 stk. 3)
    stay a deadline of their own."""
    started = date(2026, 3, 2)
    f = facts(assessments=(assessment(date(2026, 2, 25), started, simple=True),))
    due = date(2026, 4, 13)
    d = only(f, noon(started), SIMPLE)
    assert d.due_date == due
    assert d.title == "Simpel børnefaglig undersøgelse afsluttet"
    assert d.legal_basis == "Lokal standard: Standard"
    assert statuses_around(f, due, SIMPLE) == (S.SNART, S.SNART, S.OVERSKREDET)
    assert only(f, noon(started), ASSESS).due_date == date(2026, 6, 25)


def test_local_standard_simple_assessment_only_when_marked_simple() -> None:
    f = facts(assessments=(assessment(date(2026, 2, 25), date(2026, 3, 2)),))
    assert none_of(f, noon(date(2026, 4, 14)), SIMPLE)


@pytest.mark.parametrize(
    ("completed", "late"), [(date(2026, 4, 13), False), (date(2026, 4, 14), True)]
)
def test_local_standard_simple_assessment_met_by_its_completion(
    completed: date, late: bool
) -> None:
    a = assessment(
        date(2026, 2, 25),
        date(2026, 3, 2),
        status=AssessmentStatus.AFSLUTTET,
        completed=completed,
        simple=True,
    )
    d = only(facts(assessments=(a,)), noon(date(2026, 4, 20)), SIMPLE)
    assert d.status == S.OPFYLDT and d.fulfilled_by == "Undersøgelsen afsluttet"
    assert d.due is not None and d.fulfilled_at is not None
    assert (d.fulfilled_at > d.due) is late


def test_local_standard_simple_assessment_never_due_after_the_law() -> None:
    """Barnets Lov §20 stk. 3 is the floor: started late (2 weeks before the 4 months run out),
    the simple undersøgelse is due with the law's 4 months, not 6 weeks after its start."""
    f = facts(assessments=(assessment(date(2025, 10, 31), date(2026, 2, 14), simple=True),))
    assert only(f, noon(date(2026, 2, 14)), SIMPLE).due_date == date(2026, 2, 28)


def test_local_standard_simple_assessment_weeks_are_a_setting() -> None:
    a = assessment(date(2026, 2, 25), date(2026, 3, 2), simple=True)
    found = compute(
        facts(assessments=(a,)),
        noon(date(2026, 3, 2)),
        Standards(municipality="X", simple_assessment_weeks=4),
    )
    assert [d.due_date for d in found if d.rule == SIMPLE] == [date(2026, 3, 30)]
    off = compute(
        facts(assessments=(a,)), noon(date(2026, 3, 2)), Standards(simple_assessment_weeks=0)
    )
    assert not any(d.rule == SIMPLE for d in off)


def test_local_standard_simple_assessment_completed_without_a_day_is_left_to_the_law() -> None:
    a = assessment(date(2026, 2, 25), status=AssessmentStatus.AFSLUTTET, simple=True)
    f = facts(assessments=(a,))
    assert none_of(f, noon(date(2026, 5, 1)), SIMPLE)
    assert only(f, noon(date(2026, 5, 1)), ASSESS).missing == ("afslutningsdato",)


# -- lokal standard (Slagelse 2008, afsnit 2): hjemmebesøg under undersøgelsen ---------------

VISIT = "hjemmebesoeg_undersoegelse"


def test_slagelse_2008_home_visit_due_with_the_assessment_and_overdue_without_reason() -> None:
    """Local standard (Slagelse 2008, section 2), not a paragraph of Barnets Lov (§20 stk. 2 is
    about starting an undersøgelse): due with the undersøgelse, overdue the day after."""
    f = facts(assessments=(assessment(date(2025, 10, 31), date(2025, 11, 3)),))
    due = date(2026, 2, 28)
    d = only(f, noon(due), VISIT)
    assert d.due_date == due
    assert d.legal_basis == "Lokal standard (Slagelse 2008, afsnit 2)"
    assert statuses_around(f, due, VISIT) == (S.SNART, S.SNART, S.OVERSKREDET)


@pytest.mark.parametrize("offset", [-1, 0])
def test_bl20_home_visit_during_the_assessment_fulfils(offset: int) -> None:
    due = date(2026, 2, 28)
    f = facts(
        assessments=(assessment(date(2025, 10, 31), date(2025, 11, 3)),),
        meetings=(home_visit(due + timedelta(days=offset)),),
    )
    d = only(f, noon(due + timedelta(days=1)), VISIT)
    assert d.status == S.OPFYLDT
    assert d.fulfilled_by == "Hjemmebesøg registreret"


def test_bl20_home_visit_on_the_first_day_counts_the_day_before_does_not() -> None:
    started = date(2025, 11, 3)
    a = assessment(date(2025, 10, 31), started)
    now = noon(date(2026, 3, 1))
    # Just after midnight Danish time on the start day (still the day before in UTC): counts.
    early = Meeting(
        id="m-early",
        case_id="case-1",
        kind=MeetingKind.HJEMMEBESOEG,
        held_at=datetime(2025, 11, 2, 23, 30, tzinfo=UTC),
        planned_at=None,
        child_alone=None,
    )
    assert only(facts(assessments=(a,), meetings=(early,)), now, VISIT).status == S.OPFYLDT
    before = home_visit(started - timedelta(days=1))
    assert only(facts(assessments=(a,), meetings=(before,)), now, VISIT).status == S.OVERSKREDET


def test_bl20_home_visit_only_a_held_hjemmebesoeg_counts() -> None:
    a = assessment(date(2025, 10, 31), date(2025, 11, 3))
    other = home_visit(date(2025, 12, 1))
    other.kind = MeetingKind.NETVAERKSMOEDE
    planned = home_visit(date(2025, 12, 2), id="m-2")
    planned.planned_at, planned.held_at = planned.held_at, None
    f = facts(assessments=(a,), meetings=(other, planned))
    assert only(f, noon(date(2026, 3, 1)), VISIT).status == S.OVERSKREDET


def test_bl20_home_visit_after_completion_does_not_count_and_due_is_completion() -> None:
    completed = date(2026, 1, 15)
    a = assessment(
        date(2025, 10, 31),
        date(2025, 11, 3),
        status=AssessmentStatus.AFSLUTTET,
        completed=completed,
    )
    f = facts(assessments=(a,), meetings=(home_visit(completed + timedelta(days=1)),))
    d = only(f, noon(date(2026, 1, 20)), VISIT)
    assert d.due_date == completed
    assert d.status == S.OVERSKREDET
    on_the_day = facts(assessments=(a,), meetings=(home_visit(completed),))
    assert only(on_the_day, noon(date(2026, 1, 20)), VISIT).status == S.OPFYLDT


def test_bl20_home_visit_late_but_before_completion_counts() -> None:
    # The undersøgelse ran past its 4 months; a visit held after the due day but before the
    # undersøgelse was completed was still held during it (late, not absent).
    completed = date(2026, 3, 20)
    a = assessment(
        date(2025, 10, 31),
        date(2025, 11, 3),
        status=AssessmentStatus.AFSLUTTET,
        completed=completed,
    )
    f = facts(assessments=(a,), meetings=(home_visit(date(2026, 3, 10)),))
    d = only(f, noon(date(2026, 3, 25)), VISIT)
    assert d.status == S.OPFYLDT
    assert d.due_date == date(2026, 2, 28)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_bl20_home_visit_none_with_reason_is_excepted(offset: int) -> None:
    a = assessment(
        date(2025, 10, 31), date(2025, 11, 3), no_visit_reason="  Familien har afvist besøg  "
    )
    d = only(facts(assessments=(a,)), noon(date(2026, 2, 28) + timedelta(days=offset)), VISIT)
    assert d.status == S.UNDTAGET
    assert d.reason == "Familien har afvist besøg"


def test_slagelse_home_visit_met_by_the_day_the_assessment_form_records() -> None:
    """The undersøgelse's form ("Er der holdt hjemmebesøg?" ja, "Dato for hjemmebesøget") meets
    the deadline as a hjemmebesøg registered as a meeting does, from that day on."""
    day = date(2026, 1, 12)
    a = assessment(date(2025, 10, 31), date(2025, 11, 3), home_visit_on=day)
    d = only(facts(assessments=(a,)), noon(date(2026, 3, 1)), VISIT)
    assert d.status == S.OPFYLDT
    assert d.fulfilled_at == datetime.combine(day, time(0), tzinfo=DK)
    # Asked about a moment before that day, it was not met yet.
    assert only(facts(assessments=(a,)), noon(day - timedelta(days=1)), VISIT).status == S.OK


def test_slagelse_home_visit_the_earlier_of_form_day_and_meeting_counts() -> None:
    a = assessment(date(2025, 10, 31), date(2025, 11, 3), home_visit_on=date(2026, 1, 12))
    f = facts(assessments=(a,), meetings=(home_visit(date(2025, 12, 1)),))
    d = only(f, noon(date(2026, 3, 1)), VISIT)
    assert d.fulfilled_at is not None and local_date(d.fulfilled_at) == date(2025, 12, 1)


@pytest.mark.parametrize("day", [date(2025, 11, 2), date(2026, 1, 16)])
def test_slagelse_home_visit_form_day_outside_the_assessment_does_not_count(day: date) -> None:
    # Before the undersøgelse began, or after it was completed.
    a = assessment(
        date(2025, 10, 31),
        date(2025, 11, 3),
        status=AssessmentStatus.AFSLUTTET,
        completed=date(2026, 1, 15),
        home_visit_on=day,
    )
    assert only(facts(assessments=(a,)), noon(date(2026, 1, 20)), VISIT).status == S.OVERSKREDET


def test_bl20_home_visit_blank_reason_is_no_reason() -> None:
    a = assessment(date(2025, 10, 31), date(2025, 11, 3), no_visit_reason="   ")
    assert only(facts(assessments=(a,)), noon(date(2026, 3, 1)), VISIT).status == S.OVERSKREDET


# -- §91: barnets plan inden 3 måneder -------------------------------------------------------

PLAN = "barnets_plan_3_maaneder"


@pytest.mark.parametrize(
    "ind",
    [
        intervention(LegalBasis.BL46, date(2025, 11, 30), placement=True),
        intervention(LegalBasis.BL46, date(2025, 11, 30)),
        intervention(LegalBasis.BL32, date(2025, 11, 30), placement=True),
    ],
    ids=["bl46-placement", "bl46", "bl32-marked-placement"],
)
def test_bl91_stk2_placement_plan_mandatory_three_months(ind: Intervention) -> None:
    f = facts(interventions=(ind,))
    due = date(2026, 2, 28)  # 30 November + 3 months, clamped
    d = only(f, noon(due), PLAN)
    assert d.due_date == due
    assert d.title == "Barnets plan udarbejdet"
    assert d.legal_basis == "Barnets Lov §91"
    assert statuses_around(f, due, PLAN) == (S.SNART, S.SNART, S.OVERSKREDET)


def test_bl91_stk1_section32_same_due_and_the_title_allows_no_plan() -> None:
    f = facts(interventions=(intervention(LegalBasis.BL32, date(2025, 11, 30)),))
    due = date(2026, 2, 28)
    d = only(f, noon(due), PLAN)
    assert d.due_date == due
    assert "ingen plan" in d.title and "§32" in d.title
    assert statuses_around(f, due, PLAN) == (S.SNART, S.SNART, S.OVERSKREDET)


def test_bl91_stk1_decision_not_to_make_a_plan_closes_it() -> None:
    ind = intervention(LegalBasis.BL32, date(2025, 11, 30))
    reason = "Kortvarig støtte; ingen plan efter §91, stk. 1"
    exc = ack(PLAN, ind.id, DeadlineAckKind.UNDTAGET, noon(date(2025, 12, 5)), reason)
    f = facts(interventions=(ind,), acks=(exc,))
    for k in (-1, 0, 1):
        d = only(f, noon(date(2026, 2, 28) + timedelta(days=k)), PLAN)
        assert d.status == S.UNDTAGET and d.reason == reason
    # An exception recorded later does not close the deadline before it was recorded.
    assert only(f, noon(date(2025, 12, 4)), PLAN).status == S.OK
    # An exception for another intervention does not close this one.
    other = ack(PLAN, "ind-other", DeadlineAckKind.UNDTAGET, noon(date(2025, 12, 5)), reason)
    g = facts(interventions=(ind,), acks=(other,))
    assert only(g, noon(date(2026, 3, 1)), PLAN).status == S.OVERSKREDET


def test_bl47_plan_due_on_the_decision_day_itself() -> None:
    decided = date(2025, 11, 30)
    f = facts(interventions=(intervention(LegalBasis.BL47, decided, placement=True),))
    d = only(f, noon(decided), PLAN)
    assert d.due_date == decided
    assert d.title == "Barnets plan før afgørelse om anbringelse uden samtykke"
    assert only(f, noon(decided), PLAN).status == S.SNART
    assert only(f, noon(decided + timedelta(days=1)), PLAN).status == S.OVERSKREDET


@pytest.mark.parametrize(
    ("approved", "expected"),
    [
        (date(2025, 11, 29), S.OPFYLDT),  # the day before the decision
        (date(2025, 11, 30), S.OPFYLDT),  # the decision day
        (date(2025, 8, 29), S.OVERSKREDET),  # an older plan, for an earlier decision
    ],
)
def test_bl47_plan_before_the_decision(approved: date, expected: S) -> None:
    decided = date(2025, 11, 30)
    f = facts(
        interventions=(intervention(LegalBasis.BL47, decided, placement=True),),
        plans=(plan(PlanKind.BARNETS_PLAN, approved),),
    )
    assert only(f, noon(decided + timedelta(days=1)), PLAN).status == expected


@pytest.mark.parametrize(
    ("status", "approved", "kind", "expected"),
    [
        (PlanStatus.GAELDENDE, date(2026, 2, 27), PlanKind.BARNETS_PLAN, S.OPFYLDT),
        (PlanStatus.ERSTATTET, date(2026, 2, 28), PlanKind.HANDLEPLAN, S.OPFYLDT),
        (PlanStatus.KLADDE, date(2026, 2, 27), PlanKind.BARNETS_PLAN, S.OVERSKREDET),
        (PlanStatus.GAELDENDE, None, PlanKind.BARNETS_PLAN, S.OVERSKREDET),
        (PlanStatus.GAELDENDE, date(2026, 2, 27), PlanKind.UNGEPLAN, S.OVERSKREDET),
        (PlanStatus.GAELDENDE, date(2025, 11, 29), PlanKind.BARNETS_PLAN, S.OVERSKREDET),
    ],
    ids=["gaeldende", "erstattet-on-due-day", "draft", "unapproved", "ungeplan", "before-decision"],
)
def test_bl91_plan_counts_when_approved(
    status: PlanStatus, approved: date | None, kind: PlanKind, expected: S
) -> None:
    f = facts(
        interventions=(intervention(LegalBasis.BL46, date(2025, 11, 30), placement=True),),
        plans=(plan(kind, approved, status=status),),
    )
    d = only(f, noon(date(2026, 3, 1)), PLAN)
    assert d.status == expected
    if expected == S.OPFYLDT:
        assert d.fulfilled_by == "Barnets plan godkendt"


def test_bl91_plan_tied_to_the_decision_counts_first() -> None:
    decided = date(2025, 11, 30)
    f = facts(
        interventions=(intervention(LegalBasis.BL46, decided, placement=True),),
        plans=(
            plan(PlanKind.BARNETS_PLAN, date(2025, 12, 1), status=PlanStatus.ERSTATTET, id="p1"),
            plan(PlanKind.BARNETS_PLAN, date(2026, 1, 10), decision=decided, id="p2"),
        ),
    )
    d = only(f, noon(date(2026, 3, 1)), PLAN)
    assert d.status == S.OPFYLDT
    assert d.fulfilled_at is not None and local_date(d.fulfilled_at) == date(2026, 1, 10)


@pytest.mark.parametrize("basis", [LegalBasis.BL32, LegalBasis.BL46, LegalBasis.BL47])
def test_bl91_decision_day_unknown_is_missing_information(basis: LegalBasis) -> None:
    ind = intervention(basis, None, start=date(2025, 11, 30))
    d = only(facts(interventions=(ind,)), noon(date(2026, 3, 1)), PLAN)
    assert d.status == S.MANGLER
    assert d.missing == ("afgørelsesdato",)


def test_bl91_no_plan_deadline_for_other_bases() -> None:
    f = facts(interventions=(intervention(LegalBasis.ANDEN, date(2025, 11, 30)),))
    assert none_of(f, noon(date(2026, 3, 1)), PLAN)


# -- §108 stk. 3 and 4: ungeplan ------------------------------------------------------------

YOUTH = "ungeplan_16_aar"
BORN = date(2009, 6, 10)  # 15 on 10 June 2024, 16 on 10 June 2025, 18 on 10 June 2027


def test_bl108_stk3_decision_before_16_due_three_months_after_the_birthday() -> None:
    f = facts(born=BORN, interventions=(intervention(LegalBasis.BL32, date(2024, 1, 5)),))
    due = date(2025, 9, 10)
    d = only(f, noon(due), YOUTH)
    assert d.due_date == due
    assert d.legal_basis == "Barnets Lov §108, stk. 3 og 4"
    assert d.title == "Ungeplan (barnet er fyldt 16 år)"
    assert d.subject_id == "child-1"
    assert statuses_around(f, due, YOUTH) == (S.SNART, S.SNART, S.OVERSKREDET)


def test_bl108_stk3_decision_after_16_due_three_months_after_the_decision() -> None:
    decided = date(2025, 11, 30)
    f = facts(born=BORN, interventions=(intervention(LegalBasis.BL46, decided, placement=True),))
    due = date(2026, 2, 28)
    assert only(f, noon(decided), YOUTH).due_date == due
    assert statuses_around(f, due, YOUTH) == (S.SNART, S.SNART, S.OVERSKREDET)


@pytest.mark.parametrize("placement", [True, False], ids=["placement", "bl47-unflagged"])
def test_bl108_stk4_bl47_ungeplan_due_before_the_decision(placement: bool) -> None:
    """Barnets Lov §108 stk. 4: for a placement without consent (§47) decided after 16, the
    ungeplan is made before the decision — due on the decision day, not 3 months after it."""
    decided = date(2025, 11, 30)
    f = facts(
        born=BORN, interventions=(intervention(LegalBasis.BL47, decided, placement=placement),)
    )
    d = only(f, noon(decided), YOUTH)
    assert d.due_date == decided
    assert d.trigger is not None and local_date(d.trigger) == decided
    assert d.title == "Ungeplan før afgørelse om anbringelse uden samtykke"
    assert d.legal_basis == "Barnets Lov §108, stk. 3 og 4"
    assert statuses_around(f, decided, YOUTH) == (S.SNART, S.SNART, S.OVERSKREDET)


@pytest.mark.parametrize(
    ("approved", "expected_late"),
    [(date(2025, 11, 29), False), (date(2025, 11, 30), False), (date(2025, 12, 1), True)],
)
def test_bl108_stk4_ungeplan_approved_before_the_bl47_decision(
    approved: date, expected_late: bool
) -> None:
    """Barnets Lov §108 stk. 4: an ungeplan approved by the decision day meets it in time; one
    approved after the decision meets it late (fulfilled after the due day)."""
    decided = date(2025, 11, 30)
    f = facts(
        born=BORN,
        interventions=(intervention(LegalBasis.BL47, decided, placement=True),),
        plans=(plan(PlanKind.UNGEPLAN, approved),),
    )
    d = only(f, noon(date(2025, 12, 2)), YOUTH)
    assert d.status == S.OPFYLDT
    assert d.due is not None and d.fulfilled_at is not None
    assert (d.fulfilled_at > d.due) is expected_late


def test_bl108_stk3_bl47_decided_before_16_due_three_months_after_the_birthday() -> None:
    """Barnets Lov §108 stk. 3: a §47 placement decided at 15 needs no ungeplan before that
    decision (no ungeplan is due before 16); it is due 3 months after the 16th birthday."""
    f = facts(
        born=BORN, interventions=(intervention(LegalBasis.BL47, date(2025, 1, 5), placement=True),)
    )
    d = only(f, noon(date(2025, 8, 1)), YOUTH)
    assert d.due_date == date(2025, 9, 10)
    assert d.title == "Ungeplan (barnet er fyldt 16 år)"


def test_bl108_stk4_an_earlier_stk3_due_day_stays() -> None:
    """Barnets Lov §108 stk. 3 and 4: §32 support from the 16th birthday makes the ungeplan due
    3 months later; a §47 decision after that due day does not move it."""
    f = facts(
        born=BORN,
        interventions=(
            intervention(LegalBasis.BL32, date(2024, 1, 5)),
            intervention(LegalBasis.BL47, date(2025, 11, 30), placement=True, id="ind-2"),
        ),
    )
    assert only(f, noon(date(2025, 8, 1)), YOUTH).due_date == date(2025, 9, 10)


def test_bl108_stk3_shown_from_15_until_18() -> None:
    f = facts(born=BORN, interventions=(intervention(LegalBasis.BL32, date(2020, 1, 5)),))
    fifteen, eighteen = date(2024, 6, 10), date(2027, 6, 10)
    assert none_of(f, noon(fifteen - timedelta(days=1)), YOUTH)
    assert only(f, noon(fifteen), YOUTH).status == S.OK
    assert only(f, noon(eighteen - timedelta(days=1)), YOUTH).status == S.OVERSKREDET
    assert none_of(f, noon(eighteen), YOUTH)


def test_bl108_stk3_support_that_ended_before_16_does_not_count() -> None:
    ind = intervention(LegalBasis.BL32, date(2023, 1, 5), end=date(2025, 6, 9))
    assert none_of(facts(born=BORN, interventions=(ind,)), noon(date(2025, 6, 1)), YOUTH)
    ends_on_birthday = intervention(LegalBasis.BL32, date(2023, 1, 5), end=date(2025, 6, 10))
    assert only(facts(born=BORN, interventions=(ends_on_birthday,)), noon(date(2025, 6, 1)), YOUTH)


def test_bl108_stk3_no_support_no_deadline() -> None:
    assert none_of(facts(born=BORN), noon(date(2025, 8, 1)), YOUTH)


def test_bl108_stk3_birth_date_unknown_is_missing_information() -> None:
    f = facts(born=None, interventions=(intervention(LegalBasis.BL32, date(2025, 1, 5)),))
    d = only(f, noon(date(2025, 8, 1)), YOUTH)
    assert d.status == S.MANGLER
    assert d.missing == ("barnets fødselsdato",)


@pytest.mark.parametrize(
    ("kind", "status", "approved", "expected"),
    [
        (PlanKind.UNGEPLAN, PlanStatus.GAELDENDE, date(2025, 9, 10), S.OPFYLDT),
        (PlanKind.UNGEPLAN, PlanStatus.ERSTATTET, date(2025, 9, 9), S.OPFYLDT),
        (PlanKind.UNGEPLAN, PlanStatus.KLADDE, date(2025, 9, 9), S.OVERSKREDET),
        (PlanKind.BARNETS_PLAN, PlanStatus.GAELDENDE, date(2025, 9, 9), S.OVERSKREDET),
    ],
    ids=["ungeplan-due-day", "ungeplan-erstattet", "draft", "other-kind"],
)
def test_bl108_stk3_fulfilled_by_an_approved_ungeplan(
    kind: PlanKind, status: PlanStatus, approved: date, expected: S
) -> None:
    f = facts(
        born=BORN,
        interventions=(intervention(LegalBasis.BL32, date(2024, 1, 5)),),
        plans=(plan(kind, approved, status=status),),
    )
    d = only(f, noon(date(2025, 9, 11)), YOUTH)
    assert d.status == expected


def test_bl108_a_decision_not_to_make_an_ungeplan_is_an_exception_with_reason() -> None:
    # For §32 support the municipality decides on an ungeplan; "no plan" is recorded as an
    # exception of the deadline (subject: the child), never silently.
    reason = "Den unge ønsker ikke ungeplan; støtten ophører før 18 år"
    no_plan = ack(YOUTH, "child-1", DeadlineAckKind.UNDTAGET, noon(date(2025, 7, 1)), reason)
    f = facts(
        born=BORN,
        interventions=(intervention(LegalBasis.BL32, date(2024, 1, 5)),),
        acks=(no_plan,),
    )
    d = only(f, noon(date(2025, 9, 11)), YOUTH)
    assert d.status == S.UNDTAGET and d.reason == reason


def test_exception_does_not_undo_a_fulfilled_deadline() -> None:
    f = facts(
        born=BORN,
        interventions=(intervention(LegalBasis.BL32, date(2024, 1, 5)),),
        plans=(plan(PlanKind.UNGEPLAN, date(2025, 7, 1)),),
        acks=(ack(YOUTH, "child-1", DeadlineAckKind.UNDTAGET, noon(date(2025, 8, 1)), "x"),),
    )
    assert only(f, noon(date(2025, 9, 11)), YOUTH).status == S.OPFYLDT


# -- §111 stk. 1: afgørelse om ungestøtte 6 måneder før 18 år ----------------------------------

YSUP = "ungestoette_18_aar"


def test_bl111_stk1_due_six_months_before_the_18th_birthday() -> None:
    """Barnets Lov §111 stk. 1: the decision on ungestøtte (§§114–116, 120) at the latest
    6 months before a placement ends at 18."""
    born = date(2008, 9, 15)  # 18 on 15 September 2026
    f = facts(
        born=born, interventions=(intervention(LegalBasis.BL46, date(2024, 1, 5), placement=True),)
    )
    due = date(2026, 3, 15)
    d = only(f, noon(date(2025, 6, 1)), YSUP)
    assert d.due_date == due
    assert d.legal_basis == "Barnets Lov §111, stk. 1"
    assert statuses_around(f, due, YSUP) == (S.SNART, S.SNART, S.OVERSKREDET)


def test_bl111_born_29_february() -> None:
    # add_months clamps: born 29 February 2008 → 18 on 28 February 2026 (a non-leap year), and
    # 6 months before that is 28 August 2025. Counting directly from birth (210 months) would give
    # 29 August 2025, and a 1 March birthday (a common reading for leaplings) 1 September 2025.
    # The engine takes the earliest of these, so the decision is never due later than the law
    # allows under any reading: sensible for an "at least 6 months before" rule.
    born = date(2008, 2, 29)
    f = facts(
        born=born, interventions=(intervention(LegalBasis.BL47, date(2024, 1, 5), placement=True),)
    )
    due = date(2025, 8, 28)
    assert only(f, noon(date(2025, 1, 1)), YSUP).due_date == due
    assert statuses_around(f, due, YSUP) == (S.SNART, S.SNART, S.OVERSKREDET)
    # Still shown on 27 February 2026 (17 years old), gone on 28 February 2026 (18).
    assert only(f, noon(date(2026, 2, 27)), YSUP).status == S.OVERSKREDET
    assert none_of(f, noon(date(2026, 2, 28)), YSUP)


def test_bl111_only_for_a_placed_young_person_from_16() -> None:
    born = date(2008, 9, 15)
    support = facts(born=born, interventions=(intervention(LegalBasis.BL32, date(2024, 1, 5)),))
    assert none_of(support, noon(date(2026, 1, 1)), YSUP)
    placed = facts(
        born=born, interventions=(intervention(LegalBasis.BL46, date(2024, 1, 5), placement=True),)
    )
    assert none_of(placed, noon(date(2024, 9, 14)), YSUP)  # 15
    assert only(placed, noon(date(2024, 9, 15)), YSUP).status == S.OK  # 16
    ended = facts(
        born=born,
        interventions=(
            intervention(LegalBasis.BL46, date(2024, 1, 5), end=date(2025, 5, 31), placement=True),
        ),
    )
    assert none_of(ended, noon(date(2025, 6, 1)), YSUP)


@pytest.mark.parametrize(
    ("decided", "expected"),
    [
        (date(2026, 3, 14), S.OPFYLDT),
        (date(2026, 3, 15), S.OPFYLDT),
        (date(2026, 3, 16), S.OPFYLDT),  # late, but made: fulfilled (fulfilled_at > due)
    ],
)
def test_bl111_fulfilled_by_a_bl114_decision(decided: date, expected: S) -> None:
    born = date(2008, 9, 15)
    f = facts(
        born=born,
        interventions=(
            intervention(LegalBasis.BL46, date(2024, 1, 5), placement=True),
            intervention(LegalBasis.BL114, decided, start=date(2026, 9, 15), id="ind-114"),
        ),
    )
    d = only(f, noon(date(2026, 3, 17)), YSUP)
    assert d.status == expected
    assert d.fulfilled_by == "Afgørelse om ungestøtte truffet"


def test_bl111_fulfilled_by_an_acknowledgement_of_the_rule() -> None:
    born = date(2008, 9, 15)
    placement = intervention(LegalBasis.BL46, date(2024, 1, 5), placement=True)
    seen = ack(YSUP, "child-1", DeadlineAckKind.KVITTERET, noon(date(2026, 3, 15)))
    f = facts(born=born, interventions=(placement,), acks=(seen,))
    assert only(f, noon(date(2026, 3, 14)), YSUP).status == S.SNART  # not yet recorded
    d = only(f, noon(date(2026, 3, 16)), YSUP)
    assert d.status == S.OPFYLDT and d.acknowledged
    other_rule = ack(PLAN, "child-1", DeadlineAckKind.KVITTERET, noon(date(2026, 3, 1)))
    g = facts(born=born, interventions=(placement,), acks=(other_rule,))
    assert only(g, noon(date(2026, 3, 16)), YSUP).status == S.OVERSKREDET


def test_bl111_birth_date_unknown_is_missing_information() -> None:
    f = facts(
        born=None, interventions=(intervention(LegalBasis.BL46, date(2024, 1, 5), placement=True),)
    )
    d = only(f, noon(date(2025, 6, 1)), YSUP)
    assert d.status == S.MANGLER
    assert d.missing == ("barnets fødselsdato",)


# -- the engine ------------------------------------------------------------------------------


def test_engine_sorts_most_urgent_first() -> None:
    f = facts(
        born=date(2008, 9, 15),
        assessments=(
            assessment(date(2025, 1, 10), id="a-over"),
            assessment(date(2025, 4, 1), status=AssessmentStatus.AFSLUTTET, id="a-missing"),
            assessment(date(2025, 5, 1), id="a-later"),
        ),
    )
    out = compute(f, noon(date(2025, 6, 1)), STD)
    assert out == sorted(out, key=Deadline.sort_key)
    ranks = [d.status for d in out]
    assert ranks[0] == S.OVERSKREDET
    order = {S.OVERSKREDET: 0, S.MANGLER: 1, S.SNART: 2, S.OK: 3, S.UNDTAGET: 4, S.OPFYLDT: 5}
    assert [order[s] for s in ranks] == sorted(order[s] for s in ranks)
    open_with_due = [d for d in out if d.status == S.OK]
    assert [d.due for d in open_with_due] == sorted(d.due for d in open_with_due)  # type: ignore[type-var]
    assert {d.status for d in out} >= {S.OVERSKREDET, S.MANGLER, S.OK}


@pytest.mark.parametrize(
    ("closed", "expected_none"),
    [
        (date(2025, 5, 31), True),
        (date(2025, 6, 1), True),  # closed today
        (date(2025, 6, 2), False),  # closing tomorrow: still open today
    ],
)
def test_engine_closed_case_has_no_deadlines(closed: date, expected_none: bool) -> None:
    f = facts(closed=closed, assessments=(assessment(date(2025, 1, 10)),))
    out = compute(f, noon(date(2025, 6, 1)), STD)
    assert (out == []) is expected_none


def test_engine_needs_an_aware_now() -> None:
    with pytest.raises(ValueError):
        compute(facts(), datetime(2025, 6, 1, 12), STD)


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        (
            assessment(date(2025, 3, 1), date(2025, 3, 5), completed=date(2025, 3, 4)),
            "validation.end_before_start",
            "completed_on",
        ),
        (
            assessment(date(2025, 3, 1), date(2025, 3, 5), preliminary=date(2025, 3, 4)),
            "validation.end_before_start",
            "preliminary_on",
        ),
        (
            assessment(date(2025, 3, 5), date(2025, 3, 4)),
            "validation.end_before_start",
            "started_on",
        ),
        (assessment(date(2025, 6, 2)), "validation.future_date", "aware_on"),
    ],
    ids=[
        "completed-before-start",
        "preliminary-before-start",
        "start-before-aware",
        "future-aware",
    ],
)
def test_check_facts_refuses_impossible_dates(row: Assessment, code: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_facts(facts(assessments=(row,)), noon(date(2025, 6, 1)))
    assert info.value.code == code
    assert info.value.params == {
        "table": "assessment",
        "row_id": row.id,
        "field": field,
    }


def test_check_facts_accepts_the_boundary_days() -> None:
    same_days = assessment(
        date(2025, 6, 1), date(2025, 6, 1), completed=date(2025, 6, 1), preliminary=date(2025, 6, 1)
    )
    check_facts(facts(assessments=(same_days,)), noon(date(2025, 6, 1)))
