"""No two Alt accelerators collide on a screen: for every screen of the running app (each tab
of the main window, each tab of a case window, "Skemaer" with its list and with a form open),
the visible labels, buttons, group boxes, tabs and menus together use each Alt letter once. (Qt
would cycle between two, and a caseworker pressing Alt+P would land on the wrong field.) Every
tab of a case window has its own Alt letter."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QTabBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.case_forms import CaseFormsWidget
from models import services
from models.schema import Notification
from models.vocabulary import NotifierKind
from tests.gui.conftest import Filled
from tests.gui.harness import Harness

_MNEMONIC = re.compile(r"&([^&\s])")


def letter(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).casefold() if found else None


def mnemonics(top: QWidget) -> dict[str, list[str]]:
    """Alt letter → the texts that claim it, among what is visible in ``top`` now."""
    used: dict[str, list[str]] = defaultdict(list)

    def claim(text: str) -> None:
        key = letter(text)
        if key is not None:
            used[key].append(text)

    if isinstance(top, QMainWindow):
        for action in top.menuBar().actions():
            claim(action.text())
    for w in top.findChildren(QWidget):
        if not w.isVisible():
            continue
        if (isinstance(w, QLabel) and w.buddy() is not None) or isinstance(w, QAbstractButton):
            claim(w.text())
        elif isinstance(w, QGroupBox) and w.isCheckable():
            claim(w.title())
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                claim(w.tabText(i))
    return used


def collisions(top: QWidget, screen: str) -> list[str]:
    return [
        f"{screen}: Alt+{key.upper()} {texts}"
        for key, texts in sorted(mnemonics(top).items())
        if len(texts) > 1
    ]


def test_no_alt_letter_is_used_twice_on_a_screen(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:  # a form in "Skemaer": its list and its buttons shown
        services.add(s, Notification(case_id=case_id, notifier_kind=NotifierKind.BORGER))
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    window = h.window
    found: list[str] = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        found += collisions(window, f"hovedvindue/{window.tabs.tabText(index)}")
    dialog = window.show_case(case_id)
    assert dialog is not None
    tab_letters = [letter(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
    assert None not in tab_letters, [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        found += collisions(dialog, f"sag/{dialog.tabs.tabText(index)}")
    # "Skemaer": the list with "Åbn skema" and the "Ny …" buttons, then a form open.
    forms = dialog.findChild(CaseFormsWidget)
    assert forms is not None
    dialog.tabs.setCurrentWidget(forms)
    assert forms.lines() and forms.open_button.isVisible()
    assert all(b.isVisible() for b in forms.new_buttons.values())
    assert letter(forms.open_button.text()) in mnemonics(dialog)
    found += collisions(dialog, "sag/Skemaer (listen)")
    forms.view.selectRow(0)
    editor = forms.open_selected()
    assert editor is not None
    qtbot.waitUntil(editor.isVisible)
    found += collisions(dialog, "sag/Skemaer (et skema)")
    assert found == [], "\n".join(found)
