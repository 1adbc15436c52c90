"""The case's timeline (tidslinje): a read-only table of everything that happened in the case,
newest first, from ``models.timeline.case_timeline``. Model + sort proxy + view, like every
table screen; the model holds frozen values and never a session."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt
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

from desktop.table_model import ROW_ROLE, RowTableModel, SortingProxy, keep_selection
from desktop.widgets import ErrorLabel
from models.changes import ChangeSet
from models.errors import FeltmappeError
from models.timeline import TimelineEvent, case_timeline
from models.vault import Vault

SessionFactory = Callable[[], AbstractContextManager[Session]]


class Column(IntEnum):
    DATO = 0
    HAENDELSE = 1
    DETALJER = 2


HEADERS: dict[Column, str] = {
    Column.DATO: "Dato",
    Column.HAENDELSE: "Hændelse",
    Column.DETALJER: "Detaljer",
}
EMPTY = "Der er ingen hændelser i sagen endnu."

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


def _event_key(event: TimelineEvent) -> tuple[str, str | None, str]:
    """What an event is across reloads (its line is made again from the vault)."""
    return (event.entity, event.entity_id, event.kind)


class TimelineModel(RowTableModel[TimelineEvent]):
    """The events of one case, given newest first (the timeline's order). A row's texts are
    made once, when it is first shown; the model sorts itself (the proxy hands it the sort).
    By date, newest or oldest first: events at one moment keep the timeline's fixed order."""

    columns = Column
    headers = HEADERS
    text_tooltips = True
    keep_texts = True

    def titles(self) -> set[str]:
        return {event.title for event in self.rows}

    def display(self, row: TimelineEvent, column: Column) -> str:
        if column == Column.DATO:
            return format_when(row)
        return row.title if column == Column.HAENDELSE else row.detail

    def sort_value(self, row: TimelineEvent, column: Column) -> Any:
        # (Ties keep the order the rows were given in: the timeline's.)
        return row.at if column == Column.DATO else super().sort_value(row, column)


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
        self.proxy = SortingProxy(self)
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
        self.view.sortByColumn(Column.DATO, Qt.SortOrder.DescendingOrder)
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
        event = max([head.horizontalAdvance(HEADERS[Column.HAENDELSE]), *titles])
        header.resizeSection(Column.DATO, date + _CELL_PADDING)
        header.resizeSection(Column.HAENDELSE, min(event + _CELL_PADDING, _EVENT_WIDTH_MAX))

    def on_changes(self, changes: ChangeSet) -> None:
        """Anything of this case changed (a save here, a sync): reload, keeping the selection."""
        if changes.touches_case(self.case_id):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True  # read again when shown

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = current.data(ROW_ROLE) if current.isValid() else None
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
        restore = keep_selection(self.view, _event_key)
        self.model.set_rows(events)
        self._fit_columns()
        self.empty.setVisible(not events)
        restore()

    def events(self) -> list[TimelineEvent]:
        """The events in the order the view shows them."""
        if self._stale:
            self.refresh()
        return [self.proxy.index(row, 0).data(ROW_ROLE) for row in range(self.proxy.rowCount())]
