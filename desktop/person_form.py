"""The form of the "Personer" tab: the fields of a person and of their role in the case, laid
out for a 1366×768 laptop at 150 % text size. ``PartiesWidget`` (desktop/persons.py) connects
the fields and saves them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.display import format_date
from desktop.messages import error_text
from desktop.widgets import ErrorLabel
from models.cpr import parse_cpr
from models.errors import InvalidCpr
from models.vocabulary import PARTY_ROLE_LABELS, PartyRole

#: The roles a party can be given here: the case's child has its own, and custody is a flag
#: (the old role "forældremyndighedsindehaver" is shown as a parent with custody).
CHOOSABLE_ROLES = tuple(
    r for r in PartyRole if r not in (PartyRole.BARN, PartyRole.FORAELDREMYNDIGHED)
)
CHOOSE_ROLE = "Vælg rolle …"
CPR_PLACEHOLDER = "DDMMÅÅ-XXXX (valgfrit)"
#: In the form of a person whose number is not revealed: the field is empty and the number kept.
CPR_KEPT = "{masked} (uændret)"
CPR_KEPT_HINT = "uændret; tryk Vis CPR for at rette nummeret"

ADD_TITLE = "Tilføj person til sagen"
#: Amber on a light tint, as the case list's "snart" deadlines (contrast above 7:1).
WARNING_STYLE = "color: #6b4500; background: #fde9b8; padding: 4px;"

_SEX_LABELS = {"K": "kvinde", "M": "mand"}


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def cpr_feedback(text: str) -> tuple[str, bool]:
    """Live feedback on a CPR number being typed: ("", True) until 10 digits are in, then the
    derived birth date and sex, or the Danish error (with False). Nothing is saved."""
    digits = [c for c in text if c.isdigit()]
    if len(digits) < 10:
        return "", True
    try:
        parsed = parse_cpr(text)
    except InvalidCpr as err:
        return error_text(err), False
    sex = _SEX_LABELS.get(parsed.sex, parsed.sex)
    return f"Født {format_date(parsed.birth_date)}, {sex}", True


class PersonForm(QGroupBox):
    """The fields; no behaviour of its own."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(ADD_TITLE, parent)
        box = self
        self.editing_id = QLineEdit(box)  # which party the form edits (kept with the draft)
        self.editing_id.setObjectName("editing_id")
        self.editing_id.hide()
        # No maximum length on the fields: a pasted text would be cut without a word. A text
        # too long for its column is refused when saved, saying which field (models/values.py).
        self.first_name = self._line_edit(box, "first_name", "Fornavn")
        self.last_name = self._line_edit(box, "last_name", "Efternavn")
        self.cpr = self._line_edit(box, "cpr", "CPR-nummer")
        self.cpr.setPlaceholderText(CPR_PLACEHOLDER)
        self.cpr.setMinimumWidth(self.cpr.fontMetrics().horizontalAdvance(CPR_PLACEHOLDER) + 24)
        self.cpr_hint = QLabel(box)
        self.cpr_hint.setObjectName("cpr_hint")
        self.cpr_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.cpr_hint.setWordWrap(True)

        self.birth_date = self._date_edit(box, "birth_date", "Fødselsdato")
        self.birth_date.setDate(QDate.currentDate().addYears(-30))
        self.birth_unknown = QCheckBox("Ukendt", box)
        self.birth_unknown.setObjectName("birth_unknown")
        self.birth_unknown.setChecked(True)
        birth_row = QHBoxLayout()
        birth_row.addWidget(self.birth_date)
        birth_row.addWidget(self.birth_unknown)
        birth_row.addStretch(1)

        self.unborn = QCheckBox("Ufødt barn", box)
        self.unborn.setObjectName("unborn")
        self.expected_date = self._date_edit(box, "expected_date", "Terminsdato")
        self.expected_date.setDate(QDate.currentDate().addMonths(3))
        self.expected_label = QLabel("Ter&minsdato", box)
        self.expected_label.setBuddy(self.expected_date)
        expected_row = QHBoxLayout()  # (its own row: the form fits at 150 % text size)
        expected_row.addWidget(self.expected_date)
        expected_row.addStretch(1)

        self.role = QComboBox(box)
        self.role.setObjectName("role")
        self.role.setAccessibleName("Rolle")
        self.role.addItem(CHOOSE_ROLE, None)  # no silent default: the role is chosen
        for role in CHOOSABLE_ROLES:
            self.role.addItem(PARTY_ROLE_LABELS[role], role)
        self.role_error = ErrorLabel(box)  # next to the role, where the choice is missing
        self.role_error.setObjectName("role_error")
        self.custody = QCheckBox("Har forældremyndighed", box)
        self.custody.setObjectName("custody")
        self.custody.setToolTip("Forældremyndighedsindehavere har partsrettigheder i sagen.")
        self.party_rights = QCheckBox("Har partsrettighe&der (partshøring)", box)
        self.party_rights.setObjectName("party_rights")
        self.party_rights.setToolTip(
            "Parter skal partshøres (forvaltningslovens § 19). Barnet og "
            "forældremyndighedsindehavere er altid parter."
        )
        self.party_note = self._line_edit(box, "party_note", "Om rollen")
        self.party_note.setPlaceholderText("Fx »Mor«, »Klasselærer«, »tolk, arabisk«")

        self.phone = self._line_edit(box, "phone", "Telefon")
        self.address = self._line_edit(box, "address", "Adresse")
        self.email = self._line_edit(box, "email", "E-mail")
        self.note = self._line_edit(box, "note", "Bemærkning")
        self.note.setPlaceholderText("Fx »taler kun engelsk«, »ring efter kl. 15«")

        self.add_button = QPushButton("Tilføj", box)
        self.add_button.setObjectName("add")
        self.add_button.setDefault(True)
        self.cancel_button = QPushButton("Annullér", box)
        self.cancel_button.setObjectName("cancel_edit")
        self.cancel_button.hide()
        self.error = ErrorLabel(box)
        self.warning = QLabel(box)
        self.warning.setObjectName("warning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.setAccessibleName("Advarsel")
        self.warning.hide()
        self.status = QLabel(box)
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        cpr_row = QHBoxLayout()
        cpr_row.addWidget(self.cpr)
        cpr_row.addStretch(1)

        left = QFormLayout()
        left.addRow(self._label(box, "&Fornavn", self.first_name), self.first_name)
        left.addRow(self._label(box, "&Efternavn", self.last_name), self.last_name)
        left.addRow(self._label(box, "&CPR-nummer", self.cpr), cpr_row)
        left.addRow("", self.cpr_hint)  # below the number: room for the whole hint
        left.addRow(self._label(box, "F&ødselsdato", self.birth_date), birth_row)
        unborn_row = QHBoxLayout()  # (as wide as its text: a click beside it is no click)
        unborn_row.addWidget(self.unborn)
        unborn_row.addStretch(1)
        left.addRow("", unborn_row)
        left.addRow(self.expected_label, expected_row)
        right = QFormLayout()
        right.addRow(self._label(box, "&Rolle", self.role), self.role)
        right.addRow("", self.role_error)
        right.addRow("", self.custody)
        right.addRow("", self.party_rights)
        right.addRow(self._label(box, "Om rolle&n", self.party_note), self.party_note)
        right.addRow(self._label(box, "Te&lefon", self.phone), self.phone)
        right.addRow(self._label(box, "E-ma&il", self.email), self.email)
        right.addRow(self._label(box, "&Adresse", self.address), self.address)
        right.addRow(self._label(box, "&Bemærkning", self.note), self.note)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(16)
        columns.addLayout(right, 1)

        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.add_button)
        layout = QVBoxLayout(box)
        layout.addLayout(columns)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        layout.addWidget(self.warning)

    @staticmethod
    def _line_edit(parent: QWidget, name: str, label: str) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setObjectName(name)
        edit.setAccessibleName(label)
        return edit

    @staticmethod
    def _date_edit(parent: QWidget, name: str, label: str) -> QDateEdit:
        edit = QDateEdit(parent)
        edit.setObjectName(name)
        edit.setAccessibleName(label)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd.MM.yyyy")
        edit.setMinimumDate(QDate(1890, 1, 1))
        return edit

    @staticmethod
    def _label(parent: QWidget, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setBuddy(buddy)
        return label
