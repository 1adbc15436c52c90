"""The unlock dialog ("Lås Feltmappe op"): the passphrase opens the profile's vault. A wrong
passphrase is said in red under the field and the user tries again; a damaged vault is reported
and left exactly as it is (``Vault.open`` never writes on failure)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import preload
from desktop.widgets import ErrorLabel, wait_cursor
from models.errors import FeltmappeError, WrongPassphrase


class UnlockDialog(QDialog):
    """Emits ``unlocked(Vault)`` and closes when the passphrase opens the vault."""

    unlocked = Signal(object)

    def __init__(
        self,
        profile: Path,
        *,
        demo_passphrase: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self.setWindowTitle("Lås Feltmappe op")
        self.setMinimumWidth(460)

        heading = QLabel("Lås Feltmappe op", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel("Skriv din adgangsfrase for at åbne dine sager.", self)
        intro.setWordWrap(True)

        field_label = QLabel("&Adgangsfrase:", self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Adgangsfrase")
        field_label.setBuddy(self.passphrase)
        self.error = ErrorLabel(self)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        if demo_passphrase:
            hint = QLabel(
                f"Dette er demoprofilen med opdigtede sager. Adgangsfrasen er: {demo_passphrase}",
                self,
            )
            hint.setObjectName("demo_hint")
            hint.setStyleSheet(
                "background: #e8f0fb; color: #1a2b44; border: 1px solid #b7cbe8; padding: 6px;"
            )
            hint.setWordWrap(True)
            hint.setTextFormat(Qt.TextFormat.PlainText)
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(hint)
        layout.addSpacing(6)
        layout.addWidget(field_label)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.error)

        buttons = QDialogButtonBox(self)
        self.unlock_button = buttons.addButton("Lås op", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setEnabled(False)
        quit_button = buttons.addButton("Afslut", QDialogButtonBox.ButtonRole.RejectRole)
        self.unlock_button.clicked.connect(self.try_unlock)
        quit_button.clicked.connect(self.reject)
        layout.addSpacing(6)
        layout.addWidget(buttons)

        self.passphrase.textChanged.connect(self._text_changed)
        self.passphrase.setFocus()

    def _text_changed(self, text: str) -> None:
        self.unlock_button.setEnabled(bool(text))

    def try_unlock(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase:
            return
        try:
            with wait_cursor():
                # The vault's modules are imported while the passphrase is typed; if that is
                # not done yet, it is finished here (the same work, no second import beside it).
                preload.finish()
                from models.vault import Vault

                vault = Vault.open(self.profile, passphrase)
        except WrongPassphrase as err:
            self.error.show_error(err)
            self.passphrase.clear()
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        except FeltmappeError as err:
            self.error.show_error(err)
            return
        self.passphrase.clear()
        self.error.clear_error()
        self.unlocked.emit(vault)
        self.accept()
