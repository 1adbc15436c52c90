"""The demo generator: deterministic, every stage, realistic rows, deadlines to alert on, and
written through the tracked session (outbox and access log)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import demo, services
from models.cpr import parse_cpr
from models.dates import add_months, age_on
from models.deadlines.calendar import DK
from models.errors import ValidationError
from models.keyfile import KdfParams
from models.schema import (
    Agreement,
    Assessment,
    AuditEvent,
    Case,
    CaseParty,
    ChangeEntry,
    FollowUp,
    Intervention,
    JournalNote,
    Meeting,
    Notification,
    Person,
    Plan,
    Relation,
    ScaleReading,
    User,
)
from models.vault import Vault
from models.vocabulary import (
    AgreementKind,
    AssessmentStatus,
    AuditAction,
    CaseStage,
    MeetingKind,
    NoteKind,
    NotifierKind,
    NotifierSector,
    PartyRole,
    PlanKind,
    ScaleKind,
    UserRole,
)
from tests.conftest import PASSPHRASE

TODAY = date(2025, 6, 2)
# A past day alone means noon of that day, Danish time: the moment of generation.
ANCHOR = datetime.combine(TODAY, time(12, 0), DK).astimezone(UTC)


def _new_vault(path: Path) -> Vault:
    return Vault.create(path, PASSPHRASE, user="test.raadgiver", kdf=KdfParams.fast())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, demo.DemoSummary]]:
    """One 60-case demo vault shared by the read-only checks below (generation takes a second)."""
    v = _new_vault(tmp_path_factory.mktemp("demo") / "profil")
    try:
        yield v, demo.generate(v, cases=60, seed=1, today=TODAY)
    finally:
        v.close()


@pytest.fixture
def session(generated: tuple[Vault, demo.DemoSummary]) -> Iterator[Session]:
    with generated[0].session() as s:
        yield s


def _snapshot(v: Vault) -> dict[str, Any]:
    """What must be equal between two runs: the case list, the people, the note texts."""
    with v.session() as s:
        notes = s.execute(
            select(
                JournalNote.case_id,
                JournalNote.title,
                JournalNote.body,
                JournalNote.written_at,
                JournalNote.finalised_at.is_not(None),
                JournalNote.corrects_id,
            )
        ).all()
        return {
            "cases": services.list_cases(s, TODAY),
            "persons": sorted(
                s.execute(select(Person.id, Person.first_name, Person.last_name, Person.cpr)).all()
            ),
            "notes": sorted(tuple(n) for n in notes),
            "notifications": sorted(s.execute(select(Notification.id, Notification.summary)).all()),
        }


# -- determinism --------------------------------------------------------------------------


def test_same_seed_and_day_give_the_same_vault(vault: Vault, tmp_path: Path) -> None:
    demo.generate(vault, cases=15, seed=7, today=TODAY)
    other = _new_vault(tmp_path / "anden")
    try:
        demo.generate(other, cases=15, seed=7, today=TODAY)
        first, second = _snapshot(vault), _snapshot(other)
    finally:
        other.close()
    assert len(first["cases"]) == 15
    assert first == second


def test_another_seed_gives_other_cases(vault: Vault, tmp_path: Path) -> None:
    demo.generate(vault, cases=15, seed=7, today=TODAY)
    other = _new_vault(tmp_path / "anden")
    try:
        demo.generate(other, cases=15, seed=8, today=TODAY)
        first, second = _snapshot(vault), _snapshot(other)
    finally:
        other.close()
    assert [c.child_name for c in first["cases"]] != [c.child_name for c in second["cases"]]
    assert first["notes"] != second["notes"]


def test_a_day_in_the_future_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError) as exc:
        demo.generate(vault, cases=1, today=date.today() + timedelta(days=1))
    assert exc.value.params["field"] == "today"


# -- the summary ---------------------------------------------------------------------------


def test_summary_counts_what_is_in_the_vault(
    generated: tuple[Vault, demo.DemoSummary], session: Session
) -> None:
    summary = generated[1]
    assert summary.cases == 60
    assert sum(summary.stages.values()) == 60
    tables = {
        "case": Case,
        "person": Person,
        "case_party": CaseParty,
        "relation": Relation,
        "notification": Notification,
        "assessment": Assessment,
        "plan": Plan,
        "follow_up": FollowUp,
        "meeting": Meeting,
        "journal_note": JournalNote,
        "scale_reading": ScaleReading,
        "intervention": Intervention,
        "agreement": Agreement,
        "user": User,
        "change_entry": ChangeEntry,
        "audit_event": AuditEvent,
    }
    for name, cls in tables.items():
        count = session.scalar(select(func.count()).select_from(cls))
        assert summary.tables[name] == count > 0, name
    lines = summary.lines()
    assert lines[0].startswith("Sager: 60")
    assert any("Børnefaglig undersøgelse" in line for line in lines)


# -- cases and people ----------------------------------------------------------------------


def test_every_stage_is_present(session: Session) -> None:
    stages = set(session.scalars(select(Case.stage)))
    assert stages == set(CaseStage)
    closed = session.scalars(select(Case).where(Case.stage == CaseStage.AFSLUTTET)).all()
    assert all(c.closed_on is not None and c.closed_on <= TODAY for c in closed)
    open_cases = session.scalars(select(Case).where(Case.stage != CaseStage.AFSLUTTET)).all()
    assert all(c.closed_on is None for c in open_cases)


def test_cases_are_assigned_to_caseworkers_in_teams(session: Session) -> None:
    users = {u.id: u for u in session.scalars(select(User))}
    assert {u.role for u in users.values()} == {UserRole.RAADGIVER, UserRole.TEAMLEDER}
    assert "test.raadgiver" in {u.username for u in users.values()}
    for case in session.scalars(select(Case)):
        assert case.assigned_to in users
        assert users[case.assigned_to].role is UserRole.RAADGIVER
        assert case.team.startswith("Team ")
        assert case.district.startswith("Distrikt ")
        assert case.opened_on <= TODAY


def test_children_of_all_ages_with_unborn_and_without_cpr(session: Session) -> None:
    children = session.scalars(select(Person).join(Case, Case.child_id == Person.id)).all()
    unborn = [p for p in children if p.unborn]
    assert unborn
    assert all(p.cpr is None and p.birth_date is None for p in unborn)
    assert all(p.expected_date is not None and p.expected_date > TODAY for p in unborn)
    born = [p for p in children if not p.unborn]
    assert any(p.cpr is None and p.birth_date is not None for p in born)
    ages = {age_on(p.birth_date, TODAY) for p in born if p.birth_date}
    assert min(ages) <= 1
    assert ages & {16, 17}
    assert max(ages) >= 18


def test_young_people_in_eftervaern_are_adults(session: Session) -> None:
    rows = session.execute(
        select(Person.birth_date, Case.id)
        .join(Case, Case.child_id == Person.id)
        .where(Case.stage == CaseStage.EFTERVAERN)
    ).all()
    assert rows
    for birth, case_id in rows:
        assert birth is not None and 18 <= age_on(birth, TODAY) <= 22
        parties = session.scalars(select(CaseParty).where(CaseParty.case_id == case_id)).all()
        assert not any(p.has_custody for p in parties)
        kinds = session.scalars(select(Plan.kind).where(Plan.case_id == case_id)).all()
        assert PlanKind.UNGEPLAN in kinds


def test_every_cpr_number_parses_and_fits_the_person(session: Session) -> None:
    persons = session.scalars(select(Person).where(Person.cpr.is_not(None))).all()
    assert len(persons) > 100
    mod11 = []
    for p in persons:
        assert p.cpr is not None
        parsed = parse_cpr(p.cpr)
        assert parsed.number == p.cpr
        assert parsed.birth_date == p.birth_date
        assert parsed.sex == p.sex
        mod11.append(parsed.modulus11_ok)
    assert any(mod11)
    assert not all(mod11)  # numbers after October 2007 need not pass modulus 11
    assert len({p.cpr for p in persons}) == len(persons)


def test_families_and_networks_for_genogram(session: Session) -> None:
    for case in session.scalars(select(Case)):
        parties = session.scalars(select(CaseParty).where(CaseParty.case_id == case.id)).all()
        roles = {p.role for p in parties}
        assert PartyRole.BARN in roles
        assert PartyRole.FAGPERSON in roles
        if case.stage is not CaseStage.EFTERVAERN:
            # One custody concept: a parent with the custody flag (and so party rights).
            custody = [p for p in parties if p.has_custody]
            assert custody and all(
                p.role is PartyRole.FORAELDER and p.party_rights for p in custody
            )
            assert PartyRole.FORAELDREMYNDIGHED not in roles
        assert session.scalar(select(func.count()).where(Relation.case_id == case.id))
    all_roles = set(session.scalars(select(CaseParty.role)))
    assert all_roles >= {
        PartyRole.SOESKENDE,
        PartyRole.BEDSTEFORAELDER,
        PartyRole.RESSOURCEPERSON,
        PartyRole.NETVAERKSPERSON,
        PartyRole.PLEJEFAMILIE,
    }
    labels = " ".join(session.scalars(select(CaseParty.note)))
    for word in ("Klasselærer", "Pædagog", "Sundhedsplejerske"):
        assert word in labels


# -- notifications and deadlines -----------------------------------------------------------


def test_notifications_come_from_every_kind_of_notifier(session: Session) -> None:
    rows = session.scalars(select(Notification)).all()
    assert {n.notifier_sector for n in rows} >= set(NotifierSector)
    assert {n.notifier_kind for n in rows} == set(NotifierKind)
    for n in rows:
        assert n.summary.strip()
        assert n.received_at <= ANCHOR
        if n.notifier_kind is NotifierKind.ANONYM:
            assert n.notifier_name == ""
        if n.notifier_kind is not NotifierKind.FAGPERSON:
            assert n.receipt_sent_on is None
    assert any(n.concerns_abuse for n in rows)
    professional = [n for n in rows if n.notifier_kind is NotifierKind.FAGPERSON]
    assert any(n.receipt_sent_on is not None for n in professional)
    assert any(n.receipt_sent_on is None for n in professional)


def test_deadlines_overdue_and_due_soon(session: Session) -> None:
    notifications = session.scalars(select(Notification)).all()
    unassessed = [n.received_at for n in notifications if n.assessed_at is None]
    assert any(ANCHOR - at > timedelta(hours=24) for at in unassessed)  # 24 h passed
    assert any(ANCHOR - at < timedelta(hours=24) for at in unassessed)  # still within 24 h

    running = session.scalars(
        select(Assessment).where(Assessment.status != AssessmentStatus.AFSLUTTET)
    ).all()
    limits = [add_months(a.aware_on, 4) for a in running]
    assert any(limit < TODAY for limit in limits)  # over the 4-month limit
    assert any(TODAY <= limit <= TODAY + timedelta(days=14) for limit in limits)  # due soon

    open_runs = session.scalars(select(FollowUp).where(FollowUp.decided_on.is_(None))).all()
    assert any(f.due_on < TODAY - timedelta(days=14) for f in open_runs)  # last month
    assert any(TODAY < f.due_on <= TODAY + timedelta(days=10) for f in open_runs)  # next week


def test_assessments_document_home_visits(session: Session) -> None:
    for a in session.scalars(select(Assessment)):
        visits = session.scalar(
            select(func.count()).where(
                Meeting.case_id == a.case_id, Meeting.kind == MeetingKind.HJEMMEBESOEG
            )
        )
        assert visits or a.no_home_visit_reason
        assert a.started_on >= a.aware_on
        if a.status is AssessmentStatus.AFSLUTTET:
            assert a.completed_on is not None and a.conclusion


# -- plans, interventions, meetings --------------------------------------------------------


def test_interventions_cover_the_staircase_and_placements(session: Session) -> None:
    rows = session.scalars(select(Intervention)).all()
    assert {i.staircase_step for i in rows} >= {2, 3, 4, 5, 6}
    placements = [i for i in rows if i.is_placement]
    assert placements and all(i.staircase_step >= 5 for i in placements)
    placed_cases = session.scalars(select(Case).where(Case.stage == CaseStage.TILSYN)).all()
    for case in placed_cases:
        visits = session.scalars(
            select(Meeting).where(
                Meeting.case_id == case.id, Meeting.kind == MeetingKind.TILSYNSBESOEG
            )
        ).all()
        assert any(v.held_at is not None and v.child_alone is not None for v in visits)


def test_plans_have_smart_goals_tied_to_ics(session: Session) -> None:
    plans = session.scalars(select(Plan)).all()
    assert {p.kind for p in plans} >= {PlanKind.BARNETS_PLAN, PlanKind.UNGEPLAN}
    for plan in plans:
        assert plan.goals
        for goal in plan.goals:
            assert set(goal) == {"id", "text", "ics_dimension", "measure", "due_on"}
            assert goal["ics_dimension"] in demo.ICS_DIMENSIONS
            date.fromisoformat(goal["due_on"])


def test_network_meetings_use_signs_of_safety(session: Session) -> None:
    meetings = session.scalars(
        select(Meeting).where(Meeting.kind == MeetingKind.NETVAERKSMOEDE)
    ).all()
    assert meetings
    keys = {"worries", "working_well", "next_steps", "danger_statement", "safety_goal"}
    assert all(set(m.signs_of_safety) == keys for m in meetings)
    kinds = set(session.scalars(select(Meeting.kind)))
    assert kinds == set(MeetingKind)


def test_wellbeing_scale_by_child_parent_and_caseworker(session: Session) -> None:
    readings = session.scalars(select(ScaleReading)).all()
    assert all(0 <= r.value <= 10 for r in readings)
    lineal = [r for r in readings if r.scale is ScaleKind.TRIVSELSLINEAL]
    roles = {r.rated_by_role for r in lineal}
    assert {PartyRole.BARN, PartyRole.FORAELDER, None} <= roles
    per_case: dict[str | None, set[datetime]] = {}
    for r in lineal:
        per_case.setdefault(r.case_id, set()).add(r.rated_at)
    assert max(len(times) for times in per_case.values()) >= 3  # a line over time


def test_resource_person_agreements(session: Session) -> None:
    agreements = session.scalars(
        select(Agreement).where(Agreement.kind == AgreementKind.RESSOURCEPERSONAFTALE)
    ).all()
    assert agreements
    for a in agreements:
        roles = {p["role"] for p in a.parties}
        assert {"Forældremyndighedsindehaver", "Ressourceperson", "Rådgiver"} <= roles
        assert a.signed_on is not None


# -- journal -------------------------------------------------------------------------------


def test_journal_has_records_drafts_and_a_correction(session: Session) -> None:
    notes = session.scalars(select(JournalNote)).all()
    assert any(n.finalised_at is not None for n in notes)
    assert any(n.finalised_at is None for n in notes)
    corrections = [n for n in notes if n.corrects_id is not None]
    assert corrections
    by_id = {n.id: n for n in notes}
    for c in corrections:
        original = by_id[c.corrects_id or ""]
        assert original.finalised_at is not None
        assert original.case_id == c.case_id
        assert c.written_at > original.written_at
        assert "Rettelse" in c.title
    assert all(n.written_at <= ANCHOR and n.body.strip() for n in notes)


# -- written through the tracker -----------------------------------------------------------


def test_outbox_and_access_log_were_written(session: Session) -> None:
    case_ids = set(session.scalars(select(Case.id)))
    outbox_cases = set(
        session.scalars(select(ChangeEntry.case_id).where(ChangeEntry.table == "case"))
    )
    assert outbox_cases == case_ids
    assert session.scalar(
        select(func.count()).where(ChangeEntry.table == "person", ChangeEntry.op == "insert")
    )
    audited = set(session.scalars(select(AuditEvent.case_id).distinct()))
    assert audited == case_ids
    # The notes were finalised through services.update: the access log has each change (the
    # outbox coalesced them into the notes' inserts, as nothing was sent yet).
    changed = session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity == "journal_note", AuditEvent.action == AuditAction.AENDRET
        )
    ).all()
    assert changed
    assert not session.scalar(
        select(func.count()).where(ChangeEntry.table == "journal_note", ChangeEntry.op == "update")
    )


def test_a_second_run_adds_cases_to_the_same_vault(vault: Vault) -> None:
    demo.generate(vault, cases=4, seed=3, today=TODAY)
    summary = demo.generate(vault, cases=4, seed=3, today=TODAY)
    with vault.session() as s:
        assert len(services.list_cases(s, TODAY)) == 8
        assert s.scalar(select(func.count()).select_from(User)) == 8  # the staff is reused
    assert summary.tables.get("user", 0) == 0


def test_notes_have_fitting_types(session: Session) -> None:
    """Journal notes have a type (NoteKind): a home visit is a home visit, a conversation with
    the child a børnesamtale, a phone call a telefonsamtale, a letter sent a written one."""
    notes = session.scalars(select(JournalNote)).all()
    assert {n.kind for n in notes} == set(NoteKind)
    expected = {
        "Hjemmebesøg": NoteKind.HJEMMEBESOEG,
        "Tilsynsbesøg": NoteKind.BOERNESAMTALE,
        "Netværksmøde": NoteKind.MOEDE,
        "Underretningsmøde": NoteKind.MOEDE,
        "Kvittering til underretter": NoteKind.SKRIFTLIG,
        "Afgørelse sendt": NoteKind.SKRIFTLIG,
        "Indledende vurdering af underretning": NoteKind.NOTAT,
        "Opfølgning afsluttet": NoteKind.NOTAT,
    }
    for n in notes:
        if n.title in expected and n.corrects_id is None:
            assert n.kind is expected[n.title], n.title
        if n.title.startswith("Børnesamtale med"):
            assert n.kind is NoteKind.BOERNESAMTALE
        if n.title.startswith("Telefonsamtale med"):
            assert n.kind is NoteKind.TELEFON
    by_id = {n.id: n for n in notes}
    for n in notes:
        if n.corrects_id is not None:
            assert n.kind is by_id[n.corrects_id].kind  # a correction keeps the note's type
