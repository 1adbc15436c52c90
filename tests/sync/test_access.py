"""Who receives which cases, over real HTTP: a rådgiver gets the cases assigned to them, a
teamleder the team's cases, an admin no case data; a push to a case the user may not write is
rejected mutation by mutation; an ended assignment takes the case off the laptop; each device
has its own revocable token, and a revoked device wipes its vault on its next contact."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from models import services
from models.errors import VaultNotFound
from models.profile import BACKUP_DIR, DB_FILE, KEY_FILE
from models.schema import Case, CaseParty, ChangeEntry, JournalNote, Person
from models.vault import Vault
from models.vocabulary import PartyRole
from sync.client import enrolment
from sync.client import state as sync_state
from sync.client.keys import DEVICE_KEY, TOKEN_KEY
from sync.client.replication import SyncClient
from sync.client.transport import Connection
from sync.client.wire import local_rows
from sync.errors import AuthFailed, DeviceRevoked
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import PASSPHRASE, Laptop

Make = Callable[[str, str], Laptop]


def _new_case(lap: Laptop, first_name: str, *, mother: Person | None = None) -> str:
    """A case with a child, a note (finalised) and a draft; ``mother`` joins it as a party."""
    with lap.vault.session() as s:
        child, _ = services.create_person(s, first_name=first_name, last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        note = services.add_note(s, case, title="Underretning", body="Skolen ringede.")
        services.finalise_note(s, note)
        services.add_note(s, case, title="Kladde", body="Hjemmebesøg aftalt.")
        if mother is not None:
            services.add_party(
                s, case, s.merge(mother), PartyRole.FORAELDREMYNDIGHED, has_custody=True
            )
        return case.id


def _case_ids(lap: Laptop) -> set[str]:
    with lap.vault.session() as s:
        return set(s.scalars(select(Case.id)))


def _case_rows(lap: Laptop, case_id: str) -> dict[str, dict[str, object]]:
    """Every synced row of one case on the laptop, plus the persons it names."""
    rows = local_rows(lap.vault)
    mine = {k: v for k, v in rows.items() if v.get("case_id") == case_id}
    persons = {
        str(v[key])
        for v in mine.values()
        for key in ("child_id", "person_id")
        if v.get(key) is not None
    }
    mine.update({pid: rows[pid] for pid in persons if pid in rows})
    # A finalised note keeps its local ``updated_at`` on the laptop that wrote it (the store
    # stamps its own): the moment of the last write is not part of the case's content.
    return {k: {f: x for f, x in v.items() if f != "updated_at"} for k, v in mine.items()}


def _token(lap: Laptop) -> str:
    return lap.vault.setting(TOKEN_KEY)


def _get(server: ServerThread, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=10)


def _assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["message"]


# -- who receives what ---------------------------------------------------------------------


def test_each_role_receives_only_the_cases_it_may_read(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, bo, carl = laptop("anna", "anna"), laptop("bo", "bo"), laptop("carl", "carl")
    case_a, case_b, case_c = _new_case(anna, "Mia"), _new_case(bo, "Noah"), _new_case(carl, "Ella")
    for lap in (anna, bo, carl):
        assert lap.sync().rejected == 0
    # A case made on a laptop is its maker's; the others' laptops do not receive it.
    for lap in (anna, bo, carl):
        lap.sync()
    assert _case_ids(anna) == {case_a}
    assert _case_ids(bo) == {case_b}
    assert _case_ids(carl) == {case_c}
    with bo.vault.session() as s:
        assert s.query(JournalNote).filter_by(case_id=case_a).count() == 0
        assert {p.first_name for p in s.scalars(select(Person))} == {"Noah"}

    # The teamleder of Team Syd receives the team's cases (Anna's and Bo's), not Carl's.
    tina = laptop("tina", "tina")
    report = tina.sync()
    assert sorted(report.added_cases) == sorted([case_a, case_b])
    assert _case_ids(tina) == {case_a, case_b}
    assert _case_rows(tina, case_a) == _case_rows(anna, case_a)
    with tina.vault.session() as s:
        assert {p.first_name for p in s.scalars(select(Person))} == {"Mia", "Noah"}

    # An admin manages accounts and receives no case data at all.
    ida = laptop("ida", "ida")
    report = ida.sync()
    assert report.pulled == 0 and report.added_cases == []
    assert local_rows(ida.vault) == {}
    assert _get(server, "/v1/cases", _token(ida)).json() == {"cases": []}

    # Assigning a case to Carl (no team) gives it to him — and not to Tina, the case stays
    # Team Syd's through Anna; after Anna's assignment ends Tina no longer receives it either.
    store.assign(case_a, "carl")
    carl.sync()
    assert _case_ids(carl) == {case_a, case_c}
    store.unassign(case_a, "anna")
    report = tina.sync()
    assert report.removed_cases == [case_a]
    assert _case_ids(tina) == {case_b}


# -- a push to a case the user may not write ---------------------------------------------------


def test_a_push_to_a_foreign_case_is_rejected_per_mutation(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_a = _new_case(anna, "Mia")
    anna.sync()
    store.assign(case_a, "bo")
    bo.sync()
    case_b = _new_case(bo, "Noah")
    bo.sync()
    # Offline, Bo writes in Anna's case and in his own; meanwhile his assignment to A ends.
    with bo.vault.session() as s:
        draft = s.scalars(
            select(JournalNote).where(
                JournalNote.case_id == case_a, JournalNote.finalised_at.is_(None)
            )
        ).one()
        services.edit_draft(s, draft, title="Kladde", body="Bo skrev her.")
        case = s.get(Case, case_b)
        assert case is not None
        own = services.add_note(s, case, title="Samtale", body="Med Noah.")
        own_id = own.id
    store.unassign(case_a, "bo")
    high = store.high_water()

    report = bo.sync()
    assert report.rejected == 1
    assert report.applied >= 1
    assert report.removed_cases == [case_a]
    stuck = sync_state.rejected(bo.vault)
    assert [(e.table, e.case_id, e.status, e.reason) for e in stuck] == [
        ("journal_note", case_a, "rejected", "sync.no_access")
    ]
    # Bo's own note reached the server; Anna's draft did not change there.
    me = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {_token(anna)}"}, timeout=10
    )
    with me:
        rows = me.post("/v1/rows", json={"ids": [draft.id]}).json()["rows"]
        assert rows[0]["data"]["body"] == "Hjemmebesøg aftalt."
    assert store.high_water() > high
    tina = laptop("tina", "tina")
    tina.sync()
    with tina.vault.session() as s:
        assert s.get(JournalNote, own_id) is not None

    # The rejected entry stays as "rejected" and does not hold back later pushes.
    with bo.vault.session() as s:
        case = s.get(Case, case_b)
        assert case is not None
        later = services.add_note(s, case, title="Opfølgning", body="Ny aftale.")
        later_id = later.id
    report = bo.sync()
    assert report.rejected == 0 and report.applied >= 1
    assert [e.mutation_id for e in sync_state.rejected(bo.vault)] == [stuck[0].mutation_id]
    with bo.vault.session() as s:
        statuses = list(s.scalars(select(ChangeEntry.status)))
    assert statuses == ["rejected"]
    tina.sync()
    with tina.vault.session() as s:
        assert s.get(JournalNote, later_id) is not None


def test_push_results_over_raw_http_mix_applied_and_rejected(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, carl = laptop("anna", "anna"), laptop("carl", "carl")
    case_a = _new_case(anna, "Mia")
    case_c = _new_case(carl, "Ella")
    anna.sync()
    carl.sync()
    with carl.vault.session() as s:
        note_c = s.scalars(
            select(JournalNote).where(
                JournalNote.case_id == case_c, JournalNote.finalised_at.is_(None)
            )
        ).one()
        base_rev = note_c.rev
    with anna.vault.session() as s:
        note_a = s.scalars(
            select(JournalNote).where(
                JournalNote.case_id == case_a, JournalNote.finalised_at.is_(None)
            )
        ).one()
        rev_a = note_a.rev
    foreign_id, own_id = str(uuid.uuid4()), str(uuid.uuid4())
    mutations = [
        {  # Carl's draft, by Anna: refused
            "mutation_id": foreign_id,
            "table": "journal_note",
            "row_id": note_c.id,
            "case_id": case_c,
            "op": "update",
            "base_rev": base_rev,
            "changes": {"body": ["Hjemmebesøg aftalt.", "Anna var her."]},
        },
        {  # Anna's own draft: applied
            "mutation_id": own_id,
            "table": "journal_note",
            "row_id": note_a.id,
            "case_id": case_a,
            "op": "update",
            "base_rev": rev_a,
            "changes": {"body": ["Hjemmebesøg aftalt.", "Besøg flyttet."]},
        },
    ]
    headers = {"Authorization": f"Bearer {_token(anna)}"}
    answer = httpx.post(
        f"{server.url}/v1/push", json={"mutations": mutations}, headers=headers, timeout=10
    )
    assert answer.status_code == 200, answer.text
    results = {r["mutation_id"]: r for r in answer.json()["results"]}
    assert results[foreign_id]["status"] == "rejected"
    assert results[foreign_id]["reason"] == "sync.no_access"
    assert results[own_id]["status"] == "applied"
    carl.sync()
    with carl.vault.session() as s:
        assert s.get(JournalNote, note_c.id).body == "Hjemmebesøg aftalt."  # type: ignore[union-attr]
    # Admin devices write no case data either.
    ida = laptop("ida", "ida")
    mutations[1]["mutation_id"] = str(uuid.uuid4())
    answer = httpx.post(
        f"{server.url}/v1/push",
        json={"mutations": mutations[1:]},
        headers={"Authorization": f"Bearer {_token(ida)}"},
        timeout=10,
    )
    assert answer.json()["results"][0]["status"] == "rejected"


# -- an ended assignment ----------------------------------------------------------------------


def test_an_ended_assignment_removes_the_case_and_reassigning_restores_it(
    laptop: Make, store: Store
) -> None:
    anna = laptop("anna", "anna")
    with anna.vault.session() as s:
        mother, _ = services.create_person(s, first_name="Sofie", last_name="Jensen")
        s.flush()
        s.expunge(mother)
    case_a = _new_case(anna, "Mia", mother=mother)
    case_b = _new_case(anna, "Oscar", mother=mother)
    assert anna.sync().rejected == 0
    with anna.vault.session() as s:
        case = s.get(Case, case_a)
        assert case is not None
        child_id = case.child_id
        note_ids = set(s.scalars(select(JournalNote.id).where(JournalNote.case_id == case_a)))
        party_ids = set(s.scalars(select(CaseParty.id).where(CaseParty.case_id == case_a)))
        assert s.scalar(
            select(JournalNote.id).where(
                JournalNote.case_id == case_a, JournalNote.finalised_at.is_not(None)
            )
        )
    assert len(note_ids) == 2 and len(party_ids) == 2

    store.unassign(case_a, "anna")
    report = anna.sync()
    assert report.removed_cases == [case_a]
    with anna.vault.session() as s:
        assert s.get(Case, case_a) is None
        assert s.scalars(select(JournalNote).where(JournalNote.case_id == case_a)).all() == []
        assert s.scalars(select(CaseParty).where(CaseParty.case_id == case_a)).all() == []
        assert all(s.get(JournalNote, n) is None for n in note_ids)
        assert s.get(Person, child_id) is None  # named only by the removed case
        assert s.get(Person, mother.id) is not None  # still a party to case B
        assert s.get(Case, case_b) is not None
    assert not any(r.get("case_id") == case_a for r in local_rows(anna.vault).values())
    assert sync_state.status(anna.vault).pending == 0


def test_a_reassigned_case_comes_back_complete(laptop: Make, store: Store) -> None:
    anna = laptop("anna", "anna")
    case_a = _new_case(anna, "Mia")
    case_b = _new_case(anna, "Oscar")
    anna.sync()
    before = _case_rows(anna, case_a)
    with anna.vault.session() as s:
        note_ids = set(s.scalars(select(JournalNote.id).where(JournalNote.case_id == case_a)))
    store.unassign(case_a, "anna")
    assert anna.sync().removed_cases == [case_a]
    assert _case_ids(anna) == {case_b}

    store.assign(case_a, "anna")
    report = anna.sync()
    assert report.added_cases == [case_a]
    assert _case_rows(anna, case_a) == before
    with anna.vault.session() as s:
        assert set(s.scalars(select(JournalNote.id).where(JournalNote.case_id == case_a))) == (
            note_ids
        )
        assert s.get(Case, case_a) is not None


# -- device tokens ------------------------------------------------------------------------------


def test_a_revoked_device_is_refused_and_wipes_its_vault(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    first, second = laptop("anna1", "anna"), laptop("anna2", "anna")
    case_a = _new_case(first, "Mia")
    first.sync()
    second.sync()
    assert _token(first) != _token(second)
    assert _case_ids(second) == {case_a}
    # A migration backup lies next to the vault: it must go too.
    backups = first.profile / BACKUP_DIR
    backups.mkdir(exist_ok=True)
    shutil.copy2(first.profile / DB_FILE, backups / "vault-old.db")

    store.revoke_device(first.vault.setting(DEVICE_KEY))
    _assert_error(_get(server, "/v1/cases", _token(first)), 403, "auth.device_revoked")
    _assert_error(
        httpx.post(
            f"{server.url}/v1/pull",
            json={"cursor": 0},
            headers={"Authorization": f"Bearer {_token(first)}"},
            timeout=10,
        ),
        403,
        "auth.device_revoked",
    )
    # The same user's other laptop works on.
    with second.vault.session() as s:
        case = s.get(Case, case_a)
        assert case is not None
        services.add_note(s, case, title="Fra den anden", body="Stadig i gang.")
    assert second.sync().applied >= 1
    assert _get(server, "/v1/me", _token(second)).json()["username"] == "anna"

    with pytest.raises(DeviceRevoked):
        first.sync()
    first.conn.close()
    first.vault.close()
    enrolment.wipe_profile(first.profile)
    for name in (KEY_FILE, DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
        assert not (first.profile / name).exists(), name
    assert not backups.exists()
    with pytest.raises(VaultNotFound):
        Vault.open(first.profile, PASSPHRASE)
    assert second.sync().rejected == 0


def test_unknown_and_missing_tokens_are_refused(laptop: Make, server: ServerThread) -> None:
    anna = laptop("anna", "anna")
    _assert_error(_get(server, "/v1/cases", "not-a-token"), 401, "auth.invalid_token")
    _assert_error(_get(server, "/v1/cases", _token(anna) + "x"), 401, "auth.invalid_token")
    _assert_error(_get(server, "/v1/cases", None), 401, "auth.missing_token")
    _assert_error(
        httpx.post(f"{server.url}/v1/push", json={"mutations": []}, timeout=10),
        401,
        "auth.missing_token",
    )
    assert _get(server, "/v1/cases", _token(anna)).status_code == 200
    conn = Connection(server.url, "not-a-token")
    with pytest.raises(AuthFailed):
        SyncClient(anna.vault, conn).sync()
    conn.close()


def test_a_deactivated_user_is_refused_on_every_device(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    first, second, bo = laptop("bo1", "bo"), laptop("bo2", "bo"), laptop("anna", "anna")
    _new_case(first, "Noah")
    first.sync()
    store.set_user("bo", active=False)
    for lap in (first, second):
        _assert_error(_get(server, "/v1/cases", _token(lap)), 403, "auth.device_revoked")
        with pytest.raises(DeviceRevoked):
            lap.sync()
    assert bo.sync().rejected == 0  # other users go on
    # Signing in anew is refused too.
    answer = httpx.post(
        f"{server.url}/v1/login",
        json={"username": "bo", "password": "hemmelig-adgang-1", "device_name": "ny"},
        timeout=10,
    )
    _assert_error(answer, 401, "auth.bad_credentials")
