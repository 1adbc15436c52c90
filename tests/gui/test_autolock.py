"""Auto-lock: after an idle time the app locks by itself and hides every case; input keeps it
open; unlocking (after auto-lock or Ctrl+L) returns to the same case, tab, note and draft."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.case_list import CASE_ROLE
from desktop.case_summary import CaseSummaryDialog
from desktop.idle import IdleWatcher
from desktop.journal import JournalWidget
from desktop.main_window import MainWindow
from models import services
from tests.gui.conftest import ASSIGNEE, MOTHER, NAMES, Filled, visible_texts, written
from tests.gui.harness import Harness

IDLE_MS = 300
DRAFT = "Mor fortæller om morgenerne, som er blevet lettere."


@pytest.fixture
def harness_for(qtbot: QtBot, demo_dir: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(profile: Path, *, idle_ms: int | None = IDLE_MS) -> Harness:
        h = Harness(qtbot, profile, demo_dir, idle_ms=idle_ms)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def open_journal(qtbot: QtBot, window: MainWindow) -> tuple[str, CaseSummaryDialog, JournalWidget]:
    """Open the first case of the list on its Journal tab and type a draft."""
    assert window.case_list is not None
    case_id = window.case_list.proxy.index(0, 0).data(CASE_ROLE).case_id
    dialog = window.show_case(case_id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentIndex(1)
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    qtbot.keyClicks(journal.body, DRAFT)
    return case_id, dialog, journal


def assert_back_in_the_journal(window: MainWindow, case_id: str) -> None:
    """The same case is open again, on the Journal tab, with the draft in the editor."""
    dialogs = [d for d in window.findChildren(CaseSummaryDialog) if d.isVisible()]
    assert [d.summary.case_id for d in dialogs] == [case_id]
    dialog = dialogs[0]
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "&Journal"
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    assert journal.body.toPlainText() == DRAFT
    assert not journal.is_dirty
    assert journal.note_id is not None


def test_idle_app_locks_itself_and_unlock_returns_to_the_draft(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    h.unlock()
    window = h.window
    qtbot.waitExposed(window)
    vault = h.controller.vault
    assert vault is not None
    case_id, _dialog, journal = open_journal(qtbot, window)
    assert journal.is_dirty  # typed, not saved yet (autosave is 3 s away)

    # No more input: the app locks by itself.
    qtbot.waitUntil(lambda: h.controller.vault is None, timeout=3000)
    dialog = h.unlock_dialog()
    assert dialog.isVisible()
    shown = " ".join(visible_texts())
    for name in [*NAMES, MOTHER, ASSIGNEE]:
        assert name not in shown
    assert DRAFT not in shown
    assert not vault.is_open
    assert h.controller.window is None
    assert window not in QApplication.topLevelWidgets() or not window.isVisible()
    assert h.quits == 0

    h.unlock()
    window = h.window
    assert_back_in_the_journal(window, case_id)
    vault = h.controller.vault
    assert vault is not None
    with vault.session() as s:
        bodies = [n.body for n in services.notes_for_case(s, case_id)]
    assert bodies == [DRAFT]  # saved once before the lock, not again on reopening

    # The watcher runs again after unlocking.
    qtbot.waitUntil(lambda: h.controller.vault is None, timeout=3000)
    h.unlock()
    assert_back_in_the_journal(h.window, case_id)


def test_input_keeps_the_app_unlocked(qtbot: QtBot, harness_for, locked: Path) -> None:
    h = harness_for(locked)
    h.controller.start()
    h.unlock()
    window = h.window
    qtbot.waitExposed(window)
    assert window.case_list is not None
    for _ in range(6):  # ~600 ms of typing, twice the idle time
        qtbot.keyClick(window.case_list.search, Qt.Key.Key_Shift)
        qtbot.wait(100)
        assert h.controller.vault is not None
    assert h.controller.window is window
    # Input stops: the lock follows.
    qtbot.waitUntil(lambda: h.controller.vault is None, timeout=3000)


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("2", 2), ("", 5), ("fem", 5), ("0", 5), ("-3", 5), ("100000", 5)],
)
def test_idle_time_is_the_vault_setting(
    qtbot: QtBot,
    harness_for,
    filled: Filled,
    caplog: pytest.LogCaptureFixture,
    value: str,
    minutes: int,
) -> None:
    if value:
        filled.vault.set_setting("auto_lock_minutes", value)
    filled.vault.close()
    h = harness_for(filled.vault.profile, idle_ms=None)
    h.controller.start()
    watcher = h.controller.idle
    assert not watcher.running  # nothing to lock yet
    with caplog.at_level(logging.WARNING, logger="feltmappe.settings"):
        h.unlock()
    assert watcher.running
    assert watcher.timeout_ms == minutes * 60_000
    messages = " ".join(r.getMessage() for r in caplog.records if r.name == "feltmappe.settings")
    assert ("invalid setting auto_lock_minutes" in messages) == (value not in ("", "2"))
    if value not in ("", "2"):
        assert value not in messages  # the setting's value is not logged
    h.window.lock_action.trigger()
    assert not watcher.running  # not while locked


def test_ctrl_l_locks_and_unlock_returns_to_the_draft(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked, idle_ms=60_000)
    h.controller.start()
    h.unlock()
    window = h.window
    qtbot.waitExposed(window)
    window.activateWindow()
    case_id, dialog, journal = open_journal(qtbot, window)
    # Pressed where the user is: in the journal of the open case.
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(journal.body, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert h.controller.vault is None
    shown = " ".join(visible_texts())
    for name in NAMES:
        assert name not in shown

    h.unlock()
    assert_back_in_the_journal(h.window, case_id)


def test_unlock_returns_to_the_overview_tab_and_an_older_note(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    """Not only the newest draft: the note that was open, and the tab that was shown."""
    h = harness_for(locked, idle_ms=60_000)
    h.controller.start()
    h.unlock()
    window = h.window
    case_id, dialog, journal = open_journal(qtbot, window)
    assert journal.flush()
    first = journal.note_id
    journal.new_note()
    qtbot.keyClicks(journal.body, "Et nyere notat.")
    assert journal.flush()
    written(qtbot)  # both notes are in the list
    assert journal.open_note(first or "")
    dialog.tabs.setCurrentIndex(0)
    window.lock_action.trigger()

    h.unlock()
    (dialog,) = [d for d in h.window.findChildren(CaseSummaryDialog) if d.isVisible()]
    assert dialog.summary.case_id == case_id
    assert dialog.tabs.currentIndex() == 0
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    assert journal.note_id == first
    assert journal.body.toPlainText() == DRAFT


def test_watcher_restarts_on_input_and_fires_once(qtbot: QtBot) -> None:
    watcher = IdleWatcher(200)
    fired: list[int] = []
    watcher.idle.connect(lambda: fired.append(1))
    watcher.set_timeout_ms(150)
    assert watcher.timeout_ms == 150
    watcher.start()
    try:
        qtbot.waitUntil(lambda: fired == [1], timeout=2000)
        qtbot.wait(400)
        assert fired == [1]  # single-shot: one quiet spell, one signal
    finally:
        watcher.stop()
    assert not watcher.running
