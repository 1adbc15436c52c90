"""Child process of the draft crash test (not a test itself): start the real app on PROFILE,
unlock, open CASE_ID, type TEXT into the persons form, the home visit's observations and the
journal, print SAVED once all three are kept in the vault, then keep running until the parent kills it with SIGKILL.

    python tests/gui/drafts_crash_child.py PROFILE PASSPHRASE CASE_ID TEXT"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.app import AppController, configure_app
from desktop.home_visit import HomeVisitWidget
from desktop.journal import JournalWidget
from desktop.persons import PartiesWidget
from desktop.unlock import UnlockDialog
from models.drafts import drafts
from models.schema import JournalNote


def main() -> int:
    profile, passphrase, case_id, text = sys.argv[1:5]
    app = QApplication(sys.argv[:1])
    configure_app(app)
    controller = AppController(Path(profile), quit_app=lambda: None)
    controller.start()
    dialog = controller.dialog
    assert isinstance(dialog, UnlockDialog)
    QTest.keyClicks(dialog.passphrase, passphrase)
    QTest.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    window = controller.window
    vault = controller.vault
    assert window is not None and vault is not None
    case = window.show_case(case_id)
    assert case is not None
    home = case.findChild(HomeVisitWidget)
    journal = case.findChild(JournalWidget)
    persons = case.findChild(PartiesWidget)
    assert home is not None and journal is not None and persons is not None
    case.tabs.setCurrentWidget(persons)
    QTest.keyClicks(persons.note, text)  # a person being added, not saved
    case.tabs.setCurrentWidget(home)
    QTest.keyClicks(home.observations, text)
    case.tabs.setCurrentWidget(journal)
    QTest.keyClicks(journal.body, text)

    poll = QTimer()

    def check() -> None:
        with vault.session() as s:
            kept = [d.key for d in drafts(s, case_id)]
            note = s.query(JournalNote).filter_by(case_id=case_id).first()
        wanted = {f"home_visit:{case_id}", f"persons:{case_id}"}
        if wanted <= set(kept) and note is not None and note.body == text:
            poll.stop()
            print("SAVED", flush=True)

    poll.timeout.connect(check)
    poll.start(100)
    return app.exec()  # never returns normally: the parent kills this process


if __name__ == "__main__":
    sys.exit(main())
