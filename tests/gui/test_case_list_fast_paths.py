"""The case list's fast paths answer exactly as Qt's own: the filter proxy's ``data`` (from its
list of accepted rows) against Qt's mapping to the model, and the model's cached texts against
``display``, through searches, filters, sorting, new deadlines and a reload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from desktop.case_list import CaseListData, CaseListWidget, Column
from desktop.table_model import ROW_ROLE, SORT_ROLE
from models.deadlines.calendar import DK
from models.deadlines.types import Deadline, DeadlineStatus
from models.services import CaseRow
from models.vocabulary import CaseStage

ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    SORT_ROLE,
    ROW_ROLE,
)
NAMES = ("Åse Ærø", "Jens Hansen", "Anne Jensen", "Bo Andersen", "Ida Holm", "Jens Ørsted")


def rows(count: int) -> list[CaseRow]:
    stages = list(CaseStage)
    return [
        CaseRow(
            case_id=f"c{i}",
            case_number=f"2024-{i:05d}",
            child_name=f"{NAMES[i % len(NAMES)]} {i}",
            cpr=None if i % 7 == 0 else f"0102{i % 10}{i % 10}-{1000 + i}",
            birth_date=date(2010 + i % 10, 2, 1),
            age=i % 18 if i % 9 else None,
            stage=stages[i % len(stages)],
            assigned_to=f"u{i % 3}",
            team="Team Nord",
            opened_on=date(2024, 1, 1) + timedelta(days=i),
        )
        for i in range(count)
    ]


def deadlines(data: CaseListData) -> dict[str, list[Deadline]]:
    statuses = list(DeadlineStatus)
    due = datetime(2024, 6, 1, 12, tzinfo=DK)
    return {
        row.case_id: [
            Deadline(
                rule="r",
                case_id=row.case_id,
                subject_id=None,
                title=f"Frist {i}",
                legal_basis="§ 1",
                trigger=None,
                due=due + timedelta(days=i % 11),
                status=statuses[i % len(statuses)],
                fulfilled_by="",
            )
        ]
        for i, row in enumerate(data.rows)
        if i % 4
    }


def assert_as_qt(widget: CaseListWidget) -> None:
    proxy, model = widget.proxy, widget.model
    assert proxy.rowCount() > 0
    for r in range(proxy.rowCount()):
        for c in range(len(Column)):
            index = proxy.index(r, c)
            source = proxy.mapToSource(index)  # Qt's own mapping
            for role in ROLES:
                mine = proxy.data(index, role)
                qt = model.data(source, role)
                base = super(type(model), model).data(source, role)  # the base's dispatch
                assert mine == qt == base, (r, c, role)
    assert proxy.data(QModelIndex()) is None
    assert proxy._fast.model is model  # the fast path answered, not Qt's mapping


def test_the_fast_paths_answer_as_qt_does(qtbot: QtBot) -> None:
    data = CaseListData(rows(60), {"u0": "Anna", "u1": "Bo", "u2": "Carl"}, me="u1")
    source_deadlines: Mapping[str, Sequence[Deadline]] = deadlines(data)
    widget = CaseListWidget(lambda: data, deadlines=lambda: source_deadlines)
    qtbot.addWidget(widget)
    widget.reload()
    assert_as_qt(widget)
    for text in ("jens", "je 2024", "0102", "ørsted"):
        widget.search.setText(text)
        assert_as_qt(widget)
    widget.search.clear()
    widget.mine.setChecked(True)
    assert_as_qt(widget)
    widget.urgent.setChecked(True)
    assert_as_qt(widget)
    widget.table.sortByColumn(Column.FRIST, Qt.SortOrder.DescendingOrder)
    assert_as_qt(widget)
    widget.model.set_deadlines({})
    widget.urgent.setChecked(False)
    widget.table.sortByColumn(Column.BARN, Qt.SortOrder.AscendingOrder)
    assert_as_qt(widget)
    data = CaseListData(rows(45), {"u0": "Anna"}, me="u1")  # fewer rows, another name
    widget.reload()
    assert_as_qt(widget)
