"""One writer (issue 11): what a caseworker saves in the running app is written on the vault's
writer thread, so the GUI thread never waits for SQLite's write lock while a sync stores a
page. ``Vault.session()`` begins with BEGIN IMMEDIATE (it takes the write lock), so a test that
records every ``session()`` opened on the GUI thread finds every write that would wait."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop import ops
from desktop.case_summary import CaseSummaryDialog
from desktop.deadline_actions import ExceptDialog
from desktop.home_visit import HomeVisitWidget
from desktop.journal import JournalWidget
from desktop.messages import error_text
from desktop.persons import PartiesWidget
from models import services
from models.errors import DiskFull
from models.schema import (
    AuditEvent,
    CaseParty,
    DeadlineAck,
    JournalNote,
    LocalSetting,
    Notification,
)
from models.vault import Vault
from models.vocabulary import NotifierKind, PartyRole
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness


def tab(dialog: CaseSummaryDialog, kind: type) -> Any:
    widget = dialog.findChild(kind)
    assert widget is not None
    dialog.tabs.setCurrentWidget(widget)
    return widget


def started(harness_for: Callable[..., Harness], filled: Filled) -> tuple[Harness, Vault]:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    vault = h.controller.vault
    assert vault is not None
    return h, vault


def click_box(qtbot: QtBot, label: str) -> None:
    def boxes() -> list[QMessageBox]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        ]

    qtbot.waitUntil(lambda: len(boxes()) == 1, timeout=3000)
    (button,) = [b for b in boxes()[0].findChildren(QPushButton) if b.text() == label]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_day_of_fieldwork_writes_nothing_on_the_gui_thread(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    gui_thread_sessions: list[str],
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:  # an underretning: the 24-hour assessment is due
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=datetime.now(UTC) - timedelta(hours=30),
                notifier_kind=NotifierKind.BORGER,
            ),
        )
    h, vault = started(harness_for, filled)
    gui_thread_sessions.clear()  # from here on: what the caseworker does

    dialog = h.window.show_case(case_id)  # the view is logged ("vist")
    assert isinstance(dialog, CaseSummaryDialog)
    dialog.tabs.setCurrentIndex(0)
    dialog.show_cpr.click()  # the reveal is logged
    written(qtbot)
    assert dialog.cpr.text() == "010315-4321"

    persons = tab(dialog, PartiesWidget)
    qtbot.keyClicks(persons.first_name, "Karin")
    qtbot.keyClicks(persons.last_name, "Holt")
    persons.role.setCurrentIndex(persons.role.findData(PartyRole.NETVAERKSPERSON))
    qtbot.mouseClick(persons.add_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert persons.status.text() == "Karin Holt er tilføjet til sagen som Netværksperson."

    journal = tab(dialog, JournalWidget)
    journal.new_note()
    qtbot.keyClicks(journal.title, "Samtale med Anna")
    qtbot.keyClicks(journal.body, "Anna fortalte om skolen.")
    qtbot.mouseClick(journal.finalise_button, Qt.MouseButton.LeftButton)
    click_box(qtbot, "Afslut notat")
    written(qtbot)
    assert journal.body.isReadOnly()

    home = tab(dialog, HomeVisitWidget)
    qtbot.keyClicks(home.observations, "Hjemmet var ryddeligt.")
    qtbot.mouseClick(home.save_visit_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert home.visit_done.text() == "Hjemmebesøget er gemt."

    dialog.tabs.setCurrentIndex(0)
    actions = dialog.deadline_actions
    assert actions is not None
    opened: list[object] = []
    actions.dialog_opened.connect(opened.append)
    titles = [dialog.deadlines.item(r, 1).text() for r in range(dialog.deadlines.rowCount())]
    dialog.deadlines.selectRow(titles.index("Vurdering af underretning inden 24 timer"))
    assert actions.except_button.isEnabled()
    actions.except_button.click()
    excepting = opened[-1]
    assert isinstance(excepting, ExceptDialog)
    qtbot.keyClicks(excepting.reason, "Behandlet i anden sag")
    excepting.buttons.accepted.emit()
    written(qtbot)
    # Closed, and deleted too if the event loop got that far while the write was answered.
    assert not shiboken6.isValid(excepting) or not excepting.isVisible()
    dialog.close()
    h.window.lock_action.trigger()  # drafts and open cases are kept on the way out

    assert gui_thread_sessions == []
    h.unlock()
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        assert s.query(CaseParty).filter_by(case_id=case_id, role=PartyRole.NETVAERKSPERSON).count()
        (note,) = s.query(JournalNote).filter_by(case_id=case_id, title="Samtale med Anna")
        assert note.finalised_at is not None
        assert s.query(DeadlineAck).filter_by(case_id=case_id).count() == 1
        logged = {(e.action, e.entity) for e in s.query(AuditEvent).filter_by(case_id=case_id)}
        assert ("vist", "case") in logged and ("vist", "person_cpr") in logged


def test_saving_while_a_sync_holds_the_writer_returns_at_once(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    """A sync storing a page holds the write lock; "Tilføj" and the journal's save hand their
    work over at once (the button waits, greyed), and it is written when the page is stored."""
    h, vault = started(harness_for, filled)
    case_id = filled.case_ids["Ørjan Bak"]
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    written(qtbot)
    busy, release = threading.Event(), threading.Event()

    def long_page() -> None:
        with vault.session() as s:
            s.merge(LocalSetting(key="test.busy", value="1"))
            busy.set()
            release.wait(30)

    vault.writer.submit(long_page)
    assert busy.wait(10)
    persons = tab(dialog, PartiesWidget)
    qtbot.keyClicks(persons.first_name, "Bo")
    qtbot.keyClicks(persons.last_name, "Bak")
    persons.role.setCurrentIndex(persons.role.findData(PartyRole.FORAELDER))
    qtbot.mouseClick(persons.add_button, Qt.MouseButton.LeftButton)  # returns: not waiting
    assert not persons.add_button.isEnabled()  # one click, one person
    journal = tab(dialog, JournalWidget)
    journal.new_note()
    qtbot.keyClicks(journal.body, "Skrevet mens synkroniseringen gemmer.")
    assert journal.flush()
    assert journal.status.text() == "Gemmer …"
    assert ops.pending() == 2
    with vault.reading() as s:  # nothing written yet
        assert s.query(JournalNote).filter_by(case_id=case_id).count() == 0

    release.set()
    written(qtbot)
    assert persons.add_button.isEnabled()
    assert persons.status.text() == "Bo Bak er tilføjet til sagen som Forælder."
    assert journal.status.text().startswith("Gemt kl.")
    with vault.reading() as s:
        (note,) = s.query(JournalNote).filter_by(case_id=case_id)
        assert note.body == "Skrevet mens synkroniseringen gemmer."


def test_a_save_refused_after_moving_on_brings_the_text_back(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer of a save comes after the user has gone on to a new note: a refusal (disk
    full) puts the refused text back in the editor with the reason; nothing typed is lost."""
    h, vault = started(harness_for, filled)
    case_id = filled.case_ids["Åse Holm"]
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    journal = tab(dialog, JournalWidget)
    hold = threading.Event()
    vault.writer.submit(lambda: hold.wait(30))  # the answer comes after "Nyt notat"

    def disk_full(*_args: object, **_kwargs: object) -> JournalNote:
        raise DiskFull()

    monkeypatch.setattr(services, "add_note", disk_full)
    journal.new_note()
    qtbot.keyClicks(journal.title, "Vigtigt")
    qtbot.keyClicks(journal.body, "Mor fortalte om natten.")
    qtbot.mouseClick(journal.new_button, Qt.MouseButton.LeftButton)
    assert journal.body.toPlainText() == ""  # on to a new note
    hold.set()
    written(qtbot)

    assert journal.title.text() == "Vigtigt"
    assert journal.body.toPlainText() == "Mor fortalte om natten."
    assert journal.is_dirty and journal.note_id is None
    assert journal.error.text() == "Notatet er ikke gemt. " + error_text(DiskFull())
    monkeypatch.undo()
    assert journal.flush()
    written(qtbot)
    with vault.reading() as s:
        (note,) = s.query(JournalNote).filter_by(case_id=case_id, title="Vigtigt")
        assert note.body == "Mor fortalte om natten."
