"""The "I dag" screen: the open deadlines of my cases that are overdue, due today or due this
week, and those the engine cannot compute for lack of information. Opening a deadline is left
to whoever listens to ``deadline_activated``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum, IntEnum

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop.display import deadline_foreground, deadline_tooltip, format_date
from desktop.table_model import ROW_ROLE
from desktop.tasks import run_in_background
from models import services
from models.changes import ChangeSet
from models.dates import long_date_da
from models.deadlines.calendar import DK, end_of_day, local_date
from models.deadlines.service import DEADLINE_TABLES, my_deadlines, standards_for
from models.deadlines.types import Deadline, DeadlineStatus
from models.vault import Vault

log = logging.getLogger("feltmappe.today")

#: How far ahead "Denne uge" looks, in days after today.
WEEK_DAYS = 7


class Column(IntEnum):
    SAG = 0
    FRIST = 1
    DATO = 2


HEADERS: dict[Column, str] = {
    Column.SAG: "Barn",
    Column.FRIST: "Frist",
    Column.DATO: "Dato",
}


class Group(Enum):
    OVERSKREDET = "Overskredet"
    I_DAG = "I dag"
    DENNE_UGE = "Denne uge"
    MANGLER = "Mangler oplysninger"


EMPTY_TEXTS: dict[Group, str] = {
    Group.OVERSKREDET: "Ingen overskredne frister",
    Group.I_DAG: "Ingen frister i dag",
    Group.DENNE_UGE: "Ingen frister resten af ugen",
    Group.MANGLER: "Ingen frister mangler oplysninger",
}

#: The ``Deadline`` behind a row (on every column of a deadline row): the role of the object
#: behind a row in every table (a tree of two levels does not fit the table-model base).
DEADLINE_ROLE = ROW_ROLE
#: The ``Group`` of a group heading.
GROUP_ROLE = ROW_ROLE + 1


def long_date(day: date) -> str:
    return long_date_da(day, weekday=True)


@dataclass(frozen=True)
class CaseLabel:
    """What names a case on this screen."""

    child_name: str
    case_number: str


@dataclass(frozen=True)
class TodayData:
    """The deadlines of my cases (any order) and the labels of their cases by case id."""

    deadlines: Sequence[Deadline] = ()
    cases: Mapping[str, CaseLabel] = field(default_factory=dict)


#: Reads the data as of an aware moment.
TodaySource = Callable[[datetime], TodayData]
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def vault_today_source(vault: Vault, username: str) -> TodaySource:
    """The deadlines of the cases assigned to ``username``, from the deadline engine."""

    def load(now: datetime) -> TodayData:
        standards = standards_for(vault)
        with vault.reading() as session:
            deadlines = my_deadlines(session, now, standards, username)
            wanted = {d.case_id for d in deadlines}
            labels = {
                row.case_id: CaseLabel(row.child_name, row.case_number)
                for row in services.list_cases(session, today=local_date(now))
                if row.case_id in wanted
            }
        return TodayData(deadlines, labels)

    return load


def group_deadlines(deadlines: Sequence[Deadline], now: datetime) -> dict[Group, list[Deadline]]:
    """The open deadlines by group, most urgent first within each; deadlines due after this
    week are left out. Days are Danish calendar days."""
    today = local_date(now)
    week_end = today + timedelta(days=WEEK_DAYS)
    groups: dict[Group, list[Deadline]] = {group: [] for group in Group}
    for deadline in sorted(deadlines, key=Deadline.sort_key):
        if not deadline.is_open:
            continue
        day = deadline.due_date
        if deadline.status == DeadlineStatus.MANGLER:
            groups[Group.MANGLER].append(deadline)
        elif deadline.status == DeadlineStatus.OVERSKREDET or (day is not None and day < today):
            groups[Group.OVERSKREDET].append(deadline)
        elif day == today:
            groups[Group.I_DAG].append(deadline)
        elif day is not None and day <= week_end:
            groups[Group.DENNE_UGE].append(deadline)
    return groups


def due_text(deadline: Deadline) -> str:
    """The due day, with the time when the deadline ends before the day does (hour deadlines)."""
    if deadline.due is None:
        return ""
    local = deadline.due.astimezone(DK)
    if local.time() == end_of_day(local.date()).time():
        return format_date(local.date())
    return f"{format_date(local.date())} kl. {local:%H.%M}"


class TodayModel(QStandardItemModel):
    """Two levels: a heading per group (with its count), and the group's deadlines under it
    (or one line saying the group is empty)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._set_headers()

    def _set_headers(self) -> None:
        self.setHorizontalHeaderLabels([HEADERS[c] for c in Column])

    def set_data(self, data: TodayData, now: datetime) -> None:
        groups = group_deadlines(data.deadlines, now)
        self.clear()
        self._set_headers()
        bold = QFont()
        bold.setBold(True)
        for group, items in groups.items():
            heading = _item(f"{group.value} ({len(items)})")
            heading.setData(group, GROUP_ROLE)
            heading.setFont(bold)
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            fillers = [_disabled("") for _ in range(len(Column) - 1)]
            if not items:
                empty = _disabled(EMPTY_TEXTS[group])
                empty.setForeground(Qt.GlobalColor.gray)
                heading.appendRow([empty, *(_disabled("") for _ in range(len(Column) - 1))])
            for deadline in items:
                heading.appendRow(self._deadline_row(deadline, data.cases))
            self.appendRow([heading, *fillers])

    def forget(self) -> None:
        """Drop every row (on lock)."""
        self.clear()
        self._set_headers()

    @staticmethod
    def _deadline_row(deadline: Deadline, cases: Mapping[str, CaseLabel]) -> list[QStandardItem]:
        label = cases.get(deadline.case_id)
        who = f"{label.child_name} ({label.case_number})" if label else ""
        cells = {
            Column.SAG: who,
            Column.FRIST: deadline.title,
            Column.DATO: due_text(deadline),
        }
        tooltip = deadline_tooltip(deadline)
        colour = deadline_foreground(deadline)
        row: list[QStandardItem] = []
        for column in Column:
            item = _item(cells[column])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setData(deadline, DEADLINE_ROLE)
            item.setToolTip(tooltip)
            if colour is not None and column == Column.DATO:
                item.setForeground(colour)
            row.append(item)
        return row


