"""Poison values (over real HTTP, SQLite and PostgreSQL): one user with write access to one case
must not be able to break every laptop that holds it. The store checks each value against its
column and rejects that mutation alone; a laptop that receives a bad row anyway (an older store,
a hand-edited database) quarantines it and applies the rest of the page."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from models import services
from models.schema import Case, JournalNote, Notification, Person, Relation
from models.values import MAX_TEXT_CHARS
from models.vocabulary import NotifierKind, RelationKind
from sync.client import state as sync_state
from sync.client.keys import TOKEN_KEY
from sync.server.run import ServerThread
from sync.server.store import Store
from sync.server.tables import Record
from tests.sync.harness import Laptop, mutation

Make = Callable[[str, str], Laptop]


def _strict(text: str) -> Any:
    """JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _setup(laptop: Make) -> tuple[Laptop, Laptop, dict[str, Any]]:
    anna, tina = laptop("anna", "anna"), laptop("tina", "tina")
    with anna.vault.session() as s:
        kid, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=kid, opened_on=date(2026, 11, 2))
        note = services.add_note(s, case, title="Kladde", body="Hjemmebesøg aftalt.")
        mother, _ = services.create_person(s, first_name="Sofie", last_name="Jensen")
        relation = services.add_relation(s, case, kid, mother, next(iter(RelationKind)))
        notification = services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
                notifier_kind=next(iter(NotifierKind)),
            ),
        )
        ids = {
            "case": case.id,
            "person": kid.id,
            "note": note.id,
            "relation": relation.id,
            "notification": notification.id,
        }
    assert anna.sync().rejected == 0
    tina.sync()
    with anna.vault.session() as s:
        ids["case_rev"] = s.get(Case, ids["case"]).rev  # type: ignore[union-attr]
        ids["person_rev"] = s.get(Person, ids["person"]).rev  # type: ignore[union-attr]
        ids["note_rev"] = s.get(JournalNote, ids["note"]).rev  # type: ignore[union-attr]
        ids["relation_rev"] = s.get(Relation, ids["relation"]).rev  # type: ignore[union-attr]
        ids["notification_rev"] = s.get(Notification, ids["notification"]).rev  # type: ignore[union-attr]
    return anna, tina, ids


