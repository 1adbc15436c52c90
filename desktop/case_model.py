"""The case list's model: one row per case of the register (``CaseRow``), with the case's most
urgent open deadline beside it, and how it sorts. The widget around it is ``desktop.case_list``;
the search over it ``desktop.case_filter``."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QWidget,
)
from sqlalchemy import select

from desktop.case_deadlines import (
    DeadlineSource,
)
from desktop.case_search import SearchKey, search_key
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
from models.cpr import mask
from models.deadlines.types import Deadline
from models.errors import NotFound
from models.schema import User
from models.services import CaseRow
from models.vault import Vault
from models.vocabulary import STAGE_LABELS, CaseStage


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
