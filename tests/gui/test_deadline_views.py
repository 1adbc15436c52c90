"""Deadlines on screen: the "Næste frist" column of the case list and the "I dag" screen, from
hand-built deadlines around a fixed moment and from a demo vault."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from pytestqt.qtbot import QtBot

from desktop.case_list import (
    SORT_ROLE,
    CaseFilterProxy,
    CaseListData,
    CaseListWidget,
    CaseTableModel,
    Column,
    vault_case_source,
    vault_deadline_source,
)
from desktop.today import (
    DEADLINE_ROLE,
    GROUP_ROLE,
    CaseLabel,
    Group,
    TodayData,
    TodayModel,
    TodayWidget,
    group_deadlines,
    vault_today_source,
)
from desktop.today import Column as TodayColumn
from models import demo
from models.deadlines.calendar import DK, end_of_day
from models.deadlines.types import Deadline, DeadlineStatus
from models.services import CaseRow
from models.vault import Vault
from models.vocabulary import CaseStage

# A Wednesday morning in Danish time; nothing here reads the wall clock.
NOW = datetime(2024, 6, 5, 10, 0, tzinfo=DK)
TODAY = NOW.date()
FG = Qt.ItemDataRole.ForegroundRole
BG = Qt.ItemDataRole.BackgroundRole
TIP = Qt.ItemDataRole.ToolTipRole


def deadline(
    case_id: str,
    rule: str,
    status: DeadlineStatus,
    due: datetime | None,
    *,
    title: str = "",
    subject_id: str | None = None,
    missing: tuple[str, ...] = (),
) -> Deadline:
    return Deadline(
        rule=rule,
        case_id=case_id,
        subject_id=subject_id,
        title=title or f"Frist {rule}",
        legal_basis=f"Barnets lov, regel {rule}",
        trigger=None,
        due=due,
        status=status,
        fulfilled_by="",
        missing=missing,
    )


def day(offset: int) -> datetime:
    return end_of_day(TODAY + timedelta(days=offset))


def case_row(case_id: str, name: str, number: str) -> CaseRow:
    return CaseRow(
        case_id=case_id,
        case_number=number,
        child_name=name,
        cpr=None,
        birth_date=date(2015, 3, 4),
        age=9,
        stage=CaseStage.VURDERING,
        assigned_to=None,
        team="",
        opened_on=date(2024, 1, 2),
    )


ROWS = [
    case_row("ok", "Ida Nielsen", "2024-00001"),
    case_row("late", "Bo Holm", "2024-00002"),
    case_row("soon", "Åse Lund", "2024-00003"),
    case_row("missing", "Emil Bak", "2024-00004"),
    case_row("none", "Sofie Ravn", "2024-00005"),
    case_row("done", "Karl Due", "2024-00006"),
]

DEADLINES: dict[str, list[Deadline]] = {
    "ok": [deadline("ok", "plan", DeadlineStatus.OK, day(40), title="Handleplan")],
    "late": [
        # Not sorted: the model must pick the most urgent open one itself.
        deadline("late", "opfoelgning", DeadlineStatus.SNART, day(3), title="Opfølgning"),
        deadline("late", "done", DeadlineStatus.OPFYLDT, day(-30), title="Afsluttet"),
        deadline(
            "late", "undersoegelse", DeadlineStatus.OVERSKREDET, day(-2), title="Undersøgelse"
        ),
    ],
    "soon": [deadline("soon", "moede", DeadlineStatus.SNART, day(2), title="Børnesamtale")],
    "missing": [
        deadline(
            "missing",
            "barnets_plan",
            DeadlineStatus.MANGLER,
            None,
            title="Barnets plan",
            missing=("Foranstaltningens startdato",),
        ),
        deadline("missing", "x", DeadlineStatus.OK, day(60)),
    ],
    "done": [
        deadline("done", "a", DeadlineStatus.OPFYLDT, day(-3)),
        deadline("done", "b", DeadlineStatus.UNDTAGET, day(-1)),
    ],
}


def make_model() -> CaseTableModel:
    model = CaseTableModel(lambda: CaseListData(ROWS), deadlines=lambda: DEADLINES)
    model.reload()
    return model


def row_of(model: CaseTableModel, case_id: str) -> int:
    return next(r for r in range(model.rowCount()) if model.case_row(r).case_id == case_id)


def frist(model: CaseTableModel, case_id: str) -> QModelIndex:
    return model.index(row_of(model, case_id), Column.FRIST)


# -- the case list's "Næste frist" ---------------------------------------------------------


def test_case_model_with_deadlines_passes_the_model_tester(qtmodeltester) -> None:
    model = CaseTableModel(lambda: CaseListData(ROWS), deadlines=lambda: DEADLINES)
    qtmodeltester.check(model)
    model.reload()
    qtmodeltester.check(model)
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.FRIST, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(proxy)
    model.clear()
    qtmodeltester.check(model)


def test_next_deadline_column_shows_the_most_urgent_open_deadline() -> None:
    model = make_model()
    assert model.headerData(Column.FRIST, Qt.Orientation.Horizontal) == "Næste frist"
    assert frist(model, "late").data() == "03.06.2024 – Undersøgelse"
    assert frist(model, "soon").data() == "07.06.2024 – Børnesamtale"
    assert frist(model, "ok").data() == "15.07.2024 – Handleplan"
    assert frist(model, "missing").data() == "Mangler oplysninger – Barnets plan"


def test_overdue_is_red_with_status_and_legal_basis_in_the_tooltip() -> None:
    model = make_model()
    index = frist(model, "late")
    background, foreground = index.data(BG), index.data(FG)
    assert isinstance(background, QColor) and isinstance(foreground, QColor)
    # A red tint behind dark-red text.
    assert background.red() > background.green() and background.red() > background.blue()
    assert background.lightness() > 180
    assert foreground.red() > 100 and foreground.green() < 50 and foreground.blue() < 50
    tooltip = index.data(TIP)
    assert "Overskredet" in tooltip
    assert "Barnets lov, regel undersoegelse" in tooltip


def test_soon_is_amber() -> None:
    model = make_model()
    index = frist(model, "soon")
    background = index.data(BG)
    assert isinstance(background, QColor)
    # Amber: red and green high, blue low.
    assert background.red() > 200 and background.green() > 180 and background.blue() < 200
    assert background.blue() < background.green() < background.red() + 1
    assert "Snart" in index.data(TIP)
    assert "Barnets lov, regel moede" in index.data(TIP)


def test_missing_information_is_grey_italic_and_says_what_is_missing() -> None:
    model = make_model()
    index = frist(model, "missing")
    assert index.data(BG) is None
    foreground = index.data(FG)
    assert isinstance(foreground, QColor)
    assert foreground.red() == foreground.green() == foreground.blue()
    font = index.data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.italic()
    tooltip = index.data(TIP)
    assert "Mangler oplysninger" in tooltip
    assert "Foranstaltningens startdato" in tooltip
    assert "Barnets lov, regel barnets_plan" in tooltip


def test_ok_deadline_has_no_colour() -> None:
    model = make_model()
    index = frist(model, "ok")
    assert index.data(BG) is None and index.data(FG) is None


@pytest.mark.parametrize("case_id", ["none", "done"])
def test_case_without_open_deadlines_shows_an_empty_cell(case_id: str) -> None:
    model = make_model()
    index = frist(model, case_id)
    assert index.data() == ""
    assert index.data(BG) is None and index.data(FG) is None and index.data(TIP) is None


def test_without_a_deadline_source_the_column_is_empty(qtmodeltester) -> None:
    model = CaseTableModel(lambda: CaseListData(ROWS))
    model.reload()
    qtmodeltester.check(model)
    assert {model.index(r, Column.FRIST).data() for r in range(model.rowCount())} == {""}


def test_sorting_by_next_deadline_puts_overdue_first(qtbot: QtBot) -> None:
    widget = CaseListWidget(lambda: CaseListData(ROWS), deadlines=lambda: DEADLINES)
    qtbot.addWidget(widget)
    widget.reload()
    widget.table.sortByColumn(Column.FRIST, Qt.SortOrder.AscendingOrder)
    proxy = widget.proxy
    order = [proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 2).case_id for r in range(6)]
    # Overskredet, mangler oplysninger, snart, i god tid; cases without an open deadline last.
    assert order[:4] == ["late", "missing", "soon", "ok"]
    assert set(order[4:]) == {"none", "done"}
    keys = [proxy.index(r, Column.FRIST).data(SORT_ROLE) for r in range(6)]
    assert keys == sorted(keys)


def test_within_a_status_the_earlier_due_sorts_first() -> None:
    rows = [case_row("a", "A", "1"), case_row("b", "B", "2")]
    deadlines = {
        "a": [deadline("a", "r", DeadlineStatus.OVERSKREDET, day(-1))],
        "b": [deadline("b", "r", DeadlineStatus.OVERSKREDET, day(-9))],
    }
    model = CaseTableModel(lambda: CaseListData(rows), deadlines=lambda: deadlines)
    model.reload()
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.FRIST, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, Column.BARN).data() for r in range(2)] == ["B", "A"]


# -- "I dag" ---------------------------------------------------------------------------------

LABELS = {row.case_id: CaseLabel(row.child_name, row.case_number) for row in ROWS}
TODAY_DEADLINES = [
    deadline("late", "undersoegelse", DeadlineStatus.OVERSKREDET, day(-2), title="Undersøgelse"),
    deadline("ok", "svar", DeadlineStatus.SNART, day(0), title="Svar til forælder"),
    deadline(
        "ok",
        "hour",
        DeadlineStatus.SNART,
        datetime.combine(TODAY, time(15, 30), tzinfo=DK),
        title="Vurdering inden 24 timer",
        subject_id="n1",
    ),
    deadline("soon", "moede", DeadlineStatus.SNART, day(2), title="Børnesamtale"),
    deadline("soon", "week_end", DeadlineStatus.SNART, day(7), title="Sidste dag i ugen"),
    deadline("soon", "later", DeadlineStatus.OK, day(8), title="Næste uge"),
    deadline("late", "fulfilled", DeadlineStatus.OPFYLDT, day(0), title="Opfyldt i dag"),
    deadline(
        "missing",
        "barnets_plan",
        DeadlineStatus.MANGLER,
        None,
        title="Barnets plan",
        missing=("Foranstaltningens startdato",),
    ),
]


def titles(groups: dict[Group, list[Deadline]], group: Group) -> list[str]:
    return [d.title for d in groups[group]]


def test_grouping_around_a_fixed_moment() -> None:
    groups = group_deadlines(TODAY_DEADLINES, NOW)
    assert titles(groups, Group.OVERSKREDET) == ["Undersøgelse"]
    assert titles(groups, Group.I_DAG) == ["Vurdering inden 24 timer", "Svar til forælder"]
    assert titles(groups, Group.DENNE_UGE) == ["Børnesamtale", "Sidste dag i ugen"]
    assert titles(groups, Group.MANGLER) == ["Barnets plan"]


def test_a_danish_day_is_the_day_even_late_in_the_evening() -> None:
    # Days are Danish days: 23:30 is still the 5th, 00:30 on the 6th is 22:30 UTC on the 5th.
    late_evening = datetime(2024, 6, 5, 23, 30, tzinfo=DK)
    groups = group_deadlines(TODAY_DEADLINES, late_evening)
    assert "Svar til forælder" in titles(groups, Group.I_DAG)
    just_after_midnight = datetime(2024, 6, 6, 0, 30, tzinfo=DK)
    groups = group_deadlines(
        [deadline("ok", "r", DeadlineStatus.SNART, day(1), title="Torsdag")], just_after_midnight
    )
    assert titles(groups, Group.I_DAG) == ["Torsdag"]


def test_today_model_passes_the_model_tester(qtmodeltester) -> None:
    model = TodayModel()
    qtmodeltester.check(model)
    model.set_data(TodayData(TODAY_DEADLINES, LABELS), NOW)
    qtmodeltester.check(model)
    model.set_data(TodayData(), NOW)
    qtmodeltester.check(model)
    model.forget()
    qtmodeltester.check(model)


@pytest.fixture
def today(qtbot: QtBot) -> TodayWidget:
    widget = TodayWidget(lambda now: TodayData(TODAY_DEADLINES, LABELS), clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.reload()
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def group_rows(widget: TodayWidget) -> dict[str, list[list[str]]]:
    model = widget.model
    out: dict[str, list[list[str]]] = {}
    for g in range(model.rowCount()):
        heading = model.index(g, 0)
        out[heading.data()] = [
            [str(model.index(r, c, heading).data() or "") for c in TodayColumn]
            for r in range(model.rowCount(heading))
        ]
    return out


def test_today_widget_shows_groups_with_counts(today: TodayWidget) -> None:
    shown = group_rows(today)
    assert list(shown) == [
        "Overskredet (1)",
        "I dag (2)",
        "Denne uge (2)",
        "Mangler oplysninger (1)",
    ]
    assert shown["Overskredet (1)"] == [["Bo Holm (2024-00002)", "Undersøgelse", "03.06.2024"]]
    assert shown["I dag (2)"][0] == [
        "Ida Nielsen (2024-00001)",
        "Vurdering inden 24 timer",
        "05.06.2024 kl. 15.30",
    ]
    assert shown["Mangler oplysninger (1)"] == [["Emil Bak (2024-00004)", "Barnets plan", ""]]
    assert "onsdag 5. juni 2024" in today.title.text()
    heading = today.model.index(0, 0)
    assert heading.data(GROUP_ROLE) == Group.OVERSKREDET
    tooltip = today.model.index(0, TodayColumn.FRIST, heading).data(TIP)
    assert "Barnets lov, regel undersoegelse" in tooltip


def test_an_empty_group_says_so(qtbot: QtBot) -> None:
    only_late = [TODAY_DEADLINES[0]]
    widget = TodayWidget(lambda now: TodayData(only_late, LABELS), clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.reload()
    shown = group_rows(widget)
    assert shown["I dag (0)"] == [["Ingen frister i dag", "", ""]]
    assert shown["Denne uge (0)"][0][0].startswith("Ingen frister")
    assert shown["Mangler oplysninger (0)"][0][0].startswith("Ingen frister")
    placeholder = widget.model.index(0, 0, widget.model.index(1, 0))
    assert placeholder.data(DEADLINE_ROLE) is None
    assert not placeholder.flags() & Qt.ItemFlag.ItemIsSelectable


def test_the_source_gets_the_clock_moment(qtbot: QtBot) -> None:
    seen: list[datetime] = []

    def source(now: datetime) -> TodayData:
        seen.append(now)
        return TodayData()

    widget = TodayWidget(source, clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.reload()
    assert seen == [NOW]


def test_enter_on_a_deadline_emits_case_rule_and_subject(qtbot: QtBot, today: TodayWidget) -> None:
    heading = today.model.index(1, 0)  # I dag
    today.view.setFocus()
    today.view.setCurrentIndex(today.model.index(0, 0, heading))
    with qtbot.waitSignal(today.deadline_activated) as blocker:
        qtbot.keyClick(today.view, Qt.Key.Key_Return)
    assert blocker.args == ["ok", "hour", "n1"]


def test_double_click_on_a_deadline_emits_the_signal(qtbot: QtBot, today: TodayWidget) -> None:
    heading = today.model.index(0, 0)  # Overskredet
    view = today.view
    rect = view.visualRect(today.model.index(0, TodayColumn.FRIST, heading))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(today.deadline_activated) as blocker:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["late", "undersoegelse", ""]


def test_headings_and_placeholders_emit_nothing(qtbot: QtBot) -> None:
    widget = TodayWidget(lambda now: TodayData(), clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.reload()
    opened: list[tuple[str, str, str]] = []
    widget.deadline_activated.connect(lambda *args: opened.append(args))
    heading = widget.model.index(0, 0)
    widget.view.setCurrentIndex(heading)
    qtbot.keyClick(widget.view, Qt.Key.Key_Return)
    widget.view.setCurrentIndex(widget.model.index(0, 0, heading))
    qtbot.keyClick(widget.view, Qt.Key.Key_Return)
    assert opened == []


# -- from a demo vault ---------------------------------------------------------------------

DEMO_DAY = date(2024, 6, 5)
DEMO_NOW = datetime.combine(DEMO_DAY, time(10, 0), tzinfo=DK)


@pytest.fixture
def demo_vault(vault: Vault) -> Vault:
    demo.generate(vault, cases=12, seed=7, today=DEMO_DAY)
    return vault


def test_demo_vault_next_deadlines(qtmodeltester, demo_vault: Vault) -> None:
    model = CaseTableModel(
        vault_case_source(demo_vault),
        deadlines=vault_deadline_source(demo_vault, clock=lambda: DEMO_NOW),
    )
    model.reload()
    qtmodeltester.check(model)
    texts = [model.index(r, Column.FRIST).data() for r in range(model.rowCount())]
    assert model.rowCount() == 12
    assert any(texts), "the demo vault has open deadlines"
    for r, text in enumerate(texts):
        upcoming = model.next_deadline(r)
        assert (upcoming is None) == (text == "")
        if upcoming is not None:
            assert upcoming.is_open
            assert upcoming.title in text


def test_demo_vault_today(qtbot: QtBot, qtmodeltester, demo_vault: Vault) -> None:
    user = demo_vault.user
    assert user is not None
    widget = TodayWidget(vault_today_source(demo_vault, user), clock=lambda: DEMO_NOW)
    qtbot.addWidget(widget)
    widget.reload()
    qtmodeltester.check(widget.model)
    assert widget.model.rowCount() == len(Group)
