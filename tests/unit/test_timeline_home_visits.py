"""The case timeline and hjemmebesøg registration, without Qt: what the timeline lists and in
which order for a small case built through the services, and the home-visit deadline fulfilled
by a registered visit or excepted by a documented reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from desktop.messages import error_text
from models import services
from models.deadlines import Deadline, DeadlineStatus
from models.deadlines.service import deadlines_for_case
from models.errors import ValidationError
from models.home_visits import (
    HOME_VISIT_RULE,
    current_assessment,
    register_home_visit,
    register_no_home_visit,
)
from models.schema import (
    Assessment,
    AuditEvent,
    ChangeEntry,
    FollowUp,
    Intervention,
    Meeting,
    Notification,
    Plan,
)
from models.timeline import TimelineKind, case_timeline
from models.vault import Vault
from models.vocabulary import (
    AuditAction,
    LegalBasis,
    MeetingKind,
    NotifierKind,
    NotifierSector,
    PartyRole,
    PlanKind,
    PlanStatus,
)

NOW = datetime.now(UTC)
TODAY = date.today()
CHILD_CPR = "050520-4012"


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def at(n: int, hour: int = 10) -> datetime:
    return datetime(*days_ago(n).timetuple()[:3], hour, tzinfo=UTC)


@dataclass(frozen=True)
class Built:
    case_id: str
    assessment_id: str
    mother_id: str


def build(vault: Vault) -> Built:
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm", cpr=CHILD_CPR)
        case = services.create_case(s, child, opened_on=days_ago(40))
        mother, _ = services.create_person(s, "Hanne", "Holm")
        services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=at(40, 9),
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_sector=NotifierSector.SKOLE,
                notifier_organisation="Bakkeskolen",
                summary=f"Barnet ({CHILD_CPR}) kommer sultent i skole.",
            ),
        )
        assessment = services.add(
            s,
            Assessment(
                case_id=case.id, aware_on=days_ago(40), started_on=days_ago(30), plan_text="ICS"
            ),
        )
        services.add(
            s,
            Meeting(
                case_id=case.id,
                kind=MeetingKind.UNDERRETNINGSMOEDE,
                held_at=at(35),
                attendees=[{"person_id": mother.id, "name": "Hanne Holm", "role": "Mor"}],
            ),
        )
        planned = services.add(
            s,
            Meeting(case_id=case.id, kind=MeetingKind.NETVAERKSMOEDE, planned_at=at(-3)),
        )
        gone = services.add(
            s, Meeting(case_id=case.id, kind=MeetingKind.BOERNESAMTALE, held_at=at(20))
        )
        services.soft_delete(s, gone)
        assert planned.held_at is None
        services.add(
            s,
            Intervention(
                case_id=case.id,
                title="Familiebehandling",
                legal_basis=LegalBasis.BL32,
                staircase_step=2,
                decided_on=days_ago(10),
                start_on=days_ago(9),
            ),
        )
        services.add(
            s,
            Plan(
                case_id=case.id,
                kind=PlanKind.BARNETS_PLAN,
                status=PlanStatus.GAELDENDE,
                approved_on=days_ago(8),
                purpose="Trivsel i skolen",
            ),
        )
        services.add(s, Plan(case_id=case.id, kind=PlanKind.HANDLEPLAN))  # draft: no event
        services.add(
            s,
            FollowUp(
                case_id=case.id, due_on=days_ago(5), decided_on=days_ago(5), decision="Fortsæt"
            ),
        )
        note = services.add_note(s, case, "Samtale med mor", "Mor fortalte …")
        services.finalise_note(s, note)
        correction = services.correct_note(s, note, "Rettelse", "Det var far.")
        services.finalise_note(s, correction)
        services.add_note(s, case, "Kladde", "Ikke færdig")  # draft: no event
        services.record_access(s, case.id, AuditAction.VIST)  # a view: no event
        services.record_access(s, case.id, AuditAction.UDSKREVET)
        services.record_access(s, case.id, AuditAction.EKSPORTERET)
        return Built(case.id, assessment.id, mother.id)


@pytest.fixture
def built(vault: Vault) -> Built:
    return build(vault)


def home_visit_deadline(vault: Vault, built: Built) -> Deadline:
    with vault.session() as s:
        found = [
            d
            for d in deadlines_for_case(s, built.case_id, datetime.now(UTC))
            if d.rule == HOME_VISIT_RULE and d.subject_id == built.assessment_id
        ]
    (d,) = found
    return d


# -- timeline -------------------------------------------------------------------------------


def test_timeline_lists_what_happened_newest_first(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        events = case_timeline(s, built.case_id)
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    assert all(e.at.tzinfo is not None for e in events)
    titles = [e.title for e in events]
    # Today's notes, print and export first; the underretning 40 days ago last.
    assert titles[-1] == "Underretning modtaget"
    assert titles[-3:-1] == ["Børnefaglig undersøgelse startet", "Underretningsmøde"]
    assert [e.kind for e in events[-6:-3]] == [
        TimelineKind.OPFOELGNING_AFGJORT,
        TimelineKind.PLAN_GODKENDT,
        TimelineKind.AFGOERELSE,
    ]
    assert set(titles[:4]) == {
        "Journalnotat",
        "Rettelse til journalnotat",
        "Udskrevet",
        "Eksporteret",
    }
    assert len(events) == 10  # no draft, view, planned meeting, deleted meeting or draft plan
    by_kind = {e.kind: e for e in events}
    assert by_kind[TimelineKind.PLAN_GODKENDT].title == "Barnets plan godkendt"
    assert by_kind[TimelineKind.AFGOERELSE].detail.startswith("Familiebehandling · Barnets Lov §32")
    assert by_kind[TimelineKind.AFGOERELSE].all_day
    assert by_kind[TimelineKind.MOEDE].detail == "Til stede: Hanne Holm"
    assert by_kind[TimelineKind.RETTELSE].detail == "Rettelse (retter »Samtale med mor«)"
    assert by_kind[TimelineKind.UDSKREVET].detail == "Sagen · af test.raadgiver"
    notification = by_kind[TimelineKind.UNDERRETNING]
    assert notification.detail.startswith("Fra fagperson (skole) · Bakkeskolen · Barnet (")


def test_timeline_details_never_show_a_cpr_number(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        events = case_timeline(s, built.case_id)
    for e in events:
        assert CHILD_CPR not in e.detail and CHILD_CPR.replace("-", "") not in e.detail
    assert "••••••-••••" in next(e for e in events if e.kind == TimelineKind.UNDERRETNING).detail


def test_timeline_accepts_a_case_number(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        number = services.find_case(s, built.case_id).case_number
        assert case_timeline(s, number) == case_timeline(s, built.case_id)


# -- hjemmebesøg ----------------------------------------------------------------------------


def test_open_assessment_has_an_open_home_visit_deadline(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        a = current_assessment(s, built.case_id)
        assert a is not None and a.id == built.assessment_id
    assert home_visit_deadline(vault, built).status in (DeadlineStatus.OK, DeadlineStatus.SNART)


def test_registered_home_visit_fulfils_the_deadline(vault: Vault, built: Built) -> None:
    present = [
        {"person_id": built.mother_id, "name": "Hanne Holm", "role": "Forældremyndighedsindehaver"},
        {"person_id": None, "name": " Morfar ", "role": ""},
        {"person_id": None, "name": "  ", "role": ""},  # an empty line of the free text
    ]
    with vault.session() as s:
        visit = register_home_visit(
            s, built.case_id, held_on=at(2), present=present, observations=" Rent og ryddeligt. "
        )
        visit_id = visit.id
    with vault.session() as s:
        m = services.get(s, Meeting, visit_id)
        assert (m.kind, m.held_at, m.notes) == (
            MeetingKind.HJEMMEBESOEG,
            at(2),
            "Rent og ryddeligt.",
        )
        assert [a["name"] for a in m.attendees] == ["Hanne Holm", "Morfar"]
        assert s.scalar(select(ChangeEntry).where(ChangeEntry.row_id == visit_id)) is not None
        audit = s.scalar(select(AuditEvent).where(AuditEvent.entity_id == visit_id))
        assert audit is not None and audit.action == AuditAction.OPRETTET
        events = case_timeline(s, built.case_id)
    assert any(e.title == "Hjemmebesøg" and "Morfar" in e.detail for e in events)
    d = home_visit_deadline(vault, built)
    assert d.status == DeadlineStatus.OPFYLDT
    assert d.fulfilled_at == at(2)


def test_no_home_visit_reason_excepts_the_deadline(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        register_no_home_visit(s, built.assessment_id, "  Familien er flyttet til Grønland.  ")
    with vault.session() as s:
        a = services.get(s, Assessment, built.assessment_id)
        assert a.no_home_visit_reason == "Familien er flyttet til Grønland."
        change = s.scalars(
            select(ChangeEntry).where(ChangeEntry.row_id == built.assessment_id)
        ).all()[-1]
        # (Joined the assessment's waiting insert: nothing was sent yet.)
        assert change.op == "insert" and "no_home_visit_reason" in change.changes
    d = home_visit_deadline(vault, built)
    assert d.status == DeadlineStatus.UNDTAGET
    assert d.reason == "Familien er flyttet til Grønland."


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_an_empty_reason_is_refused(vault: Vault, built: Built, reason: str) -> None:
    with vault.session() as s, pytest.raises(ValidationError) as err:
        register_no_home_visit(s, built.assessment_id, reason)
    assert err.value.code == "validation.required"
    assert error_text(err.value) == "Feltet skal udfyldes."
    assert home_visit_deadline(vault, built).status != DeadlineStatus.UNDTAGET


def test_a_visit_in_the_future_is_refused(vault: Vault, built: Built) -> None:
    with vault.session() as s, pytest.raises(ValidationError) as err:
        register_home_visit(
            s,
            built.case_id,
            held_on=datetime.now(UTC) + timedelta(hours=2),
            present=[],
            observations="Planlagt",
        )
    assert err.value.code == "validation.future_date"
    assert error_text(err.value).startswith("Datoen ligger i fremtiden.")
    with vault.session() as s:
        kinds = s.scalars(select(Meeting.kind).where(Meeting.case_id == built.case_id)).all()
    assert MeetingKind.HJEMMEBESOEG not in kinds
    assert home_visit_deadline(vault, built).status != DeadlineStatus.OPFYLDT


def test_a_naive_time_is_a_bug_not_input(vault: Vault, built: Built) -> None:
    with vault.session() as s, pytest.raises(ValueError):
        register_home_visit(
            s, built.case_id, held_on=datetime(2024, 1, 1), present=[], observations=""
        )


def test_no_open_assessment_after_completion(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        a = services.get(s, Assessment, built.assessment_id)
        services.update(s, a, completed_on=days_ago(1))
    with vault.session() as s:
        assert current_assessment(s, built.case_id) is None
