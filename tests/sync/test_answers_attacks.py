"""Form answers under attack (over real HTTP, SQLite and PostgreSQL): a user of another team
naming a form row's id, a client pushing answers no laptop can store or no conflict can name, a
merge that would grow past the size limit, and a crafted [old, new] pair that tries to overwrite a
colleague's answer without a conflict."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from models import services
from models.schema import Case, Notification
from models.vocabulary import MeetingKind, NotifierKind
from sync import answers
from sync.client import state as sync_state
from sync.client.keys import TOKEN_KEY
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import Laptop, mutation
from tests.sync.test_poison import _write_behind

Make = Callable[[str, str], Laptop]
FORM = {"form_id": "underretning", "form_version": 1}
#: Deeper than any form's answer (models.values refuses more than 20 levels).
_DEEP = json.loads("[" * 30 + "]" * 30)


def _api(server: ServerThread, lap: Laptop) -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {lap.vault.setting(TOKEN_KEY)}"},
        timeout=60,
    )


def _push(server: ServerThread, lap: Laptop, *mutations: dict[str, Any]) -> list[Any]:
    with _api(server, lap) as api:
        answer = api.post("/v1/push", json={"mutations": list(mutations)})
    assert answer.status_code == 200, answer.text
    results: list[Any] = answer.json()["results"]
    return results


def _setup(laptop: Make, store: Store) -> tuple[Laptop, Laptop, dict[str, Any]]:
    """Anna's case with an underretning, also held by Bo (same team)."""
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        note = services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                notifier_kind=NotifierKind.FAGPERSON,
                answers={"barnet_i_fare": "nej"},
                **FORM,
            ),
        )
        ids = {"case": case.id, "notification": note.id}
    assert anna.sync().rejected == 0
    store.assign(ids["case"], "bo")
    bo.sync()
    with anna.vault.reading() as s:
        ids["rev"] = services.get(s, Notification, ids["notification"]).rev
    return anna, bo, ids


def _update(ids: dict[str, Any], old: Any, new: Any, rev: int = 0) -> dict[str, Any]:
    m = mutation("update", "notification", ids["notification"], ids["case"], rev)
    m["changes"] = {"answers": [old, new]}
    return m


def _stored(store: Store, row_id: str) -> dict[str, Any]:
    from sqlalchemy import select

    from sync.server.tables import Record

    with store.write() as (s, _seq):
        data = s.scalar(select(Record.data).where(Record.id == row_id))
    assert data is not None
    doc: dict[str, Any] = json.loads(data)
    return doc


# -- 1. another team ---------------------------------------------------------------------


def test_another_team_cannot_write_or_read_answers_by_naming_a_row(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, _bo, ids = _setup(laptop, store)
    carl = laptop("carl", "carl")  # no team: holds none of Anna's cases
    with carl.vault.session() as s:
        kid, _ = services.create_person(s, first_name="Ole", last_name="Berg")
        own = services.create_case(s, child=kid, opened_on=date(2026, 11, 3))
        own_id = own.id
    assert carl.sync().rejected == 0

    meeting = {
        "kind": next(iter(MeetingKind)).value,
        "form_id": "boernesamtale",
        "form_version": 1,
        "answers": {"barnet_i_fare": "ja"},
    }
    results = _push(
        server,
        carl,
        _update(ids, {"barnet_i_fare": "nej"}, {"barnet_i_fare": "ja"}, ids["rev"]),
        # The row named under Carl's own case.
        {**_update(ids, None, {"barnet_i_fare": "ja"}), "case_id": own_id},
        # "Inserting" the existing row, in its case and in his own.
        {**_update(ids, None, {"x": 1}), "op": "insert"},
        {**_update(ids, None, {"x": 1}), "op": "insert", "case_id": own_id},
        # A meeting in Anna's case, and a meeting in his own case under the row's id.
        mutation("insert", "meeting", str(uuid.uuid4()), ids["case"], **meeting),
        mutation("insert", "meeting", ids["notification"], own_id, **meeting),
    )
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "sync.no_access"),
        ("rejected", "sync.case_mismatch"),
        ("rejected", "sync.no_access"),
        ("rejected", "sync.case_mismatch"),
        ("rejected", "sync.no_access"),
        ("rejected", "sync.unknown_row"),
    ]
    assert _stored(store, ids["notification"])["answers"] == {"barnet_i_fare": "nej"}

    # Nothing of Anna's case comes back by pull (naming the case) or by id.
    with _api(server, carl) as api:
        page = api.post("/v1/pull", json={"cursor": 0, "cases": [ids["case"]]}).json()
        assert ids["notification"] not in {c["id"] for c in page["changes"]}
        rows = api.post("/v1/rows", json={"ids": [ids["notification"], ids["case"]]}).json()
        assert ids["notification"] not in json.dumps(rows)
    anna.sync()
    assert sync_state.conflicts(anna.vault) == []


