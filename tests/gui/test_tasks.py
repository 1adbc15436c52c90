"""The one background helper: results and errors come back on the GUI thread; the main window's
case list is shown before its deadlines, which then arrive from the thread pool."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.case_list import Column
from desktop.tasks import run_in_background, wait_for_background
from tests.conftest import PASSPHRASE
from tests.gui.harness import type_and_enter


def test_result_and_error_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    gui = QApplication.instance().thread()  # type: ignore[union-attr]
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread().name
        return 42

    def done(value: object) -> None:
        seen["value"] = value
        seen["on_gui"] = QThread.currentThread() is gui

    def boom() -> int:
        raise ValueError("no")

    def failed(exc: BaseException) -> None:
        seen["error"] = type(exc).__name__
        seen["error_on_gui"] = QThread.currentThread() is gui

    run_in_background(work, done)
    run_in_background(boom, lambda _v: None, failed)
    qtbot.waitUntil(lambda: "value" in seen and "error" in seen, timeout=3000)
    assert seen["value"] == 42
    assert seen["on_gui"] is True
    assert seen["worker"] != threading.main_thread().name
    assert seen["error"] == "ValueError"
    assert seen["error_on_gui"] is True
    assert wait_for_background(1000)


def test_case_list_is_shown_first_and_deadlines_follow(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    case_list = window.case_list
    assert case_list is not None
    assert case_list.proxy.rowCount() > 0  # the list is there at once
    with qtbot.waitSignal(case_list.deadlines_loaded, timeout=5000, raising=False):
        pass
    qtbot.waitUntil(
        lambda: any(
            case_list.proxy.index(r, Column.FRIST).data() for r in range(case_list.proxy.rowCount())
        ),
        timeout=5000,
    )
    # Locking while nothing runs, then again right after a reload that starts a load.
    case_list.reload()
    window.lock_action.trigger()
    assert h.controller.vault is None
