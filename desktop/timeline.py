"""The case's timeline (tidslinje): a read-only table of everything that happened in the case,
newest first, from ``models.timeline.case_timeline``. Model + sort proxy + view, like every
table screen; the model holds frozen values and never a session."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
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


def format_when(event: TimelineEvent) -> str:
    """Local time as the caseworker reads it; the date alone when only the day is known."""
    if event.all_day:
        # A day-only event is stored as the start of that day in Danish time.
        return event.at.strftime("%d.%m.%Y")
    local: datetime = event.at.astimezone()
    return local.strftime("%d.%m.%Y %H:%M")


class TimelineModel(QAbstractTableModel):
    """The events of one case; row order is the order given (newest first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._events: list[TimelineEvent] = []

    def set_events(self, events: list[TimelineEvent]) -> None:
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def event_at(self, row: int) -> TimelineEvent:
        return self._events[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        e = self._events[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == COL_DATE:
                return format_when(e)
            if col == COL_EVENT:
                return e.title
            if col == COL_DETAIL:
                return e.detail
        if role == SORT_ROLE:
            if col == COL_DATE:
                # Rows of the same moment keep the model's order (the timeline's tie-break).
                return (e.at.timestamp(), -index.row())
            return (e.title if col == COL_EVENT else e.detail).casefold()
        if role == EVENT_ROLE:
            return e
        return None

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
    def lessThan(self, left: _Index, right: _Index) -> bool:  # noqa: N802 (Qt API)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return super().lessThan(left, right)
        return bool(a < b)


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
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(COL_DATE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_EVENT, QHeaderView.ResizeMode.ResizeToContents)
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
