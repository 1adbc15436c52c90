"""The case list (sagsliste): every case in the vault, searchable by name, CPR number or case
number, with each case's most urgent open deadline from the deadline engine. Opening a case is
left to whoever listens to ``case_activated`` (it is what gets logged); the list itself shows no
more than the case register."""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import shiboken6
from PySide6.QtCore import (
    SIGNAL,
    SLOT,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from desktop.case_deadlines import (
    Cancelled,
    DeadlineSource,
    vault_deadline_source,  # noqa: F401 (its old home)
)
from desktop.case_filter import URGENT, CaseFilterProxy, SearchKey, search_key  # noqa: F401
from desktop.display import (
    danish_sort_key,
    deadline_background,
    deadline_font,
    deadline_foreground,
    deadline_sort_key,
    deadline_text,
    deadline_tooltip,
    format_date,
    next_deadline,
)
from desktop.table_model import ROW_ROLE, SORT_ROLE, ModelIndex, RowTableModel
from models import services
from models.changes import ChangeSet
from models.cpr import mask
from models.deadlines.service import DEADLINE_TABLES
from models.deadlines.types import Deadline
from models.errors import NotFound
from models.schema import User
from models.services import CaseRow
from models.vault import Vault
from models.vocabulary import STAGE_LABELS, CaseStage

log = logging.getLogger("feltmappe.caselist")

#: A list not yet on screen starts reading its deadlines at its first paint, or after this long.
DEADLINES_AT_LATEST_MS = 300
#: Room beside a header's title for the sort arrow.
SORT_ARROW_ROOM = 16
#: Tables whose rows the case list shows (deadline changes are seen through the other tables).
LIST_TABLES = ("case", "person", "user", "case_party")


class Column(IntEnum):
    BARN = 0
    ALDER = 1
    SAGSNUMMER = 2
    CPR = 3
    FASE = 4
    FRIST = 5
    RAADGIVER = 6
    OPRETTET = 7


HEADERS: dict[Column, str] = {
    Column.BARN: "Barn/ung",
    Column.ALDER: "Alder",
    Column.SAGSNUMMER: "Sagsnummer",
    Column.CPR: "CPR",
    Column.FASE: "Fase",
    Column.FRIST: "Næste frist",
    Column.RAADGIVER: "Rådgiver",
    Column.OPRETTET: "Oprettet",
}

#: The ``CaseRow`` behind a row (``SORT_ROLE`` gives the value a cell sorts by).
CASE_ROLE = ROW_ROLE

# For ``CaseTableModel.data``, which Qt calls thousands of times a second: plain ints.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_R = Qt.ItemDataRole
_DEADLINE_ROLES = frozenset(
    map(int, (_R.ForegroundRole, _R.BackgroundRole, _R.FontRole, _R.ToolTipRole))
)
_COLUMNS, _ALDER, _FRIST = len(Column), int(Column.ALDER), int(Column.FRIST)

_STAGE_ORDER = {stage: i for i, stage in enumerate(CaseStage)}


@dataclass(frozen=True)
class CaseListData:
    """What the case list shows: the rows, and display names of the users they are assigned to."""

    rows: Sequence[CaseRow] = ()
    user_names: Mapping[str, str] = field(default_factory=dict)
    #: The user id of the vault's own user (the "Mine sager" filter), if known.
    me: str | None = None


CaseSource = Callable[[], CaseListData]


def vault_case_source(vault: Vault) -> CaseSource:
    """Read the case list from ``vault`` through the service layer."""

    def load() -> CaseListData:
        with vault.reading() as session:
            rows = services.list_cases(session)
            names: dict[str, str] = {}
            for user_id in sorted({r.assigned_to for r in rows if r.assigned_to}):
                with suppress(NotFound):
                    names[user_id] = services.get(session, User, user_id).display_name
            me = session.scalar(select(User.id).where(User.username == vault.user))
        return CaseListData(rows, names, me)

    return load


def _next_by_case(by_case: Mapping[str, Sequence[Deadline]]) -> dict[str, Deadline]:
    out: dict[str, Deadline] = {}
    for case_id, items in by_case.items():
        first = next_deadline(items)
        if first is not None:
            out[case_id] = first
    return out


class CaseTableModel(RowTableModel[CaseRow]):
    """The cases as a table; ``reload()`` reads them again from the sources. Without a
    deadline source the "Næste frist" column stays empty."""

    columns = Column
    headers = HEADERS
    cell_roles = frozenset(
        {
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.ToolTipRole,
        }
    )

    def __init__(
        self,
        source: CaseSource,
        parent: QWidget | None = None,
        *,
        deadlines: DeadlineSource | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._deadline_source = deadlines
        self._user_names: Mapping[str, str] = {}
        self._next: dict[str, Deadline] = {}
        self._sort_spec: tuple[int, Qt.SortOrder] | None = None
        self._keys: list[SearchKey] = []
        #: Each row's cell texts, made when the row is first painted (the deadline's text is
        #: not kept: it changes when the deadlines arrive).
        self._texts: list[tuple[str, ...] | None] = []
        self.me: str | None = None
        #: Goes up whenever the rows, their order or their deadlines change.
        self.version = 0

    def reload(self, *, with_deadlines: bool = True) -> None:
        """Read the cases again; with ``with_deadlines`` False the "Næste frist" column keeps
        what it had until ``set_deadlines`` brings fresh ones (loaded in the background)."""
        data = self._source()
        upcoming = self._next
        if with_deadlines:
            by_case = self._deadline_source() if self._deadline_source is not None else {}
            upcoming = _next_by_case(by_case)
        self._user_names = dict(data.user_names)
        self._next = dict(upcoming)
        self.me = data.me
        rows = list(data.rows)
        if self._sort_spec is not None:
            # Sorted before the reset, so views see the new rows once, in their order.
            rows = [rows[i] for i in self._order(rows, *self._sort_spec)]
        self.set_rows(rows)

    def clear(self) -> None:
        """Forget every row (on lock)."""
        self._user_names = {}
        self._next = {}
        super().clear()

    def _rows_set(self) -> None:
        self._keys = [search_key(r) for r in self._rows]
        self._texts = [None] * len(self._rows)
        self.version += 1

    def _order(self, rows: Sequence[CaseRow], column: int, order: Qt.SortOrder) -> list[int]:
        """The positions of ``rows`` in the given order (ties by case number)."""
        if not 0 <= column < len(Column):
            return list(range(len(rows)))
        col = Column(column)
        keys = [(self.sort_value(r, col), r.case_number) for r in rows]
        return sorted(
            range(len(rows)),
            key=keys.__getitem__,
            reverse=order == Qt.SortOrder.DescendingOrder,
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorts the rows themselves with Python's sort on precomputed keys. The proxy leaves its
        own (comparison-per-call) sorting off, so a filter change never re-sorts 5,000 rows."""
        self._sort_spec = (column, order)
        if not 0 <= column < len(Column):
            return
        self.layoutAboutToBeChanged.emit()
        old_ids = [r.case_id for r in self._rows]
        positions = self._order(self._rows, column, order)
        self._rows = [self._rows[i] for i in positions]
        self._keys = [self._keys[i] for i in positions]
        self._texts = [self._texts[i] for i in positions]
        self.version += 1
        new_pos = {r.case_id: i for i, r in enumerate(self._rows)}
        old_indexes = self.persistentIndexList()
        new_indexes = [
            self.index(new_pos[old_ids[i.row()]], i.column()) if i.isValid() else i
            for i in old_indexes
        ]
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()

    @property
    def deadline_source(self) -> DeadlineSource | None:
        return self._deadline_source

    def set_deadlines(self, by_case: Mapping[str, Sequence[Deadline]]) -> None:
        """Fill the "Næste frist" column (from a background load) without a reset."""
        self._next = _next_by_case(by_case)
        self.version += 1
        if self._rows:
            top = self.index(0, Column.FRIST)
            bottom = self.index(len(self._rows) - 1, Column.FRIST)
            self.dataChanged.emit(top, bottom)
        if self._sort_spec is not None and self._sort_spec[0] == Column.FRIST:
            self.sort(*self._sort_spec)

    def next_deadline(self, row: int) -> Deadline | None:
        return self._next.get(self._rows[row].case_id)

    def case_row(self, row: int) -> CaseRow:
        return self._rows[row]

    @property
    def search_keys(self) -> Sequence[SearchKey]:
        """What the search compares (``search_key``) for every row, in row order."""
        return self._keys

    def widest_texts(self, column: Column, count: int = 6, sample: int = 2000) -> list[str]:
        """The longest texts (by characters) the column shows, from at most ``sample`` rows
        spread over the list: what its width is measured from. Dates and masked CPR numbers
        have one length: a few dozen rows tell their width."""
        if column in (Column.OPRETTET, Column.CPR):
            sample = min(sample, 40)
        step = max(1, len(self._rows) // sample)
        texts = {self.display(r, column) for r in self._rows[::step]}
        return heapq.nlargest(count, texts, key=len)

    # -- RowTableModel -----------------------------------------------------------------

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        return self.cell(index.row(), index.column(), role)

    def cell(self, r: int, c: int, role: int) -> Any:
        """What cell (r, c) gives for ``role``: Qt asks seven roles of every visible cell at each
        paint (and after each keystroke), so texts come from the row's cache and each role goes
        straight to the one column that answers it (the filter proxy asks here directly)."""
        if not (0 <= r < len(self._rows) and 0 <= c < _COLUMNS):
            return None  # (an invalid index has row -1)
        if role == _DISPLAY:
            if c == _FRIST:
                deadline = self._next.get(self._rows[r].case_id)
                return "" if deadline is None else deadline_text(deadline)
            texts = self._texts[r]
            if texts is None:
                row = self._rows[r]
                texts = tuple("" if col == _FRIST else self.display(row, col) for col in Column)
                self._texts[r] = texts
            return texts[c]
        if role == _ALIGNMENT:
            return _RIGHT if c == _ALDER else None
        if role in _DEADLINE_ROLES:
            if c != _FRIST:
                return None
            return self._deadline_data(self._next.get(self._rows[r].case_id), role)
        if role == SORT_ROLE:
            return self.sort_value(self._rows[r], Column(c))
        if role == ROW_ROLE:
            return self._rows[r]
        return None

    def cell_data(self, row: CaseRow, column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.ALDER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == Column.FRIST:
            return self._deadline_data(self._next.get(row.case_id), role)
        return None

    def _deadline_data(self, deadline: Deadline | None, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            return deadline_foreground(deadline)
        if role == Qt.ItemDataRole.BackgroundRole:
            return deadline_background(deadline)
        if role == Qt.ItemDataRole.FontRole:
            return deadline_font(deadline)
        if role == Qt.ItemDataRole.ToolTipRole and deadline is not None:
            return deadline_tooltip(deadline)
        return None

    def _assignee(self, row: CaseRow) -> str:
        return self._user_names.get(row.assigned_to or "", "")

    def display(self, row: CaseRow, column: Column) -> str:
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
        if column == Column.FRIST:
            deadline = self._next.get(row.case_id)
            return "" if deadline is None else deadline_text(deadline)
        if column == Column.RAADGIVER:
            return self._assignee(row)
        return format_date(row.opened_on)

    def sort_value(self, row: CaseRow, column: Column) -> int | str:
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
        if column == Column.FRIST:
            return deadline_sort_key(self._next.get(row.case_id))
        if column == Column.RAADGIVER:
            return danish_sort_key(self._assignee(row))
        return row.opened_on.isoformat()


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
    deadlines_loaded = Signal()
    #: A deadline load ended, loaded or not (the next background work may start).
    deadlines_settled = Signal()

    def __init__(
        self,
        source: CaseSource,
        parent: QWidget | None = None,
        *,
        deadlines: DeadlineSource | None = None,
        background: bool = False,
    ) -> None:
        super().__init__(parent)
        self._background = background
        self._generation = 0
        self._sized = False
        # The first deadline load waits for the list's first paint (see ``reload``).
        self._deadlines_waiting = False
        self._deadlines_timer = QTimer(self)
        self._deadlines_timer.setSingleShot(True)
        self._deadlines_timer.timeout.connect(self._start_waiting_deadlines)
        self.model = CaseTableModel(source, self, deadlines=deadlines)
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

        self.mine = QCheckBox("&Mine sager", self)
        self.mine.setObjectName("filter_mine")
        self.mine.setToolTip("Kun sager, hvor du er rådgiver")
        self.stage = QComboBox(self)
        self.stage.setObjectName("filter_stage")
        self.stage.setAccessibleName("Fase")
        self.stage.addItem("Alle faser", None)
        for stage in CaseStage:
            self.stage.addItem(STAGE_LABELS[stage], stage)
        stage_label = QLabel("F&ase:", self)
        stage_label.setBuddy(self.stage)
        self.urgent = QCheckBox("&Overskredet eller snart", self)
        self.urgent.setObjectName("filter_urgent")
        self.urgent.setToolTip("Kun sager, hvis næste frist er overskredet eller snart udløber")
        filters = QHBoxLayout()
        filters.addWidget(self.mine)
        filters.addSpacing(12)
        filters.addWidget(stage_label)
        filters.addWidget(self.stage)
        filters.addSpacing(12)
        filters.addWidget(self.urgent)
        filters.addStretch(1)
        for control in (self.mine, self.urgent):
            control.toggled.connect(self._filters_changed)
        self.stage.currentIndexChanged.connect(self._filters_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        self.search.textChanged.connect(self._search_changed)
        self.search.move_down.connect(self._enter_table)
        self.search.returnPressed.connect(self._open_single_match)
        self.table.doubleClicked.connect(self._open_index)
        self.table.open_current.connect(self._open_current)
        # A filter change inserts and removes rows in many ranges: the count is said once,
        # when the event loop is next free (the search and the filters say it at once).
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(0)
        self._count_timer.timeout.connect(self._emit_count)
        # Straight to the timer's C++ slot: a filter change can remove hundreds of ranges, and
        # a Python slot per range cost a few milliseconds a keystroke.
        for signal in ("rowsInserted(QModelIndex,int,int)", "rowsRemoved(QModelIndex,int,int)"):
            QObject.connect(self.proxy, SIGNAL(signal), self._count_timer, SLOT("start()"))
        self.proxy.modelReset.connect(self._emit_count)
        self.proxy.layoutChanged.connect(self._emit_count)

    # -- public ------------------------------------------------------------------------

    def on_changes(self, changes: ChangeSet) -> None:
        """Cases, children, assignments or anything a deadline depends on changed: read the
        list again, keeping the selected case, the scroll position, the search and filters."""
        if not changes.touches(*LIST_TABLES, *DEADLINE_TABLES):
            return
        current = self.current_case_id()
        scroll = self.table.verticalScrollBar().value()
        self.reload()
        if current is not None:
            self.select_case(current)
        self.table.verticalScrollBar().setValue(scroll)

    def select_case(self, case_id: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            found = index.data(CASE_ROLE)
            if isinstance(found, CaseRow) and found.case_id == case_id:
                self.table.setCurrentIndex(index)
                self.table.selectRow(row)
                return True
        return False

    def reload(self) -> None:
        if self._background and self.model.deadline_source is not None:
            # The list is shown at once; the deadlines follow from the thread pool.
            self.model.reload(with_deadlines=False)
            if self.isVisible():
                self._load_deadlines()
            else:
                # Not on screen yet (the main window is being built): the deadlines are read
                # once the rows are painted, so their work does not slow the first paint.
                self._deadlines_waiting = True
                self.table.viewport().installEventFilter(self)
                self._deadlines_timer.start(DEADLINES_AT_LATEST_MS)
        else:
            self.model.reload()
        if not self._sized and self.model.rowCount():
            # Once: after that the widths are the user's (a change elsewhere keeps them).
            self._size_columns()
            self._sized = True
        self._emit_count()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._deadlines_waiting and event.type() == QEvent.Type.Paint:
            # After this paint, when the event loop is next free.
            self._deadlines_timer.start(0)
        return super().eventFilter(watched, event)

    def _start_waiting_deadlines(self) -> None:
        if not self._deadlines_waiting:
            return
        self._deadlines_waiting = False
        self._deadlines_timer.stop()
        self.table.viewport().removeEventFilter(self)
        self._load_deadlines()

    def _load_deadlines(self) -> None:
        from desktop.tasks import run_in_background

        source = self.model.deadline_source
        assert source is not None
        self._generation += 1
        generation = self._generation

        def done(by_case: Any) -> None:
            if generation == self._generation and shiboken6.isValid(self.model):
                self.model.set_deadlines(by_case)
                self.deadlines_loaded.emit()
                self.deadlines_settled.emit()

        def failed(exc: BaseException) -> None:
            # Locked meanwhile, or a bad settings file: the column stays empty; the case
            # view shows the reason. Logged by type only.
            if isinstance(exc, Cancelled):
                return  # the vault is closing
            log.warning("deadlines not loaded: %s", type(exc).__name__)
            if generation == self._generation and shiboken6.isValid(self):
                self.deadlines_settled.emit()

        run_in_background(source, done, failed)

    def clear(self) -> None:
        self._generation += 1  # a background load still running is dropped
        self._deadlines_waiting = False
        self._deadlines_timer.stop()
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

    def _filters_changed(self, *_: object) -> None:
        stage = self.stage.currentData()  # (a StrEnum comes back from Qt as its text)
        self.proxy.set_filters(
            mine=self.mine.isChecked(),
            stage=CaseStage(stage) if stage else None,
            urgent=self.urgent.isChecked(),
        )
        self._emit_count()

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
        self._count_timer.stop()
        self.count_changed.emit(self.proxy.rowCount(), self.model.rowCount())

    def _size_columns(self) -> None:
        """Each column as wide as its widest text (or its title and the sort arrow). Measured
        here from each column's longest texts: Qt's ``resizeColumnsToContents`` lays out every
        cell of a sample through the delegate, most of the time it took to show the list."""
        header = self.table.horizontalHeader()
        metrics = QFontMetrics(self.table.font())
        style = self.table.style()
        # As Qt's item delegate: the focus frame's margin and one pixel on each side, and the grid.
        margin = 2 * (
            style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 1
        )
        margin += 1 if self.table.showGrid() else 0
        for column in Column:
            if column == Column.FRIST:
                continue  # stretched (below)
            content = max(
                (metrics.horizontalAdvance(t) for t in self.model.widest_texts(column)), default=0
            )
            width = max(content + margin, header.sectionSizeHint(column))
            header.resizeSection(column, width + SORT_ARROW_ROOM)
        # The child's name keeps its full width (it is what the eye looks for); the next
        # deadline takes the rest and elides a long title, which its tooltip shows in full.
        header.setSectionResizeMode(Column.FRIST, QHeaderView.ResizeMode.Stretch)
