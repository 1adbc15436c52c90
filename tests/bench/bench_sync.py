"""Sync with the central store over real HTTP (uvicorn on 127.0.0.1), on SQLite and on PostgreSQL
in the same run. Goals (issue): the first sync of 200 cases × 200 notes of ~1 KB (40,000 rows)
≤ 2 s on SQLite and ≤ 3 s on PostgreSQL; an incremental sync of 50 changes ≤ 50 ms; a sync with
nothing new ≤ 30 ms.

The store is filled (untimed) by pushing mutations in-process through ``Store.push``, as a laptop
would send them. Timed: a fresh laptop vault, signed in, running ``SyncClient.sync()``; the
breakdown shows where the time goes (the server's ``Store.pull``/``authenticate`` against the
client's ``apply_rows``, the rest being HTTP, FastAPI and JSON).

PostgreSQL is used when FELTMAPPE_TEST_PG_URL is set (a throwaway schema per run):

    FELTMAPPE_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python -m tests.bench.bench_sync [--cases 200 --notes 200 --pages 1000,2000,5000]"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models.keyfile import KdfParams
from models.schema import JournalNote
from models.vault import Vault
from sync import protocol as p
from sync.client import enrolment, writer
from sync.client.replication import SyncClient, SyncReport
from sync.client.transport import Connection
from sync.server.run import ServerThread
from sync.server.store import Mutation, Principal, Store
from tests.sync.harness import PASSPHRASE, PASSWORD, PG_URL, store_at

BODY = (
    "Hjemmebesøg hos familien. Barnet viste sit værelse og fortalte om skolen og fodbold. "
    "Mor fortalte om morgenerne, som stadig er svære, og om samarbejdet med skolen. "
) * 6  # ~1 KB
DRAFTS_PER_CASE = 10  # the newest notes of a case are drafts (editable); the rest are finalised
PUSH_BATCH = 500


# -- filling the store ----------------------------------------------------------------------


def insert(table: str, row_id: str, case_id: str | None, values: dict[str, Any]) -> Mutation:
    """An insert as the client sends it: every column but the metadata, as ``[None, value]``."""
    changes: dict[str, list[Any]] = {}
    for key, col in p.columns(table).items():
        if key in ("rev", "updated_at", "updated_by"):
            continue
        value = values.get(key, p.default_value(col))
        if key == "id":
            value = row_id
        elif key == "case_id":
            value = case_id
        changes[key] = [None, value]
    return Mutation(str(uuid.uuid4()), table, row_id, case_id, p.Op.INSERT.value, 0, changes)


def update_body(note_id: str, case_id: str, rev: int, old: str, new: str) -> Mutation:
    return Mutation(
        str(uuid.uuid4()),
        p.NOTE_TABLE,
        note_id,
        case_id,
        p.Op.UPDATE.value,
        rev,
        {"body": [old, new]},
    )


@dataclass
class Seeded:
    """What was put into the store: the cases, and the draft notes (id, case id) per case."""

    cases: list[str] = field(default_factory=list)
    drafts: list[tuple[str, str]] = field(default_factory=list)
    rows: int = 0


def case_mutations(n: int, notes: int, author: str, seeded: Seeded) -> Iterator[Mutation]:
    """A child, its case and ``notes`` journal notes (the last DRAFTS_PER_CASE are drafts)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    person_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    seeded.cases.append(case_id)
    yield insert(
        p.PERSON_TABLE,
        person_id,
        None,
        {"first_name": f"Barn{n}", "last_name": "Jensen", "birth_date": "2015-03-04"},
    )
    yield insert(
        "case",
        case_id,
        case_id,
        {
            "case_number": f"B-{n:05d}",
            "child_id": person_id,
            "opened_on": "2025-01-02",
            "district": "Syd",
        },
    )
    for i in range(notes):
        written = (start + timedelta(hours=i)).isoformat()
        draft = i >= notes - DRAFTS_PER_CASE
        note_id = str(uuid.uuid4())
        if draft:
            seeded.drafts.append((note_id, case_id))
        yield insert(
            p.NOTE_TABLE,
            note_id,
            case_id,
            {
                "title": f"Notat {i}",
                "body": f"{n}/{i} {BODY}",
                "author": author,
                "written_at": written,
                "finalised_at": None if draft else written,
            },
        )
    seeded.rows += notes + 2


