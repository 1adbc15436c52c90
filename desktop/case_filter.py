"""The case list's search and filters: the search text as words (a word of digits also matches
CPR numbers, with or without the hyphen), and the proxy that keeps the rows matching every word
and the "Mine sager", phase and "Overskredet eller snart" filters, deciding all rows at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QWidget

from desktop.case_search import Query, parse_query
from desktop.table_model import SORT_ROLE, ModelIndex
from models.deadlines.types import Deadline, DeadlineStatus
from models.vocabulary import CaseStage

if TYPE_CHECKING:
    from desktop.case_model import CaseTableModel


class _FastPath:
    """What ``CaseFilterProxy.data`` needs, in a plain object (looking up an attribute, and
    above all a method, on a QObject goes through Qt's machinery: microseconds, thousands of
    times a paint)."""

    __slots__ = ("cell", "count", "model", "row_count", "shown", "version")

    def __init__(
        self,
        model: CaseTableModel | None = None,
        version: int = -1,
        shown: list[int] | None = None,
        count: int = -1,
        row_count: Callable[[], int] = lambda: -2,
    ) -> None:
        self.model = model
        self.cell: Callable[[int, int, int], Any] = (
            model.cell if model is not None else lambda *_: None
        )
        self.version = version
        #: The source rows shown, in order; None: every row.
        self.shown = shown
        self.count = count
        self.row_count = row_count


class CaseFilterProxy(QSortFilterProxyModel):
    """Keeps the rows that match every word of the search text and the filters; sorting is
    passed on to the source model, which sorts in Python (``SORT_ROLE`` still gives each cell's
    sort value)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._query: Query = ()
        self._mine = False
        self._stage: CaseStage | None = None
        self._urgent = False
        self._model: CaseTableModel | None = None
        # Which source rows pass, computed once for all rows after a change of the filters or
        # of the model (its ``version``), not row by row through Qt.
        self._accepted: list[bool] = []
        self._accepted_version = -1
        self._fast = _FastPath()

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        """Answered from the model's rows: this proxy only filters (the model sorts itself), so
        its row i is the i-th accepted row. One Python call per cell and role instead of three
        (Qt's mapping asks the model's rowCount and columnCount for every one)."""
        fast = self._fast
        if fast.model is None or not (
            fast.version == fast.model.version and fast.count == fast.row_count()
        ):
            fast = self._fast = self._fast_path()
            if fast.model is None:  # between a change and the proxy catching up with it
                return super().data(index, role)
        r, shown = index.row(), fast.shown
        if shown is not None:
            if not 0 <= r < len(shown):
                return None
            r = shown[r]
        return fast.cell(r, index.column(), role)

    def _fast_path(self) -> _FastPath:
        """The rows shown as of the model's version, if Qt's mapping has caught up with it."""
        model = self._model
        if model is None:
            return _FastPath()
        if not (self._query or self._mine or self._stage or self._urgent):
            shown, count = None, len(model.rows)
        elif self._accepted_version == model.version:
            shown = [i for i, ok in enumerate(self._accepted) if ok]
            count = len(shown)
        else:
            return _FastPath()
        if count != self.rowCount():
            return _FastPath()
        return _FastPath(model, model.version, shown, count, self.rowCount)

    def setSourceModel(self, model: QAbstractItemModel) -> None:  # noqa: N802
        from desktop.case_model import CaseTableModel

        self._model = model if isinstance(model, CaseTableModel) else None
        self._accepted_version = -1
        self._fast = _FastPath()
        super().setSourceModel(model)

    def set_filters(self, *, mine: bool, stage: CaseStage | None, urgent: bool) -> None:
        """ "Mine sager", one phase, and "overskredet eller snart" (the next open deadline)."""
        if (mine, stage, urgent) == (self._mine, self._stage, self._urgent):
            return
        self.beginFilterChange()
        self._mine, self._stage, self._urgent = mine, stage, urgent
        self._accepted_version = -1
        self._fast = _FastPath()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # The source model sorts itself (see CaseTableModel.sort); the proxy only filters.
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def set_query(self, text: str) -> None:
        query = parse_query(text)
        if query == self._query:
            return
        self.beginFilterChange()
        self._query = query
        self._accepted_version = -1
        self._fast = _FastPath()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802
        # Called for every row on every keystroke: 5,000 calls must take well under a frame.
        if not (self._query or self._mine or self._stage or self._urgent):
            return True
        model = self._model
        if model is None:
            return False
        if self._accepted_version != model.version:
            self._accepted = self._accepted_rows(model)
            self._accepted_version = model.version
        return self._accepted[source_row]

    def _accepted_rows(self, model: CaseTableModel) -> list[bool]:
        """One pass per filter over all rows (list comprehensions, no call per row and word):
        a few milliseconds for 5,000 rows."""
        rows = model.rows
        ok = [True] * len(rows)
        if self._mine:
            me = model.me
            ok = [me is not None and r.assigned_to == me for r in rows]
        if self._stage is not None:
            stage = self._stage
            ok = [a and r.stage == stage for a, r in zip(ok, rows, strict=True)]
        if self._urgent:
            ok = [a and _is_urgent(model.next_deadline(i)) for i, a in enumerate(ok)]
        keys = model.search_keys
        for token, digits in self._query:
            if digits is None:
                ok = [a and (token in k[0] or token in k[1]) for a, k in zip(ok, keys, strict=True)]
            else:
                ok = [
                    a and (token in k[0] or token in k[1] or digits in k[2])
                    for a, k in zip(ok, keys, strict=True)
                ]
        return ok


def _is_urgent(deadline: Deadline | None) -> bool:
    return deadline is not None and deadline.status in URGENT


#: What "Overskredet eller snart" keeps.
URGENT = frozenset({DeadlineStatus.OVERSKREDET, DeadlineStatus.SNART})
