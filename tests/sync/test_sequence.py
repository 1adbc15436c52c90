"""Sequence numbers follow commit order: a reader pulling while many writers push never skips a
committed change. And the store keeps no state of its own: two instances on one database serve
the same laptops."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from models import services
from models.schema import Case
from sync.server.store import Mutation, Principal, Store
from tests.sync.harness import Laptop, running

Make = Callable[[str, str], Laptop]


def _token(store: Store, username: str) -> str:
    _device, token = store.register_device(username, "test")
    return token


def _case_mutations(case_id: str, notes: int) -> list[Mutation]:
    child_id = str(uuid.uuid4())
    out = [
        Mutation(
            str(uuid.uuid4()), "person", child_id, None, "insert", 0, {"first_name": [None, "Barn"]}
        ),
        Mutation(
            str(uuid.uuid4()),
            "case",
            case_id,
            case_id,
            "insert",
            0,
            {
                "case_number": [None, f"S-{case_id[:8]}"],
                "child_id": [None, child_id],
                "opened_on": [None, "2026-11-02"],
            },
        ),
    ]
    for n in range(notes):
        out.append(
            Mutation(
                str(uuid.uuid4()),
                "journal_note",
                str(uuid.uuid4()),
                case_id,
                "insert",
                0,
                {
                    "title": [None, f"Notat {n}"],
                    "body": [None, "x" * 50],
                    "written_at": [None, "2026-11-02T10:00:00+00:00"],
                },
            )
        )
    return out


def test_a_reader_never_skips_a_committed_change_while_writers_push(store: Store) -> None:
    store.set_user("carl", team="Team Syd")
    writers = [store.authenticate(_token(store, name)) for name in ("anna", "bo", "carl")]
    reader = _token(store, "tina")  # the teamleder of Team Syd reads every case they make
    cases: list[str] = []
    done = threading.Event()
    failures: list[BaseException] = []

    def write(who: Principal) -> None:
        try:
            for _ in range(12):
                case_id = str(uuid.uuid4())
                results = store.push(who, _case_mutations(case_id, 3))
                assert {r.status.value for r in results} == {"applied"}
                cases.append(case_id)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    seen: set[str] = set()

    def read() -> None:
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                who = store.authenticate(reader)
                page = store.pull(who, cursor, 50)
                for text in page.rows:
                    seen.add(text.split('"id":"', 1)[1][:36])
                cursor = page.cursor
                if finished and not page.more:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    reading = threading.Thread(target=read)
    reading.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reading.join(timeout=60)
    assert not failures, failures
    assert len(cases) == 36
    final = store.authenticate(reader)
    everything = {text.split('"id":"', 1)[1][:36] for text in store.pull(final, 0, 5000).rows}
    assert len(everything) == 36 * 5
    # The reader, pulling concurrently from its cursor, saw every row the writers committed.
    assert seen == everything


def test_two_instances_on_one_database_serve_the_same_laptops(store: Store, tmp_path: Path) -> None:
    with running(store) as first, running(store) as second:
        anna = Laptop(tmp_path, "anna", first.url, "anna")
        bo = Laptop(tmp_path, "bo", second.url, "bo")
        try:
            with anna.vault.session() as s:
                child, _ = services.create_person(s, first_name="Mia")
                case_id = services.create_case(s, child=child, opened_on=date(2026, 11, 2)).id
            anna.sync()
            store.assign(case_id, "bo")
            bo.sync()
            with bo.vault.session() as s:
                services.update(s, services.get(s, Case, case_id), district="Syd")
            bo.sync()
            anna.sync()
            with anna.vault.session() as s:
                assert services.get(s, Case, case_id).district == "Syd"
        finally:
            anna.close()
            bo.close()


def test_every_pull_page_carries_the_persons_its_rows_name(store: Store) -> None:
    """The child was edited after the case was made, so it sorts after the case: a page that
    ends at the case still brings the child (a killed pull never leaves a case without it)."""
    import json

    who = store.authenticate(_token(store, "anna"))
    case_id = str(uuid.uuid4())
    mutations = _case_mutations(case_id, 0)
    child_id = mutations[0].row_id
    store.push(who, mutations)
    store.push(
        who,
        [
            Mutation(
                str(uuid.uuid4()),
                "person",
                child_id,
                None,
                "update",
                1,
                {"first_name": ["Barn", "Mia"]},
            )
        ],
    )
    who = store.authenticate(_token(store, "anna"))
    cursor, pages = 0, []
    while True:
        page = store.pull(who, cursor, 1, [case_id])
        pages.append([json.loads(text) for text in page.rows])
        cursor = page.cursor
        if not page.more:
            break
    with_case = next(rows for rows in pages if any(r["table"] == "case" for r in rows))
    assert {(r["table"], r["id"]) for r in with_case} == {("case", case_id), ("person", child_id)}
    assert [r["data"]["first_name"] for r in with_case if r["table"] == "person"] == ["Mia"]
