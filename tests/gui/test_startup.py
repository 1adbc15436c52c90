"""The start stays light: the first screen imports no database or passphrase-strength stack, the
warm-up imports only Qt-free modules off the GUI thread, and its lists name real modules; the
case list's deadline read stops at its next chunk when the vault is about to close."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date, datetime, time
from pathlib import Path

import pytest

from desktop import case_deadlines, preload
from desktop.case_deadlines import Cancelled, vault_deadline_source
from models import demo
from models.deadlines.calendar import DK
from models.deadlines.service import all_deadlines, standards_for
from models.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
DEMO_DAY = date(2024, 6, 5)
DEMO_NOW = datetime.combine(DEMO_DAY, time(10, 0), tzinfo=DK)


def run_python(code: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_first_screen_imports_no_database_stack() -> None:
    out = run_python(
        "import sys, desktop.cli, desktop.app\n"
        "heavy = ('sqlalchemy', 'alembic', 'zxcvbn', 'argon2', 'sqlcipher3', 'httpx')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))"
    )
    assert out.strip() == ""


def test_the_background_modules_are_qt_free_and_the_screens_import() -> None:
    out = run_python(
        "import importlib, sys\n"
        "from desktop.preload import BACKGROUND_MODULES, SCREEN_MODULES\n"
        "qt = [m for m in sys.modules if m.startswith('PySide6.')]\n"
        "for name in BACKGROUND_MODULES: importlib.import_module(name)\n"
        "print(sorted(set(m for m in sys.modules if m.startswith('PySide6.')) - set(qt)))\n"
        "for name in SCREEN_MODULES: importlib.import_module(name)\n"
        "print('ok')"
    )
    assert out.split("\n")[:2] == ["[]", "ok"]


def test_the_warm_up_ends_with_the_screens_imported_and_the_heap_frozen() -> None:
    out = run_python(
        "import gc, sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from desktop import preload\n"
        "app = QApplication([])\n"
        "preload.start()\n"
        "def check():\n"
        "    if 'desktop.main_window' in sys.modules and gc.get_freeze_count():\n"
        "        app.quit()\n"
        "    else:\n"
        "        QTimer.singleShot(20, check)\n"
        "QTimer.singleShot(0, check)\n"
        "QTimer.singleShot(60_000, app.quit)\n"
        "app.exec()\n"
        "preload.finish()\n"
        "print('desktop.main_window' in sys.modules, gc.get_freeze_count() > 0)"
    )
    assert out.strip() == "True True"


def test_finish_without_start_returns_at_once() -> None:
    preload.finish()
    assert not preload.running()


def test_the_chunked_deadline_read_equals_the_engine_and_stops_when_asked(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.generate(vault, cases=12, seed=7, today=DEMO_DAY)
    monkeypatch.setattr(case_deadlines, "CHUNK", 5)  # three chunks
    stop = threading.Event()
    load = vault_deadline_source(vault, clock=lambda: DEMO_NOW, stop=stop)
    by_case = load()
    with vault.reading() as session:
        expected = all_deadlines(session, DEMO_NOW, standards_for(vault))
    got = sorted((d.case_id, d.rule, d.subject_id) for items in by_case.values() for d in items)
    want = sorted((d.case_id, d.rule, d.subject_id) for d in expected)
    assert got == want
    assert len(by_case) == 12
    stop.set()
    with pytest.raises(Cancelled):
        load()
