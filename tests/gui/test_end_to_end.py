"""Issue 5's end-to-end test: create a profile, unlock with a wrong then the right passphrase,
search for a child, open the case, write a note, wait for the autosave, kill the process
(SIGKILL), start again, unlock: the draft is there.

Each phase is the real app in its own process (``e2e_child.py``), offscreen; the one that writes
the note is killed with SIGKILL and never gets to close anything."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

from models import services
from models.vault import Vault
from tests.conftest import PASSPHRASE

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("e2e_child.py")
WRONG_PASSPHRASE = "forkert-frase-helt-sikkert"
SEARCH = "ilse"
TEXT = "Ilse fortalte om skolen og weekenden hos far. Æbler, øl og ål."
TIMEOUT_S = 60

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.platform == "win32" or not hasattr(signal, "SIGKILL") or not hasattr(os, "fork"),
        reason="needs SIGKILL and fork",
    ),
]


def child_env() -> dict[str, str]:
    """The test's environment without any FELTMAPPE_* setting, offscreen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FELTMAPPE_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(REPO)
    return env


def start_child(phase: str, profile: Path, *args: str, stderr: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), phase, str(profile), PASSPHRASE, *args],
        cwd=REPO,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,  # the child's own Qt messages; shown only when something fails
        text=True,
        encoding="utf-8",
    )


def read_until(proc: subprocess.Popen[str], wanted: list[str], said: list[str]) -> None:
    """Read the child's lines (into ``said``) until each of ``wanted`` has come, in order."""
    assert proc.stdout is not None
    deadline = time.monotonic() + TIMEOUT_S
    pending = list(wanted)
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:
            continue
        line = proc.stdout.readline()
        if not line:  # the child has gone
            break
        said.append(line.rstrip("\n"))
        if said[-1] == pending[0]:
            pending.pop(0)
    assert not pending, f"child said {said}, exit code {proc.poll()}"


def run_child(phase: str, profile: Path, *args: str, stderr: IO[str]) -> list[str]:
    """A phase that ends by itself: its lines, once it has quit cleanly."""
    proc = start_child(phase, profile, *args, stderr=stderr)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    said = out.splitlines()
    assert proc.returncode == 0, f"{phase}: child said {said}, exit code {proc.returncode}"
    return said


def child_stderr(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""


def test_draft_survives_sigkill_from_first_run_to_unlock(tmp_path: Path) -> None:
    profile = tmp_path / "profil"
    log_path = tmp_path / "child-stderr.txt"
    with log_path.open("w", encoding="utf-8") as stderr:
        try:
            _run_phases(profile, stderr)
        except AssertionError as err:
            stderr.flush()
            raise AssertionError(f"{err}\n--- child stderr ---\n{child_stderr(log_path)}") from None

    # And the vault itself, opened directly: one draft with the typed text.
    vault = Vault.open(profile, PASSPHRASE)
    try:
        with vault.session() as s:
            (case,) = services.list_cases(s)
            assert case.child_name == "Ilse Sørensen"
            (note,) = services.notes_for_case(s, case.case_id)
            assert (note.body, note.finalised_at) == (TEXT, None)
    finally:
        vault.close()


def _run_phases(profile: Path, stderr: IO[str]) -> None:
    # 1. First run: the profile is created with the dialog, and a case added.
    assert run_child("create", profile, stderr=stderr) == ["CREATED"]

    # 2. Wrong, then right passphrase; search, open, write; autosave; SIGKILL.
    proc = start_child("write", profile, WRONG_PASSPHRASE, SEARCH, TEXT, stderr=stderr)
    said: list[str] = []
    try:
        read_until(proc, ["WRONG-OK", "SAVED"], said)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=TIMEOUT_S) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert said == ["WRONG-OK", "SAVED"]

    # 3. Start again, unlock, open the case: the draft is in its journal.
    (line,) = run_child("check", profile, SEARCH, stderr=stderr)
    assert line.startswith("DRAFT "), line
    draft = json.loads(line.removeprefix("DRAFT "))
    assert draft["body"] == TEXT
    assert "Kladde" in draft["list"]
    assert not draft["read_only"]
    assert draft["status"].startswith("Gemt ")
