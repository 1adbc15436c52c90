"""Child process of the journal crash test (not a test itself): unlock the vault, type a note
body key by key into the journal, print SAVED once the widget says the draft is saved, then keep
running until the parent kills it with SIGKILL.

    python tests/gui/journal_crash_child.py PROFILE PASSPHRASE CASE_ID TEXT"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.journal import JournalWidget
from models.vault import Vault


def main() -> int:
    profile, passphrase, case_id, text = sys.argv[1:5]
    app = QApplication(sys.argv[:1])
    vault = Vault.open(Path(profile), passphrase)
    widget = JournalWidget(vault, case_id, autosave_ms=200)
    widget.show()
    QTest.keyClicks(widget.body, text)

    poll = QTimer()

    def check() -> None:
        if widget.status.text().startswith("Gemt kl."):
            poll.stop()
            print("SAVED", flush=True)

    poll.timeout.connect(check)
    poll.start(50)
    return app.exec()  # never returns normally: the parent kills this process


if __name__ == "__main__":
    sys.exit(main())
