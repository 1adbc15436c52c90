"""The timeline in the running app: a selected event's whole text in a pane reached by keyboard;
the list follows changes (a deadline marked elsewhere appears without reopening)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.timeline import TimelineWidget
from models import services
from models.deadlines.service import acknowledge
from models.schema import Case
from tests.gui.conftest import Filled
from tests.gui.harness import Harness

LONG = (
    "Mor fortalte om de sidste uger. "
    "Anna har haft svært ved at sove og er træt i skolen, og læreren har ringet to gange. "
    "Vi aftalte et netværksmøde med skolen og sundhedsplejen i næste uge, og mor vil gerne "
    "have hjælp til at få morgenerne til at fungere. Ringer igen fredag. CPR 010315-4321."
)


def test_the_whole_text_is_in_the_pane_and_marks_appear(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:
        case = services.get(s, Case, case_id)
        note = services.add_note(
            s, case, "Samtale med mor", LONG, written_at=datetime.now(UTC) - timedelta(hours=1)
        )
        services.finalise_note(s, note)
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None
    dialog.tabs.setCurrentWidget(timeline)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)

    timeline.view.setFocus()
    qtbot.keyClick(timeline.view, Qt.Key.Key_Home)
    qtbot.keyClick(timeline.view, Qt.Key.Key_Down)
    qtbot.keyClick(timeline.view, Qt.Key.Key_Up)
    text = timeline.detail.toPlainText()
    assert "Ringer igen fredag." in text  # beyond the list's 120 characters
    assert "010315-4321" not in text  # CPR masked here too
    qtbot.keyClick(timeline.view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is timeline.detail

    vault = h.controller.vault
    assert vault is not None
    with vault.session() as s:
        acknowledge(s, case_id, "teamkoordinator_8_uger", None, note="Gennemgået på teammødet")
    qtbot.waitUntil(
        lambda: any(e.title == "Frist kvitteret" for e in timeline.events()), timeout=5000
    )
    assert "Samtale med mor" in timeline.detail.toPlainText()  # the selection was kept


def test_sorting_by_a_column_keeps_the_selected_event_and_its_text(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:
        case = services.get(s, Case, case_id)
        for title in ("Bravo", "Alfa", "Charlie"):  # finalised in this order
            note = services.add_note(
                s, case, title, f"Tekst om {title}.", written_at=datetime.now(UTC)
            )
            services.finalise_note(s, note)
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None
    dialog.tabs.setCurrentWidget(timeline)

    def details() -> list[str]:
        return [e.detail for e in timeline.events() if e.entity == "journal_note"]

    assert details() == ["Charlie", "Alfa", "Bravo"]  # newest first
    timeline.view.setFocus()
    qtbot.keyClick(timeline.view, Qt.Key.Key_Home)
    while "Tekst om Alfa." not in timeline.detail.toPlainText():
        qtbot.keyClick(timeline.view, Qt.Key.Key_Down)

    header = timeline.view.horizontalHeader()
    for column in (2, 2):  # "Detaljer": A → Z, then Z → A
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        assert "Tekst om Alfa." in timeline.detail.toPlainText()  # still the selected one
    assert details() == ["Charlie", "Bravo", "Alfa"]
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert details() == ["Charlie", "Alfa", "Bravo"]  # by date, newest first again
    assert timeline.view.currentIndex().data() and "Tekst om Alfa." in (
        timeline.detail.toPlainText()
    )