def push_all(store: Store, who: Principal, mutations: Iterator[Mutation]) -> None:
    """Push in batches as a laptop would (each batch one transaction); every mutation must apply."""
    batch: list[Mutation] = []

    def flush() -> None:
        results = store.push(who, batch)
        bad = [r for r in results if r.status != p.Status.APPLIED]
        if bad:
            raise RuntimeError(f"seeding: {len(bad)} mutations not applied, e.g. {bad[0]}")
        batch.clear()

    for m in mutations:
        batch.append(m)
        if len(batch) >= PUSH_BATCH:
            flush()
    if batch:
        flush()


def seed(store: Store, username: str, cases: int, notes: int, first: int = 0) -> Seeded:
    """``cases`` cases with ``notes`` notes each, made by ``username`` (so assigned to them)."""
    _device, token = store.register_device(username, "seeding")
    who = store.authenticate(token)
    seeded = Seeded()

    def all_mutations() -> Iterator[Mutation]:
        for n in range(first, first + cases):
            yield from case_mutations(n, notes, username, seeded)

    push_all(store, who, all_mutations())
    return seeded


# -- measuring ------------------------------------------------------------------------------


class Timers:
    """Accumulated time and calls per named part, from wrapped functions (any thread)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.bytes_in = 0
        self.bytes_out = 0

    def reset(self) -> None:
        self.total.clear()
        self.calls.clear()
        self.bytes_in = self.bytes_out = 0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total[name] = self.total.get(name, 0.0) + time.perf_counter() - t
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    def get(self, name: str) -> float:
        return self.total.get(name, 0.0)


def instrument(store: Store, timers: Timers) -> Callable[[], None]:
    """Time the server's store calls and the client's apply_rows; returns the undo."""
    saved_apply = writer.apply_rows
    for name in ("pull", "push", "authenticate"):
        setattr(store, name, timers.wrap(f"server Store.{name}", getattr(store, name)))
    writer.apply_rows = timers.wrap("client apply_rows", saved_apply)

    def undo() -> None:
        for name in ("pull", "push", "authenticate"):
            delattr(store, name)
        writer.apply_rows = saved_apply

    return undo


def watch(conn: Connection, timers: Timers) -> None:
    """Time the connection's round trips (HTTP plus the server) and count the bytes."""
    http = conn.client.request

    def counted(*args: Any, **kwargs: Any) -> Any:
        response = http(*args, **kwargs)
        timers.bytes_in += response.num_bytes_downloaded
        timers.bytes_out += len(response.request.content)
        return response

    conn.client.request = timers.wrap("HTTP round trips", counted)  # type: ignore[method-assign]
    conn.request = timers.wrap("Connection.request", conn.request)  # type: ignore[method-assign]


class Laptop:
    """A fresh vault signed in to the server (login is not timed)."""

    def __init__(self, tmp: Path, name: str, url: str, username: str, timers: Timers) -> None:
        self.vault = Vault.create(tmp / name, PASSPHRASE, user=username, kdf=KdfParams.fast())
        enrolment.connect(self.vault, url, username, PASSWORD, name)
        self.conn = enrolment.connection_for(self.vault)
        watch(self.conn, timers)

    def sync(self, page_size: int = 2000) -> SyncReport:
        return SyncClient(self.vault, self.conn, page_size=page_size).sync()

    def edit_drafts(self, ids: list[str], text: str) -> None:
        with self.vault.session() as s:
            for note in s.scalars(select(JournalNote).where(JournalNote.id.in_(ids))):
                note.body = text

    def close(self) -> None:
        self.conn.close()
        self.vault.close()


def breakdown(timers: Timers, wall: float) -> str:
    pull = timers.get("server Store.pull")
    auth = timers.get("server Store.authenticate")
    push = timers.get("server Store.push")
    apply = timers.get("client apply_rows")
    http = timers.get("HTTP round trips")
    conn = timers.get("Connection.request")
    parts = [
        f"Store.pull {pull * 1000:.0f}",
        f"Store.push {push * 1000:.0f}",
        f"authenticate {auth * 1000:.0f} ({timers.calls.get('server Store.authenticate', 0)}×)",
        f"HTTP/FastAPI/JSON-encode {(http - pull - auth - push) * 1000:.0f}",
        f"client JSON-decode {(conn - http) * 1000:.0f}",
        f"apply_rows {apply * 1000:.0f}",
        f"other client {(wall - conn - apply) * 1000:.0f}",
    ]
    return "      ms: " + ", ".join(parts)


