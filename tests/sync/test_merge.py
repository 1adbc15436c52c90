"""Merging, conflicts and the at-most-once push, over real HTTP on SQLite and PostgreSQL.

Two caseworkers hold the same case (Anna made it; it is assigned to Bo too). What one changes
offline must reach the other; the same field changed by both is never silently overwritten."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from models import services
from models.schema import AuditEvent, Case, ChangeEntry, JournalNote, Person, SyncConflict
from sync.client import enrolment, writer
from sync.client import state as sync_state
from sync.client.keys import CURSOR_KEY
from sync.client.replication import SyncClient, SyncReport
from sync.client.wire import local_rows
from sync.errors import ServerUnreachable, UpgradeRequired
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import Laptop

Make = Callable[[str, str], Laptop]


def _shared_case(anna: Laptop, bo: Laptop, store: Store) -> str:
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2), district="Nord")
        services.add_note(s, case, title="Samtale med barnet", body="Mia fortalte om skolen.")
        case_id = case.id
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()
    return case_id


def _case(lap: Laptop, case_id: str) -> Case:
    with lap.vault.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


def _edit_case(lap: Laptop, case_id: str, **fields: object) -> None:
    with lap.vault.session() as s:
        services.update(s, services.get(s, Case, case_id), **fields)


def _note(lap: Laptop, case_id: str) -> JournalNote:
    with lap.vault.session() as s:
        return s.scalars(select(JournalNote).where(JournalNote.case_id == case_id)).one()


def test_fields_changed_on_one_side_each_merge(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    _edit_case(anna, case_id, district="Syd")
    _edit_case(bo, case_id, team="Team Syd")
    anna.sync()
    report = bo.sync()
    assert report.conflicts == 0 and report.rejected == 0
    anna.sync()
    for lap in (anna, bo):
        case = _case(lap, case_id)
        assert (case.district, case.team) == ("Syd", "Team Syd")
        assert sync_state.conflicts(lap.vault) == []
        assert sync_state.status(lap.vault).pending == 0


def test_the_same_field_changed_on_both_sides_is_a_conflict_with_both_values(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    _edit_case(anna, case_id, district="Syd")
    _edit_case(bo, case_id, district="Vest")
    assert anna.sync().conflicts == 0
    report = bo.sync()
    assert report.conflicts == 1
    # Nothing silently overwritten: the store kept Anna's value, and both are in the conflict.
    assert _case(bo, case_id).district == "Syd"
    [conflict] = sync_state.conflicts(bo.vault)
    assert (conflict.field, conflict.server_value, conflict.client_value) == (
        "district",
        "Syd",
        "Vest",
    )
    assert (conflict.server_user, conflict.client_user) == ("anna", "bo")
    anna.sync()
    assert [c.id for c in sync_state.conflicts(anna.vault)] == [conflict.id]

    # Bo chooses his own value; after the next syncs both laptops agree and the conflict is gone.
    sync_state.resolve(bo.vault, conflict.id, "client")
    assert _case(bo, case_id).district == "Vest"
    bo.sync()
    anna.sync()
    for lap in (anna, bo):
        assert _case(lap, case_id).district == "Vest"
        assert sync_state.conflicts(lap.vault) == []


def test_two_laptops_choosing_the_same_value_wait_for_one_decision(
    laptop: Make, store: Store
) -> None:
    anna, bo, tina = laptop("anna", "anna"), laptop("bo", "bo"), laptop("tina", "tina")
    case_id = _shared_case(anna, bo, store)
    tina.sync()
    _edit_case(anna, case_id, district="Syd")
    _edit_case(bo, case_id, district="Vest")
    _edit_case(tina, case_id, district="Vest")
    anna.sync()
    assert bo.sync().conflicts == 1
    assert tina.sync().conflicts == 1  # the same choice against the same value: no second one
    anna.sync()
    [conflict] = sync_state.conflicts(anna.vault)
    assert (conflict.server_value, conflict.client_value) == ("Syd", "Vest")


def test_keeping_the_servers_value_settles_the_conflict_everywhere(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    _edit_case(anna, case_id, district="Syd")
    _edit_case(bo, case_id, district="Vest")
    anna.sync()
    bo.sync()
    anna.sync()
    [conflict] = sync_state.conflicts(anna.vault)
    sync_state.resolve(anna.vault, conflict.id, "server")
    anna.sync()
    bo.sync()
    for lap in (anna, bo):
        assert _case(lap, case_id).district == "Syd"
        assert sync_state.conflicts(lap.vault) == []
    with bo.vault.session() as s:
        settled = s.get(SyncConflict, conflict.id)
        assert settled is not None and settled.resolution == "server"


def test_a_finalised_note_never_conflicts_a_late_edit_becomes_a_new_draft(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    with anna.vault.session() as s:
        services.finalise_note(s, services.get(s, JournalNote, _note(anna, case_id).id))
    with bo.vault.session() as s:
        note = services.get(s, JournalNote, _note(bo, case_id).id)
        services.edit_draft(s, note, title=note.title, body="Mia fortalte om skolen og fritiden.")
    anna.sync()
    report = bo.sync()
    assert report.conflicts == 0 and report.rejected == 0
    anna.sync()
    for lap in (anna, bo):
        with lap.vault.session() as s:
            notes = list(s.scalars(select(JournalNote).where(JournalNote.case_id == case_id)))
        final = [n for n in notes if n.finalised_at is not None]
        drafts = [n for n in notes if n.finalised_at is None]
        assert [n.body for n in final] == ["Mia fortalte om skolen."]
        assert [n.body for n in drafts] == ["Mia fortalte om skolen og fritiden."]
        assert drafts[0].corrects_id == final[0].id
        assert sync_state.conflicts(lap.vault) == []


def test_finalising_wins_over_a_colleagues_draft_edit_which_is_kept(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    note_id = _note(anna, case_id).id
    with bo.vault.session() as s:
        note = services.get(s, JournalNote, note_id)
        services.edit_draft(s, note, title=note.title, body="Bos udgave.")
    bo.sync()
    with anna.vault.session() as s:
        note = services.get(s, JournalNote, note_id)
        services.edit_draft(s, note, title=note.title, body="Annas udgave.")
        services.finalise_note(s, note)
    assert anna.sync().conflicts == 0
    bo.sync()
    for lap in (anna, bo):
        with lap.vault.session() as s:
            notes = list(s.scalars(select(JournalNote).where(JournalNote.case_id == case_id)))
        assert {(n.body, n.finalised_at is not None) for n in notes} == {
            ("Annas udgave.", True),
            ("Bos udgave.", False),
        }


def test_a_push_retried_after_a_lost_answer_is_applied_once(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna = laptop("anna", "anna")
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Oskar")
        services.create_case(s, child=child, opened_on=date(2026, 11, 2))

    class LoseFirstAnswer(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()
            self.lost = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = self.inner.handle_request(request)
            if request.url.path == "/v1/push" and not self.lost:
                response.read()
                response.close()
                self.lost += 1
                raise httpx.ReadError("connection reset after the server committed")
            return response

        def close(self) -> None:
            self.inner.close()

    transport = LoseFirstAnswer()
    flaky = httpx.Client(base_url=server.url, transport=transport)
    conn = enrolment.connection_for(anna.vault, client=flaky)
    before = store.high_water()
    with pytest.raises(ServerUnreachable):
        SyncClient(anna.vault, conn).sync()
    committed = store.high_water()
    assert committed > before
    assert (
        sync_state.status(anna.vault).pending == 3
    )  # the answer was lost: nothing left the outbox
    report = SyncClient(anna.vault, conn).sync()
    assert report.applied == 3
    assert store.high_water() == committed  # applied at most once: nothing written again
    assert sync_state.status(anna.vault).pending == 0
    flaky.close()


def test_a_rejected_change_never_blocks_the_rest(laptop: Make, store: Store) -> None:
    anna = laptop("anna", "anna")
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Oskar")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        # A change the store refuses (as a newer laptop's unknown field would be), queued
        # between good ones.
        s.add(
            ChangeEntry(
                table="case",
                row_id=case.id,
                case_id=case.id,
                op="update",
                base_rev=0,
                changes={"no_such_field": [None, 1]},
            )
        )
        services.add_note(s, case, title="Efter", body="Skrevet efter den afviste ændring.")
        case_id = case.id
    report = anna.sync()
    assert (report.rejected, report.applied) == (1, 4)
    [bad] = sync_state.rejected(anna.vault)
    assert (bad.reason, bad.table) == ("sync.unknown_field", "case")
    # The next change goes out although the rejected one is still waiting for the user.
    _edit_case(anna, case_id, district="Øst")
    report = anna.sync()
    assert (report.applied, report.rejected) == (1, 0)
    status = sync_state.status(anna.vault)
    assert (status.pending, status.rejected) == (0, 1)
    SyncClient(anna.vault, anna.conn).discard([bad.seq])
    assert sync_state.status(anna.vault).rejected == 0
    assert _case(anna, case_id).district == "Øst"


def test_pull_comes_in_pages_and_resumes_after_a_killed_pull(
    laptop: Make, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        for n in range(20):
            services.add_note(s, case, title=f"Notat {n}", body=f"Tekst {n}")
        case_id = case.id
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()  # bo holds the case now; what follows comes by the incremental pull
    with anna.vault.session() as s:
        case = services.get(s, Case, case_id)
        for n in range(20, 40):
            services.add_note(s, case, title=f"Notat {n}", body=f"Tekst {n}")
    anna.sync()

    real_apply = writer.apply_rows
    calls = {"n": 0}

    def dies_on_third_page(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("the laptop was closed mid-pull")
        real_apply(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "apply_rows", dies_on_third_page)
    cursor_before = int(bo.vault.setting(CURSOR_KEY))
    with pytest.raises(KeyboardInterrupt):
        SyncClient(bo.vault, bo.conn, page_size=5).sync()
    cursor_mid = int(bo.vault.setting(CURSOR_KEY))
    assert cursor_before < cursor_mid  # two pages and their cursor were committed
    monkeypatch.setattr(writer, "apply_rows", real_apply)
    report = SyncClient(bo.vault, bo.conn, page_size=5).sync()
    assert report.pages >= 2
    with bo.vault.session() as s:
        bodies = sorted(
            n.body for n in s.scalars(select(JournalNote).where(JournalNote.case_id == case_id))
        )
    assert bodies == sorted(f"Tekst {n}" for n in range(40))
    assert local_rows(bo.vault).keys() == local_rows(anna.vault).keys()


def test_a_waiting_local_change_survives_a_pull_of_the_same_row(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    _edit_case(anna, case_id, team="Team Syd")
    anna.sync()
    _edit_case(bo, case_id, district="Vest")
    # Pull only: Bo's change is still in his outbox while Anna's arrives.
    SyncClient(bo.vault, bo.conn).pull(SyncReport())
    case = _case(bo, case_id)
    assert (case.team, case.district) == ("Team Syd", "Vest")
    bo.sync()
    anna.sync()
    case = _case(anna, case_id)
    assert (case.team, case.district) == ("Team Syd", "Vest")


def test_a_person_edited_on_two_laptops_merges_field_by_field(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    child_id = _case(anna, case_id).child_id
    with anna.vault.session() as s:
        services.update(s, services.get(s, Person, child_id), phone="12345678")
    with bo.vault.session() as s:
        services.update(s, services.get(s, Person, child_id), address="Skolevej 1, 4200 Slagelse")
    anna.sync()
    bo.sync()
    anna.sync()
    for lap in (anna, bo):
        with lap.vault.session() as s:
            child = services.get(s, Person, child_id)
            assert (child.phone, child.address) == ("12345678", "Skolevej 1, 4200 Slagelse")


def test_an_old_client_pushes_its_outbox_before_it_is_asked_to_upgrade(
    tmp_path: object, store: Store
) -> None:
    from pathlib import Path

    from tests.sync.harness import running

    assert isinstance(tmp_path, Path)
    with running(store, min_protocol=2) as srv:
        anna = Laptop(tmp_path, "anna", srv.url, "anna")
        try:
            with anna.vault.session() as s:
                child, _ = services.create_person(s, first_name="Oskar")
                services.create_case(s, child=child, opened_on=date(2026, 11, 2))
            with pytest.raises(UpgradeRequired):
                anna.sync()
            assert sync_state.status(anna.vault).pending == 0  # delivered before the refusal
            assert store.high_water() > 0
        finally:
            anna.close()


def test_the_access_log_reaches_the_store(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id = _shared_case(anna, bo, store)
    with bo.vault.session() as s:
        services.open_case(s, case_id)
    bo.sync()
    actions = {(e.username, e.action) for e in store.case_audit(case_id)}
    assert ("anna", "oprettet") in actions
    assert ("bo", "vist") in actions
    with bo.vault.session() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.rev == 0)).all() == []


def test_a_mutation_that_fails_half_way_writes_nothing_and_the_rest_go_through(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while applying one mutation (here: a crash after the record was changed in
    memory) rejects that mutation alone; the others of the same push are written."""
    import json
    import uuid

    from sync.server import store as server_store
    from sync.server.store import Mutation

    _device, token = store.register_device("anna", "test")
    who = store.authenticate(token)
    person = str(uuid.uuid4())

    def person_insert(row_id: str, name: str) -> Mutation:
        return Mutation(
            str(uuid.uuid4()), "person", row_id, None, "insert", 0, {"first_name": [None, name]}
        )

    store.push(who, [person_insert(person, "Mia")])
    real_save = server_store.Apply.save

    def crash_on_oskar(self: server_store.Apply, rec: server_store.Rec) -> None:
        real_save(self, rec)
        if rec.data.get("first_name") == "Oskar":
            raise TypeError("a bug half-way through a mutation")

    monkeypatch.setattr(server_store.Apply, "save", crash_on_oskar)
    before = store.high_water()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    results = store.push(
        who,
        [
            person_insert(first, "Anna"),
            Mutation(
                str(uuid.uuid4()),
                "person",
                person,
                None,
                "update",
                1,
                {"first_name": ["Mia", "Oskar"]},
            ),
            person_insert(second, "Bo"),
        ],
    )
    assert [r.status.value for r in results] == ["applied", "rejected", "applied"]
    assert results[1].reason == "sync.server_error"
    # (Persons without a case are read by nobody through the API: read the store's table.)
    from sync.server.tables import Record

    with store.read() as s:
        docs = {r.id: (r.rev, json.loads(r.data)) for r in s.query(Record)}
    assert (docs[person][0], docs[person][1]["first_name"]) == (1, "Mia")
    assert {docs[first][1]["first_name"], docs[second][1]["first_name"]} == {"Anna", "Bo"}
    assert store.high_water() > before
    assert json.dumps(docs[person][1])  # the stored document is still whole JSON


