"""The coalescing outbox: changes to one row join its waiting entry until a push has been
attempted with it (earliest old value, the row's latest value), so a note saved at every pause
in typing is one entry; an entry a push may have delivered never changes again; the access log
keeps an event per change; and the outbox keeps no second copy of what the row holds."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from models import migrations, services, tracking
from models.keyfile import KdfParams, KeyFile, new_data_key
from models.profile import DB_FILE, KEY_FILE
from models.schema import AuditEvent, Case, CaseParty, ChangeEntry, JournalNote, Person
from models.vault import Vault, make_engine
from models.vocabulary import AuditAction, PartyRole
from sync.client import writer
from tests.bench import bench_size
from tests.conftest import PASSPHRASE

BODY = "Mor fortalte om morgenerne, som stadig er svære. " * 20  # ~1 KB


def _case_with_note(vault: Vault) -> tuple[str, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Ida", "Nielsen")
        case = services.create_case(s, child, opened_on=date(2026, 1, 5))
        note = services.add_note(s, case, "Hjemmebesøg", "Første linje.")
        return case.id, note.id


def _as_synced(vault: Vault) -> None:
    """As after a sync: every entry was sent and answered, every row is at revision 1."""
    with vault.session() as s:
        tracking.mark_attempted(s, list(s.scalars(select(ChangeEntry))))
    with vault.engine.begin() as conn:
        conn.execute(text("DELETE FROM change_entry"))
        for table in ("person", '"case"', "case_party", "journal_note"):
            conn.execute(text(f"UPDATE {table} SET rev = 1"))


def _attempt(vault: Vault) -> None:
    """What a push does before the outbox leaves the laptop."""
    with vault.session(sync_apply=True) as s:
        tracking.mark_attempted(s, list(s.scalars(select(ChangeEntry))))


def _entries(vault: Vault, row_id: str) -> list[ChangeEntry]:
    with vault.reading() as s:
        return list(
            s.scalars(
                select(ChangeEntry).where(ChangeEntry.row_id == row_id).order_by(ChangeEntry.seq)
            )
        )


def _sent(vault: Vault, row_id: str) -> list[ChangeEntry]:
    """The row's entries as the push sends them (new values written in); the vault unchanged."""
    with vault.session() as s:
        found = list(
            s.scalars(
                select(ChangeEntry).where(ChangeEntry.row_id == row_id).order_by(ChangeEntry.seq)
            )
        )
        with s.no_autoflush:
            tracking.freeze(s, found)
        s.expunge_all()
        return found


def _autosave(vault: Vault, note_id: str, body: str) -> None:
    with vault.session() as s:
        note = services.get(s, JournalNote, note_id)
        services.edit_draft(s, note, title=note.title, body=body)


def test_a_note_saved_50_times_before_a_sync_is_one_entry(vault: Vault) -> None:
    _case_id, note_id = _case_with_note(vault)
    _as_synced(vault)
    for i in range(1, 51):
        _autosave(vault, note_id, f"{BODY} {i}")
    (entry,) = _sent(vault, note_id)
    assert entry.op == "update" and entry.base_rev == 1
    # The first old value (what the store has) and the last new one.
    assert entry.changes == {"body": ["Første linje.", f"{BODY} 50"]}
    # The access log keeps every change.
    with vault.reading() as s:
        changed = s.scalar(
            select(func.count()).where(
                AuditEvent.entity_id == note_id, AuditEvent.action == AuditAction.AENDRET
            )
        )
    assert changed == 50


def test_a_new_note_saved_50_times_is_one_insert_of_its_last_values(vault: Vault) -> None:
    case_id, note_id = _case_with_note(vault)
    for i in range(1, 51):
        _autosave(vault, note_id, f"{BODY} {i}")
    with vault.session() as s:
        services.finalise_note(s, services.get(s, JournalNote, note_id))
    (entry,) = _sent(vault, note_id)
    assert entry.op == "insert"
    assert entry.changes["body"] == [None, f"{BODY} 50"]
    assert entry.changes["title"] == [None, "Hjemmebesøg"]
    assert entry.changes["finalised_at"][1] is not None
    assert entry.changes["case_id"] == [None, case_id]
    assert all(old is None for old, _new in entry.changes.values())


