"""The first-run dialog ("Opret ny profil"): name, initials and a new passphrase, typed twice,
with a live strength hint. The vault decides what it refuses; the refusal is shown in Danish.
"Åbn demo" leaves this profile alone and opens the demo profile instead."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import ERROR_COLOR, ErrorLabel, wait_cursor
from models import settings
from models.errors import FeltmappeError, ValidationError
from models.keyfile import KdfParams
from models.passphrase import MIN_LENGTH, MIN_SCORE, passphrase_score
from models.vault import Vault

STRENGTH_LABELS = ["Meget svag", "Svag", "Middel", "God", "Stærk"]
GOOD_COLOR = "#1b6e20"
FIELD_LABELS = {"name": "Navn", "initials": "Initialer"}
#: ``finished`` result when the user chose the demo profile instead.
DEMO_RESULT = 2


def strength_text(passphrase: str) -> tuple[str, bool]:
    """The hint under the passphrase field, and whether it is good enough to be shown green."""
    if not passphrase:
        return "", False
    if len(passphrase) < MIN_LENGTH:
        return f"Styrke: for kort (mindst {MIN_LENGTH} tegn)", False
    score = passphrase_score(passphrase)
    return f"Styrke: {STRENGTH_LABELS[score]}", score >= MIN_SCORE


class FirstRunDialog(QDialog):
    """Emits ``created(Vault)`` with the new, open vault, or ``demo_requested``."""

    created = Signal(object)
    demo_requested = Signal()

    def __init__(
        self,
        profile: Path,
        *,
        kdf: KdfParams | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self._kdf = kdf
        self.setWindowTitle("Opret ny profil")
        self.setMinimumWidth(520)

        heading = QLabel("Opret ny profil", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Velkommen til Feltmappe. Dine sager gemmes krypteret på denne computer og kan kun "
            "åbnes med adgangsfrasen. Vælg en lang frase, fx fire-fem tilfældige ord med "
            "bindestreg imellem. Glemmer du den, kan sagerne ikke åbnes igen.",
            self,
        )
        intro.setWordWrap(True)

        self.name = QLineEdit(self)
        self.name.setObjectName("name")
        self.initials = QLineEdit(self)
        self.initials.setObjectName("initials")
        self.initials.setMaxLength(10)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = QLabel(self)
        self.strength.setObjectName("strength")
        self.error = ErrorLabel(self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Navn:", self.name)
        form.addRow("&Initialer:", self.initials)
        form.addRow("&Adgangsfrase:", self.passphrase)
        form.addRow("", self.strength)
        form.addRow("&Gentag adgangsfrase:", self.repeat)

        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton(
            "Opret profil", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setObjectName("create")
        self.create_button.setDefault(True)
        self.demo_button = buttons.addButton("Åbn demo", QDialogButtonBox.ButtonRole.ActionRole)
        self.demo_button.setObjectName("demo")
        self.demo_button.setToolTip("Prøv Feltmappe med opdigtede sager i en separat demoprofil")
        quit_button = buttons.addButton("Afslut", QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.clicked.connect(self.try_create)
        self.demo_button.clicked.connect(self._choose_demo)
        quit_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addSpacing(6)
        layout.addWidget(buttons)

        self.passphrase.textChanged.connect(self._update_strength)
        self.name.setFocus()

    def _update_strength(self, text: str) -> None:
        hint, good = strength_text(text)
        self.strength.setText(hint)
        self.strength.setStyleSheet(f"color: {GOOD_COLOR if good else ERROR_COLOR};")

    def _choose_demo(self) -> None:
        self.demo_requested.emit()
        self.done(DEMO_RESULT)

    def try_create(self) -> None:
        name = self.name.text().strip()
        initials = self.initials.text().strip()
        try:
            for field, value in (("name", name), ("initials", initials)):
                if not value:
                    raise ValidationError("validation.required", field=field)
            with wait_cursor():
                vault = Vault.create(
                    self.profile,
                    self.passphrase.text(),
                    repeat=self.repeat.text(),
                    user=initials.lower(),
                    display_name=name,
                    kdf=self._kdf,
                )
                settings.put(vault, settings.INITIALS, initials.upper())
        except ValidationError as err:
            field = str(err.params.get("field", ""))
            label = FIELD_LABELS.get(field)
            self.error.show_error(err, prefix=f"{label}: " if label else "")
            (self.name if field == "name" else self.initials).setFocus()
            return
        except FeltmappeError as err:
            self.error.show_error(err)
            self.passphrase.setFocus()
            return
        self.passphrase.clear()
        self.repeat.clear()
        self.error.clear_error()
        self.created.emit(vault)
        self.accept()
