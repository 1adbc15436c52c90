"""Encrypted vault vs plain SQLite in the same run, same library (sqlcipher3 without a key is
plain SQLite), same pragmas, 64 MiB page cache: bulk insert of 100k notes and 100k primary-key
lookups. Goal (issue 3): encrypted ≤ 1.2× slower."""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlcipher3

from models.keyfile import new_data_key

SCHEMA = (
    "CREATE TABLE journal_note (id TEXT PRIMARY KEY, case_id TEXT, title TEXT, body TEXT, "
    "written_at TEXT)"
)


def _connect(path: Path, key: bytes | None) -> sqlcipher3.Connection:
    conn = sqlcipher3.dbapi2.connect(str(path), isolation_level=None)
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def run(
    path: Path, key: bytes | None, rows: list[tuple[str, ...]], ids: list[str]
) -> tuple[float, float]:
    conn = _connect(path, key)
    conn.execute(SCHEMA)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO journal_note VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    insert = time.perf_counter() - t0
    t0 = time.perf_counter()
    for note_id in ids:
        conn.execute("SELECT body FROM journal_note WHERE id = ?", (note_id,)).fetchone()
    lookup = time.perf_counter() - t0
    conn.close()
    return insert, lookup


def main(n: int = 100_000, rounds: int = 3, body_bytes: int = 1000) -> None:
    """``body_bytes`` sets the note size: at ~1 KB, 100k notes (~115 MB) outgrow the 64 MiB
    cache, so most lookups read (and decrypt) a page; at ~200 bytes the table fits the cache."""
    rng = random.Random(1)
    sentence = "Samtale med barnet om skole, venner og hjemmet. "
    body = (sentence * (body_bytes // len(sentence) + 1))[:body_bytes]
    rows = [
        (str(uuid.UUID(int=rng.getrandbits(128), version=4)), "c", f"Notat {i}", body, "2026-11-25")
        for i in range(n)
    ]
    ids = [r[0] for r in rows]
    rng.shuffle(ids)
    results: dict[str, list[tuple[float, float]]] = {"plain": [], "encrypted": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for name, key in (("plain", None), ("encrypted", new_data_key())):
                results[name].append(run(Path(tmp) / f"{name}-{r}.db", key, rows, ids))
    med = statistics.median
    pi, pl = med(x[0] for x in results["plain"]), med(x[1] for x in results["plain"])
    ei, el = med(x[0] for x in results["encrypted"]), med(x[1] for x in results["encrypted"])
    print(f"{n} notes of {body_bytes} bytes, 64 MiB page cache, median of {rounds} rounds")
    print(
        f"bulk insert: plain {pi:.2f} s, encrypted {ei:.2f} s, ratio {ei / pi:.2f}× (goal ≤ 1.2×)"
    )
    print(
        f"pk lookups:  plain {pl:.2f} s, encrypted {el:.2f} s, ratio {el / pl:.2f}× (goal ≤ 1.2×)"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
