"""The central store under load: ``--clients`` laptops (default 50) syncing for ``--seconds``
(default 60) against one server process (``sync.server.run.serve``, uvicorn on 127.0.0.1), on
SQLite and on PostgreSQL. Each client has its own vault and device token and loops: make 1–3
small changes (titles of draft notes), ``SyncClient.sync()`` (push, cases, pull), think a little.
Prints requests per second, latency percentiles per request and per sync, and every error (an
exception or a non-2xx answer; the goal is none).

The clients run as threads in ``--procs`` processes so the clients' GIL does not hold back the
server; on a small machine clients and server still share the CPUs (the server's CPU time is
printed). PostgreSQL is used when FELTMAPPE_TEST_PG_URL is set:

    FELTMAPPE_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python -m tests.bench.bench_sync_load [--clients 50 --seconds 60 --procs 2]

With ``--login-flood N`` each kind runs twice, without and then with N threads sending wrong
passwords all the time, and the push latencies of both runs are printed side by side. The flood
uses unknown user names and a new ``X-Forwarded-For`` address per request (the server trusts it
from 127.0.0.1), so neither back-off stops it: every attempt costs a full Argon2 check. This is
the worst case, an attacker with many addresses. ``--flood-known`` guesses the passwords of the
existing users instead (the back-off stops each after five refusals)."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from models.keyfile import KdfParams
from models.schema import JournalNote
from models.vault import Vault
from sync.client import enrolment
from sync.client.replication import SyncClient
from sync.server.store import Store
from tests.bench.bench_sync import seed
from tests.sync.harness import PASSPHRASE, PASSWORD, PG_URL, pg_schema

ROOT = Path(__file__).resolve().parents[2]
SERVER = (
    "import sys\n"
    "from sync.server.run import serve\n"
    "serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]))\n"
)


@dataclass
class Outcome:
    """What one worker process saw (plain data, sent back through a queue)."""

    requests: list[tuple[str, float, int]] = field(default_factory=list)  # path, s, status
    syncs: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    changes: int = 0
    conflicts: int = 0
    rejected: int = 0


# -- one client ----------------------------------------------------------------------------


class Client:
    def __init__(self, tmp: Path, name: str, url: str, username: str, out: Outcome) -> None:
        self.name = name
        self.out = out
        self.lock = threading.Lock()
        self.vault = Vault.create(tmp / name, PASSPHRASE, user=username, kdf=KdfParams.fast())
        enrolment.connect(self.vault, url, username, PASSWORD, name)
        self.conn = enrolment.connection_for(self.vault)
        self.recording = False
        http = self.conn.client.request

        def timed(method: str, path: str, **kwargs: Any) -> httpx.Response:
            t = time.perf_counter()
            status = 0
            try:
                response = http(method, path, **kwargs)
                status = response.status_code
                return response
            finally:
                if self.recording:
                    with self.lock:
                        self.out.requests.append((path, time.perf_counter() - t, status))

        self.conn.client.request = timed  # type: ignore[method-assign,assignment]
        SyncClient(self.vault, self.conn).sync()  # the first sync is setup, not load
        with self.vault.session() as s:
            self.drafts = list(
                s.scalars(select(JournalNote.id).where(JournalNote.finalised_at.is_(None)))
            )

    def run(self, deadline: float, think: float, seed_value: int) -> None:
        rng = random.Random(seed_value)
        self.recording = True
        n = 0
        while time.monotonic() < deadline:
            n += 1
            k = rng.randint(1, 3)
            try:
                with self.vault.session() as s:
                    for note_id in rng.sample(self.drafts, min(k, len(self.drafts))):
                        note = s.get(JournalNote, note_id)
                        assert note is not None
                        note.title = f"{self.name} ændring {n}"
                t = time.perf_counter()
                report = SyncClient(self.vault, self.conn).sync()
                elapsed = time.perf_counter() - t
                with self.lock:
                    self.out.syncs.append(elapsed)
                    self.out.changes += k
                    self.out.conflicts += report.conflicts
                    self.out.rejected += report.rejected
            except Exception as exc:  # every failure counts; the loop goes on
                with self.lock:
                    self.out.errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        self.recording = False

    def close(self) -> None:
        self.conn.close()
        self.vault.close()


def _worker(
    tmp: str,
    url: str,
    specs: list[tuple[str, str]],
    seconds: float,
    think: float,
    ready: Any,
    start: Any,
    results: Any,
) -> None:
    out = Outcome()
    clients = [Client(Path(tmp), name, url, user, out) for name, user in specs]
    ready.put(len(clients))
    start.wait()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=c.run, args=(deadline, think, i), daemon=True)
        for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    results.put(out)


# -- the server process --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server_process(url: str, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port)], cwd=ROOT, stdout=fh, stderr=fh
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                with suppress(httpx.TransportError):
                    if httpx.get(f"{base}/v1/status", timeout=1).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def store_url(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield str(tmp / "central.db")
    else:
        with pg_schema() as url:
            yield url


# -- the benchmark ---------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Flood:
    """Threads sending wrong passwords to ``/v1/login`` until stopped."""

    def __init__(self, base: str, threads: int, known: list[str] | None = None) -> None:
        self.base = base
        self.known = known
        self.stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)
        ]

    def _run(self, seed_value: int) -> None:
        rng = random.Random(seed_value)
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self.stop.is_set():
                address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                name = rng.choice(self.known) if self.known else f"gæt{rng.randrange(10**9)}"
                body = {
                    "username": name,
                    "password": "forkert-adgangskode",
                    "device_name": "flood",
                }
                try:
                    status = http.post(
                        "/v1/login", json=body, headers={"X-Forwarded-For": address}
                    ).status_code
                except httpx.TransportError:
                    status = 0
                with self.lock:
                    self.statuses[status] += 1

    def __enter__(self) -> Flood:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def run_kind(
    kind: str,
    tmp: Path,
    *,
    clients: int,
    seconds: float,
    procs: int,
    think: float,
    devices_per_user: int,
    cases: int,
    notes: int,
    flood: int = 0,
    flood_known: bool = False,
) -> dict[str, float]:
    users = max(1, -(-clients // devices_per_user))
    with store_url(kind, tmp) as url:
        store = Store.open(url)
        t0 = time.perf_counter()
        try:
            for u in range(users):
                store.add_user(f"bruger{u:02d}", PASSWORD)
                seed(store, f"bruger{u:02d}", cases, notes, first=u * cases)
        finally:
            store.close()
        print(
            f"[{kind}] {users} users × {cases} cases × {notes} notes seeded in "
            f"{time.perf_counter() - t0:.1f} s; {clients} clients ({devices_per_user} devices "
            f"per user) in {procs} processes, think time ~{think:.2f} s"
        )
        log = tmp / "server.log"
        with server_process(url, log) as (base, proc):
            specs = [(f"k{i:02d}", f"bruger{i // devices_per_user:02d}") for i in range(clients)]
            ctx = mp.get_context("spawn")
            ready, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
            workers = [
                ctx.Process(
                    target=_worker,
                    args=(str(tmp), base, specs[i::procs], seconds, think, ready, start, results),
                )
                for i in range(procs)
                if specs[i::procs]
            ]
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            for _ in workers:
                ready.get(timeout=600)
            print(f"[{kind}] clients signed in and synced once in {time.perf_counter() - t0:.1f} s")
            cpu0 = _cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            known = [f"bruger{u:02d}" for u in range(users)] if flood_known else None
            flooding = Flood(base, flood, known)
            with flooding if flood else nullcontext():
                start.set()
                outcomes: list[Outcome] = [results.get(timeout=seconds + 600) for _ in workers]
            wall = time.perf_counter() - t0
            cpu = _cpu_seconds(proc.pid) - cpu0
            if flood:
                attempts = sum(flooding.statuses.values())
                print(
                    f"[{kind}] login flood: {flood} threads, {attempts} wrong logins "
                    f"({attempts / wall:.0f}/s), answers {dict(sorted(flooding.statuses.items()))}"
                )
            for w in workers:
                w.join(timeout=60)
        server_log = log.read_text(errors="replace")
        server_errors = server_log.count("Traceback")
        if server_errors:
            first = server_log[server_log.index("Traceback") :].splitlines()
            tail = [line for line in first[:200] if line and not line.startswith(" ")][:6]
            print(f"[{kind}] the server's first traceback ends: " + " | ".join(tail)[-600:])
    requests = [r for o in outcomes for r in o.requests]
    syncs = [s for o in outcomes for s in o.syncs]
    errors: Counter[str] = Counter()
    for o in outcomes:
        errors.update(o.errors)
    non_2xx = sum(1 for _, _, status in requests if not 200 <= status < 300)
    latencies = [s for _, s, _ in requests]
    rps = len(requests) / wall
    print(
        f"[{kind}] {wall:.0f} s: {len(requests)} requests ({rps:.0f}/s), {len(syncs)} syncs "
        f"({len(syncs) / wall:.1f}/s), {sum(o.changes for o in outcomes)} changes pushed, "
        f"{sum(o.conflicts for o in outcomes)} conflicts, {sum(o.rejected for o in outcomes)} "
        f"rejected; server CPU {cpu:.0f} s ({cpu / wall:.0%} of one core)"
    )
    print(
        f"[{kind}] request latency: p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {pct(latencies, 0.95) * 1000:.0f} ms, p99 {pct(latencies, 0.99) * 1000:.0f} ms, "
        f"max {max(latencies, default=0) * 1000:.0f} ms"
    )
    for path in sorted({r[0] for r in requests}):
        these = [s for p_, s, _ in requests if p_ == path]
        print(
            f"      {path:10} {len(these):6} × p50 {pct(these, 0.5) * 1000:5.0f} ms, "
            f"p95 {pct(these, 0.95) * 1000:5.0f} ms"
        )
    print(
        f"[{kind}] whole sync: p50 {pct(syncs, 0.5) * 1000:.0f} ms, "
        f"p95 {pct(syncs, 0.95) * 1000:.0f} ms; errors: {sum(errors.values())} "
        f"(non-2xx {non_2xx}, server tracebacks {server_errors})"
    )
    for what, count in errors.most_common(10):
        print(f"      {count:5} × {what}")
    pushes = [s for p_, s, _ in requests if p_ == "/v1/push"]
    return {
        "push_p50": pct(pushes, 0.5),
        "push_p95": pct(pushes, 0.95),
        "rps": rps,
        "p95": pct(latencies, 0.95),
        "sync_p95": pct(syncs, 0.95),
        "errors": float(sum(errors.values()) + server_errors),
        "syncs": float(len(syncs)),
        "median": statistics.median(latencies) if latencies else float("nan"),
    }


def main(
    clients: int = 50,
    seconds: float = 60,
    *,
    kinds: tuple[str, ...] = ("sqlite", "pg"),
    procs: int = 2,
    think: float = 0.25,
    devices_per_user: int = 2,
    cases: int = 4,
    notes: int = 50,
    login_flood: int = 0,
    flood_known: bool = False,
) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for kind in kinds:
        if kind == "pg" and not PG_URL:
            print("[pg] skipped: FELTMAPPE_TEST_PG_URL is not set")
            continue
        for flood in (0, login_flood) if login_flood else (0,):
            label = f"{kind}+flood" if flood else kind
            with tempfile.TemporaryDirectory() as tmp:
                results[label] = run_kind(
                    kind,
                    Path(tmp),
                    clients=clients,
                    seconds=seconds,
                    procs=max(1, min(procs, clients)),
                    think=think,
                    devices_per_user=devices_per_user,
                    cases=cases,
                    notes=notes,
                    flood=flood,
                    flood_known=flood_known,
                )
    print()
    print(f"summary ({clients} clients, {seconds:.0f} s):")
    for kind, fig in results.items():
        print(
            f"  {kind:6} {fig['rps']:.0f} requests/s, p95 {fig['p95'] * 1000:.0f} ms per request, "
            f"p95 {fig['sync_p95'] * 1000:.0f} ms per sync, {fig['errors']:.0f} errors; "
            f"push p50 {fig['push_p50'] * 1000:.0f} ms, p95 {fig['push_p95'] * 1000:.0f} ms"
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kinds", default="sqlite,pg")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--think", type=float, default=0.25, help="mean think time, seconds")
    parser.add_argument("--devices-per-user", type=int, default=2)
    parser.add_argument("--cases", type=int, default=4, help="cases per user")
    parser.add_argument("--notes", type=int, default=50, help="notes per case")
    parser.add_argument(
        "--login-flood", type=int, default=0, metavar="N", help="also run with N login floods"
    )
    parser.add_argument(
        "--flood-known",
        action="store_true",
        help="the flood guesses passwords of the existing users instead of unknown names",
    )
    args = parser.parse_args()
    main(
        args.clients,
        args.seconds,
        kinds=tuple(args.kinds.split(",")),
        procs=args.procs,
        think=args.think,
        devices_per_user=args.devices_per_user,
        cases=args.cases,
        notes=args.notes,
        login_flood=args.login_flood,
        flood_known=args.flood_known,
    )