def profiled(fn: Callable[[], Any], top: int = 25) -> str:
    """cProfile of ``fn`` (the calling thread only: the client side), top functions by tottime."""
    prof = cProfile.Profile()
    prof.runcall(fn)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# -- the benchmark ----------------------------------------------------------------------------


def run_kind(
    kind: str,
    tmp: Path,
    *,
    cases: int,
    notes: int,
    page_sizes: tuple[int, ...],
    changes: int,
    rounds: int,
    idle_runs: int,
    profile: bool,
) -> dict[str, float]:
    figures: dict[str, float] = {}
    timers = Timers()
    with store_at(kind, tmp) as store:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        t0 = time.perf_counter()
        seeded = seed(store, "anna", cases, notes)
        print(
            f"[{kind}] store filled: {cases} cases × {notes} notes, {seeded.rows} rows "
            f"(+ {cases} persons) in {time.perf_counter() - t0:.1f} s (untimed setup)"
        )
        undo = instrument(store, timers)
        try:
            with ServerThread(store) as server:
                # -- the first sync, per page size --
                for page in page_sizes:
                    lap = Laptop(tmp, f"{kind}-first-{page}", server.url, "anna", timers)
                    timers.reset()
                    t = time.perf_counter()
                    report = lap.sync(page)
                    wall = time.perf_counter() - t
                    figures[f"first_{page}"] = wall
                    mb = (timers.bytes_in + timers.bytes_out) / 2**20
                    print(
                        f"[{kind}] first sync, page {page}: {wall:.2f} s, {report.pulled} rows in "
                        f"{report.pages} pages, {mb:.1f} MiB, "
                        f"{report.pulled / wall:,.0f} rows/s"
                    )
                    print(breakdown(timers, wall))
                    lap.close()
                if profile:
                    lap = Laptop(tmp, f"{kind}-profiled", server.url, "anna", timers)
                    print(f"[{kind}] cProfile of the client thread, first sync, page 2000:")
                    print(profiled(lambda lap=lap: lap.sync(2000)))  # type: ignore[misc]
                    lap.close()

                # -- the first sync with the store in its own process (as in production,
                # where laptop and store do not share one Python interpreter) --
                from tests.bench.bench_sync_load import server_process

                url = store.engine.url.render_as_string(hide_password=False)
                with server_process(url, tmp / f"{kind}-server.log") as (base, _proc):
                    for page in page_sizes:
                        lap = Laptop(tmp, f"{kind}-proc-{page}", base, "anna", timers)
                        t = time.perf_counter()
                        report = lap.sync(page)
                        wall = time.perf_counter() - t
                        figures[f"process_{page}"] = wall
                        print(
                            f"[{kind}] first sync, store in its own process, page {page}: "
                            f"{wall:.2f} s, {report.pulled} rows in {report.pages} pages, "
                            f"{report.pulled / wall:,.0f} rows/s"
                        )
                        lap.close()

                # -- incremental --
                lap = Laptop(tmp, f"{kind}-incr", server.url, "anna", timers)
                lap.sync()
                other_device = store.authenticate(store.register_device("anna", "desktop")[1])
                remote = seeded.drafts[:changes]
                local = [n for n, _ in seeded.drafts[changes : 2 * changes]]
                bodies = _body_lookup(lap, [n for n, _ in remote])
                revs = dict.fromkeys(bodies, 1)
                pulled_t: list[float] = []
                pushed_t: list[float] = []
                for r in range(rounds):
                    batch = []
                    for note_id, case_id in remote:
                        new = f"{bodies[note_id]} r{r}"
                        batch.append(
                            update_body(note_id, case_id, revs[note_id], bodies[note_id], new)
                        )
                        bodies[note_id], revs[note_id] = new, revs[note_id] + 1
                    results = store.push(other_device, batch)
                    assert all(x.status == p.Status.APPLIED for x in results), results[:3]
                    timers.reset()
                    t = time.perf_counter()
                    report = lap.sync()
                    pulled_t.append(time.perf_counter() - t)
                    assert report.pulled == len(remote), report
                    if r == rounds - 1:
                        print(
                            f"[{kind}] last incremental pull of {report.pulled}: {ms(pulled_t[-1])}"
                        )
                        print(breakdown(timers, pulled_t[-1]))
                    lap.edit_drafts(local, f"lokal ændring {r} {BODY}")
                    timers.reset()
                    t = time.perf_counter()
                    report = lap.sync()
                    pushed_t.append(time.perf_counter() - t)
                    assert report.applied == len(local), report
                    if r == rounds - 1:
                        print(
                            f"[{kind}] last push of {report.applied} local changes"
                            f" (+ pulling them back, {report.pulled} rows): {ms(pushed_t[-1])}"
                        )
                        print(breakdown(timers, pushed_t[-1]))
                figures["pull_changes"] = statistics.median(pulled_t)
                figures["push_changes"] = statistics.median(pushed_t)
                print(
                    f"[{kind}] incremental, {len(remote)} changes from another device: median "
                    f"{ms(figures['pull_changes'])} (max {ms(max(pulled_t))}, {rounds} rounds)"
                )
                print(
                    f"[{kind}] incremental, push {len(local)} local changes: median "
                    f"{ms(figures['push_changes'])} (max {ms(max(pushed_t))}, {rounds} rounds)"
                )

                # -- nothing new --
                idle: list[float] = []
                timers.reset()
                for _ in range(idle_runs):
                    t = time.perf_counter()
                    report = lap.sync()
                    idle.append(time.perf_counter() - t)
                    assert report.pulled == 0 and report.pushed == 0, report
                figures["idle"] = statistics.median(idle)
                print(
                    f"[{kind}] sync with nothing new: median {ms(figures['idle'])} "
                    f"(min {ms(min(idle))}, max {ms(max(idle))}, {idle_runs} runs)"
                )
                print(breakdown(timers, sum(idle)).replace("ms:", f"ms in all {idle_runs}:"))
                lap.close()
        finally:
            undo()
    return figures


