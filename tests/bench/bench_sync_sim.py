"""The randomized sync simulation (tests/sync/sim.py) over many seeded schedules: laptops edit
offline, sync at random through injected faults (dropped requests, lost answers, duplicated
requests, clients killed mid-pull) while assignments end and come back, then everyone syncs
and the end state is checked; after every sync, no laptop may hold a row its user may not read.

    python -m tests.bench.bench_sync_sim --schedules 1000 [--jobs 2] [--first-seed 0]
    python -m tests.bench.bench_sync_sim --schedules 1000 --no-finalise  # leave out finalising
"""

from __future__ import annotations

import argparse
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor

from tests.sync import sim


def _config(seed: int, finalise: bool) -> sim.Config:
    cfg = sim.random_config(random.Random(seed))
    cfg.finalise = finalise
    return cfg


def _chunk(args: tuple[list[int], bool]) -> sim.Totals:
    seeds, finalise = args
    totals = sim.Totals()
    for seed in seeds:
        try:
            totals.add(sim.run_schedule(seed, _config(seed, finalise)))
        except Exception as exc:  # a crash is a finding too: report it with its seed
            totals.schedules += 1
            totals.problems.append(f"seed {seed}: crashed: {type(exc).__name__}: {exc}")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-finalise", action="store_true")
    parser.add_argument("--show", type=int, default=20, help="problems to print")
    args = parser.parse_args()
    seeds = list(range(args.first_seed, args.first_seed + args.schedules))
    chunks = [seeds[i : i + 10] for i in range(0, len(seeds), 10)]
    t0 = time.perf_counter()
    totals = sim.Totals()
    finalise = not args.no_finalise
    if args.jobs <= 1:
        for chunk in chunks:
            totals.add(_chunk((chunk, finalise)))
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            for part in pool.map(_chunk, [(c, finalise) for c in chunks]):
                totals.add(part)
    elapsed = time.perf_counter() - t0
    faults = ", ".join(f"{k} {totals.faults.get(k, 0)}" for k in sim.FAULTS)
    print(f"schedules   {totals.schedules} (seeds {seeds[0]}..{seeds[-1]}, {args.jobs} jobs)")
    print(
        f"steps       {totals.steps} ({totals.edits} edits, {totals.syncs} syncs, "
        f"{totals.failed_syncs} failed)"
    )
    print(f"faults      {sum(totals.faults.values())} ({faults})")
    print(f"lost        {totals.lost} (rejected {totals.rejected})")
    print(f"duplicated  {totals.duplicated}")
    print(f"diverged    {totals.diverged}")
    print(
        f"trespass    {totals.trespass} (rows held that the user may not read after a sync; "
        f"{totals.revoked} assignments ended at random)"
    )
    print(
        f"conflicts   {totals.conflicts} recorded; {totals.forks} notes forked; "
        f"{totals.concurrent} same-field concurrent edits"
    )
    print(f"elapsed     {elapsed:.0f} s ({elapsed / max(totals.schedules, 1):.2f} s per schedule)")
    bad_seeds = sorted({int(line.split(":")[0].split()[1]) for line in totals.problems})
    if bad_seeds:
        print(f"seeds with problems ({len(bad_seeds)}): {bad_seeds[:50]}")
    for line in totals.problems[: args.show]:
        print("  " + line[:400])


if __name__ == "__main__":
    main()