def test_a_refused_change_superseded_by_a_delivered_one_no_longer_covers_the_field(
    store: Store, laptop: Make
) -> None:
    """Found by the simulation: a change refused while the case was not assigned kept
    covering the field after a later change of it was delivered, so a pull showed the older
    value; and a refused change sent again into a conflict left the laptop's value standing."""
    anna, tina = laptop("anna", "anna"), laptop("tina", "tina")
    with anna.vault.session() as s:
        kid, _ = services.create_person(s, first_name="Mia")
        case_id = services.create_case(s, child=kid, opened_on=date(2026, 11, 2)).id
    anna.sync()
    store.unassign(case_id, "anna")
    with anna.vault.session() as s:
        services.update(s, s.get(Case, case_id), district="Nord")
    assert anna.sync().rejected == 1
    store.assign(case_id, "anna")
    anna.sync()  # the case comes back; the refused change still waits for the user
    with anna.vault.session() as s:
        services.update(s, s.get(Case, case_id), district="Syd")
    assert anna.sync().rejected == 0
    tina.sync()
    with tina.vault.session() as s:
        services.update(s, s.get(Case, case_id), team="Team Syd")
    tina.sync()
    anna.sync()
    with anna.vault.session() as s:
        assert s.get(Case, case_id).district == "Syd"  # type: ignore[union-attr]
    assert sync_state.rejected(anna.vault) == []

    # A refused change sent again after somebody else changed the field: a conflict, and the
    # laptop shows the store's value with the conflict (not its own as if it were stored).
    store.unassign(case_id, "anna")
    with anna.vault.session() as s:
        services.update(s, s.get(Case, case_id), district="Vest")
    anna.sync()
    store.assign(case_id, "anna")
    anna.sync()
    with tina.vault.session() as s:
        services.update(s, s.get(Case, case_id), district="Øst")
    tina.sync()
    anna.sync()
    sync_state.retry(anna.vault, [e.seq for e in sync_state.rejected(anna.vault)])
    report = anna.sync()
    assert report.conflicts == 1
    with anna.vault.session() as s:
        assert s.get(Case, case_id).district == "Øst"  # type: ignore[union-attr]
    [conflict] = sync_state.conflicts(anna.vault, case_id)
    assert (conflict.server_value, conflict.client_value) == ("Øst", "Vest")
