"""The table-model base (desktop/table_model.py) on its own: the model sorts its rows itself (the
proxy hands it the sort), texts kept per row, tooltips that show a cut text, and a view's
selection put back after new rows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView
from pytestqt.qtbot import QtBot

from desktop.display import danish_sort_key
from desktop.table_model import ROW_ROLE, SORT_ROLE, RowTableModel, SortingProxy, keep_selection

ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
TIP = Qt.ItemDataRole.ToolTipRole


class Col(IntEnum):
    NAVN = 0
    ALDER = 1


@dataclass(frozen=True)
class Person:
    name: str
    age: int


PEOPLE = [Person("Åse", 9), Person("Bo", 12), Person("anna", 9), Person("Ærø", 4)]


class People(RowTableModel[Person]):
    columns = Col
    headers: ClassVar[dict[Col, str]] = {Col.NAVN: "Navn", Col.ALDER: "Alder"}
    cell_roles = frozenset({TIP})

    def __init__(self) -> None:
        super().__init__()
        self.made = 0  # how many times a cell's text was made

    def display(self, row: Person, column: Col) -> str:
        self.made += 1
        return row.name if column == Col.NAVN else str(row.age)

    def sort_value(self, row: Person, column: Col) -> Any:
        return row.age if column == Col.ALDER else super().sort_value(row, column)

    def cell_data(self, row: Person, column: Col, role: int) -> Any:
        return "ung" if column == Col.ALDER and row.age < 5 else None


class KeptPeople(People):
    text_tooltips = True
    keep_texts = True


def names(model: RowTableModel[Person]) -> list[str]:
    return [p.name for p in model.rows]


def test_the_model_sorts_itself_and_ties_keep_the_given_order() -> None:
    model = People()
    model.set_rows(PEOPLE)
    model.sort(Col.NAVN, ASC)
    assert names(model) == ["anna", "Bo", "Ærø", "Åse"]  # Danish order, any case
    model.sort(Col.ALDER, ASC)
    assert names(model) == ["Ærø", "Åse", "anna", "Bo"]  # Åse before anna, as given
    model.sort(Col.ALDER, DESC)
    assert names(model) == ["Bo", "Åse", "anna", "Ærø"]  # and in this direction too
    model.sort(7, ASC)  # no such column: nothing moves
    assert names(model) == ["Bo", "Åse", "anna", "Ærø"]
    assert model.index(0, Col.ALDER).data(SORT_ROLE) == 12
    assert model.index(1, Col.NAVN).data(SORT_ROLE) == danish_sort_key("Åse")

    # New rows come sorted as last asked.
    model.set_rows([Person("Cai", 1), *PEOPLE])
    assert names(model) == ["Bo", "Åse", "anna", "Ærø", "Cai"]


def test_a_sort_moves_persistent_indexes_with_their_rows() -> None:
    model = People()
    model.set_rows(PEOPLE)
    bo = QPersistentModelIndex(model.index(1, Col.ALDER))
    model.sort(Col.ALDER, DESC)
    assert bo.row() == 0 and bo.column() == Col.ALDER
    assert bo.data(ROW_ROLE) == Person("Bo", 12)


def test_the_proxy_hands_sorting_to_the_model(qtbot: QtBot) -> None:
    model = People()
    model.set_rows(PEOPLE)
    proxy = SortingProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(Col.NAVN, DESC)
    assert names(model) == ["Åse", "Ærø", "Bo", "anna"]
    assert proxy.sortColumn() == -1  # the proxy keeps the model's order
    assert [proxy.index(r, Col.NAVN).data() for r in range(4)] == names(model)


def test_kept_texts_are_made_once_per_row_and_follow_a_sort() -> None:
    model = KeptPeople()
    model.set_rows(PEOPLE)
    assert model.made == 0  # made when first shown, not when set
    for _ in range(3):
        assert [model.index(0, c).data() for c in Col] == ["Åse", "9"]
    assert model.made == len(Col)
    model.sort(Col.NAVN, ASC)
    made = model.made
    assert [model.index(3, c).data() for c in Col] == ["Åse", "9"]  # moved with its row
    assert model.made == made  # and not made again
    model.set_rows([Person("Åse", 10)])
    assert model.index(0, Col.ALDER).data() == "10"  # new rows, new texts


def test_tooltips_show_the_text_or_what_the_model_says() -> None:
    plain, kept = People(), KeptPeople()
    for model in (plain, kept):
        model.set_rows(PEOPLE)
    assert plain.index(3, Col.ALDER).data(TIP) == "ung"  # from cell_data
    assert plain.index(0, Col.NAVN).data(TIP) is None
    assert kept.index(3, Col.ALDER).data(TIP) == "4"  # the text, for every cell
    assert kept.index(0, Col.NAVN).data(TIP) == "Åse"


def test_the_models_pass_the_model_tester(qtmodeltester: Any) -> None:
    for model in (People(), KeptPeople()):
        model.set_rows(PEOPLE)
        model.sort(Col.NAVN, DESC)
        qtmodeltester.check(model)


def test_the_selection_and_current_row_are_kept_over_new_rows(qtbot: QtBot) -> None:
    model = KeptPeople()
    model.set_rows(PEOPLE)
    proxy = SortingProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setSortingEnabled(True)
    view.sortByColumn(Col.NAVN, ASC)
    view.selectRow(1)  # Bo
    view.selectionModel().select(
        proxy.index(3, 0),  # Åse, added to the selection
        view.selectionModel().SelectionFlag.Select | view.selectionModel().SelectionFlag.Rows,
    )

    def selected() -> list[str]:
        rows = sorted(i.row() for i in view.selectionModel().selectedRows())
        return [proxy.index(r, 0).data() for r in rows]

    assert selected() == ["Bo", "Åse"]
    restore = keep_selection(view, lambda p: p.name)
    # Read again: Bo is older now, anna is gone, a new child came.
    model.set_rows([Person("Åse", 9), Person("Bo", 13), Person("Cai", 2), Person("Ærø", 4)])
    assert selected() == []  # (a reset)
    restore()
    assert selected() == ["Bo", "Åse"]
    assert view.currentIndex().data(ROW_ROLE) == Person("Bo", 13)

    restore = keep_selection(view, lambda p: p.name)
    model.set_rows([Person("Cai", 2)])  # the selected rows are gone
    restore()
    assert selected() == []
    assert not view.currentIndex().isValid()


def test_the_timeline_sorts_by_date_in_its_own_order(qtmodeltester: Any) -> None:
    from datetime import UTC, datetime

    from desktop.timeline import Column, TimelineModel
    from models.timeline import TimelineEvent, TimelineKind

    noon = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    note = TimelineKind.JOURNALNOTAT
    events = [  # the timeline's order: newest first, same moments in a fixed order
        TimelineEvent(noon, note, "Journalnotat", "Bravo", entity_id="b"),
        TimelineEvent(noon, note, "Journalnotat", "Alfa", entity_id="a"),
        TimelineEvent(noon.replace(hour=9), note, "Møde", "Charlie", entity_id="c"),
    ]
    model = TimelineModel()
    model.sort(Column.DATO, DESC)  # as the view asks first
    model.set_rows(events)
    assert [e.entity_id for e in model.rows] == ["b", "a", "c"]
    model.sort(Column.DETALJER, ASC)
    assert [e.entity_id for e in model.rows] == ["a", "b", "c"]
    model.sort(Column.DATO, DESC)
    assert [e.entity_id for e in model.rows] == ["b", "a", "c"]
    model.sort(Column.DATO, ASC)
    assert [e.entity_id for e in model.rows] == ["c", "b", "a"]
    assert model.index(0, Column.DETALJER).data(TIP) == "Charlie"
    qtmodeltester.check(model)
