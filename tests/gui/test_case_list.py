"""The case list: the table model, the search and sort proxy, and the screen driven by keys."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.case_list import (
    CASE_ROLE,
    CaseFilterProxy,
    CaseListData,
    CaseListWidget,
    CaseTableModel,
    Column,
    count_text,
    vault_case_source,
)
from desktop.display import danish_sort_key
from desktop.table_model import SORT_ROLE
from models.services import CaseRow
from models.vocabulary import CaseStage
from tests.gui.conftest import ASSIGNEE, CHILDREN, NAMES, Filled


def shown_names(widget: CaseListWidget) -> list[str]:
    proxy = widget.proxy
    return [proxy.index(r, Column.BARN).data() for r in range(proxy.rowCount())]


@pytest.fixture
def case_list(qtbot: QtBot, filled: Filled) -> CaseListWidget:
    widget = CaseListWidget(vault_case_source(filled.vault))
    qtbot.addWidget(widget)
    widget.resize(1000, 500)
    widget.reload()
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    return widget


def test_model_passes_the_model_tester(qtmodeltester, filled: Filled) -> None:
    model = CaseTableModel(vault_case_source(filled.vault))
    qtmodeltester.check(model)  # empty, before the first read
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == len(CHILDREN)


def test_proxy_passes_the_model_tester(qtmodeltester, filled: Filled) -> None:
    model = CaseTableModel(vault_case_source(filled.vault))
    model.reload()
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.ALDER, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    proxy.set_query("jensen")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 1


def test_columns_show_masked_cpr_stage_label_and_assignee(filled: Filled) -> None:
    model = CaseTableModel(vault_case_source(filled.vault))
    model.reload()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == [
        "Barn/ung",
        "Alder",
        "Sagsnummer",
        "CPR",
        "Fase",
        "Næste frist",
        "Rådgiver",
        "Oprettet",
    ]
    rows = {model.index(r, Column.BARN).data(): r for r in range(model.rowCount())}
    anna = rows["Anna Jensen"]

    def cell(column: Column) -> str:
        return model.index(anna, column).data()

    assert cell(Column.CPR) == "010315-XXXX"
    assert cell(Column.FASE) == "Underretning modtaget"
    assert cell(Column.RAADGIVER) == ASSIGNEE
    assert cell(Column.OPRETTET) == "10.01.2024"
    assert cell(Column.SAGSNUMMER) == filled.case_numbers["Anna Jensen"]
    backing = model.index(anna, Column.BARN).data(CASE_ROLE)
    assert isinstance(backing, CaseRow)
    assert backing.case_id == filled.case_ids["Anna Jensen"]
    # A child without a CPR number, and a case assigned to nobody.
    aegir = rows["Ægir Lund"]
    assert model.index(aegir, Column.CPR).data() == ""
    assert model.index(aegir, Column.RAADGIVER).data() == ""


def test_no_full_cpr_number_is_displayed(filled: Filled) -> None:
    model = CaseTableModel(vault_case_source(filled.vault))
    model.reload()
    shown = " ".join(
        str(model.index(r, c).data() or "") for r in range(model.rowCount()) for c in Column
    )
    for child in CHILDREN:
        if child.cpr:
            assert child.cpr not in shown
            assert child.cpr.replace("-", "") not in shown


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("anna", ["Anna Jensen"]),
        ("ÅSE", ["Åse Holm"]),
        ("jensen anna", ["Anna Jensen"]),
        ("010315-4321", ["Anna Jensen"]),
        ("0103154321", ["Anna Jensen"]),
        ("121110", ["Ørjan Bak"]),
        ("findes-ikke", []),
    ],
)
def test_search_filters_as_the_user_types(
    qtbot: QtBot, case_list: CaseListWidget, typed: str, expected: list[str]
) -> None:
    counts: list[tuple[int, int]] = []
    case_list.count_changed.connect(lambda shown, total: counts.append((shown, total)))
    assert sorted(shown_names(case_list)) == sorted(NAMES)
    qtbot.keyClicks(case_list.search, typed)
    assert sorted(shown_names(case_list)) == sorted(expected)
    total = len(NAMES)
    assert counts[-1] == (len(expected), total)
    assert count_text(*counts[-1]) == f"{len(expected)} af {total} sager"
    case_list.search.clear()
    assert len(shown_names(case_list)) == total
    assert counts[-1] == (total, total)
    assert count_text(*counts[-1]) == f"{total} sager"


def test_search_by_case_number(qtbot: QtBot, case_list: CaseListWidget, filled: Filled) -> None:
    number = filled.case_numbers["Zenia Ravn"]
    qtbot.keyClicks(case_list.search, number)
    assert shown_names(case_list) == ["Zenia Ravn"]


def test_search_does_not_match_a_partial_cpr_with_letters(
    qtbot: QtBot, case_list: CaseListWidget
) -> None:
    # "a1" is neither in a name nor a case number; its digit must not match CPR digits alone.
    qtbot.keyClicks(case_list.search, "a1")
    assert shown_names(case_list) == []


def test_sorting_by_age_is_numeric(case_list: CaseListWidget) -> None:
    case_list.table.sortByColumn(Column.ALDER, Qt.SortOrder.AscendingOrder)
    proxy = case_list.proxy
    ages = [int(proxy.index(r, Column.ALDER).data()) for r in range(proxy.rowCount())]
    assert ages == sorted(ages)
    assert [proxy.index(r, Column.ALDER).data(SORT_ROLE) for r in range(proxy.rowCount())] == ages
    # As text "10" would come before "2"; the ages here span one and two digits.
    assert len({len(str(a)) for a in ages}) == 2


def test_sorting_by_name_is_danish(case_list: CaseListWidget) -> None:
    case_list.table.sortByColumn(Column.BARN, Qt.SortOrder.AscendingOrder)
    assert shown_names(case_list) == [
        "Anna Jensen",
        "Zenia Ravn",
        "Ægir Lund",
        "Ørjan Bak",
        "Åse Holm",
    ]


def test_danish_sort_key() -> None:
    words = ["Åse", "aage", "Ærø", "Zara", "Øster", "émile", "Bo"]
    assert sorted(words, key=danish_sort_key) == [
        "aage",
        "Bo",
        "émile",
        "Zara",
        "Ærø",
        "Øster",
        "Åse",
    ]


def test_sorting_by_stage_follows_the_lifecycle(case_list: CaseListWidget) -> None:
    case_list.table.sortByColumn(Column.FASE, Qt.SortOrder.AscendingOrder)
    proxy = case_list.proxy
    stages = [proxy.index(r, Column.BARN).data(CASE_ROLE).stage for r in range(proxy.rowCount())]
    order = list(CaseStage)
    assert stages == sorted(stages, key=order.index)


def test_ctrl_f_focuses_search_and_down_enters_the_table(
    qtbot: QtBot, case_list: CaseListWidget
) -> None:
    case_list.table.setFocus()
    qtbot.keyClick(case_list.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is case_list.search
    qtbot.keyClicks(case_list.search, "jensen")
    qtbot.keyClick(case_list.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is case_list.table
    assert case_list.current_case_id() is not None
    assert case_list.table.selectionModel().selectedRows()[0].row() == 0


def test_enter_in_the_table_opens_the_current_case(
    qtbot: QtBot, case_list: CaseListWidget, filled: Filled
) -> None:
    qtbot.keyClicks(case_list.search, "Ørjan")
    qtbot.keyClick(case_list.search, Qt.Key.Key_Down)
    with qtbot.waitSignal(case_list.case_activated) as blocker:
        qtbot.keyClick(case_list.table, Qt.Key.Key_Return)
    assert blocker.args == [filled.case_ids["Ørjan Bak"]]


def test_enter_in_the_search_opens_only_a_single_match(
    qtbot: QtBot, case_list: CaseListWidget, filled: Filled
) -> None:
    opened: list[str] = []
    case_list.case_activated.connect(opened.append)
    qtbot.keyClicks(case_list.search, "e")  # several matches: nothing is opened (and logged)
    qtbot.keyClick(case_list.search, Qt.Key.Key_Return)
    assert opened == []
    case_list.search.clear()
    qtbot.keyClicks(case_list.search, "zenia")
    qtbot.keyClick(case_list.search, Qt.Key.Key_Return)
    assert opened == [filled.case_ids["Zenia Ravn"]]


def test_double_click_opens_the_case(
    qtbot: QtBot, case_list: CaseListWidget, filled: Filled
) -> None:
    qtbot.keyClicks(case_list.search, "Åse")
    table = case_list.table
    rect = table.visualRect(case_list.proxy.index(0, Column.BARN))
    # A real double click starts with a press on the item (QTest's double click alone has none).
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(case_list.case_activated) as blocker:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [filled.case_ids["Åse Holm"]]


def test_model_reads_through_the_callable_only(qtmodeltester) -> None:
    row = CaseRow(
        case_id="c1",
        case_number="2024-00001",
        child_name="Ida Nielsen",
        cpr=None,
        birth_date=date(2015, 3, 4),
        age=9,
        stage=CaseStage.VURDERING,
        assigned_to="u1",
        team="",
        opened_on=date(2024, 1, 2),
    )
    calls: list[int] = []

    def source() -> CaseListData:
        calls.append(1)
        return CaseListData([row], {"u1": "Bo Rådgiver"})

    model = CaseTableModel(source)
    model.reload()
    qtmodeltester.check(model)
    assert calls == [1]
    assert model.index(0, Column.RAADGIVER).data() == "Bo Rådgiver"
    assert model.index(0, Column.FASE).data() == "Indledende vurdering"
    model.clear()
    assert model.rowCount() == 0


def test_sorting_survives_filtering_and_reload(qtbot: QtBot, case_list: CaseListWidget) -> None:
    """The source model sorts itself; the proxy only filters, so clearing a search (all rows
    back) costs no re-sort, and the chosen order holds through a search and a reload."""
    case_list.table.sortByColumn(Column.ALDER, Qt.SortOrder.DescendingOrder)
    proxy = case_list.proxy
    assert proxy.sortColumn() == -1

    def ages() -> list[int]:
        return [proxy.index(r, Column.ALDER).data(SORT_ROLE) for r in range(proxy.rowCount())]

    before = ages()
    assert before == sorted(before, reverse=True)
    qtbot.keyClicks(case_list.search, "a")
    assert ages() == sorted(ages(), reverse=True)
    case_list.search.clear()
    assert ages() == before
    case_list.reload()
    assert ages() == before


def test_table_model_base_checks_columns_and_headers() -> None:
    from enum import IntEnum

    from desktop.table_model import RowTableModel

    class Two(IntEnum):
        A = 0
        B = 1

    one_title = {Two.A: "A"}
    titles = {Two.A: "Første", Two.B: "Anden"}
    with pytest.raises(AssertionError):

        class MissingTitle(RowTableModel[str]):
            columns = Two
            headers = one_title

    class Fine(RowTableModel[str]):
        columns = Two
        headers = titles

        def display(self, row: str, column: Two) -> str:
            return row if column == Two.A else row.upper()

    model = Fine()
    model.set_rows(["æble", "banan"])
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Anden"
    assert model.index(1, Two.B).data() == "BANAN"
    assert model.index(0, Two.A).data(SORT_ROLE) == danish_sort_key("æble")
    assert model.index(0, Two.A).data(CASE_ROLE) == "æble"


def test_model_tester_after_sort_and_deadlines(qtmodeltester, filled: Filled) -> None:
    model = CaseTableModel(vault_case_source(filled.vault))
    model.reload()
    model.sort(Column.BARN, Qt.SortOrder.DescendingOrder)
    model.set_deadlines({})
    qtmodeltester.check(model)
    names = [model.index(r, Column.BARN).data() for r in range(model.rowCount())]
    assert names == sorted(names, key=danish_sort_key, reverse=True)
