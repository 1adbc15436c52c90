"""The journal in the running app, by keyboard and while others write: a colleague's note is
listed with its type and the colleague's name (from the vault's users), Enter opens it, Ctrl+F
searches by type and author, and a change from elsewhere refreshes the list without touching
what is being typed, the selection or the scroll position."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.journal import JournalWidget
from models import services
from models.schema import Case, JournalNote
from models.vocabulary import NoteKind
from tests.gui.conftest import ASSIGNEE, Filled, written
from tests.gui.harness import Harness

LONG_TITLE = "Netværksmøde på skolen med klasselærer, sundhedsplejerske og begge forældre " * 3


def add_note(
    filled: Filled,
    case_id: str,
    title: str,
    body: str,
    *,
    author: str = "",
    kind: NoteKind = NoteKind.NOTAT,
    final: bool = True,
    days_ago: int = 1,
) -> str:
    with filled.vault.session() as s:
        case = services.get(s, Case, case_id)
        note = services.add_note(
            s,
            case,
            title,
            body,
            kind=kind,
            written_at=datetime.now(UTC) - timedelta(days=days_ago),
        )
        if author:
            note.author = author  # written on a colleague's laptop
        if final:
            services.finalise_note(s, note)
        return note.id


def start(h: Harness, dialog_case: str) -> JournalWidget:
    h.controller.start()
    h.unlock()
    dialog = h.window.show_case(dialog_case)
    assert dialog is not None
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    dialog.tabs.setCurrentWidget(journal)
    dialog.activateWindow()
    return journal


def shown(journal: JournalWidget) -> list[str]:
    return [
        journal.notes.item(r).text()
        for r in range(journal.notes.count())
        if not journal.notes.item(r).isHidden()
    ]


def test_a_colleagues_note_by_name_opened_with_enter_and_found_by_type_and_author(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    add_note(
        filled,
        case_id,
        LONG_TITLE,
        "Skolen beskrev fravær.",
        author="mette.r",
        kind=NoteKind.MOEDE,
        days_ago=2,
    )
    add_note(filled, case_id, "Opringning", "Mor ringede.", kind=NoteKind.TELEFON)
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    journal = start(h, case_id)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is journal.window(), timeout=5000)

    lines = shown(journal)
    assert len(lines) == 2
    meeting = lines[1]  # newest first
    assert "Møde" in meeting and ASSIGNEE in meeting and "mette.r" not in meeting
    assert meeting.count("\n") == 1  # two lines: a long title does not grow the row

    # Keyboard only: into the list, the older note, Enter opens it in the editor.
    journal.notes.setFocus()
    qtbot.keyClick(journal.notes, Qt.Key.Key_End)
    qtbot.keyClick(journal.notes, Qt.Key.Key_Return)
    assert journal.body.toPlainText() == "Skolen beskrev fravær."
    assert journal.author.text() == f"Skrevet af: {ASSIGNEE}"
    assert journal.kind.currentText() == "Møde"
    assert journal.body.isReadOnly()  # finalised: a record

    # Ctrl+F from the list; the type and the author's name are searched too, in any case.
    qtbot.keyClick(journal.notes, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is journal.search
    qtbot.keyClicks(journal.search, "telefonsamtale")
    assert [t.split("\n")[0] for t in shown(journal)] == ["Opringning"]
    journal.search.clear()
    qtbot.keyClicks(journal.search, ASSIGNEE.split()[0].upper())
    assert len(shown(journal)) == 1 and ASSIGNEE in shown(journal)[0]
    journal.search.clear()
    qtbot.keyClicks(journal.search, "ingen sådan tekst")
    assert shown(journal) == []
    journal.search.clear()
    assert len(shown(journal)) == 2

    # A new note is this laptop's user's.
    journal.new_note()
    assert journal.author.text() == "Skrevet af: test.raadgiver"  # no name set: the username


def test_a_change_from_elsewhere_keeps_typing_selection_and_scroll(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    for i in range(60):
        add_note(filled, case_id, f"Notat {i}", f"Tekst {i}.", days_ago=100 - i)
    draft = add_note(filled, case_id, "Kladde", "Første udkast.", final=False, days_ago=30)
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    journal = start(h, case_id)
    vault = h.controller.vault
    assert vault is not None

    assert journal.open_note(draft)
    journal.notes.verticalScrollBar().setValue(journal.notes.verticalScrollBar().maximum() // 2)
    scroll = journal.notes.verticalScrollBar().value()
    assert scroll > 0
    journal.body.moveCursor(journal.body.textCursor().MoveOperation.End)
    qtbot.keyClicks(journal.body, " Mere tekst, ikke gemt endnu.")
    assert journal.is_dirty

    # Elsewhere (another window, a sync): the same draft changes and a note arrives.
    with vault.session() as s:
        note = services.get(s, JournalNote, draft)
        services.edit_draft(s, note, title="Kladde", body="Ændret andetsteds.")
        case = services.get(s, Case, case_id)
        services.add_note(
            s,
            case,
            "Ny fra en kollega",
            "Tekst.",
            written_at=datetime.now(UTC) - timedelta(days=500),
        )
    qtbot.waitUntil(lambda: journal.notes.count() == 62, timeout=5000)

    assert journal.body.toPlainText() == "Første udkast. Mere tekst, ikke gemt endnu."
    assert journal.is_dirty  # still to be saved, as typed
    assert journal.note_id == draft
    assert journal.notes.currentItem().text().startswith("Kladde")
    assert journal.notes.verticalScrollBar().value() == scroll

    # Once saved, a later change from elsewhere is shown (nothing typed is waiting).
    assert journal.flush()
    written(qtbot)
    with vault.session() as s:
        note = services.get(s, JournalNote, draft)
        services.edit_draft(s, note, title="Kladde", body="Rettet af en kollega.")
    qtbot.waitUntil(lambda: journal.body.toPlainText() == "Rettet af en kollega.", timeout=5000)
    assert not journal.is_dirty
    assert journal.notes.verticalScrollBar().value() == scroll
