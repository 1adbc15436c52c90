"""Child process of the native crash test (not a test itself): run the real app on PROFILE.

python tests/gui/native_crash_child.py crash PROFILE   # segfault 300 ms after start
python tests/gui/native_crash_child.py start PROFILE   # print OFFERED/NOTHING, then quit"""

from __future__ import annotations

import faulthandler
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from desktop.app import run_gui


def main() -> int:
    mode, profile = sys.argv[1:3]
    app = QApplication(sys.argv[:1])

    def report() -> None:
        offered = [
            w
            for w in app.topLevelWidgets()
            if isinstance(w, QDialog) and w.objectName() == "native_crash" and w.isVisible()
        ]
        print("OFFERED" if offered else "NOTHING", flush=True)
        app.quit()

    if mode == "crash":
        QTimer.singleShot(300, faulthandler._sigsegv)
    else:
        QTimer.singleShot(300, report)
    return run_gui(Path(profile))


if __name__ == "__main__":
    sys.exit(main())
