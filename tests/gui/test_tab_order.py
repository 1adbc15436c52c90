"""Keyboard-only use: Tab walks the fields in reading order, as a caseworker types them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.first_run import FirstRunDialog
from desktop.persons import PartiesWidget
from models import services
from models.keyfile import KdfParams
from tests.gui.conftest import Filled


def _tab_walk(qtbot: QtBot, start, count: int) -> list[object]:  # type: ignore[no-untyped-def]
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    seen = [start]
    for _ in range(count):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


def test_first_run_fields_in_reading_order(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = FirstRunDialog(tmp_path / "p", kdf=KdfParams.fast())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    seen = _tab_walk(qtbot, dialog.name, 3)
    assert seen == [dialog.name, dialog.initials, dialog.passphrase, dialog.repeat]


def test_person_form_name_fields_then_cpr(qtbot: QtBot, filled: Filled) -> None:
    case_id = next(iter(filled.case_ids.values()))
    widget = PartiesWidget(filled.vault, case_id)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    seen = _tab_walk(qtbot, widget.first_name, 2)
    assert seen[1] is widget.last_name
    assert seen[2] is widget.cpr
    with filled.vault.session() as s:
        assert services.case_parties(s, case_id)