def _body_lookup(lap: Laptop, ids: list[str]) -> dict[str, str]:
    with lap.vault.session() as s:
        return {n.id: n.body for n in s.scalars(select(JournalNote).where(JournalNote.id.in_(ids)))}


GOALS = {"sqlite": 2.0, "pg": 3.0}


def main(
    cases: int = 200,
    notes: int = 200,
    page_sizes: tuple[int, ...] = (1000, 2000, 5000),
    *,
    kinds: tuple[str, ...] = ("sqlite", "pg"),
    changes: int = 50,
    rounds: int = 5,
    idle_runs: int = 20,
    profile: bool = False,
) -> dict[str, dict[str, float]]:
    """Runs the benchmark on each store kind; returns the figures (seconds) per kind."""
    results: dict[str, dict[str, float]] = {}
    for kind in kinds:
        if kind == "pg" and not PG_URL:
            print("[pg] skipped: FELTMAPPE_TEST_PG_URL is not set")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            results[kind] = run_kind(
                kind,
                Path(tmp),
                cases=cases,
                notes=notes,
                page_sizes=page_sizes,
                changes=min(changes, (cases * DRAFTS_PER_CASE) // 2),
                rounds=rounds,
                idle_runs=idle_runs,
                profile=profile,
            )
    print()
    print(f"summary ({cases} cases × {notes} notes; goals: first ≤ 2 s SQLite / ≤ 3 s PG,")
    print("incremental ≤ 50 ms, nothing new ≤ 30 ms)")
    for kind, fig in results.items():
        firsts = ", ".join(
            f"page {k.split('_')[1]} {v:.2f} s" for k, v in fig.items() if k.startswith("first_")
        )
        own = ", ".join(
            f"page {k.split('_')[1]} {v:.2f} s" for k, v in fig.items() if k.startswith("process_")
        )
        firsts = f"{firsts}; store in its own process: {own}"
        print(
            f"  {kind:6} first sync: {firsts} (goal {GOALS[kind]:.0f} s); incremental pull "
            f"{ms(fig['pull_changes'])}, push {ms(fig['push_changes'])}; "
            f"nothing new {ms(fig['idle'])}"
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--pages", default="1000,2000,5000", help="page sizes, comma-separated")
    parser.add_argument("--kinds", default="sqlite,pg")
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile one first sync")
    args = parser.parse_args()
    main(
        args.cases,
        args.notes,
        tuple(int(x) for x in args.pages.split(",")),
        kinds=tuple(args.kinds.split(",")),
        changes=args.changes,
        rounds=args.rounds,
        idle_runs=args.idle,
        profile=args.profile,
    )