def _push(server: ServerThread, lap: Laptop, mutations: list[dict[str, Any]]) -> list[Any]:
    # Python's json writes NaN and lone surrogates (as escapes) as a careless client would.
    body = json.dumps({"mutations": mutations}, allow_nan=True, ensure_ascii=True)
    answer = httpx.post(
        f"{server.url}/v1/push",
        content=body,
        headers={
            "Authorization": f"Bearer {lap.vault.setting(TOKEN_KEY)}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    results: list[Any] = answer.json()["results"]
    return results


def _change(table: str, row_id: str, case_id: str | None, rev: int, key: str, value: Any) -> Any:
    return mutation("update", table, row_id, case_id, rev, **{key: value})


POISON: dict[str, tuple[str, str, Any, str]] = {
    # name: (row, field, value, expected reason)
    "integer 10**30": ("case", "follow_up_every_months", 10**30, "sync.bad_value"),
    "integer as text": ("case", "follow_up_every_months", "6", "sync.bad_value"),
    "year 1": ("person", "birth_date", "0001-01-01", "sync.bad_value"),
    "year 20260": ("case", "opened_on", "20260-01-01", "sync.bad_value"),
    "compact date": ("person", "birth_date", "20260101", "sync.bad_value"),
    "date with time": ("person", "birth_date", "2020-01-01T00:00:00", "sync.bad_value"),
    "unknown enum code": ("case", "stage", "ukendt_fase", "sync.unknown_code"),
    "enum as number": ("case", "stage", 3, "sync.bad_value"),
    "moment without zone": ("note", "written_at", "2026-11-02T10:00:00", "sync.bad_value"),
    "moment year 1": ("note", "written_at", "0001-01-01T00:00:00+00:00", "sync.bad_value"),
    "text too long": ("note", "body", "x" * (MAX_TEXT_CHARS + 1), "sync.too_long"),
    "name too long": ("person", "first_name", "M" * 201, "sync.too_long"),
    "lone surrogate": ("note", "body", "før \ud800 efter", "sync.bad_value"),
    "NUL in text": ("note", "title", "a\x00b", "sync.bad_value"),
    "boolean as text": ("person", "unborn", "false", "sync.bad_value"),
    "NaN in a number": ("relation", "pos_x", math.nan, "sync.bad_value"),
    "Infinity in a number": ("relation", "pos_x", math.inf, "sync.bad_value"),
    "number 1e300": ("relation", "pos_x", 1e300, "sync.bad_value"),
    "NaN inside JSON": ("notification", "answers", {"a": [1, math.nan]}, "sync.bad_value"),
    "surrogate key inside JSON": ("notification", "answers", {"\udc00": 1}, "sync.bad_value"),
    "huge integer inside JSON": ("notification", "answers", {"a": 10**30}, "sync.bad_value"),
}


def _target(ids: dict[str, Any], row: str) -> tuple[str, str, str | None, int]:
    table = {"note": "journal_note"}.get(row, row)
    case_id = None if row == "person" else ids["case"]
    return table, ids[row], case_id, ids[f"{row}_rev"]


@pytest.mark.parametrize("name", sorted(POISON))
def test_a_poison_value_is_rejected_alone_and_every_laptop_goes_on(
    name: str, laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, tina, ids = _setup(laptop)
    row, key, value, reason = POISON[name]
    table, row_id, case_id, rev = _target(ids, row)
    poison = _change(table, row_id, case_id, rev, key, value)
    before = _change(
        "journal_note", ids["note"], ids["case"], ids["note_rev"], "title", "Før giften"
    )
    after = _change("case", ids["case"], ids["case"], ids["case_rev"], "district", "Nord")
    high = store.high_water()
    results = _push(server, anna, [before, poison, after])
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert results[1]["reason"] == reason
    assert results[1]["fields"] == [key]
    assert store.high_water() > high

    # The team leader's laptop (and Anna's) pull strict JSON and go on working.
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {tina.vault.setting(TOKEN_KEY)}"},
        timeout=30,
    ) as api:
        page = api.post("/v1/pull", json={"cursor": 0})
        _strict(page.text)
    for lap in (tina, anna):
        report = lap.sync()
        assert sync_state.quarantined(lap.vault) == []
        with lap.vault.session() as s:
            case = s.get(Case, ids["case"])
            assert case is not None and case.district == "Nord"
            note = s.get(JournalNote, ids["note"])
            assert note is not None and note.title == "Før giften"
        assert report is not None


def test_the_old_value_is_checked_too(laptop: Make, store: Store, server: ServerThread) -> None:
    """A conflict keeps the old value and travels to every laptop: it must be storable too."""
    anna, _tina, ids = _setup(laptop)
    poison = _change("case", ids["case"], ids["case"], ids["case_rev"], "district", "Nord")
    poison["changes"]["district"][0] = math.nan
    [result] = _push(server, anna, [poison])
    assert (result["status"], result["fields"]) == ("rejected", ["district"])


def test_a_laptop_quarantines_a_bad_row_it_receives_and_applies_the_rest(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """Values that reached the store before it checked them (or a hand-edited database): the
    laptop keeps such a row out of its vault, shows it, and takes the rest of the page."""
    anna, tina, ids = _setup(laptop)
    with anna.vault.session() as s:
        case = s.get(Case, ids["case"])
        assert case is not None
        fresh = services.add_note(s, case, title="Samtale", body="Med Mia.")
        fresh_id = fresh.id
        services.update(s, case, district="Syd")
    anna.sync()
    # Poison written behind the store's back, with a new sequence number.
    _write_behind(store, ids["person"], birth_date="20260101")
    report = tina.sync()
    assert report.pulled >= 2
    [held] = sync_state.quarantined(tina.vault)
    assert held["id"] == ids["person"]
    assert held["table"] == "person"
    assert held["fields"] == ["birth_date"]
    with tina.vault.session() as s:
        assert s.get(JournalNote, fresh_id) is not None
        case = s.get(Case, ids["case"])
        assert case is not None and case.district == "Syd"
        kid = s.get(Person, ids["person"])
        assert kid is not None and kid.birth_date is None  # the stored version, untouched
    # A storable version from the store (here: repaired by hand) ends the quarantine.
    _write_behind(store, ids["person"], birth_date="2016-01-01")
    tina.sync()
    assert sync_state.quarantined(tina.vault) == []
    with tina.vault.session() as s:
        kid = s.get(Person, ids["person"])
        assert kid is not None and kid.birth_date == date(2016, 1, 1)


def _write_behind(store: Store, row_id: str, **values: Any) -> None:
    """Change a stored row behind the store's checks, with a new revision and sequence number."""
    with store.write() as (s, seq):
        rec = s.scalar(select(Record).where(Record.id == row_id))
        assert rec is not None
        doc = json.loads(rec.data)
        doc.update(values)
        doc["rev"] = rec.rev + 1
        s.execute(
            update(Record)
            .where(Record.id == rec.id)
            .values(data=json.dumps(doc), rev=rec.rev + 1, seq=seq.next())
        )
