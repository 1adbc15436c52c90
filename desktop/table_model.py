"""The one base for the app's table models (STYLE §5): rows of one Python object each, columns
named by an ``IntEnum`` with a Danish title each, and the same roles in every table: what a cell
shows, the value it sorts by (``SORT_ROLE``) and the object behind its row (``ROW_ROLE``).

A model on the base sorts its own rows in one Python sort (``sort``) when its view's proxy is a
``SortingProxy``, and ``keep_selection`` puts a view's selection back after ``set_rows``."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView

from desktop.display import danish_sort_key

ModelIndex = QModelIndex | QPersistentModelIndex

#: The value a cell sorts by (numbers for numbers, Danish-ordered keys for text).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The object behind a row.
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

RowT = TypeVar("RowT")

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


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
    #: Every cell's tooltip is its text (the whole of a text cut by the column's width).
    text_tooltips: ClassVar[bool] = False
    #: A row's texts are made once, when it is first shown, and kept until ``set_rows``: for
    #: rows whose texts do not change while shown (Qt asks for a cell many times a paint).
    keep_texts: ClassVar[bool] = False

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
            {
                Qt.ItemDataRole.DisplayRole,
                SORT_ROLE,
                ROW_ROLE,
                *self.cell_roles,
                *((_TOOLTIP,) if self.text_tooltips else ()),
            }
        )
        # The base's own state (CaseTableModel sorts itself, under names of its own).
        #: Each row's place in the order ``set_rows`` gave it (the tie-break of every sort).
        self._given: list[int] = []
        #: The last sort asked for (column, order), applied again by ``set_rows``.
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None
        #: Each row's texts once made (``keep_texts``); None when texts are not kept.
        self._row_texts: list[tuple[str, ...] | None] | None = [] if self.keep_texts else None
        self._text_roles = (_DISPLAY, _TOOLTIP if self.text_tooltips else _DISPLAY)

    # -- rows --------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[RowT]:
        """The rows in the model's order (sorted as last asked)."""
        return self._rows

    def set_rows(self, rows: Iterable[RowT]) -> None:
        """Show ``rows`` instead of what was shown, sorted as last asked (``sort``). It is a
        reset: views keep no selection (``keep_selection`` puts it back)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._given = list(range(len(self._rows)))
        if self._row_texts is not None:
            self._row_texts = [None] * len(self._rows)
        if self._sorted_by is not None and len(self._rows) > 1:
            # Sorted before the reset ends, so views see the new rows once, in their order.
            self._move_rows(self._sorted_order(*self._sorted_by))
        self._rows_set()
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows(())

    def row_object(self, row: int) -> RowT:
        return self._rows[row]

    def _rows_set(self) -> None:
        """Called inside the reset of ``set_rows``, for a subclass's own per-row data."""

    def text(self, row: int, column: int) -> str:
        """What the cell shows (kept once made when ``keep_texts``)."""
        kept = self._row_texts
        if kept is None:
            return self.display(self._rows[row], self._column_list[column])
        texts = kept[row]
        if texts is None:
            obj, display = self._rows[row], self.display
            texts = kept[row] = tuple([display(obj, c) for c in self._column_list])
        return texts[column]

    # -- sorting -----------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows themselves, in one Python sort on each row's ``sort_value`` (a proxy's
        own sort asks ``data`` twice per comparison); rows that sort alike keep the order
        ``set_rows`` gave them, in both directions. Selections and current rows follow."""
        if not 0 <= column < self._column_count:
            return
        self._sorted_by = (column, order)
        if len(self._rows) < 2:
            return
        self.layoutAboutToBeChanged.emit()
        positions = self._sorted_order(column, order)
        moved = [0] * len(positions)
        for new, old in enumerate(positions):
            moved[old] = new
        self._move_rows(positions)
        before = self.persistentIndexList()
        after = [self.index(moved[i.row()], i.column()) if i.isValid() else i for i in before]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> list[int]:
        """The rows' present positions in the order asked."""
        col = self._column_list[column]
        value = self.sort_value  # (a method looked up on a QObject is slow: once, not per row)
        keys = [value(row, col) for row in self._rows]
        given = sorted(range(len(self._rows)), key=self._given.__getitem__)
        return sorted(given, key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)

    def _move_rows(self, positions: Sequence[int]) -> None:
        """Put the row at ``positions[i]`` at ``i``; a subclass with per-row lists of its own
        moves them too, and one that reorders its rows itself does it through here."""
        self._rows = [self._rows[i] for i in positions]
        self._given = [self._given[i] for i in positions]
        if self._row_texts is not None:
            self._row_texts = [self._row_texts[i] for i in positions]

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
        # Qt calls this thousands of times a paint: few attribute lookups (each is slow on a
        # QObject), and an invalid index fails the bounds check.
        if role not in self._roles:
            return None
        r, c = index.row(), index.column()
        rows = self._rows
        if not (0 <= r < len(rows) and 0 <= c < self._column_count):
            return None
        if role in self._text_roles:
            kept = self._row_texts
            texts = kept[r] if kept is not None else None
            return texts[c] if texts is not None else self.text(r, c)
        row = rows[r]
        column = self._column_list[c]
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


class SortingProxy(QSortFilterProxyModel):
    """A proxy that hands sorting to its ``RowTableModel`` (``RowTableModel.sort``) instead of
    sorting itself, which would call ``data`` twice per comparison (thousands of calls for a
    case with 500 notes)."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)


def _rows_model(view: QAbstractItemView) -> tuple[RowTableModel[Any], list[QAbstractProxyModel]]:
    """The ``RowTableModel`` under the view's proxies, and the proxies from it up to the view."""
    proxies: list[QAbstractProxyModel] = []
    model: QAbstractItemModel | None = view.model()
    while isinstance(model, QAbstractProxyModel):
        proxies.append(model)
        model = model.sourceModel()
    assert isinstance(model, RowTableModel), model
    return model, proxies[::-1]


def keep_selection(view: QAbstractItemView, key: Callable[[Any], Hashable]) -> Callable[[], None]:
    """Remember the view's current and selected rows (by ``key`` of each row's object) and its
    scroll position; the returned function, called after the model's ``set_rows``, selects the
    rows that are still there and scrolls back."""
    model, proxies = _rows_model(view)
    selection = view.selectionModel()

    def row_key(index: QModelIndex) -> Hashable | None:
        for proxy in reversed(proxies):
            index = proxy.mapToSource(index)
        return key(model.rows[index.row()]) if index.isValid() else None

    current = row_key(view.currentIndex())
    selected = {row_key(i) for i in selection.selectedRows()} - {None}
    scroll = view.verticalScrollBar().value()

    def restore() -> None:
        if current is None and not selected:
            return
        wanted = selected | {current}
        found: dict[Hashable, QModelIndex] = {}
        for r, obj in enumerate(model.rows):
            k = key(obj)
            if k in wanted:
                index = model.index(r, 0)
                for proxy in proxies:
                    index = proxy.mapFromSource(index)
                if index.isValid():
                    found[k] = index
                if len(found) == len(wanted):
                    break
        if current in found:
            view.setCurrentIndex(found[current])  # (selects it, as a click would)
        rows = QItemSelection()
        for k, index in found.items():
            if k in selected:
                rows.select(index, index)
        if not rows.isEmpty():
            flags = (
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            )
            selection.select(rows, flags)
        view.verticalScrollBar().setValue(scroll)

    return restore