def test_the_outbox_keeps_no_copy_of_the_text(vault: Vault) -> None:
    """A note typed over an hour costs the outbox its field names, not its text again."""
    _case_id, note_id = _case_with_note(vault)
    for i in range(1, 21):
        _autosave(vault, note_id, BODY * 5 + str(i))
    with vault.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT changes FROM change_entry WHERE row_id = :id"), {"id": note_id}
        ).scalar_one()
    assert len(stored) < 400 < len(BODY * 5)
    assert "svære" not in json.loads(stored) and "Mor fortalte" not in stored


def test_an_edit_after_an_attempted_push_makes_a_second_entry(vault: Vault) -> None:
    _case_id, note_id = _case_with_note(vault)
    _as_synced(vault)
    _autosave(vault, note_id, "Anden udgave.")
    _attempt(vault)  # sent; the answer may be lost, so the retry must carry the same content
    (first,) = _entries(vault, note_id)
    assert first.attempted and first.changes == {"body": ["Første linje.", "Anden udgave."]}
    _autosave(vault, note_id, "Tredje udgave.")
    _autosave(vault, note_id, "Fjerde udgave.")
    again, second = _sent(vault, note_id)
    assert (again.mutation_id, again.changes) == (first.mutation_id, first.changes)
    assert second.mutation_id != first.mutation_id
    assert second.changes == {"body": ["Anden udgave.", "Fjerde udgave."]}


def test_a_refused_entry_takes_no_new_changes(vault: Vault) -> None:
    case_id, _note_id = _case_with_note(vault)
    _as_synced(vault)
    with vault.session() as s:
        services.update(s, services.get(s, Case, case_id), district="Nord")
    _attempt(vault)
    with vault.engine.begin() as conn:
        conn.execute(update(ChangeEntry).values(status="rejected", reason="sync.no_access"))
    with vault.session() as s:
        services.update(s, services.get(s, Case, case_id), district="Syd")
    refused, waiting = _sent(vault, case_id)
    assert (refused.status, refused.changes) == ("rejected", {"district": ["", "Nord"]})
    assert (waiting.status, waiting.changes) == ("pending", {"district": ["Nord", "Syd"]})


def test_an_entry_after_a_refused_one_keeps_the_refused_ones_base(vault: Vault) -> None:
    """Seed 385 of the sync simulation: a pull moved the row on to a colleague's revision but
    kept the refused value; an edit based on that revision was applied blindly over the
    colleague's value. The new entry must be based where the laptop last agreed with the store."""
    case_id, _note_id = _case_with_note(vault)
    _as_synced(vault)
    with vault.session() as s:
        services.update(s, services.get(s, Case, case_id), district="Nord")
    _attempt(vault)
    with vault.engine.begin() as conn:
        conn.execute(update(ChangeEntry).values(status="rejected", reason="sync.no_access"))
        conn.execute(text('UPDATE "case" SET rev = 2'))  # a pull: a colleague's revision
    with vault.session() as s:
        services.update(s, services.get(s, Case, case_id), district="Syd")
    refused, waiting = _sent(vault, case_id)
    assert refused.base_rev == waiting.base_rev == 1
    with vault.engine.begin() as conn:
        conn.execute(text("DELETE FROM change_entry"))
    with vault.session() as s:
        services.update(s, services.get(s, Case, case_id), district="Vest")
    (alone,) = _sent(vault, case_id)
    assert alone.base_rev == 2  # nothing else waits: the row's own revision


def test_the_earliest_old_value_is_kept_per_field(vault: Vault) -> None:
    """A colleague's change since the first edit must still be seen as a conflict."""
    case_id, _ = _case_with_note(vault)
    _as_synced(vault)
    for district, team in (("Nord", ""), ("Syd", "Team A"), ("Vest", "Team B")):
        with vault.session() as s:
            case = services.get(s, Case, case_id)
            services.update(s, case, district=district, team=team)
    (entry,) = _sent(vault, case_id)
    assert entry.changes == {"district": ["", "Vest"], "team": ["", "Team B"]}


def test_a_field_changed_back_still_travels(vault: Vault) -> None:
    """Not dropped as "no change": the store may hold a colleague's value meanwhile, and
    this laptop's value must not silently differ from it afterwards."""
    case_id, _ = _case_with_note(vault)
    _as_synced(vault)
    for district in ("Nord", ""):
        with vault.session() as s:
            services.update(s, services.get(s, Case, case_id), district=district)
    (entry,) = _sent(vault, case_id)
    assert entry.changes == {"district": ["", ""]}


