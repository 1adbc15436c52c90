"""The persons and parties of one case (sagsparter): a table of who is part of the case, a form to
add a person, and removal of a party (a tombstone). CPR numbers are validated by ``models.cpr``
through the service layer; a failed modulus-11 check is a warning, never a refusal."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.messages import error_text, warning_text
from desktop.widgets import ErrorLabel, log_refusal
from models import services
from models.cpr import mask, parse_cpr
from models.errors import FeltmappeError, InvalidCpr, NotFound
from models.schema import Case, CaseParty
from models.vault import Vault
from models.vocabulary import FIELD_LABELS, PARTY_ROLE_LABELS, PartyRole

SessionFactory = Callable[[], AbstractContextManager[Session]]
ModelIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAVN = 0
    ROLLE = 1
    CPR = 2
    FORAELDREMYNDIGHED = 3
    PARTSRETTIGHEDER = 4


HEADERS: dict[Column, str] = {
    Column.NAVN: "Navn",
    Column.ROLLE: "Rolle",
    Column.CPR: "CPR",
    Column.FORAELDREMYNDIGHED: "Forældremyndighed",
    Column.PARTSRETTIGHEDER: "Partsrettigheder",
}

#: The value a column sorts by.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The ``PartyRow`` behind a row.
PARTY_ROLE = Qt.ItemDataRole.UserRole + 2

#: Amber on a light tint, as the case list's "snart" deadlines (contrast above 7:1).
WARNING_STYLE = "color: #6b4500; background: #fde9b8; padding: 4px;"

CHILD_NOT_REMOVABLE = "Barnet, som sagen handler om, kan ikke fjernes fra sagen."
NOTHING_SELECTED = "Vælg først en person i listen."
NOT_ADDED = "Personen er ikke tilføjet. "
NOT_REMOVED = "Personen er ikke fjernet fra sagen. "

#: The form's fields a message may name without saying which field it is about.
_NAMED_FIELDS = ("first_name", "last_name", "birth_date", "expected_date")

_ROLE_ORDER = {role: i for i, role in enumerate(PartyRole)}
_SEX_LABELS = {"K": "kvinde", "M": "mand"}


def format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


@dataclass(frozen=True)
class PartyRow:
    """What the table shows of one party, copied out of the session."""

    party_id: str
    person_id: str
    name: str
    role: PartyRole
    cpr: str | None
    birth_date: date | None
    unborn: bool
    expected_date: date | None
    has_custody: bool
    party_rights: bool
    is_case_child: bool

    @property
    def role_text(self) -> str:
        return PARTY_ROLE_LABELS.get(self.role, str(self.role))

    @property
    def cpr_text(self) -> str:
        """The masked CPR number; without one, what is known of the birth instead."""
        if self.cpr:
            return mask(self.cpr)
        if self.unborn:
            termin = format_date(self.expected_date)
            return f"Ufødt, termin {termin}" if termin else "Ufødt"
        if self.birth_date:
            return f"Intet CPR (født {format_date(self.birth_date)})"
        return "Intet CPR"


def load_parties(sessions: SessionFactory, case_id: str) -> list[PartyRow]:
    with sessions() as session:
        case = services.get(session, Case, case_id)
        return [
            PartyRow(
                party_id=party.id,
                person_id=person.id,
                name=person.full_name,
                role=party.role,
                cpr=person.cpr,
                birth_date=person.birth_date,
                unborn=person.unborn,
                expected_date=person.expected_date,
                has_custody=party.has_custody,
                party_rights=party.party_rights,
                is_case_child=person.id == case.child_id,
            )
            for party, person in services.case_parties(session, case_id)
        ]


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


class PartyTableModel(QAbstractTableModel):
    """The case's parties as a table; ``reload()`` reads them again."""

    def __init__(self, sessions: SessionFactory, case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._sessions = sessions
        self.case_id = case_id
        self._rows: list[PartyRow] = []

    def reload(self) -> None:
        rows = load_parties(self._sessions, self.case_id)
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def party_row(self, row: int) -> PartyRow:
        return self._rows[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        if role == PARTY_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and row.is_case_child:
            return "Barnet, som sagen handler om"
        return None

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return HEADERS[Column(section)]
        return None

    @staticmethod
    def _display(row: PartyRow, column: Column) -> str:
        if column == Column.NAVN:
            return row.name
        if column == Column.ROLLE:
            return row.role_text
        if column == Column.CPR:
            return row.cpr_text
        if column == Column.FORAELDREMYNDIGHED:
            return "Ja" if row.has_custody else "Nej"
        return "Ja" if row.party_rights else "Nej"

    @staticmethod
    def _sort_value(row: PartyRow, column: Column) -> Any:
        if column == Column.ROLLE:
            # The child first, then the case's order of roles, then by name.
            return f"{0 if row.is_case_child else 1}{_ROLE_ORDER.get(row.role, 99):02d}{row.name}"
        if column == Column.CPR:
            return row.cpr or ""
        return PartyTableModel._display(row, column).casefold()


class PartiesWidget(QWidget):
    """The parties of one case and a form to add a person. ``vault`` may be a ``Vault`` or any
    callable that returns a session context (``vault.session``)."""

    #: Emitted with the case-party id after a person is added or a party removed.
    changed = Signal(str)

    def __init__(
        self, vault: Vault | SessionFactory, case_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._sessions: SessionFactory = vault.session if isinstance(vault, Vault) else vault
        self.case_id = case_id
        self._confirm: QMessageBox | None = None
        self._auto_custody = False

        self.model = PartyTableModel(self._sessions, case_id, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setObjectName("parties")
        self.table.setAccessibleName("Sagens parter")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.ROLLE, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.NAVN, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.remove_button = QPushButton("Fjern fra sagen", self)
        self.remove_button.setObjectName("remove")
        self.remove_button.clicked.connect(self.ask_remove)
        self.list_error = ErrorLabel(self)
        self.list_error.setObjectName("list_error")

        heading = QLabel("Personer i sagen", self)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.list_error, 1)
        list_buttons.addStretch(0)
        list_buttons.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)

        self.form = self._build_form()

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(list_buttons)
        layout.addWidget(self.form)

        self._clear_form()
        self.refresh()
        self._update_form()

    # -- building -------------------------------------------------------------------------

    def _build_form(self) -> QGroupBox:
        box = QGroupBox("Tilføj person til sagen", self)
        self.first_name = self._line_edit(box, "first_name", "Fornavn", 200)
        self.last_name = self._line_edit(box, "last_name", "Efternavn", 200)
        self.cpr = self._line_edit(box, "cpr", "CPR-nummer", 11)
        self.cpr.setPlaceholderText("DDMMÅÅ-XXXX (valgfrit)")
        self.cpr.textChanged.connect(self._on_cpr_edited)
        self.cpr_hint = QLabel(box)
        self.cpr_hint.setObjectName("cpr_hint")
        self.cpr_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.cpr_hint.setWordWrap(True)

        self.birth_date = self._date_edit(box, "birth_date", "Fødselsdato")
        self.birth_date.setDate(QDate.currentDate().addYears(-30))
        self.birth_unknown = QCheckBox("Ukendt", box)
        self.birth_unknown.setObjectName("birth_unknown")
        self.birth_unknown.setChecked(True)
        self.birth_unknown.toggled.connect(self._update_form)
        birth_row = QHBoxLayout()
        birth_row.addWidget(self.birth_date)
        birth_row.addWidget(self.birth_unknown)
        birth_row.addStretch(1)

        self.unborn = QCheckBox("Ufødt barn", box)
        self.unborn.setObjectName("unborn")
        self.unborn.toggled.connect(self._update_form)
        self.expected_date = self._date_edit(box, "expected_date", "Terminsdato")
        self.expected_date.setDate(QDate.currentDate().addMonths(3))
        unborn_row = QHBoxLayout()
        unborn_row.addWidget(self.unborn)
        self.expected_label = QLabel("Ter&minsdato", box)
        self.expected_label.setBuddy(self.expected_date)
        unborn_row.addWidget(self.expected_label)
        unborn_row.addWidget(self.expected_date)
        unborn_row.addStretch(1)

        self.role = QComboBox(box)
        self.role.setObjectName("role")
        self.role.setAccessibleName("Rolle")
        for role, label in PARTY_ROLE_LABELS.items():
            if role is not PartyRole.BARN:  # the case's child is its own party already
                self.role.addItem(label, role)
        self.role.currentIndexChanged.connect(self._on_role_changed)
        self.custody = QCheckBox("Har forældremyndighed", box)
        self.custody.setObjectName("custody")
        self.custody.setToolTip("Forældremyndighedsindehavere har partsrettigheder i sagen.")

        self.phone = self._line_edit(box, "phone", "Telefon", 40)
        self.address = self._line_edit(box, "address", "Adresse", 500)

        self.add_button = QPushButton("Tilføj", box)
        self.add_button.setObjectName("add")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_person)
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
        cpr_row.addWidget(self.cpr_hint, 1)

        left = QFormLayout()
        left.addRow(self._label(box, "&Fornavn", self.first_name), self.first_name)
        left.addRow(self._label(box, "&Efternavn", self.last_name), self.last_name)
        left.addRow(self._label(box, "&CPR-nummer", self.cpr), cpr_row)
        left.addRow(self._label(box, "F&ødselsdato", self.birth_date), birth_row)
        left.addRow("", unborn_row)
        right = QFormLayout()
        right.addRow(self._label(box, "&Rolle", self.role), self.role)
        right.addRow("", self.custody)
        right.addRow(self._label(box, "Te&lefon", self.phone), self.phone)
        right.addRow(self._label(box, "&Adresse", self.address), self.address)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(16)
        columns.addLayout(right, 1)

        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.add_button)
        layout = QVBoxLayout(box)
        layout.addLayout(columns)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        layout.addWidget(self.warning)
        return box

    @staticmethod
    def _line_edit(parent: QWidget, name: str, label: str, max_length: int) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setObjectName(name)
        edit.setAccessibleName(label)
        edit.setMaxLength(max_length)
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

    # -- what the user sees ---------------------------------------------------------------

    def refresh(self) -> None:
        try:
            self.model.reload()
        except FeltmappeError as err:
            self.list_error.show_error(err)
        self._update_buttons()

    def selected_party(self) -> PartyRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(PARTY_ROLE)
        return value if isinstance(value, PartyRow) else None

    def select_party(self, party_id: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(PARTY_ROLE).party_id == party_id:
                self.table.selectRow(row)
                self.table.scrollTo(index)
                return

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.selected_party() is not None)

    def _update_form(self) -> None:
        unborn = self.unborn.isChecked()
        has_cpr = bool(self.cpr.text().strip())
        # A CPR number gives the birth date; an unborn child has none.
        self.birth_unknown.setEnabled(not unborn and not has_cpr)
        self.birth_date.setEnabled(
            not unborn and not has_cpr and not self.birth_unknown.isChecked()
        )
        self.expected_label.setEnabled(unborn)
        self.expected_date.setEnabled(unborn)

    def _on_cpr_edited(self, text: str) -> None:
        hint, ok = cpr_feedback(text)
        self.cpr_hint.setText(hint)
        self.cpr_hint.setStyleSheet("" if ok else "color: #a30014;")
        self._update_form()

    def _on_role_changed(self) -> None:
        # The role implies custody; leaving it again undoes only what the role itself ticked.
        if self.role.currentData() == PartyRole.FORAELDREMYNDIGHED:
            self._auto_custody = not self.custody.isChecked()
            self.custody.setChecked(True)
        elif self._auto_custody:
            self._auto_custody = False
            self.custody.setChecked(False)

    def _clear_form(self) -> None:
        for edit in (self.first_name, self.last_name, self.cpr, self.phone, self.address):
            edit.clear()
        self.birth_unknown.setChecked(True)
        self.unborn.setChecked(False)
        self._auto_custody = False
        self.custody.setChecked(False)
        self.role.setCurrentIndex(self.role.findData(PartyRole.FORAELDER))

    # -- adding ---------------------------------------------------------------------------

    def add_person(self) -> bool:
        """Create the person and make them a party of the case, in one transaction. A refusal
        keeps everything typed and says why; a warning (modulus 11) is shown after the save."""
        self.error.clear_error()
        self.warning.hide()
        self.status.clear()
        unborn = self.unborn.isChecked()
        cpr = self.cpr.text().strip() or None
        birth = None
        if not unborn and not cpr and not self.birth_unknown.isChecked():
            birth = _to_date(self.birth_date.date())
        role = PartyRole(self.role.currentData())
        try:
            with self._sessions() as session:
                case = services.get(session, Case, self.case_id)
                person, warnings = services.create_person(
                    session,
                    self.first_name.text(),
                    self.last_name.text(),
                    cpr=cpr,
                    birth_date=birth,
                    unborn=unborn,
                    expected_date=_to_date(self.expected_date.date()) if unborn else None,
                    phone=self.phone.text().strip(),
                    address=self.address.text().strip(),
                )
                party = services.add_party(
                    session, case, person, role, has_custody=self.custody.isChecked()
                )
                party_id, name = party.id, person.full_name
        except FeltmappeError as err:
            self._show_refusal(err)
            return False
        self._clear_form()
        self.refresh()
        self.select_party(party_id)
        self.status.setText(f"{name} er tilføjet til sagen som {PARTY_ROLE_LABELS[role]}.")
        if warnings:
            self.warning.setText("\n".join(warning_text(w) for w in warnings))
            self.warning.show()
        self.changed.emit(party_id)
        self.first_name.setFocus()
        return True

    def _show_refusal(self, err: FeltmappeError) -> None:
        field = str(err.params.get("field", ""))
        prefix = NOT_ADDED
        if err.code in ("validation.required", "validation.future_date") and field in _NAMED_FIELDS:
            label = FIELD_LABELS[field]
            prefix += f"{label[:1].upper()}{label[1:]}: "
        self.error.show_error(err, prefix=prefix)
        target = {
            "first_name": self.first_name,
            "cpr": self.cpr,
            "birth_date": self.birth_date if self.birth_date.isEnabled() else self.cpr,
            "unborn": self.unborn,
        }.get(field)
        if target is not None:
            target.setFocus()

    # -- removing -------------------------------------------------------------------------

    def ask_remove(self) -> None:
        """Ask before removing the selected party (non-blocking, window-modal)."""
        self.list_error.clear_error()
        row = self.selected_party()
        if row is None:
            self.list_error.show_text(NOTHING_SELECTED)
            return
        if row.is_case_child:
            self.list_error.show_text(CHILD_NOT_REMOVABLE)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Fjern fra sagen",
            confirm_remove_text(row),
            parent=self,
        )
        box.setObjectName("confirm_remove")
        yes = box.addButton("Fjern fra sagen", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Annullér", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        party_id = row.party_id
        box.finished.connect(
            lambda _result: self._on_confirmed(box.clickedButton() is yes, party_id)
        )
        self._confirm = box
        box.open()

    def _on_confirmed(self, yes: bool, party_id: str) -> None:
        self._confirm = None
        if yes:
            self.remove_party(party_id)

    def remove_party(self, party_id: str) -> bool:
        """Tombstone a party of this case (no question asked; ``ask_remove`` asks). The person
        stays: they may be a party in other cases."""
        self.list_error.clear_error()
        try:
            with self._sessions() as session:
                party = services.get(session, CaseParty, party_id)
                case = services.get(session, Case, self.case_id)
                if party.case_id != self.case_id:
                    raise NotFound(table="case_party", row_id=party_id)
                if party.person_id == case.child_id:
                    self.list_error.show_text(CHILD_NOT_REMOVABLE)
                    return False
                services.soft_delete(session, party)
        except FeltmappeError as err:
            log_refusal(err)
            self.list_error.show_text(NOT_REMOVED + error_text(err))
            return False
        self.refresh()
        self.changed.emit(party_id)
        return True


def confirm_remove_text(row: PartyRow) -> str:
    return (
        f"Fjern {row.name or 'personen'} ({row.role_text}) fra sagen? Personen fjernes kun "
        "fra denne sag."
    )