def _item(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


def _disabled(text: str) -> QStandardItem:
    item = _item(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item


class TodayView(QTreeView):
    """Enter opens the current deadline (see ``CaseTableView`` for why not ``activated``)."""

    open_current = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_current.emit()
            return
        super().keyPressEvent(event)


def ms_to_next_day(now: datetime) -> int:
    """Milliseconds from ``now`` to just after the next Danish midnight (DST-aware)."""
    tomorrow = local_date(now) + timedelta(days=1)
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=DK)
    return max(1000, int((midnight - now).total_seconds() * 1000) + 1000)


def deadline_key(deadline: Deadline) -> tuple[str, str, str]:
    return (deadline.case_id, deadline.rule, deadline.subject_id or "")


class TodayWidget(QWidget):
    """ "I dag": my deadlines by group. Emits ``deadline_activated(case_id, rule, subject_id)``
    (``subject_id`` is "" for a deadline of the case itself).

    ``reload()`` reads in the background (``background=True``, as in the app) and shows the
    result when it comes; the screen reloads itself when a change concerns deadlines
    (``on_changes``) and just after every midnight, keeping the selected deadline."""

    deadline_activated = Signal(str, str, str)
    #: A reload has been shown (tests and the screenshot script wait for it).
    loaded = Signal()

    def __init__(
        self,
        source: TodaySource,
        parent: QWidget | None = None,
        *,
        clock: Clock = _utcnow,
        background: bool = False,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._clock = clock
        self._background = background
        self._generation = 0
        self._midnight = QTimer(self)
        self._midnight.setSingleShot(True)
        self._midnight.timeout.connect(self.reload)
        self.model = TodayModel(self)

        self.title = QLabel(self)
        self.title.setObjectName("today_title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)

        self.view = TodayView(self)
        self.view.setObjectName("today")
        self.view.setModel(self.model)
        self.view.setAccessibleName("Frister i dag og denne uge")
        self.view.setRootIsDecorated(False)
        self.view.setItemsExpandable(False)
        self.view.setExpandsOnDoubleClick(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self._layout = layout
        self.actions_bar: QWidget | None = None

        self.view.doubleClicked.connect(self._open_index)
        self.view.open_current.connect(self._open_current)

    # -- public ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the deadlines as of now and show them (in the background when so built)."""
        now = self._clock()
        self._generation += 1
        generation = self._generation
        self._midnight.start(ms_to_next_day(now))
        if not self._background:
            self._show(self._source(now), now)
            return
        source = self._source

        def done(data: object) -> None:
            if generation == self._generation and shiboken6.isValid(self):
                assert isinstance(data, TodayData)
                self._show(data, now)

        def failed(exc: BaseException) -> None:
            # Locked meanwhile, or a bad settings file: logged by type only; the case view
            # says why a deadline cannot be computed.
            log.warning("today not loaded: %s", type(exc).__name__)

        run_in_background(lambda: source(now), done, failed)

    def set_actions(self, bar: QWidget) -> None:
        """Put ``bar`` (buttons acting on the current deadline, with ``update_enabled()``)
        under the list, kept in step with the selection."""
        self.actions_bar = bar
        self._layout.addWidget(bar)
        update = getattr(bar, "update_enabled", None)
        if update is not None:
            self.view.selectionModel().currentChanged.connect(lambda *_: update())
            self.loaded.connect(update)

    def on_changes(self, changes: ChangeSet) -> None:
        """Reload when a change may move a deadline (or a case's name or assignment)."""
        if changes.touches(*DEADLINE_TABLES, "user"):
            self.reload()

    def _show(self, data: TodayData, now: datetime) -> None:
        current = self.current_deadline()
        keep = deadline_key(current) if current is not None else None
        scroll = self.view.verticalScrollBar().value()
        self.model.set_data(data, now)
        self.title.setText(f"Frister i dine sager · {long_date(local_date(now))}")
        self.view.expandAll()
        for row in range(self.model.rowCount()):
            self.view.setFirstColumnSpanned(row, QModelIndex(), True)
            heading = self.model.index(row, 0)
            for child in range(self.model.rowCount(heading)):
                if self.model.index(child, 0, heading).data(DEADLINE_ROLE) is None:
                    self.view.setFirstColumnSpanned(child, heading, True)
        self.view.resizeColumnToContents(Column.SAG)
        self.view.resizeColumnToContents(Column.DATO)
        header = self.view.header()
        header.setSectionResizeMode(Column.FRIST, QHeaderView.ResizeMode.Stretch)
        kept = self._find(keep) if keep is not None else QModelIndex()
        if kept.isValid():
            self.view.setCurrentIndex(kept)
            self.view.verticalScrollBar().setValue(scroll)
        else:
            first = self._first_deadline()
            if first.isValid():
                # Enter opens the most urgent deadline straight away.
                self.view.setCurrentIndex(first)
        self.loaded.emit()

    def _find(self, key: tuple[str, str, str]) -> QModelIndex:
        for row in range(self.model.rowCount()):
            heading = self.model.index(row, 0)
            for child in range(self.model.rowCount(heading)):
                index = self.model.index(child, 0, heading)
                value = index.data(DEADLINE_ROLE)
                if isinstance(value, Deadline) and deadline_key(value) == key:
                    return index
        return QModelIndex()

    def _first_deadline(self) -> QModelIndex:
        for row in range(self.model.rowCount()):
            heading = self.model.index(row, 0)
            first = self.model.index(0, 0, heading)
            if first.data(DEADLINE_ROLE) is not None:
                return first
        return QModelIndex()

    def clear(self) -> None:
        self._generation += 1  # a background load still running is dropped
        self._midnight.stop()
        self.model.forget()
        self.title.clear()

    def current_deadline(self) -> Deadline | None:
        value = self.view.currentIndex().data(DEADLINE_ROLE)
        return value if isinstance(value, Deadline) else None

    # -- slots -------------------------------------------------------------------------

    def _open_current(self) -> None:
        self._open_index(self.view.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        deadline = index.data(DEADLINE_ROLE) if index.isValid() else None
        if isinstance(deadline, Deadline):
            self.deadline_activated.emit(deadline.case_id, deadline.rule, deadline.subject_id or "")