# -- 2. values no laptop can store -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([{"barnet_i_fare": "ja"}], "sync.bad_value"),
        ("barnet_i_fare=ja", "sync.bad_value"),
        (7, "sync.bad_value"),
        (True, "sync.bad_value"),
        ({"": "ja"}, "sync.bad_value"),
        # "answers.<id>" would not fit a conflict's field (80 characters) on any laptop.
        ({"q" * (answers.MAX_QUESTION_CHARS + 1): "ja"}, "sync.too_long"),
        ({f"q{i}": i for i in range(answers.MAX_QUESTIONS + 1)}, "sync.too_long"),
        ({"a": _DEEP}, "sync.bad_value"),
    ],
    ids=["list", "string", "number", "boolean", "empty id", "long id", "many", "deep"],
)
def test_answers_no_laptop_could_store_are_refused(
    value: Any, reason: str, laptop: Make, store: Store, server: ServerThread
) -> None:
    _anna, bo, ids = _setup(laptop, store)
    [result] = _push(server, bo, _update(ids, {"barnet_i_fare": "nej"}, value, ids["rev"]))
    assert (result["status"], result["reason"], result["fields"]) == (
        "rejected",
        reason,
        ["answers"],
    )
    # Not as the old value either (a conflict keeps it, and every laptop receives it).
    [result] = _push(server, bo, _update(ids, value, {"barnet_i_fare": "ja"}))
    assert (result["status"], result["reason"]) == ("rejected", reason)
    assert _stored(store, ids["notification"])["answers"] == {"barnet_i_fare": "nej"}


