"""The journal in the running app: a note has a type chosen explicitly, the list shows the type
and the author's name, and the case's journal can be searched (Ctrl+F)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.journal import JournalWidget
from models.schema import JournalNote
from models.vocabulary import NoteKind
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness


def open_journal(h: Harness, case_id: str) -> JournalWidget:
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    dialog.tabs.setCurrentWidget(journal)
    return journal


def visible_notes(journal: JournalWidget) -> list[str]:
    return [
        journal.notes.item(i).text()
        for i in range(journal.notes.count())
        if not journal.notes.item(i).isHidden()
    ]


def test_type_author_and_search(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    profile = filled.vault.profile
    filled.vault.set_setting("display_name", "Test Rådgiver")  # as the first-run dialog does
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    journal = open_journal(h, filled.case_ids["Anna Jensen"])

    journal.new_note()
    qtbot.keyClicks(journal.title, "Opringning fra skolen")
    journal.kind.setCurrentIndex(journal.kind.findData(NoteKind.TELEFON))
    qtbot.keyClicks(journal.body, "Klasselæreren er bekymret for fravær.")
    assert journal.flush()
    journal.new_note()
    qtbot.keyClicks(journal.title, "Hjemmebesøg")
    journal.kind.setCurrentIndex(journal.kind.findData(NoteKind.HJEMMEBESOEG))
    qtbot.keyClicks(journal.body, "Mor og Anna var hjemme.")
    assert journal.flush()
    written(qtbot)

    texts = visible_notes(journal)
    call = next(t for t in texts if t.startswith("Opringning fra skolen"))
    assert "Telefonsamtale" in call and "Test Rådgiver" in call
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        kinds = {n.title: n.kind for n in s.query(JournalNote)}
    assert kinds == {
        "Opringning fra skolen": NoteKind.TELEFON,
        "Hjemmebesøg": NoteKind.HJEMMEBESOEG,
    }

    # Ctrl+F in the journal goes to its search; words narrow the list (any case).
    journal.body.setFocus()
    qtbot.keyClick(journal.body, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(journal.search, "FRAVÆR")
    assert [t.split("\n")[0] for t in visible_notes(journal)] == ["Opringning fra skolen"]
    journal.search.clear()
    qtbot.keyClicks(journal.search, "hjemmebesøg mor")
    assert [t.split("\n")[0] for t in visible_notes(journal)] == ["Hjemmebesøg"]
    journal.search.clear()
    assert len(visible_notes(journal)) == 2


def test_a_finalised_note_keeps_its_type(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    journal = open_journal(h, filled.case_ids["Ørjan Bak"])
    journal.new_note()
    qtbot.keyClicks(journal.title, "Samtale med Ørjan")
    journal.kind.setCurrentIndex(journal.kind.findData(NoteKind.BOERNESAMTALE))
    qtbot.keyClicks(journal.body, "Ørjan fortalte om fodbold.")
    assert journal.finalise()
    assert not journal.kind.isEnabled()  # a record is not edited
