"""The case list (sagsliste): every case in the vault, searchable by name, CPR number or case
number, with each case's most urgent open deadline from the deadline engine. Opening a case is
left to whoever listens to ``case_activated`` (it is what gets logged); the list itself shows no
more than the case register."""

from __future__ import annotations

import logging
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

from desktop.case_deadlines import (
    Cancelled,
    DeadlineSource,
    vault_deadline_source,
)
from desktop.case_filter import URGENT, CaseFilterProxy
from desktop.case_model import (
    CASE_ROLE,
    CaseListData,
    CaseSource,
    CaseTableModel,
    Column,
    vault_case_source,
)
from desktop.table_model import SORT_ROLE
from models.changes import ChangeSet
from models.deadlines.service import DEADLINE_TABLES
from models.services import CaseRow
from models.vocabulary import STAGE_LABELS, CaseStage

# The list's model moved to desktop.case_model; its names are still importable from here.
__all__ = [
    "CASE_ROLE",
    "SORT_ROLE",
    "URGENT",
    "CaseFilterProxy",
    "CaseListData",
    "CaseListWidget",
    "CaseSource",
    "CaseTableModel",
    "Column",
    "count_text",
    "vault_case_source",
    "vault_deadline_source",
]

log = logging.getLogger("feltmappe.caselist")

#: A list not yet on screen starts reading its deadlines at its first paint, or after this long.
DEADLINES_AT_LATEST_MS = 300
#: Room beside a header's title for the sort arrow.
SORT_ARROW_ROOM = 16
#: Tables whose rows the case list shows (deadline changes are seen through the other tables).
LIST_TABLES = ("case", "person", "user", "case_party")


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
