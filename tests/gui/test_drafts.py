"""Nothing typed is lost: the home visit's text survives lock, auto-lock and SIGKILL of the
running app, and comes back in the same case and tab after unlocking (the draft store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from desktop.drafts import DraftKeeper
from desktop.home_visit import HomeVisitWidget
from desktop.journal import JournalWidget
from desktop.persons import PartiesWidget
from desktop.unlock import UnlockDialog
from models import services
from models.drafts import drafts
from models.schema import LocalSetting
from models.vault import Vault
from tests.conftest import PASSPHRASE
from tests.gui.conftest import written
from tests.gui.harness import Harness

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("drafts_crash_child.py")
# About the length typed in the report (62 characters).
TYPED = "Mor var træt; Liva (4) legede roligt med klodser på gulvet.."


@pytest.fixture
def case(vault: Vault) -> tuple[Path, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Liva", "Ærenlund", birth_date=date(2022, 2, 2))
        case_id = services.create_case(s, child, opened_on=date(2026, 11, 2)).id
    vault.close()
    return vault.profile, case_id


def open_home_visit(h: Harness, case_id: str) -> tuple[CaseSummaryDialog, HomeVisitWidget]:
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    home = dialog.findChild(HomeVisitWidget)
    assert home is not None
    dialog.tabs.setCurrentWidget(home)
    return dialog, home


def reopened_home_visit(h: Harness) -> HomeVisitWidget:
    dialogs = [d for d in h.window.findChildren(CaseSummaryDialog) if d.isVisible()]
    assert len(dialogs) == 1
    home = dialogs[0].findChild(HomeVisitWidget)
    assert home is not None
    assert dialogs[0].tabs.currentWidget() is home  # the same place
    return home


def test_typed_text_survives_locking(
    qtbot: QtBot, harness_for: Callable[..., Harness], case: tuple[Path, str]
) -> None:
    profile, case_id = case
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, home = open_home_visit(h, case_id)
    qtbot.keyClicks(home.observations, TYPED)
    qtbot.keyClicks(home.others, "morfar")
    # Locked before the few seconds of the draft timer have passed: the lock writes it.
    h.window.lock_action.trigger()  # Filer → Lås (Ctrl+L)
    assert h.controller.vault is None
    h.unlock()
    home = reopened_home_visit(h)
    assert home.observations.toPlainText() == TYPED
    assert home.others.text() == "morfar"


def test_typed_text_survives_auto_lock(
    qtbot: QtBot, harness_for: Callable[..., Harness], case: tuple[Path, str]
) -> None:
    profile, case_id = case
    h = harness_for(profile, idle_ms=400)
    h.controller.start()
    h.unlock()
    _, home = open_home_visit(h, case_id)
    qtbot.keyClicks(home.observations, TYPED)
    qtbot.waitUntil(lambda: isinstance(h.controller.dialog, UnlockDialog), timeout=10_000)
    h.unlock()
    assert reopened_home_visit(h).observations.toPlainText() == TYPED


def test_saving_the_visit_discards_its_draft(
    qtbot: QtBot, harness_for: Callable[..., Harness], case: tuple[Path, str]
) -> None:
    profile, case_id = case
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, home = open_home_visit(h, case_id)
    qtbot.keyClicks(home.observations, TYPED)
    assert home.drafts is not None and home.drafts.flush()
    vault = h.controller.vault
    assert vault is not None
    vault.writer.drain()
    with vault.session() as s:
        assert [d.editor for d in drafts(s, case_id)] == ["home_visit"]
    qtbot.mouseClick(home.save_visit_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert home.visit_done.text() == "Hjemmebesøget er gemt."
    vault.writer.drain()
    with vault.session() as s:
        assert drafts(s, case_id) == []


def test_a_draft_is_written_a_few_seconds_after_the_last_keystroke(
    qtbot: QtBot, harness_for: Callable[..., Harness], case: tuple[Path, str]
) -> None:
    profile, case_id = case
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, home = open_home_visit(h, case_id)
    keeper = home.findChild(DraftKeeper)
    assert keeper is not None
    qtbot.keyClicks(home.observations, "Kort note")
    assert keeper.dirty
    with qtbot.waitSignal(keeper.saved, timeout=10_000):
        pass
    assert not keeper.dirty


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_typed_text_survives_sigkill_and_restart(
    qtbot: QtBot, harness_for: Callable[..., Harness], case: tuple[Path, str]
) -> None:
    profile, case_id = case
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(profile), PASSPHRASE, case_id, TYPED],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "SAVED", line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    dialogs = [d for d in h.window.findChildren(CaseSummaryDialog) if d.isVisible()]
    assert len(dialogs) == 1  # the case open at the crash is open again
    home = dialogs[0].findChild(HomeVisitWidget)
    journal = dialogs[0].findChild(JournalWidget)
    assert home is not None and journal is not None
    assert home.observations.toPlainText() == TYPED
    assert dialogs[0].tabs.currentWidget() is journal  # the tab it was on
    assert journal.body.toPlainText() == TYPED
    persons = dialogs[0].findChild(PartiesWidget)
    assert persons is not None and persons.note.text() == TYPED  # the person being added


def test_the_gui_thread_does_not_wait_while_the_writer_is_busy(
    qtbot: QtBot, harness_for: Callable[..., Harness], case: tuple[Path, str]
) -> None:
    """A sync storing a page holds the writer (here: a job waiting on an event); the draft of
    what is typed meanwhile is handed over at once and written when the writer is free."""
    profile, case_id = case
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, home = open_home_visit(h, case_id)
    vault = h.controller.vault
    assert vault is not None
    busy, release = threading.Event(), threading.Event()

    def long_page() -> None:
        with vault.session() as s:  # holds SQLite's write lock, like a page being stored
            s.merge(LocalSetting(key="test.busy", value="1"))
            busy.set()
            release.wait(30)

    vault.writer.submit(long_page)
    assert busy.wait(10)
    qtbot.keyClicks(home.observations, TYPED)
    assert home.drafts is not None
    assert home.drafts.flush()  # returns at once: handed to the writer, not waiting
    with vault.reading() as s:  # what screens read with: it does not wait for the writer
        assert drafts(s, case_id) == []  # not written yet: the writer is still busy
    release.set()
    vault.writer.drain()
    with vault.session() as s:
        assert [d.editor for d in drafts(s, case_id)] == ["home_visit"]
