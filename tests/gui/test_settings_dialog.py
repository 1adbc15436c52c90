"""Filer → Indstillinger in the running app: one editor per setting of the registry, a change
is kept in the vault (or the profile) and counts at once (auto-lock, sync interval, name, text
size, municipality); a refused value is said in Danish and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QMenu, QSpinBox
from pytestqt.qtbot import QtBot

from desktop.settings_dialog import SettingsDialog
from desktop.tasks import wait_for_background
from models import settings
from models.deadlines.service import standards_for
from models.vault import Vault
from tests.gui.conftest import OFFSCREEN_NOISE
from tests.gui.harness import Harness
from tests.gui.layout_check import clipped_texts
from tests.gui.test_mnemonics import collisions

# A menu popup asks the platform for the keyboard; the headless one cannot (and need not).
# (A test's own mark comes before the one conftest adds, so it repeats the offscreen noise.)
MENU_NOISE = pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support grabbing the keyboard")


def open_from_menu(qtbot: QtBot, h: Harness) -> SettingsDialog:
    """Alt+F, then I: as a user opens it."""
    window = h.window
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    focused = QApplication.focusWidget() or window
    qtbot.keyClick(focused, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    assert menu.actions()[0].text() == "&Indstillinger…"
    qtbot.keyClick(menu, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: window.findChild(SettingsDialog) is not None)
    dialog = window.findChild(SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def retype(qtbot: QtBot, editor: QSpinBox | QLineEdit, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)


def unlocked(harness_for: Callable[..., Harness], locked: Path) -> tuple[Harness, Vault]:
    h = harness_for(locked)
    h.controller.start()
    h.unlock()
    vault = h.controller.vault
    assert vault is not None
    return h, vault


@MENU_NOISE
def test_every_setting_has_an_editor_with_its_description(
    qtbot: QtBot, harness_for: Callable[..., Harness], locked: Path
) -> None:
    h, _vault = unlocked(harness_for, locked)
    dialog = open_from_menu(qtbot, h)
    assert dialog.windowTitle() == "Indstillinger"
    assert list(dialog.editors) == list(settings.REGISTRY)
    auto_lock = dialog.editors["auto_lock_minutes"]
    assert isinstance(auto_lock, QSpinBox)
    assert (auto_lock.minimum(), auto_lock.maximum()) == (1, 24 * 60)
    assert auto_lock.text() == "5 minutter"
    assert auto_lock.toolTip() == settings.AUTO_LOCK_MINUTES.description
    municipality = dialog.editors["municipality"]
    assert isinstance(municipality, QComboBox)
    assert municipality.currentData() == "standard"
    assert "Slagelse" in [municipality.itemText(i) for i in range(municipality.count())]
    assert isinstance(dialog.editors["initials"], QLineEdit)
    assert dialog.editors["text_scale_percent"].text() == "100 %"  # type: ignore[union-attr]
    assert collisions(dialog, "indstillinger") == []
    dialog.cancel_button.click()
    assert not dialog.isVisible()


@MENU_NOISE
def test_auto_lock_minutes_are_saved_and_the_idle_timer_uses_them_at_once(
    qtbot: QtBot, harness_for: Callable[..., Harness], locked: Path
) -> None:
    h, vault = unlocked(harness_for, locked)
    assert h.controller.idle.timeout_ms == 5 * 60_000
    dialog = open_from_menu(qtbot, h)
    retype(qtbot, dialog.editors["auto_lock_minutes"], "12")  # type: ignore[arg-type]
    retype(qtbot, dialog.editors["sync_interval_minutes"], "30")  # type: ignore[arg-type]
    retype(qtbot, dialog.editors["display_name"], "Mette Rasmussen")  # type: ignore[arg-type]
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert h.controller.idle.timeout_ms == 12 * 60_000
    assert h.controller.idle.running
    assert h.window.sync.interval_ms == 30 * 60_000
    assert h.window.user_label.text() == "Bruger: Mette Rasmussen"
    # Written on the writer thread, in the background.
    qtbot.waitUntil(
        lambda: (
            (
                settings.get(vault, settings.AUTO_LOCK_MINUTES),
                settings.get(vault, settings.SYNC_INTERVAL_MINUTES),
                settings.get(vault, settings.DISPLAY_NAME),
            )
            == (12, 30, "Mette Rasmussen")
        )
    )

    # After a lock the next unlock reads the stored value.
    h.controller.lock()
    h.unlock()
    assert h.controller.idle.timeout_ms == 12 * 60_000


@MENU_NOISE
def test_a_refused_value_is_said_in_danish_and_nothing_is_saved(
    qtbot: QtBot, harness_for: Callable[..., Harness], locked: Path
) -> None:
    h, vault = unlocked(harness_for, locked)
    dialog = open_from_menu(qtbot, h)
    auto_lock = dialog.editors["auto_lock_minutes"]
    assert isinstance(auto_lock, QSpinBox)
    retype(qtbot, dialog.editors["initials"], "MR")  # type: ignore[arg-type]
    retype(qtbot, auto_lock, "0")
    qtbot.keyClick(auto_lock, Qt.Key.Key_Return)  # Enter: the dialog's OK
    assert dialog.isVisible()
    message = "Lås automatisk efter skal ligge mellem 1 og 1440 minutter."
    assert dialog.error.isVisible() and dialog.error.text() == message
    # Leaving the field keeps what was typed (a plain spin box would quietly put 5 back) …
    qtbot.mouseClick(dialog.editors["initials"], Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is dialog.editors["initials"]
    assert auto_lock.text() == "0 minutter"
    # … so clicking OK refuses it again.
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.text() == message
    assert QApplication.focusWidget() is auto_lock
    wait_for_background()  # a save would be handed to the writer from there
    vault.writer.drain()
    assert settings.get(vault, settings.AUTO_LOCK_MINUTES) == 5
    assert settings.get(vault, settings.INITIALS) == ""  # nothing of the form was saved
    assert h.controller.idle.timeout_ms == 5 * 60_000

    # "Gendan standard" puts the default back; OK saves.
    qtbot.mouseClick(dialog.defaults_button, Qt.MouseButton.LeftButton)
    assert auto_lock.text() == "5 minutter"
    assert not dialog.error.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


@MENU_NOISE
def test_municipality_and_text_size_take_effect_at_once(
    qtbot: QtBot, harness_for: Callable[..., Harness], locked: Path
) -> None:
    h, vault = unlocked(harness_for, locked)
    dialog = open_from_menu(qtbot, h)
    municipality = dialog.editors["municipality"]
    assert isinstance(municipality, QComboBox)
    municipality.setCurrentIndex(municipality.findText("Slagelse"))
    try:
        retype(qtbot, dialog.editors["text_scale_percent"], "120")  # type: ignore[arg-type]
        # Every screen showing deadlines hears of the change (they read them again).
        with qtbot.waitSignal(h.window.changes.changed) as heard:
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert heard.args[0].everything
        assert standards_for(vault).municipality == "Slagelse"
        assert h.controller.text_size.percent == 120
        assert settings.get(locked, settings.TEXT_SCALE_PERCENT) == 120  # in the profile
    finally:
        h.controller.text_size.set_percent(100, save=False)


@MENU_NOISE
def test_nothing_is_cut_at_150_percent(
    qtbot: QtBot, harness_for: Callable[..., Harness], locked: Path
) -> None:
    h, _vault = unlocked(harness_for, locked)
    h.controller.text_size.set_percent(150, save=False)
    try:
        dialog = open_from_menu(qtbot, h)
        retype(qtbot, dialog.editors["auto_lock_minutes"], "0")  # type: ignore[arg-type]
        dialog.try_accept()  # the message takes room too
        qtbot.wait(50)
        assert clipped_texts(dialog) == []
        wrapped = [w for w in dialog.findChildren(QLabel) if w.wordWrap() and w.isVisible()]
        assert len(wrapped) == len(settings.REGISTRY) + 1
        for label in wrapped:
            assert label.height() >= label.heightForWidth(label.width()), label.text()
    finally:
        h.controller.text_size.set_percent(100, save=False)
