"""Render the first screens offscreen at 1366×768 (a common caseworker laptop) to PNG files in
this folder: the first-run dialog, the unlock dialog of the demo profile, the main window over a
60-case demo vault, a case summary, and the "I dag" deadlines of the demo user's cases. Run from
the repository root:

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_screenshots.py

The demo vault lives in a temporary folder and is deleted afterwards. The data is invented."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import DEMO_PASSPHRASE, configure_app
from desktop.case_list import CASE_ROLE
from desktop.first_run import FirstRunDialog
from desktop.main_window import MainWindow
from desktop.today import TodayWidget, vault_today_source
from desktop.unlock import UnlockDialog
from models import demo
from models.keyfile import KdfParams
from models.vault import Vault

OUT = Path(__file__).parent
SIZE = (1366, 768)
DESKTOP = QColor("#3b4a5a")


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def on_desktop(widget: QWidget, name: str, behind: QWidget | None = None) -> Path:
    """Paint ``widget`` centred on a 1366×768 screen (over ``behind`` when given)."""
    settle()
    canvas = QPixmap(*SIZE)
    canvas.fill(DESKTOP)
    painter = QPainter(canvas)
    if behind is not None:
        painter.drawPixmap(0, 0, behind.grab())
    shot = widget.grab()
    painter.drawPixmap(QPoint((SIZE[0] - shot.width()) // 2, (SIZE[1] - shot.height()) // 2), shot)
    painter.end()
    path = OUT / f"{name}.png"
    canvas.save(str(path))
    return path


def main() -> int:
    app = QApplication(sys.argv[:1])
    configure_app(app)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        first_run = FirstRunDialog(Path(tmp) / "ny")
        first_run.show()
        first_run.name.setText("Mette Rasmussen")
        first_run.initials.setText("MR")
        first_run.passphrase.setText("grøn-cykel-hænger-lampe")
        first_run.repeat.setText("grøn-cykel")
        first_run.try_create()  # shows the refusal (the two passphrases differ)
        written.append(on_desktop(first_run, "first_run"))
        first_run.close()

        profile = Path(tmp) / "demo"
        vault = Vault.create(
            profile,
            DEMO_PASSPHRASE,
            user="demo.raadgiver",
            display_name="Demo Rådgiver",
            kdf=KdfParams.fast(),
        )
        demo.generate(vault, cases=60, seed=1)
        vault.close()

        unlock = UnlockDialog(profile, demo_passphrase=DEMO_PASSPHRASE)
        opened: list[Vault] = []
        unlock.unlocked.connect(opened.append)
        unlock.show()
        unlock.passphrase.setText("forkert-frase")
        unlock.try_unlock()  # shows the wrong-passphrase message in red
        written.append(on_desktop(unlock, "unlock"))
        unlock.passphrase.setText(DEMO_PASSPHRASE)
        unlock.try_unlock()
        (vault,) = opened

        window = MainWindow(vault, demo=True)
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(*SIZE)
        window.show()
        settle()
        path = OUT / "main_window.png"
        window.grab().save(str(path))
        written.append(path)

        assert window.case_list is not None
        first = window.case_list.proxy.index(0, 0).data(CASE_ROLE)
        summary = window.show_case(first.case_id)
        assert summary is not None
        written.append(on_desktop(summary, "case_summary", behind=window))
        # Each screen of the case window: journal, persons, home visit, timeline.
        for index, name in ((1, "journal"), (2, "persons"), (3, "home_visit"), (4, "timeline")):
            summary.resize(1100, 700)
            summary.tabs.setCurrentIndex(index)
            written.append(on_desktop(summary, name, behind=window))
        summary.tabs.setCurrentIndex(0)
        summary.close()

        window.case_list.search.setText("an")
        settle()
        path = OUT / "main_window_search.png"
        window.grab().save(str(path))
        written.append(path)

        assert vault.user is not None
        today = TodayWidget(vault_today_source(vault, vault.user))
        today.setWindowTitle("I dag – Feltmappe")
        today.resize(1000, 640)
        today.show()
        today.reload()
        written.append(on_desktop(today, "today"))
        today.clear()
        today.close()

        window.drop_case_widgets()
        window.close()
        vault.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
