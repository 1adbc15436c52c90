"""The one base for the app's table models (STYLE §5): rows of one Python object each, columns
named by an ``IntEnum`` with a Danish title each, and the same roles in every table: what a cell
shows, the value it sorts by (``SORT_ROLE``) and the object behind its row (``ROW_ROLE``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.display import danish_sort_key

ModelIndex = QModelIndex | QPersistentModelIndex

#: The value a cell sorts by (numbers for numbers, Danish-ordered keys for text).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The object behind a row.
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

RowT = TypeVar("RowT")


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """Rows of ``RowT``. A subclass names its ``columns`` and their ``headers`` and says what a
    cell shows (``display``); it may say what a cell sorts by (``sort_value``, by default the
    shown text in Danish order) and what it gives for other roles (``cell_data``: colours,
    fonts, tooltips, alignment)."""

    columns: ClassVar[type[IntEnum]]
    headers: ClassVar[Mapping[Any, str]]
    #: The roles ``cell_data`` answers (Qt asks for about seven roles per cell and paint; the
    #: others get None at once).
    cell_roles: ClassVar[frozenset[int]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        columns = cls.__dict__.get("columns")
        if columns is not None:
            # Columns are 0, 1, 2 … in order, each with a title.
            assert [int(c) for c in columns] == list(range(len(columns))), cls
            assert set(cls.headers) == set(columns), cls

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []
        # Qt asks for these thousands of times a paint: plain lists, no enum lookups.
        self._column_list: list[Any] = list(self.columns)
        self._column_count = len(self._column_list)
        self._roles = frozenset(
            {Qt.ItemDataRole.DisplayRole, SORT_ROLE, ROW_ROLE, *self.cell_roles}
        )

    # -- rows --------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[RowT]:
        return self._rows

    def set_rows(self, rows: Iterable[RowT]) -> None:
        """Show ``rows`` instead of what was shown (a reset: views keep no selection)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._rows_set()
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows(())

    def row_object(self, row: int) -> RowT:
        return self._rows[row]

    def _rows_set(self) -> None:
        """Called inside the reset of ``set_rows``, for a subclass's own per-row data."""

    # -- what a subclass says ----------------------------------------------------------

    def display(self, row: RowT, column: Any) -> str:
        raise NotImplementedError

    def sort_value(self, row: RowT, column: Any) -> Any:
        return danish_sort_key(self.display(row, column))

    def cell_data(self, row: RowT, column: Any, role: int) -> Any:
        return None

    # -- QAbstractTableModel ---------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._column_count

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self._roles:
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < self._column_count) or not index.isValid():
            return None
        row = self._rows[r]
        column = self._column_list[c]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, column)
        if role == SORT_ROLE:
            return self.sort_value(row, column)
        if role == ROW_ROLE:
            return row
        return self.cell_data(row, column, role)

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < self._column_count
        ):
            return self.headers[self._column_list[section]]
        return None
