"""Crash durability: a process writing journal notes is killed with SIGKILL at random moments,
again and again. After every kill the vault opens, passes SQLCipher's and SQLite's integrity
checks, and holds every note the writer reported as committed (with its outbox entry: a
transaction is all there or not at all)."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import text

from models import services
from models.keyfile import KdfParams
from models.vault import Vault
from tests.conftest import PASSPHRASE

WRITER = Path(__file__).with_name("crash_writer.py")
REPO = Path(__file__).resolve().parents[2]
KILLS_AFTER_FIRST_COMMIT = 50
KILLS_WHILE_OPENING = 10  # killed at a random moment right after start, maybe before any commit
LINE_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not hasattr(signal, "SIGKILL"), reason="needs fork and SIGKILL"
)


class Writer:
    """The writer process (see crash_writer.py) and a thread reading its output lines."""

    def __init__(self, profile: Path, case_id: str, stderr: IO[str]) -> None:
        self.stderr = stderr
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(profile), PASSPHRASE, case_id],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self) -> str:
        try:
            line = self.lines.get(timeout=LINE_TIMEOUT)
        except queue.Empty:
            pytest.fail(f"writer silent for {LINE_TIMEOUT} s; stderr:\n{self._stderr()}")
        if line is None:
            pytest.fail(f"writer ended unexpectedly; stderr:\n{self._stderr()}")
        assert line.endswith("\n"), f"partial line {line!r}"
        return line.rstrip("\n")

    def _stderr(self) -> str:
        self.stderr.flush()
        return Path(self.stderr.name).read_text(encoding="utf-8", errors="replace")[-4000:]

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self._reader.join(timeout=5)


def kill_one_writer(writer: Writer, rng: random.Random, early: bool) -> list[str]:
    """Fork a writer, kill it at a random moment, return the ids it reported as committed."""
    writer.go()
    pid: int | None = None
    ids: list[str] = []

    def take(line: str) -> None:
        nonlocal pid
        kind, _, value = line.partition(" ")
        if kind == "pid":
            pid = int(value)
        elif kind == "id":
            ids.append(value)
        else:
            pytest.fail(f"unexpected line {line!r} before the kill; stderr:\n{writer._stderr()}")

    while pid is None or (not early and not ids):
        take(writer.next_line())
    time.sleep(rng.uniform(0.0, 0.08) if early else rng.uniform(0.0, 0.15))
    os.kill(pid, signal.SIGKILL)
    while True:
        line = writer.next_line()
        if line.startswith("dead "):
            _, dead_pid, status = line.split()
            assert int(dead_pid) == pid
            assert os.WIFSIGNALED(int(status)), f"writer exited by itself:\n{writer._stderr()}"
            assert os.WTERMSIG(int(status)) == signal.SIGKILL
            return ids
        take(line)


def check_vault(profile: Path, reported: set[str]) -> int:
    with Vault.open(profile, PASSPHRASE) as vault:
        assert vault.integrity_check() == []
        with vault.engine.connect() as conn:
            notes = {r[0] for r in conn.execute(text("SELECT id FROM journal_note"))}
            outbox = {
                r[0]
                for r in conn.execute(
                    text("SELECT row_id FROM change_entry WHERE \"table\" = 'journal_note'")
                )
            }
    missing = reported - notes
    assert not missing, f"{len(missing)} committed notes lost, e.g. {sorted(missing)[:3]}"
    assert notes <= outbox, "a note without its outbox entry: a transaction was torn"
    return len(notes)


@pytest.mark.slow
def test_sigkill_during_writes_never_loses_a_commit_or_damages_the_vault(
    profile: Path, tmp_path: Path
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"random seed {seed}")  # shown with a failure, to replay the same kill timings
    with Vault.create(profile, PASSPHRASE, kdf=KdfParams.fast()) as vault, vault.session() as s:
        child, _ = services.create_person(s, "Crash", "Test")
        case_id = services.create_case(s, child, opened_on=date.today()).id

    plan = [False] * KILLS_AFTER_FIRST_COMMIT + [True] * KILLS_WHILE_OPENING
    rng.shuffle(plan)
    reported: set[str] = set()
    kills = 0
    started = time.monotonic()
    with (tmp_path / "writer-stderr.txt").open("w+", encoding="utf-8") as stderr:
        writer = Writer(profile, case_id, stderr)
        try:
            for early in plan:
                reported.update(kill_one_writer(writer, rng, early))
                kills += 1
                stored = check_vault(profile, reported)
                assert stored >= len(reported)
        finally:
            writer.close()
    elapsed = time.monotonic() - started
    assert kills == len(plan) >= 50
    assert len(reported) > kills, f"too few commits to mean anything (seed {seed})"
    print(f"{kills} kills, {len(reported)} committed notes checked, {elapsed:.1f} s, seed {seed}")
