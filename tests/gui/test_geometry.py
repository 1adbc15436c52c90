"""The window comes back where the user left it, across restarts (plain settings, no case data)."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from models.profile import SETTINGS_FILE
from tests.conftest import PASSPHRASE
from tests.gui.conftest import NAMES
from tests.gui.harness import type_and_enter


def test_window_geometry_survives_a_restart(qtbot: QtBot, harness_for, locked: Path) -> None:
    first = harness_for(locked)
    first.controller.start()
    type_and_enter(qtbot, first.unlock_dialog(), PASSPHRASE)
    window = first.window
    qtbot.waitExposed(window)
    window.resize(700, 500)
    window.move(40, 30)
    window.quit_action.trigger()
    assert first.quits == 1

    settings = (locked / SETTINGS_FILE).read_text(encoding="utf-8")
    assert "window_geometry" in json.loads(settings)
    assert not any(name in settings for name in NAMES)

    second = harness_for(locked)
    second.controller.start()
    type_and_enter(qtbot, second.unlock_dialog(), PASSPHRASE)
    again = second.window
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == (700, 500)


def test_a_damaged_settings_file_is_ignored(qtbot: QtBot, harness_for, locked: Path) -> None:
    (locked / SETTINGS_FILE).write_text("{ikke json", encoding="utf-8")
    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    qtbot.waitExposed(h.window)
    assert (h.window.width(), h.window.height()) == (1200, 720)
