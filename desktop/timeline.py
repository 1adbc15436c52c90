"""The case's timeline (tidslinje): a read-only table of everything that happened in the case,
newest first, from ``models.timeline.case_timeline``. Model + sort proxy + view, like every
table screen; the model holds frozen values and never a session."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.display import danish_sort_key
from desktop.widgets import ErrorLabel
from models.changes import ChangeSet
from models.errors import FeltmappeError
from models.timeline import TimelineEvent, case_timeline
from models.vault import Vault

SessionFactory = Callable[[], AbstractContextManager[Session]]

COL_DATE, COL_EVENT, COL_DETAIL = range(3)
HEADERS = ("Dato", "Hændelse", "Detaljer")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
EVENT_ROLE = Qt.ItemDataRole.UserRole + 2
EMPTY = "Der er ingen hændelser i sagen endnu."

_Index = QModelIndex | QPersistentModelIndex
_ROLES = frozenset(
    {Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE, EVENT_ROLE}
)
#: Room around a cell's text (margins of the style and the grid).
_CELL_PADDING = 24
#: The longest event column before its text is elided (the tooltip has it whole).
_EVENT_WIDTH_MAX = 320


def format_when(event: TimelineEvent) -> str:
    """Local time as the caseworker reads it; the date alone when only the day is known."""
    # A day-only event is stored as the start of that day in Danish time.
    d = event.at if event.all_day else event.at.astimezone()
    day = f"{d.day:02d}.{d.month:02d}.{d.year}"  # (no strftime: 500 of these on first show)
    return day if event.all_day else f"{day} {d.hour:02d}:{d.minute:02d}"


class TimelineModel(QAbstractTableModel):
    """The events of one case. What a cell shows and sorts by is made once per event when the
    events are set (Qt asks for a cell many times a paint). The model sorts itself in Python
    (``sort``); the proxy hands sorting to it instead of asking ``data`` per comparison."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._events: list[TimelineEvent] = []
        self._cells: list[tuple[str, str, str]] = []
        self._rank: list[int] = []  # each row's place in the timeline's own order (newest first)
        self._sort: tuple[int, Qt.SortOrder] = (COL_DATE, Qt.SortOrder.DescendingOrder)

    def set_events(self, events: list[TimelineEvent]) -> None:
        """Show ``events`` (newest first, the timeline's order), sorted as last asked."""
        self.beginResetModel()
        self._events = list(events)
        self._cells = [(format_when(e), e.title, e.detail) for e in self._events]
        self._rank = list(range(len(self._events)))
        self._arrange(*self._sort)
        self.endResetModel()

    def event_at(self, row: int) -> TimelineEvent:
        return self._events[row]

    def titles(self) -> set[str]:
        return {cells[COL_EVENT] for cells in self._cells}

    def _key(self, column: int) -> Callable[[int], Any]:
        rank, cells = self._rank, self._cells
        if column == COL_DATE:
            # Newest first is the timeline's order (same moments keep their fixed order).
            return lambda row: -rank[row]
        return lambda row: (danish_sort_key(cells[row][column]), -rank[row])

    def _arrange(self, column: int, order: Qt.SortOrder) -> list[int]:
        """Put the rows in the order asked; returns the new row of each old row."""
        rows = sorted(
            range(len(self._events)),
            key=self._key(column),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._events = [self._events[r] for r in rows]
        self._cells = [self._cells[r] for r in rows]
        self._rank = [self._rank[r] for r in rows]
        moved = [0] * len(rows)
        for new, old in enumerate(rows):
            moved[old] = new
        return moved

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        moved = self._arrange(column, order)
        old = self.persistentIndexList()
        self.changePersistentIndexList(old, [self.index(moved[i.row()], i.column()) for i in old])
        self.layoutChanged.emit()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES:
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._events) and 0 <= col < len(HEADERS)):
            return None
        if role == EVENT_ROLE:
            return self._events[row]
        if role == SORT_ROLE:
            return self._key(col)(row)
        return self._cells[row][col]  # display and tooltip

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class _SortProxy(QSortFilterProxyModel):
    """Hands sorting to the model, which sorts its rows in one Python sort: a sort here would
    call ``data`` twice per comparison (thousands of calls for a case with 500 notes)."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)


class TimelineWidget(QWidget):
    """The timeline of one case. ``vault`` is a ``Vault`` or a callable returning a session
    context; ``refresh()`` reloads (after a save elsewhere in the case view)."""

    def __init__(
        self, vault: Vault | SessionFactory, case_id: str, *, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        # Read with sessions that never wait for the writer (a sync storing a page).
        self._sessions: SessionFactory = vault.reading if isinstance(vault, Vault) else vault
        self.case_id = case_id

        self.model = TimelineModel(self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)

        heading = QLabel("Tidslinje", self)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)

        self.view = QTableView(self)
        self.view.setObjectName("timeline")
        self.view.setAccessibleName("Tidslinje")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_DATE, Qt.SortOrder.DescendingOrder)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)  # Tab goes on to the text pane, not to a cell
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        # Column widths from the texts' widths (not ResizeToContents, which asks every cell).
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

        self.empty = QLabel(EMPTY, self)
        self.empty.setObjectName("empty")
        self.error = ErrorLabel(self)

        # The whole text of the selected event; Tab goes from the list to it.
        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("timeline_detail")
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Hændelsens tekst")
        self.detail.setPlaceholderText("Vælg en hændelse for at se hele teksten.")
        self.detail.setTabChangesFocus(True)
        self.detail.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.selectionModel().currentRowChanged.connect(self._show_detail)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)
        self.setTabOrder(self.view, self.detail)
        # Read when first shown (a case window opens on its overview; most never look here).
        self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FontChange:
            self._fit_columns()  # Ctrl++ / Ctrl+-: wider or narrower text
        super().changeEvent(event)

    def _fit_columns(self) -> None:
        """The date column fits a date and time; the event column its longest title."""
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        head = header.fontMetrics()
        date = max(metrics.horizontalAdvance("00.00.0000 00:00"), head.horizontalAdvance("Dato"))
        titles = [metrics.horizontalAdvance(t) for t in self.model.titles()]
        event = max([head.horizontalAdvance(HEADERS[COL_EVENT]), *titles])
        header.resizeSection(COL_DATE, date + _CELL_PADDING)
        header.resizeSection(COL_EVENT, min(event + _CELL_PADDING, _EVENT_WIDTH_MAX))

    def on_changes(self, changes: ChangeSet) -> None:
        """Anything of this case changed (a save here, a sync): reload, keeping the selection."""
        if changes.touches_case(self.case_id):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True  # read again when shown

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = current.data(EVENT_ROLE) if current.isValid() else None
        if isinstance(event, TimelineEvent):
            when = format_when(event)
            self.detail.setPlainText(f"{event.title} · {when}\n\n{event.full or event.detail}")
        else:
            self.detail.clear()

    def refresh(self) -> None:
        self._stale = False
        try:
            with self._sessions() as session:
                events = case_timeline(session, self.case_id)
        except FeltmappeError as err:
            self.error.show_error(err, prefix="Tidslinjen kan ikke vises. ")
            return
        self.error.clear_error()
        current = self.view.currentIndex().data(EVENT_ROLE)
        keep = (current.entity, current.entity_id, current.kind) if current else None
        scroll = self.view.verticalScrollBar().value()
        self.model.set_events(events)
        self._fit_columns()
        self.empty.setVisible(not events)
        if keep is not None:
            for row in range(self.proxy.rowCount()):
                e = self.proxy.index(row, 0).data(EVENT_ROLE)
                if (e.entity, e.entity_id, e.kind) == keep:
                    self.view.setCurrentIndex(self.proxy.index(row, 0))
                    break
            self.view.verticalScrollBar().setValue(scroll)

    def events(self) -> list[TimelineEvent]:
        """The events in the order the view shows them."""
        if self._stale:
            self.refresh()
        return [self.proxy.index(row, 0).data(EVENT_ROLE) for row in range(self.proxy.rowCount())]
