"""The case window's "Skemaer": the case's underretninger, børnefaglige undersøgelser,
børnesamtaler and hjemmebesøg as ICS forms. The list says where each form is (not started,
being filled in, finalised, or why it cannot be opened); "Åbn skema" (or Enter) opens it in a
``desktop.form_editor.FormEditor``. "Ny underretning", "Ny børnefaglig undersøgelse", "Ny
børnesamtale" and "Nyt hjemmebesøg" make the row on the writer and open its form; a party
added in "Personer" while a form is open is offered by its person fields at once.
A row whose answers are damaged or written to a form this Feltmappe does not know shows that
error for that form alone: the rest of the case opens."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.display import format_date
from desktop.form_editor import (
    DRAFT_EDITOR,
    EMPTY,
    FormEditor,
    FormLine,
    discard_if_untouched,
    load_lines,
    load_parties,
    new_form_row,
    open_form,
)
from desktop.ops import Writes
from desktop.table_model import ROW_ROLE, RowTableModel, SortingProxy, keep_selection
from desktop.widgets import ErrorLabel
from models.changes import ChangeSet
from models.drafts import drafts
from models.errors import FeltmappeError
from models.forms import FormLibrary, FormNotFound, default_library
from models.vault import Vault

log = logging.getLogger("feltmappe.forms")

#: The forms started from the tab, with their buttons. Not the statusudtalelse: a school or
#: daycare fills it in (it is printed blank), so no row of the case keeps its answers.
NEW_FORMS: tuple[tuple[str, str], ...] = (
    ("underretning", "Ny &underretning"),
    ("screening", "Ny indledende &vurdering"),
    ("undersoegelse", "Ny børnefaglig unde&rsøgelse"),
    ("boernesamtale", "Ny børne&samtale"),
    ("hjemmebesoeg", "Nyt hjemm&ebesøg"),
)
ASSESSMENT_RUNNING = "Sagen har en børnefaglig undersøgelse, der ikke er afsluttet."

# -- the list -------------------------------------------------------------------------------------


class Column(IntEnum):
    SKEMA = 0
    DATO = 1
    STATUS = 2


class FormListModel(RowTableModel[FormLine]):
    columns = Column
    headers: ClassVar[Mapping[Any, str]] = {
        Column.SKEMA: "Skema",
        Column.DATO: "Dato",
        Column.STATUS: "Status",
    }
    text_tooltips = True

    def display(self, row: FormLine, column: Column) -> str:
        if column == Column.SKEMA:
            return row.title
        if column == Column.DATO:
            return format_date(row.day) if row.day else ""
        return row.status

    def sort_value(self, row: FormLine, column: Column) -> Any:
        if column == Column.DATO:
            return row.day or date.min
        return super().sort_value(row, column)


class CaseFormsWidget(QWidget):
    """The "Skemaer" tab of a case window."""

    #: Which form row each case had open, by case id (ids only): after a lock the tab opens it
    #: again. A form with a kept draft is opened again after a crash or restart too.
    _open_rows: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        vault: Vault,
        case_id: str,
        *,
        library: FormLibrary | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self.case_id = case_id
        self.library = library or default_library()
        self._clock = clock
        self.editor: FormEditor | None = None
        #: Rows made here by "Ny …" and not yet left: left untouched, they go again.
        self._fresh: set[str] = set()

        heading = QLabel("Skemaer", self)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)
        self.model = FormListModel(self)
        self.proxy = SortingProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setObjectName("forms")
        self.view.setAccessibleName("Sagens skemaer")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(Column.DATO, Qt.SortOrder.DescendingOrder)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.activated.connect(lambda _index: self.open_selected())
        self.view.selectionModel().currentRowChanged.connect(self._selected)
        self.open_button = QPushButton("Å&bn skema", self)
        self.open_button.setObjectName("open_form")
        self.open_button.clicked.connect(self.open_selected)
        self.empty = QLabel(EMPTY, self)
        self.empty.setWordWrap(True)
        self.empty.setObjectName("empty")
        self.error = ErrorLabel(self)
        self.error.setObjectName("forms_error")
        #: Why the selected form cannot be opened (damaged answers, an unknown form).
        self.row_error = ErrorLabel(self)
        self.row_error.setObjectName("form_row_error")

        self._writes = Writes(vault, self)
        #: "Ny …" by form id (forms this Feltmappe has, kept on a row of the case).
        self.new_buttons: dict[str, QPushButton] = {}
        for form_id, text in NEW_FORMS:
            try:
                form = self.library.form(form_id)
            except FormNotFound:
                continue
            button = QPushButton(text, self)
            button.setObjectName(f"new_{form_id}")
            button.setToolTip(f"Opret et nyt skema: {form.title}")
            button.clicked.connect(lambda _checked=False, f=form_id: self.new_form(f))
            self.new_buttons[form_id] = button
        new_heading = QLabel("Nyt skema", self)
        new_heading.setFont(bold)

        self.list_page = QWidget(self)
        inner = QVBoxLayout(self.list_page)
        inner.addWidget(heading)
        table_row = QHBoxLayout()
        table_row.addWidget(self.view, 1)
        side = QVBoxLayout()
        side.addWidget(new_heading)
        for button in self.new_buttons.values():
            side.addWidget(button)
        side.addStretch(1)
        table_row.addLayout(side)
        inner.addLayout(table_row, 1)
        inner.addWidget(self.empty)
        inner.addWidget(self.row_error)
        inner.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        inner.addLayout(row)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.refresh()
        self._reopen()

    # -- the list -----------------------------------------------------------------------------

    def lines(self) -> list[FormLine]:
        return [self.proxy.index(r, 0).data(ROW_ROLE) for r in range(self.proxy.rowCount())]

    def refresh(self) -> None:
        try:
            with self._vault.reading() as session:
                lines = load_lines(session, self.case_id, self.library)
        except FeltmappeError as err:
            self.error.show_error(err, prefix="Skemaerne kan ikke vises. ")
            return
        restore = keep_selection(self.view, lambda line: line.row_id)
        self.model.set_rows(lines)
        restore()
        self.empty.setVisible(not lines)
        running = any(x.table == "assessment" and not x.finalised and not x.error for x in lines)
        assessment = self.new_buttons.get("undersoegelse")
        if assessment is not None:
            assessment.setEnabled(not running)
            assessment.setToolTip(ASSESSMENT_RUNNING if running else "Opret et nyt skema")
        self._selected()

    def current_line(self) -> FormLine | None:
        index = self.view.currentIndex()
        line = index.data(ROW_ROLE) if index.isValid() else None
        return line if isinstance(line, FormLine) else None

    def _selected(self, *_: QModelIndex) -> None:
        line = self.current_line()
        self.open_button.setEnabled(line is not None and not line.error)
        self.row_error.show_text(f"{line.title}: {line.error}" if line and line.error else "")

    def select(self, row_id: str) -> bool:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data(ROW_ROLE).row_id == row_id:
                self.view.selectRow(r)
                return True
        return False

    # -- a new form ----------------------------------------------------------------------------

    def new_form(self, form_id: str) -> bool:
        """Make a new row of the case for form ``form_id`` on the writer, then open its form."""
        form = self.library.form(form_id)
        now = self._clock() if self._clock else datetime.now(UTC)
        case_id = self.case_id
        self.error.clear_error()
        self._writes.run(
            lambda session: new_form_row(session, case_id, form, now),
            self._created,
            lambda err: self.error.show_error(err, prefix=f"{form.title} er ikke oprettet. "),
            busy=list(self.new_buttons.values()),
        )
        return True

    def _created(self, row_id: str) -> None:
        self._fresh.add(row_id)
        self.refresh()
        if self.select(row_id):
            self.open_row(row_id)

    # -- opening -------------------------------------------------------------------------------

    def open_selected(self) -> FormEditor | None:
        line = self.current_line()
        return self.open_line(line) if line is not None else None

    def open_row(self, row_id: str) -> FormEditor | None:
        line = next((x for x in self.model.rows if x.row_id == row_id), None)
        return self.open_line(line) if line is not None else None

    def open_line(self, line: FormLine) -> FormEditor | None:
        if line.error:
            self.row_error.show_text(f"{line.title}: {line.error}")
            return None
        try:
            with self._vault.reading() as session:
                opened = open_form(session, self.case_id, line, self.library)
        except FeltmappeError as err:
            self.error.show_error(err, prefix=f"{line.title} kan ikke åbnes. ")
            return None
        self.error.clear_error()
        self.close_editor()
        editor = FormEditor(
            self._vault, self.case_id, opened, library=self.library, clock=self._clock
        )
        editor.back.connect(self.show_list)
        editor.saved.connect(self.refresh)
        self.editor = editor
        self.stack.addWidget(editor)
        self.stack.setCurrentWidget(editor)
        self._open_rows[self.case_id] = line.row_id
        if self.isVisible():
            editor.view.focus_first_field()
        return editor

    def close_editor(self) -> None:
        if self.editor is not None:
            self.editor.flush()
            self.stack.removeWidget(self.editor)
            self.editor.deleteLater()
            self.editor = None

    def show_list(self) -> None:
        line = self.editor.opened.line if self.editor else None
        row_id = line.row_id if line else None
        self.close_editor()  # its last draft is written first: the writer keeps the order
        if line is not None and line.row_id in self._fresh:
            self._fresh.discard(line.row_id)
            self._writes.run(
                lambda session: discard_if_untouched(session, line.table, line.row_id),
                lambda gone: self.refresh() if gone else None,
                lambda err: log.warning("new form row not checked: %s", err.code),
            )
        self._open_rows.pop(self.case_id, None)
        self.stack.setCurrentWidget(self.list_page)
        self.refresh()
        if row_id is not None:
            self.select(row_id)
        self.view.setFocus()

    def leave(self) -> None:
        """The case window is closed by the user (not by a lock): a row "Ny …" made here and
        left untouched goes again, as on "Alle skemaer" (the editor's last draft first)."""
        line = self.editor.opened.line if self.editor else None
        if self.editor is None or line is None or line.row_id not in self._fresh:
            return
        self.editor.flush()
        self._fresh.discard(line.row_id)
        table, row_id = line.table, line.row_id
        self._writes.run(
            lambda session: discard_if_untouched(session, table, row_id),
            lambda _gone: None,  # the window is going: nothing to show
            lambda err: log.warning("new form row not checked: %s", err.code),
        )

    def _reopen(self) -> None:
        """Back where the user was: the form open before a lock, else the newest form with a
        kept draft (after a crash or a restart)."""
        row_id = self._open_rows.get(self.case_id)
        if row_id is None:
            try:
                with self._vault.reading() as session:
                    kept = [d for d in drafts(session, self.case_id) if d.editor == DRAFT_EDITOR]
            except FeltmappeError as err:
                log.warning("form drafts not read: %s", err.code)
                kept = []
            ids = {line.row_id for line in self.model.rows}
            row_id = next(
                (d.key.split(":", 1)[1] for d in kept if d.key.split(":", 1)[1] in ids), None
            )
        if row_id is not None and self.select(row_id):
            self.open_row(row_id)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self.editor is None and self.current_line() is None and self.proxy.rowCount():
            self.view.selectRow(0)

    def on_changes(self, changes: ChangeSet) -> None:
        """A change to the case (a save here, a sync): the list reads its statuses again; what
        is typed in an open form stays."""
        if not changes.touches_case(self.case_id):
            return
        if changes.touches("notification", "assessment", "meeting"):
            self.refresh()
        if self.editor is not None and changes.touches("case_party", "person"):
            self._parties_changed(self.editor)

    def _parties_changed(self, editor: FormEditor) -> None:
        """A party added, changed or removed while a form is open: its person fields offer
        the parties as they are now."""
        try:
            with self._vault.reading() as session:
                parties = load_parties(session, self.case_id)
        except FeltmappeError as err:
            log.warning("form parties not read: %s", err.code)
            return
        editor.set_parties(parties)
