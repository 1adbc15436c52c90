"""The case list (sagsliste): every case in the vault, searchable by name, CPR number or case
number. Opening a case is left to whoever listens to ``case_activated`` (it is what gets
logged); the list itself shows no more than the case register."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models import services
from models.cpr import mask
from models.errors import NotFound
from models.schema import User
from models.services import CaseRow
from models.vault import Vault
from models.vocabulary import STAGE_LABELS, CaseStage

ModelIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    BARN = 0
    ALDER = 1
    SAGSNUMMER = 2
    CPR = 3
    FASE = 4
    RAADGIVER = 5
    OPRETTET = 6


HEADERS: dict[Column, str] = {
    Column.BARN: "Barn",
    Column.ALDER: "Alder",
    Column.SAGSNUMMER: "Sagsnummer",
    Column.CPR: "CPR",
    Column.FASE: "Fase",
    Column.RAADGIVER: "Rådgiver",
    Column.OPRETTET: "Oprettet",
}

#: The value a column sorts by (numbers for numbers, Danish-ordered keys for text).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The ``CaseRow`` behind a row.
CASE_ROLE = Qt.ItemDataRole.UserRole + 2

_STAGE_ORDER = {stage: i for i, stage in enumerate(CaseStage)}
# Æ, Ø and Å come after Z in Danish; "{|}" are the three code points after "z".
_DANISH_LETTERS = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|"})


def danish_sort_key(text: str) -> str:
    """A key that sorts text in Danish alphabetical order, without depending on ICU/locale."""
    text = text.casefold().translate(_DANISH_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _digits(text: str) -> str:
    return "".join(c for c in text if c in "0123456789")


def row_matches(row: CaseRow, tokens: Sequence[str]) -> bool:
    """Every token (casefolded) is part of the child's name, the case number or the CPR number
    (digits compared with or without the hyphen)."""
    name = row.child_name.casefold()
    number = row.case_number.casefold()
    cpr_digits = _digits(row.cpr or "")
    for token in tokens:
        if token in name or token in number:
            continue
        digits = _digits(token)
        if digits and len(digits) == len(token.replace("-", "")) and digits in cpr_digits:
            continue
        return False
    return True


@dataclass(frozen=True)
class CaseListData:
    """What the case list shows: the rows, and display names of the users they are assigned to."""

    rows: Sequence[CaseRow] = ()
    user_names: Mapping[str, str] = field(default_factory=dict)


CaseSource = Callable[[], CaseListData]


def vault_case_source(vault: Vault) -> CaseSource:
    """Read the case list from ``vault`` through the service layer."""

    def load() -> CaseListData:
        with vault.session() as session:
            rows = services.list_cases(session)
            names: dict[str, str] = {}
            for user_id in sorted({r.assigned_to for r in rows if r.assigned_to}):
                with suppress(NotFound):
                    names[user_id] = services.get(session, User, user_id).display_name
        return CaseListData(rows, names)

    return load


class CaseTableModel(QAbstractTableModel):
    """The cases as a table; ``reload()`` reads them again from the source."""

    def __init__(self, source: CaseSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._rows: list[CaseRow] = []
        self._user_names: Mapping[str, str] = {}

    def reload(self) -> None:
        data = self._source()
        self.beginResetModel()
        self._rows = list(data.rows)
        self._user_names = dict(data.user_names)
        self.endResetModel()

    def clear(self) -> None:
        """Forget every row (on lock)."""
        self.beginResetModel()
        self._rows = []
        self._user_names = {}
        self.endResetModel()

    def case_row(self, row: int) -> CaseRow:
        return self._rows[row]

    # -- QAbstractTableModel ---------------------------------------------------------

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
        if role == CASE_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.ALDER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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

    # -- values ------------------------------------------------------------------------

    def _assignee(self, row: CaseRow) -> str:
        return self._user_names.get(row.assigned_to or "", "")

    def _display(self, row: CaseRow, column: Column) -> str:
        if column == Column.BARN:
            return row.child_name
        if column == Column.ALDER:
            return "" if row.age is None else str(row.age)
        if column == Column.SAGSNUMMER:
            return row.case_number
        if column == Column.CPR:
            return mask(row.cpr)
        if column == Column.FASE:
            return STAGE_LABELS[row.stage]
        if column == Column.RAADGIVER:
            return self._assignee(row)
        return format_date(row.opened_on)

    def _sort_value(self, row: CaseRow, column: Column) -> int | str:
        if column == Column.BARN:
            return danish_sort_key(row.child_name)
        if column == Column.ALDER:
            return -1 if row.age is None else row.age
        if column == Column.SAGSNUMMER:
            return row.case_number
        if column == Column.CPR:
            # The list shows only the birth-date part, so sort by the birth date.
            return row.birth_date.isoformat() if row.birth_date else ""
        if column == Column.FASE:
            return _STAGE_ORDER[row.stage]
        if column == Column.RAADGIVER:
            return danish_sort_key(self._assignee(row))
        return row.opened_on.isoformat()


class CaseFilterProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE`` and keeps the rows that match every word of the search text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._tokens: tuple[str, ...] = ()

    def set_query(self, text: str) -> None:
        tokens = tuple(text.casefold().split())
        if tokens == self._tokens:
            return
        self.beginFilterChange()
        self._tokens = tokens
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802
        if not self._tokens:
            return True
        row = self.sourceModel().index(source_row, 0, source_parent).data(CASE_ROLE)
        return isinstance(row, CaseRow) and row_matches(row, self._tokens)


class SearchField(QLineEdit):
    """The search box; Down moves into the results."""

    move_down = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Down:
            self.move_down.emit()
            return
        super().keyPressEvent(event)


class CaseTableView(QTableView):
    """The table; Enter opens the current case (Qt's ``activated`` can fire on a single click
    on some desktops, and every opening is logged, so it is not used)."""

    open_current = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_current.emit()
            return
        super().keyPressEvent(event)


def count_text(shown: int, total: int) -> str:
    noun = "sag" if total == 1 else "sager"
    return f"{total} {noun}" if shown == total else f"{shown} af {total} {noun}"


class CaseListWidget(QWidget):
    """Search field over the case table. Emits ``case_activated(case_id)``."""

    case_activated = Signal(str)
    count_changed = Signal(int, int)  # shown, total

    def __init__(self, source: CaseSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseTableModel(source, self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = SearchField(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Søg på navn, CPR eller sagsnummer")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Søg i sager")

        self.table = CaseTableView(self)
        self.table.setObjectName("cases")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.SAGSNUMMER, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.table.setAccessibleName("Sager")

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        self.search.textChanged.connect(self._search_changed)
        self.search.move_down.connect(self._enter_table)
        self.search.returnPressed.connect(self._open_single_match)
        self.table.doubleClicked.connect(self._open_index)
        self.table.open_current.connect(self._open_current)
        self.proxy.rowsInserted.connect(self._emit_count)
        self.proxy.rowsRemoved.connect(self._emit_count)
        self.proxy.modelReset.connect(self._emit_count)
        self.proxy.layoutChanged.connect(self._emit_count)

    # -- public ------------------------------------------------------------------------

    def reload(self) -> None:
        self.model.reload()
        self._size_columns()
        self._emit_count()

    def clear(self) -> None:
        self.search.clear()
        self.model.clear()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def current_case_id(self) -> str | None:
        index = self.table.currentIndex()
        row = index.data(CASE_ROLE) if index.isValid() else None
        return row.case_id if isinstance(row, CaseRow) else None

    # -- slots -------------------------------------------------------------------------

    def _search_changed(self, text: str) -> None:
        self.proxy.set_query(text)
        self._emit_count()

    def _enter_table(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        if not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        self.table.selectRow(self.table.currentIndex().row())
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_single_match(self) -> None:
        # Opening a case is logged; Enter in the search only opens an unambiguous match.
        if self.proxy.rowCount() == 1:
            self._open_index(self.proxy.index(0, 0))

    def _open_current(self) -> None:
        self._open_index(self.table.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        row = index.data(CASE_ROLE) if index.isValid() else None
        if isinstance(row, CaseRow):
            self.case_activated.emit(row.case_id)

    def _emit_count(self) -> None:
        self.count_changed.emit(self.proxy.rowCount(), self.model.rowCount())

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in Column:
            # Room for the sort arrow next to the header text.
            header.resizeSection(column, header.sectionSize(column) + 16)
        # The child's name takes the rest of the width: it is what the eye looks for.
        header.setSectionResizeMode(Column.BARN, QHeaderView.ResizeMode.Stretch)
