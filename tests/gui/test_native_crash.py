"""A native crash (segfault) never reaches sys.excepthook: faulthandler writes its trace into
the profile, and the next start of the app offers the report. A clean exit leaves no file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.crash import native_crash_path
from models.vault import Vault

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("native_crash_child.py")


def run_child(mode: str, profile: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(CHILD), mode, str(profile)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSEGV exit status is POSIX")
def test_a_segfault_is_offered_at_the_next_start_without_case_data(vault: Vault) -> None:
    profile = vault.profile
    vault.close()
    crashed = run_child("crash", profile)
    assert crashed.returncode == -signal.SIGSEGV
    trace = native_crash_path(profile).read_text(encoding="utf-8")
    assert "Segmentation fault" in trace
    assert "native_crash_child.py" in trace  # where it happened
    assert oct(native_crash_path(profile).stat().st_mode & 0o777) == "0o600"

    offered = run_child("start", profile)
    assert offered.stdout.strip() == "OFFERED", offered.stderr[-2000:]
    # That run ended cleanly: no trace is left, and the next start offers nothing.
    assert not native_crash_path(profile).exists()
    assert run_child("start", profile).stdout.strip() == "NOTHING"
