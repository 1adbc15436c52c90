"""Limits of the store over real HTTP (SQLite and PostgreSQL): a pull page is bounded in size as
well as in rows, and a mutation id is answered only for what it asked the first time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from models import services
from models.schema import JournalNote
from sync.client.keys import TOKEN_KEY
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import Laptop

Make = Callable[[str, str], Laptop]


def _api(server: ServerThread, lap: Laptop) -> httpx.Client:
    token = lap.vault.setting(TOKEN_KEY)
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_a_pull_page_is_bounded_in_size_as_well_as_in_rows(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna = laptop("anna", "anna")
    with anna.vault.session() as s:
        kid, _ = services.create_person(s, first_name="Mia")
        case = services.create_case(s, child=kid, opened_on=date(2026, 11, 2))
        for n in range(12):
            services.add_note(s, case, title=f"Notat {n}", body=f"{n:02d}" + "æ" * 4_998)
    anna.sync()
    store.page_chars = 20_000
    seen: list[str] = []
    pages = []
    with _api(server, anna) as api:
        cursor, more = 0, True
        while more:
            answer = api.post("/v1/pull", json={"cursor": cursor, "limit": 5000})
            page = answer.json()
            rows = [r for r in page["changes"] if r["table"] == "journal_note"]
            pages.append(len(rows))
            # One row may pass the bound (a page holds at least one row), never two.
            assert sum(len(r["data"]["body"]) for r in rows[:-1]) <= 20_000
            seen.extend(r["id"] for r in page["changes"])
            cursor, more = page["cursor"], page["more"]
    assert len(pages) >= 3 and max(pages) <= 4
    tina = laptop("tina", "tina")
    tina.sync()
    with tina.vault.session() as s:
        assert s.query(JournalNote).count() == 12
    assert len(set(seen)) == len(seen)


def _note_change(lap: Laptop, note_id: str, case_id: str, rev: int, body: str) -> dict[str, Any]:
    return {
        "mutation_id": "",
        "table": "journal_note",
        "row_id": note_id,
        "case_id": case_id,
        "op": "update",
        "base_rev": rev,
        "changes": {"body": ["Kladde.", body]},
    }


def test_a_mutation_id_from_another_device_with_other_content_is_refused_loudly(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    first, second = laptop("anna1", "anna"), laptop("anna2", "anna")
    with first.vault.session() as s:
        kid, _ = services.create_person(s, first_name="Mia")
        case = services.create_case(s, child=kid, opened_on=date(2026, 11, 2))
        note = services.add_note(s, case, title="Kladde", body="Kladde.")
        ids = (note.id, case.id)
    first.sync()
    second.sync()
    with first.vault.session() as s:
        rev = s.get(JournalNote, ids[0]).rev  # type: ignore[union-attr]
    mutation_id = str(uuid.uuid4())
    mine = _note_change(first, *ids, rev, "Anna skrev.")
    theirs = _note_change(second, *ids, rev, "En anden tekst.")
    mine["mutation_id"] = theirs["mutation_id"] = mutation_id
    with _api(server, first) as a, _api(server, second) as b:
        [applied] = a.post("/v1/push", json={"mutations": [mine]}).json()["results"]
        assert applied["status"] == "applied"
        # A retry of the same content is answered as before, from either device of the user.
        [again] = a.post("/v1/push", json={"mutations": [mine]}).json()["results"]
        assert again == applied
        [same] = b.post("/v1/push", json={"mutations": [mine]}).json()["results"]
        assert same == applied
        # The same id with other content is not a retry: refused, and said so.
        [refused] = b.post("/v1/push", json={"mutations": [theirs]}).json()["results"]
        assert refused["status"] == "rejected"
        assert refused["reason"] == "sync.mutation_id_reused"
        row = a.post("/v1/rows", json={"ids": [ids[0]]}).json()["rows"][0]
        assert row["data"]["body"] == "Anna skrev."
