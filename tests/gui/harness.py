"""The real application controller for GUI tests: it records quitting instead of ending the
test run, and opens on a throwaway demo folder with cheap key derivation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import AppController
from desktop.first_run import FirstRunDialog
from desktop.main_window import MainWindow
from desktop.unlock import UnlockDialog
from models.keyfile import KdfParams
from tests.conftest import PASSPHRASE


class Harness:
    """An ``AppController`` (``idle_ms``: auto-lock after so many idle milliseconds)."""

    def __init__(
        self,
        qtbot: QtBot,
        profile: Path,
        demo_dir: Path,
        *,
        demo: bool = False,
        idle_ms: int | None = None,
    ) -> None:
        self.quits = 0
        self.controller = AppController(
            profile,
            demo=demo,
            demo_profile=demo_dir,
            kdf=KdfParams.fast(),
            quit_app=self._quit,
            idle_ms=idle_ms,
        )
        self.qtbot = qtbot

    def _quit(self) -> None:
        self.quits += 1

    @property
    def window(self) -> MainWindow:
        assert self.controller.window is not None
        return self.controller.window

    def dialog(self, kind: type) -> object:
        dialog = self.controller.dialog
        assert isinstance(dialog, kind), dialog
        self.qtbot.waitExposed(dialog)
        dialog.activateWindow()
        return dialog

    def unlock_dialog(self) -> UnlockDialog:
        dialog = self.dialog(UnlockDialog)
        assert isinstance(dialog, UnlockDialog)
        return dialog

    def first_run_dialog(self) -> FirstRunDialog:
        dialog = self.dialog(FirstRunDialog)
        assert isinstance(dialog, FirstRunDialog)
        return dialog

    def unlock(self, passphrase: str = PASSPHRASE) -> None:
        dialog = self.unlock_dialog()
        self.qtbot.keyClicks(dialog.passphrase, passphrase)
        self.qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        assert self.controller.vault is not None

    def close(self) -> None:
        if self.controller.window is not None:
            self.controller.window.drop_case_widgets()
        for widget in (self.controller.window, self.controller.dialog):
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.controller.close_vault()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def type_and_enter(qtbot: QtBot, dialog: UnlockDialog, text: str) -> None:
    qtbot.keyClicks(dialog.passphrase, text)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
