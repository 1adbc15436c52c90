"""Unlock (Argon2id + open + schema check) and load the case list of a 500-case vault.
Goal (issue 3): ≤ 1.5 s in total."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from models import demo, services
from models.keyfile import KdfParams, KeyFile
from models.profile import KEY_FILE
from models.vault import Vault

PASSPHRASE = "bench-hest-blomst-kaffe-tog"


def main(cases: int = 500, rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "p"
        t0 = time.perf_counter()
        with Vault.create(profile, PASSPHRASE, user="bench", kdf=KdfParams()) as vault:
            demo.generate(vault, cases=cases, seed=7, today=date(2026, 11, 25))
        print(f"built {cases}-case demo vault in {time.perf_counter() - t0:.1f} s")

        kdf, unlock, listing, total = [], [], [], []
        keyfile = KeyFile.read(profile / KEY_FILE)
        for _ in range(rounds):
            t = time.perf_counter()
            keyfile.unwrap(PASSPHRASE)
            kdf.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            vault = Vault.open(profile, PASSPHRASE)
            t1 = time.perf_counter()
            with vault.session() as session:
                rows = services.list_cases(session)
            t2 = time.perf_counter()
            vault.close()
            assert len(rows) == cases
            unlock.append(t1 - t0)
            listing.append(t2 - t1)
            total.append(t2 - t0)

        # The same from a cold process, as a user meets it: Python start, imports, unlock, list.
        cold = []
        env = {**os.environ, "FELTMAPPE_PASSPHRASE": PASSPHRASE}
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "desktop.cli", "cases", "--profile", str(profile), "--json"],
                env=env,
                check=True,
                capture_output=True,
            )
            cold.append(time.perf_counter() - t0)

    med = statistics.median
    print(f"Argon2id key derivation (64 MiB, t=3, p=2): median {med(kdf) * 1000:.0f} ms")
    print(f"unlock (derive + open + schema check):      median {med(unlock) * 1000:.0f} ms")
    print(f"load case list ({cases} cases):               median {med(listing) * 1000:.0f} ms")
    print(
        f"unlock + case list:                         median {med(total) * 1000:.0f} ms "
        f"(goal ≤ 1500 ms; {rounds} rounds, min {min(total) * 1000:.0f} ms)"
    )
    print(
        "cold process 'feltmappe cases --json' (Python start + imports + unlock + list): "
        f"median {med(cold) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
