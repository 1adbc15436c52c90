"""Deadlines of a 5,000-case vault: load the facts, run the engine, and the whole
``all_deadlines`` call. Goal: the engine (no loading) ≤ 1 s for all cases."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from models import demo
from models.deadlines import compute
from models.deadlines.service import all_deadlines, load_facts
from models.deadlines.types import STATUS_URGENCY
from models.keyfile import KdfParams
from models.vault import Vault

PASSPHRASE = "bench-hest-blomst-kaffe-tog"
TODAY = date(2026, 11, 25)
NOW = datetime.combine(TODAY, clock(12, 0), UTC)


def _timed(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main(cases: int = 5000, rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "p"
        t0 = time.perf_counter()
        with Vault.create(profile, PASSPHRASE, user="bench", kdf=KdfParams.fast()) as vault:
            demo.generate(vault, cases=cases, seed=7, today=TODAY)
        print(f"built {cases}-case demo vault in {time.perf_counter() - t0:.1f} s")

        with Vault.open(profile, PASSPHRASE) as vault:
            # A fresh session per round: a warm identity map would flatter the loading.
            def load() -> Any:
                with vault.session() as session:
                    return load_facts(session)

            def end_to_end() -> Any:
                with vault.session() as session:
                    return all_deadlines(session, NOW)

            load_s, facts = _timed(load, rounds)
            engine_s, per_case = _timed(lambda: [compute(f, NOW) for f in facts], rounds)
            total_s, deadlines = _timed(end_to_end, rounds)

    engine_count = sum(len(x) for x in per_case)
    print(f"load_facts ({len(facts)} cases):          median {load_s * 1000:.0f} ms")
    print(
        f"engine, compute over all facts:       median {engine_s * 1000:.0f} ms "
        f"(goal ≤ 1000 ms; {engine_count} deadlines)"
    )
    print(f"all_deadlines end to end:             median {total_s * 1000:.0f} ms")
    print(f"({rounds} rounds each; now = {NOW.isoformat()})")
    counts = Counter(d.status for d in deadlines)
    print(f"deadlines: {len(deadlines)} in {len({d.case_id for d in deadlines})} cases")
    for status in sorted(counts, key=STATUS_URGENCY.__getitem__):
        print(f"  {status.value}: {counts[status]}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
