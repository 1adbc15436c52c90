"""The coalescing outbox against the real store, on SQLite and PostgreSQL: a note saved at every
pause is one mutation and arrives whole; a push whose answer was lost is retried with the same
id and content while later changes travel in a new entry; a row created and deleted before any
push arrives as a tombstone; a colleague's change is still a conflict; a pull keeps what waits
unsent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from models import services
from models.schema import Case, CaseParty, ChangeEntry, JournalNote
from models.vocabulary import PartyRole
from sync.client import enrolment
from sync.client import state as sync_state
from sync.client.replication import SyncClient, SyncReport
from sync.client.wire import local_rows
from sync.errors import ServerUnreachable
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import Laptop

Make = Callable[[str, str], Laptop]


def _new_case(lap: Laptop) -> tuple[str, str]:
    with lap.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2), district="Nord")
        note = services.add_note(s, case, title="Samtale", body="Mia")
        return case.id, note.id


def _type(lap: Laptop, note_id: str, body: str) -> None:
    with lap.vault.session() as s:
        note = services.get(s, JournalNote, note_id)
        services.edit_draft(s, note, title=note.title, body=body)


def _edit_case(lap: Laptop, case_id: str, **fields: object) -> None:
    with lap.vault.session() as s:
        services.update(s, services.get(s, Case, case_id), **fields)


def _outbox(lap: Laptop) -> list[ChangeEntry]:
    with lap.vault.reading() as s:
        return list(s.scalars(select(ChangeEntry).order_by(ChangeEntry.seq)))


def _row(lap: Laptop, row_id: str) -> dict[str, object]:
    return local_rows(lap.vault)[row_id]


def test_a_note_typed_over_50_pauses_is_one_mutation_and_arrives_whole(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, note_id = _new_case(anna)
    text = ""
    for i in range(50):
        text += f"Sætning {i} om Mias skoledag. "
        _type(anna, note_id, text)
    # Person, case, the child's party, the note: one entry each.
    assert [e.table for e in _outbox(anna)] == ["person", "case", "case_party", "journal_note"]
    report = anna.sync()
    assert (report.pushed, report.applied, report.rejected) == (4, 4, 0)
    # Typed further after the first sync: the store has the note, so this is one update.
    for i in range(50, 100):
        text += f"Sætning {i}. "
        _type(anna, note_id, text)
    (entry,) = _outbox(anna)
    assert entry.op == "update"
    report = anna.sync()
    assert (report.pushed, report.applied, report.conflicts) == (1, 1, 0)
    store.assign(case_id, "bo")
    bo.sync()
    anna.sync()
    for lap in (anna, bo):
        assert _row(lap, note_id)["body"] == text
        assert sync_state.status(lap.vault).pending == 0
    assert _row(anna, note_id) == _row(bo, note_id)


class LoseAnswers(httpx.BaseTransport):
    """The store handles and commits a push, its answer is lost (``lose`` times)."""

    def __init__(self, lose: int = 1) -> None:
        self.inner = httpx.HTTPTransport()
        self.lose = lose

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == "/v1/push" and self.lose:
            response.read()
            response.close()
            self.lose -= 1
            raise httpx.ReadError("connection reset after the server committed")
        return response

    def close(self) -> None:
        self.inner.close()


def test_a_change_after_a_lost_answer_goes_in_a_new_entry(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, note_id = _new_case(anna)
    anna.sync()
    _type(anna, note_id, "Første udgave.")
    with httpx.Client(base_url=server.url, transport=LoseAnswers()) as flaky:
        conn = enrolment.connection_for(anna.vault, client=flaky)
        with pytest.raises(ServerUnreachable):
            SyncClient(anna.vault, conn).sync()
        (sent,) = _outbox(anna)
        assert sent.attempted
        assert sent.changes == {"body": ["Mia", "Første udgave."]}
        # Typing goes on while the laptop is offline: the sent entry stays as it was sent.
        _type(anna, note_id, "Anden udgave.")
        _type(anna, note_id, "Tredje udgave.")
        first, second = _outbox(anna)
        assert (first.mutation_id, first.changes) == (sent.mutation_id, sent.changes)
        assert second.changes == {"body": ["Første udgave."]}  # its new value: the row's
        report = SyncClient(anna.vault, conn).sync()
    # The retry is the same mutation (the store answers it again, applied once), then the new.
    assert (report.pushed, report.applied, report.rejected, report.conflicts) == (2, 2, 0, 0)
    store.assign(case_id, "bo")
    bo.sync()
    for lap in (anna, bo):
        assert _row(lap, note_id)["body"] == "Tredje udgave."
        assert sync_state.conflicts(lap.vault) == []
        assert sync_state.status(lap.vault).pending == 0


def test_a_party_created_and_deleted_before_a_push_arrives_as_a_tombstone(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, _ = _new_case(anna)
    anna.sync()
    with anna.vault.session() as s:
        mother, _ = services.create_person(s, first_name="Hanne", last_name="Jensen")
        party = services.add_party(s, services.get(s, Case, case_id), mother, PartyRole.FORAELDER)
        party_id = party.id
    with anna.vault.session() as s:
        services.soft_delete(s, services.get(s, CaseParty, party_id))
    assert [(e.table, e.op) for e in _outbox(anna)] == [
        ("person", "insert"),
        ("case_party", "insert"),
    ]
    report = anna.sync()
    assert (report.applied, report.rejected) == (2, 0)
    store.assign(case_id, "bo")
    bo.sync()
    for lap in (anna, bo):
        assert _row(lap, party_id)["deleted_at"] is not None
        assert sync_state.status(lap.vault).pending == 0
    assert _row(anna, party_id) == _row(bo, party_id)


def test_a_colleagues_change_is_still_a_conflict(laptop: Make, store: Store) -> None:
    """The coalesced entry keeps the earliest old value: Bo's change is seen."""
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, _ = _new_case(anna)
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()
    _edit_case(bo, case_id, district="Vest")
    bo.sync()
    for district in ("Syd", "Øst", "Syd-Øst"):
        _edit_case(anna, case_id, district=district)
    assert len(_outbox(anna)) == 1
    report = anna.sync()
    assert report.conflicts == 1
    (conflict,) = sync_state.conflicts(anna.vault)
    assert (conflict.field, conflict.base_value) == ("district", "Nord")
    assert (conflict.server_value, conflict.client_value) == ("Vest", "Syd-Øst")
    bo.sync()
    assert _row(anna, case_id) == _row(bo, case_id)


def test_a_pull_keeps_what_waits_unsent(laptop: Make, store: Store) -> None:
    """Changes made during a sync (after its push) wait unsent: the pull must not overwrite
    them with the store's values, though it takes the other fields."""
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, _ = _new_case(anna)
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()
    _edit_case(bo, case_id, team="Team Syd")
    bo.sync()
    _edit_case(anna, case_id, district="Syd")  # typed while the sync below runs its pull
    report = SyncReport()
    SyncClient(anna.vault, anna.conn).pull(report)
    assert report.pulled
    row = _row(anna, case_id)
    assert (row["district"], row["team"]) == ("Syd", "Team Syd")
    (waiting,) = _outbox(anna)
    assert not waiting.attempted
    report = anna.sync()
    assert (report.applied, report.conflicts) == (1, 0)
    bo.sync()
    for lap in (anna, bo):
        row = _row(lap, case_id)
        assert (row["district"], row["team"]) == ("Syd", "Team Syd")
    assert _row(anna, case_id) == _row(bo, case_id)
