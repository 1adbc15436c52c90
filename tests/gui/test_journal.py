"""The journal widget driven like a caseworker drives it: type, wait for the autosave, finalise,
correct; a refused save keeps the text; and a draft survives the process being killed."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.journal import CONFIRM_FINALISE, JournalWidget
from desktop.messages import error_text
from models import services
from models.errors import DiskFull, ImmutableRecord
from models.schema import JournalNote
from models.vault import Vault
from tests.conftest import PASSPHRASE
from tests.gui.conftest import written

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("journal_crash_child.py")
AUTOSAVE_MS = 200


def make_case(vault: Vault) -> str:
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm", cpr="050520-4012")
        return services.create_case(s, child, opened_on=date(2024, 1, 10)).id


def notes(vault: Vault, case_id: str) -> list[JournalNote]:
    with vault.session() as s:
        found = list(services.notes_for_case(s, case_id))
        s.expunge_all()
    return found


@pytest.fixture
def case_id(vault: Vault) -> str:
    return make_case(vault)


@pytest.fixture
def journal(qtbot: QtBot, vault: Vault, case_id: str) -> Iterator[JournalWidget]:
    widget = JournalWidget(vault, case_id, autosave_ms=AUTOSAVE_MS)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.flush()


def wait_saved(qtbot: QtBot, journal: JournalWidget) -> None:
    qtbot.waitUntil(lambda: journal.status.text().startswith("Gemt kl."), timeout=5000)


def test_typing_is_saved_after_a_pause(qtbot: QtBot, vault: Vault, case_id: str, journal):
    assert journal.status.text() == "Ikke gemt endnu"
    qtbot.keyClicks(journal.title, "Hjemmebesøg")
    qtbot.keyClicks(journal.body, "Mor åbnede døren.")
    assert journal.status.text() == "Gemmer …"
    assert notes(vault, case_id) == []  # not yet: the timer waits for a pause
    wait_saved(qtbot, journal)
    (note,) = notes(vault, case_id)
    assert (note.title, note.body, note.finalised_at) == ("Hjemmebesøg", "Mor åbnede døren.", None)
    assert journal.notes.count() == 1
    assert journal.notes.item(0).text().startswith("Hjemmebesøg\n")
    assert "Kladde" in journal.notes.item(0).text()

    qtbot.keyClicks(journal.body, " Barnet sov.")
    assert journal.status.text() == "Gemmer …"
    wait_saved(qtbot, journal)
    (again,) = notes(vault, case_id)  # the same note, not a second one
    assert again.id == note.id
    assert again.body == "Mor åbnede døren. Barnet sov."


def test_empty_new_draft_is_not_saved(vault: Vault, case_id: str, journal, qtbot: QtBot):
    qtbot.keyClicks(journal.title, "  ")
    assert journal.flush()
    assert notes(vault, case_id) == []
    assert journal.status.text() == "Ikke gemt endnu"


def test_flush_saves_at_once(qtbot: QtBot, vault: Vault, case_id: str, journal):
    journal._timer.setInterval(60_000)  # the autosave would come far too late
    qtbot.keyClicks(journal.body, "Skrevet lige før låsning")
    assert journal.flush()
    assert journal.status.text() == "Gemmer …"  # handed to the writer; the answer follows
    written(qtbot)
    assert journal.status.text().startswith("Gemt kl.")
    assert [n.body for n in notes(vault, case_id)] == ["Skrevet lige før låsning"]


def test_hiding_the_widget_saves(qtbot: QtBot, vault: Vault, case_id: str, journal):
    journal._timer.setInterval(60_000)
    qtbot.keyClicks(journal.body, "Gemmes når vinduet skjules")
    journal.hide()
    written(qtbot)
    assert [n.body for n in notes(vault, case_id)] == ["Gemmes når vinduet skjules"]


def click_confirm(qtbot: QtBot, label: str) -> None:
    """Answer the finalise question the way a user does: click one of its buttons."""

    def visible_boxes() -> list[QMessageBox]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        ]

    qtbot.waitUntil(lambda: len(visible_boxes()) == 1, timeout=3000)
    (dialog,) = visible_boxes()
    assert dialog.text() == CONFIRM_FINALISE
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == label]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_finalise_makes_the_note_read_only_and_immutable(
    qtbot: QtBot, vault: Vault, case_id: str, journal
):
    qtbot.keyClicks(journal.title, "Samtale med skolen")
    qtbot.keyClicks(journal.body, "Lærer bekymret.")
    wait_saved(qtbot, journal)

    qtbot.mouseClick(journal.finalise_button, Qt.MouseButton.LeftButton)
    click_confirm(qtbot, "Annullér")
    assert not journal.body.isReadOnly()
    assert notes(vault, case_id)[0].finalised_at is None

    qtbot.mouseClick(journal.finalise_button, Qt.MouseButton.LeftButton)
    click_confirm(qtbot, "Afslut notat")
    written(qtbot)
    assert journal.body.isReadOnly()
    assert journal.title.isReadOnly()
    assert not journal.finalise_button.isEnabled()
    assert journal.correct_button.isEnabled()
    assert journal.status.text().startswith("Afsluttet ")
    assert "Afsluttet" in journal.notes.item(0).text()
    (note,) = notes(vault, case_id)
    assert note.finalised_at is not None

    qtbot.keyClicks(journal.body, "mere")  # read-only: nothing changes
    assert journal.body.toPlainText() == "Lærer bekymret."
    with pytest.raises(ImmutableRecord), vault.session() as s:
        services.edit_draft(s, services.get(s, JournalNote, note.id), title="x", body="y")


def test_finalising_an_empty_body_is_refused_in_danish(
    qtbot: QtBot, vault: Vault, case_id: str, journal
):
    qtbot.keyClicks(journal.title, "Kun overskrift")
    assert journal.flush()
    assert journal.finalise()  # handed over; the writer refuses it
    written(qtbot)
    assert journal.error.isVisible()
    assert journal.error.text() == "Notatet kan ikke afsluttes. Feltet skal udfyldes."
    assert not journal.body.isReadOnly()


def test_correction_is_a_new_note_linked_to_the_old(
    qtbot: QtBot, vault: Vault, case_id: str, journal
):
    qtbot.keyClicks(journal.title, "Møde")
    qtbot.keyClicks(journal.body, "Far deltog.")
    assert journal.finalise()
    written(qtbot)
    (original,) = notes(vault, case_id)

    qtbot.mouseClick(journal.correct_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert journal.title.text() == "Rettelse til: Møde"
    assert not journal.body.isReadOnly()
    qtbot.keyClicks(journal.body, "Det var mor, ikke far, der deltog.")
    wait_saved(qtbot, journal)

    by_id = {n.id: n for n in notes(vault, case_id)}
    assert len(by_id) == 2
    (correction,) = [n for n in by_id.values() if n.id != original.id]
    assert correction.corrects_id == original.id
    assert correction.body == "Det var mor, ikke far, der deltog."
    assert by_id[original.id].body == "Far deltog."  # the original is untouched
    top = journal.notes.item(0).text()  # newest first
    assert top.startswith("Rettelse til: Møde\n")
    assert "Kladde · Rettelse til »Møde«" in top

    # Back to the original: shown read-only, as it was.
    qtbot.mouseClick(
        journal.notes.viewport(),
        Qt.MouseButton.LeftButton,
        pos=journal.notes.visualItemRect(journal.notes.item(1)).center(),
    )
    assert journal.note_id == original.id
    assert journal.body.toPlainText() == "Far deltog."
    assert journal.body.isReadOnly()


def test_refused_save_keeps_the_text_and_says_why(
    qtbot: QtBot, vault: Vault, case_id: str, journal, monkeypatch: pytest.MonkeyPatch
):
    def disk_full(*_args: object, **_kwargs: object) -> JournalNote:
        raise DiskFull()

    monkeypatch.setattr(services, "add_note", disk_full)
    qtbot.keyClicks(journal.body, "Vigtig observation")
    qtbot.waitUntil(journal.error.isVisible, timeout=5000)
    assert journal.error.text() == "Notatet er ikke gemt. " + error_text(DiskFull())
    assert journal.body.toPlainText() == "Vigtig observation"
    assert journal.status.text() == "Ikke gemt endnu"
    assert journal.is_dirty
    assert notes(vault, case_id) == []

    # Nothing is lost: the next save (space freed) writes the text and clears the message.
    monkeypatch.undo()
    assert journal.flush()
    written(qtbot)
    assert not journal.error.isVisible()
    assert [n.body for n in notes(vault, case_id)] == ["Vigtig observation"]


def test_a_locked_vault_keeps_the_text(qtbot: QtBot, vault: Vault, case_id: str, journal):
    journal._timer.setInterval(60_000)
    qtbot.keyClicks(journal.body, "Skrevet mens låst")
    vault.close()
    assert not journal.flush()
    assert journal.error.text().endswith("Feltmappe er låst. Lås op med din adgangsfrase.")
    assert journal.body.toPlainText() == "Skrevet mens låst"


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_draft_survives_sigkill(vault: Vault, case_id: str, profile: Path):
    vault.close()
    text = "Barnet fortalte om weekenden hos far. Æbler, øl og ål."
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(profile), PASSPHRASE, case_id, text],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                line = proc.stdout.readline().strip()
                break
        assert line == "SAVED", f"child said {line!r}, exit code {proc.poll()}"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    reopened = Vault.open(profile, PASSPHRASE)
    try:
        (note,) = notes(reopened, case_id)
        assert note.body == text
        assert note.finalised_at is None
    finally:
        reopened.close()
