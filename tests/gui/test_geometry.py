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


def test_the_case_window_can_be_maximised_and_keeps_its_size(
    qtbot: QtBot, harness_for, filled
) -> None:
    from PySide6.QtCore import Qt

    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    dialog = h.window.show_case(filled.case_ids["Anna Jensen"])
    assert dialog is not None
    assert dialog.windowFlags() & Qt.WindowType.WindowMaximizeButtonHint
    dialog.resize(790, 560)  # (the offscreen screen is 800×600)
    dialog.close()
    settings = json.loads((profile / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert "case_window_geometry" in settings
    assert not any(name in json.dumps(settings) for name in NAMES)
    again = h.window.show_case(filled.case_ids["Ørjan Bak"])
    assert again is not None
    assert (again.width(), again.height()) == (790, 560)
    again.showMaximized()
    assert again.isMaximized()