def test_created_then_deleted_before_a_push_is_one_insert_of_the_tombstone(vault: Vault) -> None:
    """The store knows no row to delete: it gets the row, deleted."""
    case_id, _ = _case_with_note(vault)
    with vault.session() as s:
        child, _ = services.create_person(s, "Hanne", "Nielsen")
        party = services.add_party(s, services.get(s, Case, case_id), child, PartyRole.FORAELDER)
        party_id = party.id
    with vault.session() as s:
        services.soft_delete(s, services.get(s, CaseParty, party_id))
    (entry,) = _sent(vault, party_id)
    assert entry.op == "insert"
    assert entry.changes["deleted_at"][0] is None and entry.changes["deleted_at"][1]
    with vault.reading() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == party_id)))
    assert actions == [AuditAction.OPRETTET, AuditAction.SLETTET]


def test_changed_then_deleted_is_one_delete(vault: Vault) -> None:
    _case_id, note_id = _case_with_note(vault)
    _as_synced(vault)
    _autosave(vault, note_id, "Ændret.")
    with vault.session() as s:
        services.soft_delete(s, services.get(s, JournalNote, note_id))
    (entry,) = _sent(vault, note_id)
    assert entry.op == "delete"
    assert entry.changes["body"] == ["Første linje.", "Ændret."]
    assert entry.changes["deleted_at"][0] is None and entry.changes["deleted_at"][1]


def test_a_removed_case_keeps_its_unsent_changes_whole(vault: Vault) -> None:
    """The rows leave the laptop; their waiting changes stay (the store refuses them and the
    user sees them), so they must hold their values without the rows."""
    case_id, note_id = _case_with_note(vault)
    _as_synced(vault)
    _autosave(vault, note_id, "Skrevet lige før sagen blev fjernet.")
    writer.remove_case(vault, case_id)
    with vault.reading() as s:
        assert s.get(JournalNote, note_id) is None
    (entry,) = _entries(vault, note_id)
    assert entry.changes == {"body": ["Første linje.", "Skrevet lige før sagen blev fjernet."]}


def test_entries_of_an_older_version_count_as_sent(profile: Path) -> None:
    """Migration 0007: a waiting entry written before coalescing may have been sent already;
    a later change makes an entry of its own."""
    profile.mkdir(parents=True)
    data_key = new_data_key()
    ids = {name: str(uuid.uuid4()) for name in ("vault", "device", "child", "mutation")}
    engine = make_engine(profile / DB_FILE, data_key)
    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, "0006")
            conn.execute(
                text("INSERT INTO local_setting (key, value) VALUES (:k, :v)"),
                [
                    {"k": "vault_id", "v": ids["vault"]},
                    {"k": "user", "v": "gammel.raadgiver"},
                    {"k": "device", "v": ids["device"]},
                ],
            )
            conn.execute(
                text(
                    "INSERT INTO person (id, first_name, last_name, cpr, unborn, address, phone, "
                    "email, note, rev, updated_at, updated_by) VALUES (:id, 'Freja', 'Lund', "
                    "NULL, 0, '', '12345678', '', '', 1, '2026-01-05 10:00:00.000000', 'u')"
                ),
                {"id": ids["child"]},
            )
            conn.execute(
                text(
                    'INSERT INTO change_entry (mutation_id, "table", row_id, op, base_rev, '
                    "changes, created_at, status, reason) VALUES (:m, 'person', :id, 'update', 1, "
                    ":changes, '2026-01-05 10:00:00.000000', 'pending', '')"
                ),
                {
                    "m": ids["mutation"],
                    "id": ids["child"],
                    "changes": json.dumps({"phone": ["", "12345678"]}),
                },
            )
    finally:
        engine.dispose()
    KeyFile.wrap(data_key, PASSPHRASE, ids["vault"], KdfParams.fast()).write(profile / KEY_FILE)
    with Vault.open(profile, PASSPHRASE) as vault:
        with vault.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.head_revision()
        (old,) = _entries(vault, ids["child"])
        assert old.attempted
        with vault.session() as s:
            services.update(s, services.get(s, Person, ids["child"]), phone="87654321")
        again, new = _sent(vault, ids["child"])
    assert (again.mutation_id, again.changes) == (ids["mutation"], {"phone": ["", "12345678"]})
    assert new.changes == {"phone": ["12345678", "87654321"]}


def test_the_size_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """tests/bench/bench_size.py with tiny sizes (no figure asserted)."""
    figures = bench_size.main(cases=1, notes_per_case=3, autosaves=3)
    assert figures["notes"] >= 3 and figures["before"] > 0 and figures["after"] > 0
    assert "before / after" in capsys.readouterr().out
