"""The sync benchmarks run (tiny sizes, no timing asserted): CI proves they still work against
the current store and client, on SQLite and, when FELTMAPPE_TEST_PG_URL is set, PostgreSQL."""

from __future__ import annotations

import pytest

from tests.bench import bench_sync, bench_sync_load
from tests.sync.harness import PG_URL

KINDS = ["sqlite", pytest.param("pg", marks=pytest.mark.pg)]


def _need(kind: str) -> None:
    if kind == "pg" and not PG_URL:
        pytest.skip("FELTMAPPE_TEST_PG_URL is not set")


@pytest.mark.parametrize("kind", KINDS)
def test_bench_sync_runs(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    _need(kind)
    figures = bench_sync.main(
        cases=3, notes=12, page_sizes=(7, 50), kinds=(kind,), changes=4, rounds=2, idle_runs=2
    )
    assert set(figures) == {kind}
    assert {"first_7", "first_50", "pull_changes", "push_changes", "idle"} <= set(figures[kind])
    out = capsys.readouterr().out
    assert "first sync, page 7" in out and "42 rows in" in out


@pytest.mark.parametrize("kind", KINDS)
def test_bench_sync_load_runs(kind: str) -> None:
    _need(kind)
    figures = bench_sync_load.main(
        clients=2, seconds=1.5, kinds=(kind,), procs=1, think=0.05, cases=1, notes=4, login_flood=1
    )
    for label in (kind, f"{kind}+flood"):
        assert figures[label]["syncs"] > 0
        assert figures[label]["errors"] == 0
