"""Small pieces shared by the screens: the one road from a typed error to the user (an inline
label or a message box, both with the Danish text from ``desktop.messages``), and a wait cursor
for the few short operations that still block the GUI thread (unlock, creating a profile)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from desktop.messages import error_text
from models.errors import FeltmappeError

log = logging.getLogger("feltmappe.ui")

#: Dark red: readable on the light default palette (contrast ratio above 7:1).
ERROR_COLOR = "#a30014"


def log_refusal(err: FeltmappeError) -> None:
    """Log an expected error by its code only (its parameters may hold case data)."""
    log.info("refused: %s", err.code)


class ErrorLabel(QLabel):
    """A red message under a form's fields; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setAccessibleName("Fejl")
        self.hide()

    def show_error(self, err: FeltmappeError, prefix: str = "") -> None:
        log_refusal(err)
        self.show_text(f"{prefix}{error_text(err)}")

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.show_text("")


def show_error(parent: QWidget | None, err: FeltmappeError) -> QMessageBox:
    """Show an expected error in a (window-modal, non-blocking) message box."""
    log_refusal(err)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Feltmappe",
        error_text(err),
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def ask_to_confirm(
    parent: QWidget,
    title: str,
    text: str,
    yes_text: str,
    *,
    name: str,
    on_answer: Callable[[bool], object],
) -> QMessageBox:
    """A question with "``yes_text``" (the default) and "Annullér", window-modal but not
    blocking: ``on_answer(True)`` once ``yes_text`` was chosen, ``on_answer(False)`` otherwise.
    The box (object name ``name``) deletes itself when closed; keep it to close it early."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName(name)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Annullér", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.finished.connect(lambda _result: on_answer(box.clickedButton() is yes))
    box.open()
    return box


@contextmanager
def wait_cursor() -> Iterator[None]:
    """A busy cursor around short blocking work on the GUI thread."""
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    # Let the cursor change reach the screen, but take no clicks or keys meanwhile.
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
