"""The persons and parties of one case (sagsparter): a table of who is part of the case and how to
reach them, one form to add a person or to change every field of an existing one (its role is
chosen explicitly; custody is one flag), and removal of a party (a tombstone). CPR numbers are
validated by ``models.cpr`` through the service layer (a failed modulus-11 check is a warning,
never a refusal), shown masked (in the edit form too), and revealed one person at a time with
"Vis CPR" (logged through ``services.reveal_cpr``). Enter on a row edits it; the context menu
offers Ret, Vis CPR and Fjern. The table follows changes from elsewhere (``on_changes``) and
never touches the form."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.drafts import DraftKeeper
from desktop.messages import error_text, warning_text
from desktop.ops import Writes
from desktop.party_model import (
    HEADERS,
    PARTY_ROLE,
    SORT_ROLE,
    Column,
    PartyRow,
    PartyTableModel,
)
from desktop.person_form import (
    ADD_TITLE,
    CHOOSE_ROLE,
    CPR_KEPT,
    CPR_KEPT_HINT,
    CPR_PLACEHOLDER,
    PersonForm,
    cpr_feedback,
    to_date,
)
from desktop.widgets import ErrorLabel, ask_to_confirm, log_refusal
from desktop.zoom import fit_header
from models import services
from models.changes import ChangeSet
from models.cpr import mask
from models.errors import FeltmappeError, NotFound, ValidationError
from models.schema import Case, CaseParty
from models.vault import Vault
from models.vocabulary import FIELD_LABELS, PARTY_ROLE_LABELS, PartyRole

SessionFactory = Callable[[], AbstractContextManager[Session]]
ModelIndex = QModelIndex | QPersistentModelIndex


EDIT_TITLE = "Ret {name}"

CHILD_NOT_REMOVABLE = "Barnet, som sagen handler om, kan ikke fjernes fra sagen."
NOTHING_SELECTED = "Vælg først en person i listen."
NOT_ADDED = "Personen er ikke tilføjet. "
NOT_SAVED = "Ændringerne er ikke gemt. "
NOT_ADDED_ROLE = "Personen er ikke tilføjet: vælg en rolle."
NOT_SAVED_ROLE = "Ændringerne er ikke gemt: vælg en rolle."
NOT_REMOVED = "Personen er ikke fjernet fra sagen. "

#: The form's fields a message may name without saying which field it is about.
_NAMED_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "expected_date",
    "phone",
    "email",
    "address",
    "note",
    "party_note",
)
PARTY_NOTE_LABEL = "om rollen"
#: Refusals about one field, said with the field's name ("Telefon: Teksten er for lang …").
_FIELD_CODES = ("validation.required", "validation.future_date", "validation.too_long")


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
        self._writes = Writes(vault, self)  # saves run on the vault's writer thread
        self._reads: SessionFactory = vault.reading if isinstance(vault, Vault) else vault
        self.case_id = case_id
        self._confirm: QMessageBox | None = None
        #: The party whose person is in the form (None: the form adds a new person).
        self.editing: PartyRow | None = None
        #: The stored CPR number of the person in the form while it is not revealed: the field
        #: stays empty (the number is never shown unasked) and saving keeps this number.
        self._kept_cpr: str | None = None

        self.model = PartyTableModel(self._reads, case_id, self)
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
        # The short columns as wide as their widest cell; contact details get a fair share (a
        # long address is cut with "…", whole in the tooltip) and the note takes the rest, so
        # every column is on screen without scrolling sideways.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.KONTAKT, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the note (never narrower than its title)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())

        self.remove_button = QPushButton("Fjern fra sagen", self)
        self.remove_button.setObjectName("remove")
        self.remove_button.clicked.connect(self.ask_remove)
        self.edit_button = QPushButton("Ret &valgt person", self)
        self.edit_button.setObjectName("edit")
        self.edit_button.setToolTip("Ret oplysningerne om den valgte person (eller dobbeltklik)")
        self.edit_button.clicked.connect(self.edit_selected)
        self.reveal_button = QPushButton("Vi&s CPR", self)
        self.reveal_button.setObjectName("reveal_cpr")
        self.reveal_button.setToolTip("Vis hele CPR-nummeret for den valgte person (logges)")
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.list_error = ErrorLabel(self)
        self.list_error.setObjectName("list_error")
        # The same three from the keyboard: the context-menu key (or Shift+F10) on a row, and
        # Enter to change the selected person.
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.edit_action = self._table_action("Ret personen …", self.edit_selected)
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)  # contact details fit the width
        self.reveal_action = self._table_action("Vis CPR (logges)", self.reveal_selected)
        self.remove_action = self._table_action("Fjern fra sagen …", self.ask_remove)

        heading = QLabel("Personer i sagen", self)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.list_error, 1)
        list_buttons.addStretch(0)
        for button in (self.reveal_button, self.edit_button, self.remove_button):
            list_buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)

        self.form = form = PersonForm(self)
        self.editing_id = form.editing_id
        self.first_name, self.last_name = form.first_name, form.last_name
        self.cpr, self.cpr_hint = form.cpr, form.cpr_hint
        self.birth_date, self.birth_unknown = form.birth_date, form.birth_unknown
        self.unborn, self.expected_date = form.unborn, form.expected_date
        self.expected_label = form.expected_label
        self.role, self.role_error = form.role, form.role_error
        self.custody, self.party_rights = form.custody, form.party_rights
        self.party_note, self.phone = form.party_note, form.phone
        self.address, self.email, self.note = form.address, form.email, form.note
        self.add_button, self.cancel_button = form.add_button, form.cancel_button
        self.error, self.warning, self.status = form.error, form.warning, form.status
        self.cpr.textChanged.connect(self._on_cpr_edited)
        self.birth_unknown.toggled.connect(self._update_form)
        self.unborn.toggled.connect(self._update_form)
        self.role.currentIndexChanged.connect(self._on_role_changed)
        self.custody.toggled.connect(self._on_custody_toggled)
        self.add_button.clicked.connect(self.save_form)
        self.cancel_button.clicked.connect(self.cancel_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(list_buttons)
        layout.addWidget(self.form)

        self._clear_form()
        self.refresh()
        self._update_form()
        # What was typed in the form comes back after a lock, a crash or a restart.
        self.drafts = DraftKeeper(
            self._sessions,
            "persons",
            case_id,
            {
                "editing": self.editing_id,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "cpr": self.cpr,
                "phone": self.phone,
                "address": self.address,
                "email": self.email,
                "note": self.note,
                "role": self.role,
                "custody": self.custody,
                "party_rights": self.party_rights,
                "party_note": self.party_note,
            },
            case_id=case_id,
            submit=vault.writer.submit if isinstance(vault, Vault) else None,
            reads=self._reads,
            parent=self,
        )
        if self.drafts.restore():
            self._resume_draft()

    # -- building -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Enter on a row changes that person (instead of pressing the form's default button).
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_contact()
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.edit_selected()
            return True
        return super().eventFilter(watched, event)

    def _table_action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.table)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.table.addAction(action)
        return action

    # -- what the user sees ---------------------------------------------------------------

    def refresh(self) -> None:
        selected = self.selected_party()
        try:
            self.model.reload()
        except FeltmappeError as err:
            self.list_error.show_error(err)
        self._fit_contact()
        if selected is not None:
            self.select_party(selected.party_id)
        self._update_buttons()

    def _fit_contact(self) -> None:
        """Contact details get what the other columns and the note's title leave (never less
        than their own title); a longer text ends in "…" and is whole in the tooltip."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()

        def title(column: Column) -> int:
            return metrics.horizontalAdvance(HEADERS[column]) + 28

        others = sum(
            header.sectionSize(c) for c in Column if c not in (Column.KONTAKT, Column.BEMAERKNING)
        )
        room = self.table.viewport().width() - others - title(Column.BEMAERKNING)
        wanted = self.table.sizeHintForColumn(Column.KONTAKT)
        self.table.setColumnWidth(Column.KONTAKT, max(title(Column.KONTAKT), min(wanted, room)))
        fit_header(header)

    def on_changes(self, changes: ChangeSet) -> None:
        """Persons or parties changed (here, in the overview, from a sync): the table follows,
        keeping the selection; the form and what is typed in it stay."""
        if changes.touches_case(self.case_id) and changes.touches("case_party", "person"):
            self.refresh()

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
        selected = self.selected_party()
        self.remove_button.setEnabled(selected is not None)
        self.edit_button.setEnabled(selected is not None)
        self.reveal_button.setEnabled(
            selected is not None
            and bool(selected.cpr)
            and selected.person_id not in self.model.revealed
        )

    def _update_form(self) -> None:
        unborn = self.unborn.isChecked()
        has_cpr = bool(self.cpr.text().strip() or self._kept_cpr)
        # A CPR number gives the birth date; an unborn child has none.
        self.birth_unknown.setEnabled(not unborn and not has_cpr)
        self.birth_date.setEnabled(
            not unborn and not has_cpr and not self.birth_unknown.isChecked()
        )
        self.expected_label.setEnabled(unborn)
        self.expected_date.setEnabled(unborn)

    def _on_role_changed(self) -> None:
        self.role_error.clear_error()
        role = self.role.currentData()
        if self.editing is None and role:
            # A new party's rights follow the law's default until the caseworker says otherwise.
            self.party_rights.setChecked(
                services.default_party_rights(role, has_custody=self.custody.isChecked())
            )

    def _on_custody_toggled(self, on: bool) -> None:
        if on:  # a custody holder is always a party
            self.party_rights.setChecked(True)

    def _on_cpr_edited(self, text: str) -> None:
        if not text.strip() and self._kept_cpr:
            # What the kept number says (birth, sex), never the number itself.
            hint, _ = cpr_feedback(self._kept_cpr)
            self.cpr_hint.setText(f"{hint} · {CPR_KEPT_HINT}" if hint else CPR_KEPT_HINT)
            self.cpr_hint.setStyleSheet("")
            self.cpr_hint.show()
            self._update_form()
            return
        hint, ok = cpr_feedback(text)
        self.cpr_hint.setText(hint)
        self.cpr_hint.setStyleSheet("" if ok else "color: #a30014;")
        self.cpr_hint.setVisible(bool(hint))  # (no empty row under the number)
        self._update_form()

    def _clear_form(self) -> None:
        for edit in (
            self.first_name,
            self.last_name,
            self.cpr,
            self.phone,
            self.address,
            self.email,
            self.note,
            self.party_note,
            self.editing_id,
        ):
            edit.clear()
        self.birth_unknown.setChecked(True)
        self.birth_date.setDate(QDate.currentDate().addYears(-30))  # nobody's date
        self.unborn.setChecked(False)
        self.custody.setChecked(False)
        self.party_rights.setChecked(False)
        self.role.setItemText(0, CHOOSE_ROLE)
        self.role.setCurrentIndex(0)  # "Vælg rolle …"
        self.role_error.clear_error()
        self._keep_cpr(None)
        self._set_mode(None)

    def _keep_cpr(self, number: str | None) -> None:
        """Keep ``number`` (unrevealed) behind an empty CPR field, or stop keeping one."""
        self._kept_cpr = number or None
        self.cpr.setPlaceholderText(
            CPR_KEPT.format(masked=mask(number)) if number else CPR_PLACEHOLDER
        )
        self._on_cpr_edited(self.cpr.text())

    def _set_mode(self, row: PartyRow | None) -> None:
        self.editing = row
        self.editing_id.setText(row.party_id if row else "")
        form = getattr(self, "form", None)  # (the form is being built on the first call)
        if form is not None:
            form.setTitle(EDIT_TITLE.format(name=row.name) if row else ADD_TITLE)
        self.add_button.setText("Gem ændringer" if row else "Tilføj")
        self.cancel_button.setVisible(row is not None)
        # The case's child keeps its role.
        self.role.setEnabled(not (row and row.is_case_child))

    # -- editing --------------------------------------------------------------------------

    def edit_selected(self) -> bool:
        """Put the selected person in the form to change any of their fields."""
        row = self.selected_party()
        if row is None:
            self.list_error.show_text(NOTHING_SELECTED)
            return False
        self.list_error.clear_error()
        self._load_form(row)
        self.first_name.setFocus()
        return True

    def _load_form(self, row: PartyRow) -> None:
        quiet = self.drafts.quiet() if hasattr(self, "drafts") else nullcontext()
        with quiet:
            self.first_name.setText(row.first_name)
            self.last_name.setText(row.last_name)
            # The full number only when this person's CPR is revealed (and that was logged).
            revealed = row.person_id in self.model.revealed
            self.cpr.setText((row.cpr or "") if revealed else "")
            self._keep_cpr(None if revealed else row.cpr)
            self.unborn.setChecked(row.unborn)
            if row.expected_date:
                d = row.expected_date
                self.expected_date.setDate(QDate(d.year, d.month, d.day))
            self.birth_unknown.setChecked(row.birth_date is None)
            if row.birth_date:  # (with a CPR number, the date it gives, greyed)
                b = row.birth_date
                self.birth_date.setDate(QDate(b.year, b.month, b.day))
            self.phone.setText(row.phone)
            self.address.setText(row.address)
            self.email.setText(row.email)
            self.note.setText(row.note)
            self.party_note.setText(row.party_note)
            role = PartyRole.FORAELDER if row.role == PartyRole.FORAELDREMYNDIGHED else row.role
            index = self.role.findData(role)
            if row.is_case_child:
                self.role.setItemText(0, PARTY_ROLE_LABELS[PartyRole.BARN])
                index = 0
            self.role.setCurrentIndex(max(index, 0))
            self.custody.setChecked(row.has_custody)
            self.party_rights.setChecked(row.party_rights)
            self.role_error.clear_error()
        self._set_mode(row)
        self._update_form()

    def cancel_edit(self) -> None:
        self._clear_form()
        self.error.clear_error()
        self.drafts.discard()
        self.status.clear()

    def _resume_draft(self) -> None:
        """A restored draft of an edit: back in edit mode for that party, if it still exists."""
        party_id = self.editing_id.text()
        if not party_id:
            return
        for r in range(self.model.rowCount()):
            row = self.model.party_row(r)
            if row.party_id == party_id:
                self._set_mode(row)
                if row.is_case_child:
                    self.role.setItemText(0, PARTY_ROLE_LABELS[PartyRole.BARN])
                if row.cpr and not self.cpr.text().strip():
                    self._keep_cpr(row.cpr)
                self.select_party(party_id)
                return
        self.editing_id.clear()

    def reveal_selected(self) -> bool:
        """Show the selected person's full CPR number; the reveal is logged (on the writer,
        the number is shown when the log entry is written)."""
        row = self.selected_party()
        if row is None or not row.cpr:
            return False
        case_id, person_id = self.case_id, row.person_id

        def shown(_: object) -> None:
            self.model.revealed.add(person_id)
            if self.editing is not None and self.editing.person_id == person_id:
                if self._kept_cpr and not self.cpr.text().strip():
                    self.cpr.setText(self._kept_cpr)
                self._keep_cpr(None)
            self.refresh()

        self._writes.run(
            lambda session: services.reveal_cpr(session, case_id, person_id),
            shown,
            self.list_error.show_error,
            busy=[self.reveal_button],
        )
        return True

    def save_form(self) -> bool:
        return self.save_person() if self.editing is not None else self.add_person()

    def save_person(self) -> bool:
        """Save every field of the person in the form and their role in this case."""
        row = self.editing
        assert row is not None
        self.error.clear_error()
        self.warning.hide()
        self.status.clear()
        role = self._chosen_role(row)
        if role is None:
            return False
        unborn = self.unborn.isChecked()
        cpr = self.cpr.text().strip() or self._kept_cpr
        birth = None
        if not unborn and not cpr and not self.birth_unknown.isChecked():
            birth = to_date(self.birth_date.date())
        values: dict[str, Any] = dict(
            role=role,
            has_custody=self.custody.isChecked(),
            party_rights=self.party_rights.isChecked(),
            party_note=self.party_note.text(),
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            cpr=cpr,
            birth_date=birth,
            unborn=unborn,
            expected_date=to_date(self.expected_date.date()) if unborn else None,
            phone=self.phone.text(),
            address=self.address.text(),
            email=self.email.text(),
            note=self.note.text(),
        )
        case_id, party_id = self.case_id, row.party_id

        def write(session: Session) -> tuple[str, list[Any]]:
            _, person, warnings = services.edit_case_party(session, case_id, party_id, **values)
            return person.full_name, warnings

        def saved(result: tuple[str, list[Any]]) -> None:
            name, warnings = result
            self.drafts.discard()
            self._clear_form()
            self.refresh()
            self.select_party(party_id)
            self.status.setText(f"Oplysningerne om {name} er gemt.")
            self._show_warnings(warnings)
            self.changed.emit(party_id)

        self._writes.run(
            write, saved, lambda err: self._show_refusal(err, NOT_SAVED), busy=[self.add_button]
        )
        return True

    def _show_warnings(self, warnings: list[Any]) -> None:
        if warnings:
            self.warning.setText("\n".join(warning_text(w) for w in warnings))
            self.warning.show()

    def _chosen_role(self, row: PartyRow | None) -> PartyRole | None:
        if row is not None and row.is_case_child:
            return PartyRole.BARN
        try:
            return services.party_role(self.role.currentData())
        except ValidationError as err:
            self.role_error.show_error(err)  # next to the field
            self.error.show_text(NOT_SAVED_ROLE if row else NOT_ADDED_ROLE)
            self.role.setFocus()
            return None

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
            birth = to_date(self.birth_date.date())
        if not self.role.currentData():
            # The fields above the role are checked first, in the order of the form.
            try:
                services.person_values(
                    self.first_name.text(), self.last_name.text(), cpr, birth, unborn, None
                )
            except FeltmappeError as err:
                self._show_refusal(err)
                return False
        role = self._chosen_role(None)
        if role is None:
            return False
        person_values: dict[str, Any] = dict(
            cpr=cpr,
            birth_date=birth,
            unborn=unborn,
            expected_date=to_date(self.expected_date.date()) if unborn else None,
            phone=self.phone.text().strip(),
            address=self.address.text().strip(),
            email=self.email.text().strip(),
            note=self.note.text().strip(),
        )
        first, last = self.first_name.text(), self.last_name.text()
        custody, rights = self.custody.isChecked(), self.party_rights.isChecked()
        party_note, case_id = self.party_note.text(), self.case_id

        def write(session: Session) -> tuple[str, str, list[Any]]:
            case = services.get(session, Case, case_id)
            person, warnings = services.create_person(session, first, last, **person_values)
            party = services.add_party(
                session,
                case,
                person,
                role,
                has_custody=custody,
                party_rights=rights,
                note=party_note,
            )
            return party.id, person.full_name, warnings

        def added(result: tuple[str, str, list[Any]]) -> None:
            party_id, name, warnings = result
            self.drafts.discard()
            self._clear_form()
            self.refresh()
            self.select_party(party_id)
            self.status.setText(f"{name} er tilføjet til sagen som {PARTY_ROLE_LABELS[role]}.")
            self._show_warnings(warnings)
            self.changed.emit(party_id)
            self.first_name.setFocus()

        self._writes.run(write, added, self._show_refusal, busy=[self.add_button])
        return True

    def _show_refusal(self, err: FeltmappeError, prefix: str = NOT_ADDED) -> None:
        field = str(err.params.get("field", ""))
        if err.params.get("table") == "case_party" and field == "note":
            field = "party_note"  # the party's note is "Om rollen" in the form
        if err.code in _FIELD_CODES and field in _NAMED_FIELDS:
            label = FIELD_LABELS.get(field, PARTY_NOTE_LABEL)
            prefix += f"{label[:1].upper()}{label[1:]}: "
            log_refusal(err)
            # The field is named in words; the table and column the tracker adds are not said.
            self.error.show_text(prefix + error_text(ValidationError(err.code, field=field)))
        else:
            self.error.show_error(err, prefix=prefix)
        target = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "cpr": self.cpr,
            "birth_date": self.birth_date if self.birth_date.isEnabled() else self.cpr,
            "unborn": self.unborn,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "note": self.note,
            "party_note": self.party_note,
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
        party_id = row.party_id
        self._confirm = ask_to_confirm(
            self,
            "Fjern fra sagen",
            confirm_remove_text(row),
            "Fjern fra sagen",
            name="confirm_remove",
            on_answer=lambda yes: self._on_confirmed(yes, party_id),
        )

    def _on_confirmed(self, yes: bool, party_id: str) -> None:
        self._confirm = None
        if yes:
            self.remove_party(party_id)

    def remove_party(self, party_id: str) -> bool:
        """Tombstone a party of this case (no question asked; ``ask_remove`` asks). The person
        stays: they may be a party in other cases."""
        self.list_error.clear_error()
        if self.model.is_case_child(party_id):
            self.list_error.show_text(CHILD_NOT_REMOVABLE)
            return False
        case_id = self.case_id

        def write(session: Session) -> None:
            party = services.get(session, CaseParty, party_id)
            case = services.get(session, Case, case_id)
            if party.case_id != case_id:
                raise NotFound(table="case_party", row_id=party_id)
            if party.person_id == case.child_id:
                raise ValidationError("party.case_child", field="role")
            services.soft_delete(session, party)

        def removed(_: None) -> None:
            self.refresh()
            self.changed.emit(party_id)

        def refused(err: FeltmappeError) -> None:
            if err.code == "party.case_child":
                self.list_error.show_text(CHILD_NOT_REMOVABLE)
                return
            log_refusal(err)
            self.list_error.show_text(NOT_REMOVED + error_text(err))

        self._writes.run(write, removed, refused, busy=[self.remove_button])
        return True


def confirm_remove_text(row: PartyRow) -> str:
    return (
        f"Fjern {row.name or 'personen'} ({row.role_text}) fra sagen? Personen fjernes kun "
        "fra denne sag."
    )
