"""Typing while a sync runs (moved here from tests/gui/test_sync_gui.py: no timing assertions in
the test suite). The real app on a laptop vault connected to a real server on 127.0.0.1, every
request delayed 0.6 s (a slow network); while the sync runs, a caseworker types 26 characters
into the journal. Printed per run: the longest wait of one key, and the longest gap of a 10 ms
timer on the GUI thread (how long the event loop stood still); then medians over the runs with
min–max.

    python -m tests.bench.bench_sync_gui [--runs 5]"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from desktop.journal import JournalWidget
from models.vault import Vault
from sync.client.keys import TOKEN_KEY, URL_KEY
from sync.client.transport import Connection
from tests.gui import test_sync_gui
from tests.gui.harness import Harness
from tests.gui.test_sync_gui import SlowTransport, make_desk

RESULTS: list[tuple[float, float]] = []
TEXT = "Barnet fortalte om skolen."


def run_once(
    qtbot: QtBot, tmp_path: Path, server: Any, open_app: Callable[[Path], Harness]
) -> None:
    desk = make_desk(tmp_path, server.url, notes=3)
    window = open_app(desk.profile).window

    def slow_connection(vault: Vault) -> Connection:
        url, token = vault.setting(URL_KEY), vault.setting(TOKEN_KEY)
        client = httpx.Client(base_url=url, transport=SlowTransport(0.6), timeout=30)
        return Connection(url, token, client=client)

    window.sync.connection_for = slow_connection
    dialog = window.show_case(desk.case_id)
    assert dialog is not None
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    dialog.tabs.setCurrentWidget(journal)
    journal.new_note()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    gc.collect()
    gc.disable()  # a full collection pauses every thread; not what is measured
    try:
        window.sync_action.trigger()
        latencies = []
        for char in TEXT:
            before = time.monotonic()
            qtbot.keyClicks(journal.body, char)
            latencies.append(time.monotonic() - before)
            qtbot.wait(25)
        qtbot.waitUntil(lambda: not window.sync.running, timeout=30_000)
    finally:
        gc.enable()
        timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    RESULTS.append((max(latencies) * 1000, max(gaps) * 1000))
    print(
        f"run {len(RESULTS)}: longest key {RESULTS[-1][0]:.1f} ms, "
        f"longest event-loop gap {RESULTS[-1][1]:.0f} ms",
        flush=True,
    )


@pytest.mark.parametrize("run", range(int(__import__("os").environ.get("BENCH_RUNS", "5"))))
def test_bench(qtbot: QtBot, tmp_path: Path, server: Any, open_app: Any, run: int) -> None:
    run_once(qtbot, tmp_path, server, open_app)


@pytest.fixture(scope="session", autouse=True)
def _report_at_the_end() -> Any:
    yield
    if RESULTS:
        report()


def report() -> None:
    keys = [k for k, _ in RESULTS]
    gaps = [g for _, g in RESULTS]
    print(
        f"\nlongest key wait: median {statistics.median(keys):.1f} ms "
        f"(min–max {min(keys):.1f}–{max(keys):.1f}) over {len(keys)} runs"
    )
    print(
        f"longest event-loop gap: median {statistics.median(gaps):.0f} ms "
        f"(min–max {min(gaps):.0f}–{max(gaps):.0f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import os

    os.environ["BENCH_RUNS"] = str(args.runs)
    # The server, store and app fixtures are the GUI tests' own.
    code = pytest.main(
        [
            __file__,
            "-q",
            "-s",
            "-p",
            "no:randomly",
            "-o",
            "python_files=bench_sync_gui.py",
            # (this script imported the GUI tests before pytest could rewrite their asserts)
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
        ],
        plugins=[test_sync_gui],
    )
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
