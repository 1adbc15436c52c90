"""Change tracking: the sync outbox (ChangeEntry), the access log (AuditEvent), metadata stamps
and tombstones, all written in the same transaction as the change itself."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from models import services, tracking
from models.errors import ImmutableRecord
from models.schema import AuditEvent, Case, CaseParty, ChangeEntry, JournalNote, Person
from models.vault import Vault
from models.vocabulary import AuditAction, CaseStage, PartyRole

CHILD_CPR = "150315-4006"


class Boom(Exception):
    pass


def entries(vault: Vault, row_id: str | None = None) -> list[ChangeEntry]:
    """The outbox as a push would send it (new values written in), the vault left as it is."""
    with vault.session() as s:
        query = select(ChangeEntry).order_by(ChangeEntry.seq)
        if row_id is not None:
            query = query.where(ChangeEntry.row_id == row_id)
        found = list(s.scalars(query))
        with s.no_autoflush:
            tracking.freeze(s, found)
        s.expunge_all()
        return found


def attempt(vault: Vault) -> None:
    """What a push does before it sends the outbox: later changes make entries of their own."""
    with vault.session() as s:
        tracking.mark_attempted(s, list(s.scalars(select(ChangeEntry))))


def count(vault: Vault, cls: type[object]) -> int:
    with vault.session() as s:
        return int(s.scalar(select(func.count()).select_from(cls)) or 0)


def make_case(vault: Vault) -> tuple[str, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Ida", "Nielsen", cpr=CHILD_CPR)
        case = services.create_case(s, child, opened_on=date(2024, 1, 10))
        return case.id, child.id


# -- outbox -----------------------------------------------------------------------------


def test_insert_writes_one_entry_with_json_friendly_values(vault: Vault) -> None:
    case_id, child_id = make_case(vault)
    (person_entry,) = entries(vault, child_id)
    assert person_entry.op == "insert"
    assert person_entry.table == "person"
    assert person_entry.case_id is None
    assert person_entry.base_rev == 0
    assert person_entry.changes["first_name"] == [None, "Ida"]
    assert person_entry.changes["birth_date"] == [None, "2015-03-15"]
    assert person_entry.changes["cpr"] == [None, CHILD_CPR]
    assert "updated_at" not in person_entry.changes
    (case_entry,) = entries(vault, case_id)
    assert case_entry.table == "case"
    assert case_entry.case_id == case_id
    assert case_entry.changes["stage"] == [None, "underretning"]
    assert case_entry.changes["opened_on"] == [None, "2024-01-10"]
    assert case_entry.changes["child_id"] == [None, child_id]
    json.dumps(case_entry.changes)
    # Person, case and the child's party row: one entry each, each with its own mutation id.
    all_entries = entries(vault)
    assert [e.table for e in all_entries] == ["person", "case", "case_party"]
    assert len({e.mutation_id for e in all_entries}) == 3


def test_update_writes_old_and_new_values(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    attempt(vault)  # sent: the change below makes an entry of its own
    with vault.session() as s:
        case = services.get(s, Case, case_id)
        services.update(s, case, stage=CaseStage.VURDERING, opened_on=date(2024, 1, 9))
    update = entries(vault, case_id)[-1]
    assert update.op == "update"
    assert update.changes == {
        "stage": ["underretning", "vurdering"],
        "opened_on": ["2024-01-10", "2024-01-09"],
    }
    json.dumps(update.changes)


def test_soft_delete_writes_a_delete_entry_and_keeps_the_row(vault: Vault) -> None:
    case_id, child_id = make_case(vault)
    attempt(vault)  # sent: the change below makes an entry of its own
    with vault.session() as s:
        party = s.scalars(select(CaseParty).where(CaseParty.person_id == child_id)).one()
        party_id = party.id
        services.soft_delete(s, party)
        services.soft_delete(s, party)  # a second time is a no-op
    (_, delete) = entries(vault, party_id)
    assert delete.op == "delete"
    assert list(delete.changes) == ["deleted_at"]
    old, new = delete.changes["deleted_at"]
    assert old is None
    assert isinstance(new, str)
    assert new.startswith(str(date.today().year))
    with vault.session() as s:
        tombstone = services.get(s, CaseParty, party_id, include_deleted=True)
        assert tombstone.deleted_at is not None
        assert services.case_parties(s, case_id) == []


def test_base_rev_is_the_servers_revision(vault: Vault) -> None:
    _, child_id = make_case(vault)
    attempt(vault)  # sent: the change below makes an entry of its own
    with vault.engine.begin() as conn:
        conn.execute(text("UPDATE person SET rev = 4 WHERE id = :id"), {"id": child_id})
    with vault.session() as s:
        services.update(s, services.get(s, Person, child_id), phone="12345678")
    # The insert is still waiting for its answer: a pull kept its values while it moved the
    # row to revision 4, so the new entry is based where the laptop last agreed with the store.
    first, last = entries(vault, child_id)[0], entries(vault, child_id)[-1]
    assert last.base_rev == first.base_rev == 0
    with vault.engine.begin() as conn:
        conn.execute(text("DELETE FROM change_entry"))  # answered: nothing waits any more
    with vault.session() as s:
        services.update(s, services.get(s, Person, child_id), phone="87654321")
    assert entries(vault, child_id)[-1].base_rev == 4


def test_updated_at_and_updated_by_are_stamped(vault: Vault) -> None:
    assert vault.user == "test.raadgiver"
    _, child_id = make_case(vault)
    with vault.session() as s:
        child = services.get(s, Person, child_id)
        first_stamp = child.updated_at
        assert child.updated_by == vault.user
        services.update(s, child, phone="12345678")
        assert child.updated_at > first_stamp
        assert child.updated_by == vault.user


def test_no_change_writes_no_entry(vault: Vault) -> None:
    _, child_id = make_case(vault)
    with vault.session() as s:
        child = services.get(s, Person, child_id)
        stamp = child.updated_at
        services.update(s, child, first_name="Ida", last_name="Nielsen")
        child.phone = child.phone
    assert len(entries(vault, child_id)) == 1
    with vault.session() as s:
        assert services.get(s, Person, child_id).updated_at == stamp


def test_rollback_leaves_neither_row_nor_entry_nor_audit_event(vault: Vault) -> None:
    with pytest.raises(Boom), vault.session() as s:
        child, _ = services.create_person(s, "Ida", "Nielsen")
        case = services.create_case(s, child, opened_on=date(2024, 1, 10))
        services.add_note(s, case, "Notat", "Tekst")
        assert s.scalar(select(func.count()).select_from(ChangeEntry)) == 4
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 3
        raise Boom
    for cls in (Person, Case, CaseParty, JournalNote, ChangeEntry, AuditEvent):
        assert count(vault, cls) == 0


def test_rolled_back_update_leaves_no_entry(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    before = (count(vault, ChangeEntry), count(vault, AuditEvent))
    with pytest.raises(Boom), vault.session() as s:
        services.update(s, services.get(s, Case, case_id), stage=CaseStage.VURDERING)
        raise Boom
    assert (count(vault, ChangeEntry), count(vault, AuditEvent)) == before
    with vault.session() as s:
        assert services.get(s, Case, case_id).stage == CaseStage.UNDERRETNING


def test_change_to_an_expired_object_records_the_real_old_value(vault: Vault) -> None:
    _, child_id = make_case(vault)
    attempt(vault)  # sent: the change below makes an entry of its own
    with vault.session() as s:
        child = services.get(s, Person, child_id)
        s.expire(child)
        child.first_name = "Isa"
        child.last_name = "Nielsen"  # unchanged, although SQLAlchemy cannot tell
    update = entries(vault, child_id)[-1]
    assert update.changes == {"first_name": ["Ida", "Isa"]}


def test_hard_delete_is_refused(vault: Vault) -> None:
    case_id, child_id = make_case(vault)
    for cls, row_id in ((Person, child_id), (Case, case_id)):
        with pytest.raises(ImmutableRecord) as exc, vault.session() as s:
            s.delete(services.get(s, cls, row_id))
        assert exc.value.code == "record.hard_delete"
    assert count(vault, Person) == 1
    assert count(vault, Case) == 1


# -- access log -------------------------------------------------------------------------


def actions(vault: Vault, case_id: str) -> list[tuple[str, str]]:
    with vault.session() as s:
        return [(e.action.value, e.entity) for e in services.audit_log(s, case_id)]


def test_audit_log_records_who_did_what_in_order(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    other_id, _ = make_case(vault)
    with vault.session() as s:
        services.open_case(s, case_id)
    with vault.session() as s:
        case = services.get(s, Case, case_id)
        services.update(s, case, stage=CaseStage.VURDERING)
    with vault.session() as s:
        note = services.add_note(s, services.get(s, Case, case_id), "Notat", "Tekst")
    with vault.session() as s:
        services.soft_delete(s, services.get(s, JournalNote, note.id))
    with vault.session() as s:
        services.record_access(s, case_id, AuditAction.UDSKREVET)
    with vault.session() as s:
        services.record_access(s, case_id, AuditAction.EKSPORTERET, "journal_note", note.id)
    with vault.session() as s:
        services.open_case(s, other_id)
    assert actions(vault, case_id) == [
        ("oprettet", "case"),
        ("oprettet", "case_party"),
        ("vist", "case"),
        ("aendret", "case"),
        ("oprettet", "journal_note"),
        ("slettet", "journal_note"),
        ("udskrevet", "case"),
        ("eksporteret", "journal_note"),
    ]
    assert actions(vault, other_id) == [
        ("oprettet", "case"),
        ("oprettet", "case_party"),
        ("vist", "case"),
    ]
    with vault.session() as s:
        log = services.audit_log(s, case_id)
        assert {e.user for e in log} == {vault.user}
        assert {e.device for e in log} == {vault.device}
        assert all(e.case_id == case_id for e in log)
        assert [e.at for e in log] == sorted(e.at for e in log)
        assert log[-1].entity_id == note.id
        assert services.audit_log(s, "no-such-case") == []


def test_audit_events_with_the_same_time_keep_their_order(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    order = [AuditAction.VIST, AuditAction.UDSKREVET, AuditAction.AENDRET, AuditAction.EKSPORTERET]
    with vault.session() as s:
        for action in order:
            s.add(AuditEvent(case_id=case_id, user=vault.user, action=action, at=at))
    with vault.session() as s:
        log = services.audit_log(s, case_id)
    assert [e.action for e in log][:4] == order


def test_audit_user_follows_the_vaults_user(vault: Vault) -> None:
    vault.set_setting("user", "anden.raadgiver")
    case_id, _ = make_case(vault)
    with vault.session() as s:
        assert {e.user for e in services.audit_log(s, case_id)} == {"anden.raadgiver"}


def test_audit_events_carry_no_case_data(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    with vault.session() as s:
        case = services.open_case(s, case_id)
        mother, _ = services.create_person(s, "Hanne", "Sørensen", cpr="010185-1234")
        services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        services.add_note(s, case, "Samtale med Hanne", "Hanne fortalte om Ida.")
    with vault.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_event")).all()
    assert len(rows) == 5
    dump = json.dumps([[str(v) for v in r] for r in rows])
    for secret in ("Ida", "Nielsen", "Hanne", "Sørensen", "150315", "010185", "Samtale"):
        assert secret not in dump


def test_audit_events_cannot_be_changed_by_sql(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    with vault.engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM audit_event ORDER BY id")).all()
    for sql in (
        "UPDATE audit_event SET user = 'someone.else'",
        "UPDATE audit_event SET action = 'vist'",
        "UPDATE audit_event SET at = '2000-01-01 00:00:00'",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(IntegrityError, match="append-only"), vault.engine.begin() as conn:
            conn.execute(text(sql))
    with vault.engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM audit_event ORDER BY id")).all() == before
    # Sync stamps the server's revision on an event; nothing else.
    with vault.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET rev = 3 WHERE case_id = :c"), {"c": case_id})


def test_audit_events_cannot_be_changed_through_the_orm(vault: Vault) -> None:
    case_id, _ = make_case(vault)
    with pytest.raises(ImmutableRecord), vault.session() as s:
        event = services.audit_log(s, case_id)[0]
        event.user = "someone.else"
    with pytest.raises(ImmutableRecord) as exc, vault.session() as s:
        s.delete(services.audit_log(s, case_id)[0])
    assert exc.value.code == "record.hard_delete"
    with vault.session() as s:
        log = services.audit_log(s, case_id)
        assert len(log) == 2
        assert {e.user for e in log} == {vault.user}