def test_the_longest_question_id_still_names_a_storable_conflict(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, bo, ids = _setup(laptop, store)
    question = "q" * answers.MAX_QUESTION_CHARS
    _push(server, anna, _update(ids, {"barnet_i_fare": "nej"}, {question: "nej"}, ids["rev"]))
    [result] = _push(server, bo, _update(ids, {}, {question: "ja"}))
    assert result["status"] == "conflict"
    assert result["fields"] == [answers.answer_field(question)]
    for lap in (anna, bo):
        lap.sync()
        assert sync_state.quarantined(lap.vault) == []
        [conflict] = sync_state.conflicts(lap.vault)
        assert conflict.field == answers.answer_field(question)


def test_a_deeply_nested_body_is_refused_not_a_server_error(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, _bo, ids = _setup(laptop, store)
    deep = "[" * 200_000 + "]" * 200_000
    body = json.dumps({"mutations": [_update(ids, None, {"a": 0})]}).replace("0}", deep + "}")
    with _api(server, anna) as api:
        answer = api.post("/v1/push", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert answer.json()["error"]


def test_a_merge_that_would_outgrow_the_size_limit_is_refused(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """Each side's answers are within 1,000,000 characters; merged they would not be, and every
    laptop would quarantine the form."""
    anna, bo, ids = _setup(laptop, store)
    half = "x" * 600_000
    [first] = _push(
        server, anna, _update(ids, {"barnet_i_fare": "nej"}, {"vurdering": half}, ids["rev"])
    )
    assert first["status"] == "applied"
    [second] = _push(server, bo, _update(ids, {"barnet_i_fare": "nej"}, {"begrundelse": half}))
    assert (second["status"], second["reason"], second["fields"]) == (
        "rejected",
        "sync.too_long",
        ["answers"],
    )
    assert _stored(store, ids["notification"])["answers"] == {"vurdering": half}
    for lap in (anna, bo):
        lap.sync()
        assert sync_state.quarantined(lap.vault) == []


def test_a_laptop_quarantines_answers_that_are_not_an_object(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """Written before the store checked the shape (or by hand): held out of the vault, not a
    form row whose answers the desktop cannot read."""
    _anna, bo, ids = _setup(laptop, store)
    _write_behind(store, ids["notification"], answers=["ja"])
    bo.sync()
    [held] = sync_state.quarantined(bo.vault)
    assert (held["id"], held["fields"]) == (ids["notification"], ["answers"])
    with bo.vault.reading() as s:
        assert services.get(s, Notification, ids["notification"]).answers == {
            "barnet_i_fare": "nej"
        }
        assert s.get(Case, ids["case"]) is not None


# -- 3. merge semantics ------------------------------------------------------------------


@pytest.mark.parametrize(
    "old",
    [None, {}, {"akut_handling": "ingen"}],
    ids=["null", "empty", "other question"],
)
def test_a_crafted_old_value_does_not_overwrite_a_colleagues_answer(
    old: Any, laptop: Make, store: Store, server: ServerThread
) -> None:
    """Bo claims he started from answers without Anna's (or from none at all): her answer is
    not silently replaced; the question is a conflict and keeps her answer."""
    anna, bo, ids = _setup(laptop, store)
    [first] = _push(
        server,
        anna,
        _update(ids, {"barnet_i_fare": "nej"}, {"barnet_i_fare": "ja", "x": 1}, ids["rev"]),
    )
    assert first["status"] == "applied"
    [result] = _push(server, bo, _update(ids, old, {"barnet_i_fare": "nej", "y": 2}, ids["rev"]))
    assert result["status"] == "conflict"
    assert result["fields"] == ["answers.barnet_i_fare"]
    stored = _stored(store, ids["notification"])["answers"]
    assert stored["barnet_i_fare"] == "ja" and stored["x"] == 1 and stored["y"] == 2


def test_a_stale_answer_does_not_change_a_form_a_colleague_finalised(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """Anna finalises the underretning (its ``assessed_at``); Bo, offline, had changed a
    question outside the form's after-finalise sections and one inside them (the receipt).
    Merged question by question, his first answer would land in the finalised form unseen: it
    is a conflict of that question instead, and the receipt is taken."""
    anna, bo, ids = _setup(laptop, store)
    finalise = mutation(
        "update",
        "notification",
        ids["notification"],
        ids["case"],
        ids["rev"],
        assessed_at="2026-11-02T12:00:00+00:00",
    )
    assert _push(server, anna, finalise)[0]["status"] == "applied"
    stale = _update(
        ids,
        {"barnet_i_fare": "nej"},
        {"barnet_i_fare": "ja", "kvittering_sendt": "2026-11-03"},
        ids["rev"],
    )
    [result] = _push(server, bo, stale)
    assert (result["status"], result["fields"]) == ("conflict", ["answers.barnet_i_fare"])
    assert _stored(store, ids["notification"])["answers"] == {
        "barnet_i_fare": "nej",
        "kvittering_sendt": "2026-11-03",
    }
    # Choosing his answer is a person's decision, with the row as it is now: it is taken.
    bo.sync()
    [conflict] = [c for c in sync_state.conflicts(bo.vault) if c.resolved_at is None]
    assert (conflict.server_value, conflict.client_value) == ("nej", "ja")
    sync_state.resolve(bo.vault, conflict.id, "client")
    assert bo.sync().conflicts == 0
    assert _stored(store, ids["notification"])["answers"]["barnet_i_fare"] == "ja"
    anna.sync()
    assert sync_state.quarantined(anna.vault) == []


def test_answers_sent_at_the_latest_revision_still_merge_question_by_question(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """A laptop may be at the store's revision and still hold other answers than the store (a
    refused change of its own keeps its value, so its next change starts from there): the
    revision alone must not let it replace a colleague's answer it never saw."""
    anna, bo, ids = _setup(laptop, store)
    [first] = _push(
        server,
        anna,
        _update(
            ids, {"barnet_i_fare": "nej"}, {"barnet_i_fare": "nej", "akut": "ingen"}, ids["rev"]
        ),
    )
    assert first["status"] == "applied"
    [result] = _push(
        server,
        bo,
        _update(
            ids,
            {"barnet_i_fare": "nej", "eget": "afvist"},
            {"barnet_i_fare": "nej", "eget": "afvist", "naeste": "skolen"},
            first["rev"],
        ),
    )
    assert result["status"] == "applied"
    assert _stored(store, ids["notification"])["answers"] == {
        "barnet_i_fare": "nej",
        "akut": "ingen",
        "naeste": "skolen",
    }
    # Where both answered the same question, it is still a conflict.
    [clash] = _push(
        server,
        bo,
        _update(ids, {"barnet_i_fare": "nej"}, {"akut": "straks"}, result["rev"]),
    )
    assert clash["status"] == "conflict", clash
