"""Deadlines at municipal scale: load the facts, run the engine, and the whole ``all_deadlines``
call, for a 500- and a 5,000-case demo vault. Goal: ``all_deadlines`` end to end ≤ 1 s for
5,000 cases. Each figure is the median (min–max) of ``--rounds`` runs, each in a fresh session
(a warm identity map would flatter the loading), with the garbage collector paused as
``all_deadlines`` pauses it; the last figure opens the vault anew for each call, so SQLCipher's
page cache is cold, as on a laptop just unlocked.

    python -m tests.bench.bench_deadlines                       # 500 and 5,000 cases, 5 rounds
    python -m tests.bench.bench_deadlines --cases 5000 --rounds 7
    python -m tests.bench.bench_deadlines --keep /tmp/dl-vaults  # build once, reuse next time
    python -m tests.bench.bench_deadlines --profile              # + cProfile of one end to end
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from models import demo
from models.deadlines import check_facts, compute
from models.deadlines.engine import invalid_dates
from models.deadlines.facts import load_facts
from models.deadlines.service import all_deadlines
from models.deadlines.types import STATUS_URGENCY, Deadline
from models.errors import ValidationError
from models.gc_pause import collector_paused
from models.keyfile import KdfParams
from models.vault import Vault

PASSPHRASE = "bench-hest-blomst-kaffe-tog"
TODAY = date(2026, 11, 25)
NOW = datetime.combine(TODAY, clock(12, 0), UTC)


def _timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def _figure(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"median {statistics.median(ms):6.0f} ms ({min(ms):.0f}–{max(ms):.0f})"


def _engine(facts: list[Any]) -> list[Deadline]:
    """What ``all_deadlines`` does once the facts are loaded: check, compute, sort."""
    out: list[Deadline] = []
    for f in facts:
        try:
            check_facts(f, NOW)
        except ValidationError as exc:
            out.append(invalid_dates(f, exc))
            continue
        out.extend(compute(f, NOW))
    return sorted(out, key=Deadline.sort_key)


def _paused(fn: Callable[[Any], Any], arg: Any) -> Any:
    with collector_paused():  # as all_deadlines runs it
        return fn(arg)


def _vault(cases: int, keep: Path | None, tmp: Path) -> Path:
    profile = (keep or tmp) / f"vault-{cases}"
    if keep is not None and (profile / "done").exists():
        print(f"{cases}-case demo vault reused from {profile}")
        return profile
    t0 = time.perf_counter()
    with Vault.create(profile, PASSPHRASE, user="bench", kdf=KdfParams.fast()) as vault:
        demo.generate(vault, cases=cases, seed=7, today=TODAY)
    (profile / "done").touch()
    print(f"{cases}-case demo vault built in {time.perf_counter() - t0:.0f} s (untimed)")
    return profile


def run(cases: int, rounds: int, keep: Path | None, profile_it: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _vault(cases, keep, Path(tmp))
        with Vault.open(path, PASSPHRASE) as vault:

            def load() -> Any:
                with vault.session() as session, collector_paused():
                    return load_facts(session)

            def end_to_end() -> Any:
                with vault.session() as session:
                    return all_deadlines(session, NOW)

            end_to_end()  # warm-up: imports, holiday tables, compiled statements
            load_t, facts = _timed(load, rounds)
            engine_t, _ = _timed(lambda: _paused(_engine, facts), rounds)
            total_t, deadlines = _timed(end_to_end, rounds)
            if profile_it:
                prof = cProfile.Profile()
                prof.runcall(end_to_end)
                pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
                pstats.Stats(prof).sort_stats("tottime").print_stats(25)

        def first_call() -> Any:
            # As a team leader's laptop after "Lås op": a new connection, nothing in its cache.
            with Vault.open(path, PASSPHRASE) as fresh, fresh.session() as session:
                t = time.perf_counter()
                all_deadlines(session, NOW)
                return time.perf_counter() - t

        cold_t = [first_call() for _ in range(rounds)]

    print(f"== {cases} cases ({len(facts)} open), {rounds} rounds, now = {NOW.isoformat()}")
    print(f"  load_facts                   {_figure(load_t)}")
    print(f"  engine (check, compute)      {_figure(engine_t)}")
    print(f"  all_deadlines end to end     {_figure(total_t)}   goal ≤ 1000 ms at 5,000")
    print(f"  the same, first call after the vault is opened (cold cache) {_figure(cold_t)}")
    counts = Counter(d.status for d in deadlines)
    print(f"  {len(deadlines)} deadlines in {len({d.case_id for d in deadlines})} cases: ", end="")
    print(
        ", ".join(f"{s.value} {counts[s]}" for s in sorted(counts, key=lambda s: STATUS_URGENCY[s]))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the vaults here once and reuse them")
    parser.add_argument("--profile", action="store_true", help="cProfile one end-to-end call")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for cases in args.cases:
        run(cases, args.rounds, args.keep, args.profile)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
