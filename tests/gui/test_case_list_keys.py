"""The case list's filters from the keyboard (Alt+M "Mine sager", Alt+A the phase, Alt+O
"Overskredet eller snart"), the count in the status bar, and a list that follows a change made
elsewhere while keeping the selected case, the scroll position, the search text and the column
widths."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.case_list import CASE_ROLE, CaseListWidget
from models import services
from models.schema import Case, Notification, Person, User
from models.services import CaseRow
from models.vault import Vault
from models.vocabulary import STAGE_LABELS, CaseStage, NotifierKind
from tests.conftest import PASSPHRASE
from tests.gui.conftest import Filled
from tests.gui.harness import Harness

ALT = Qt.KeyboardModifier.AltModifier


def shown(case_list: CaseListWidget) -> list[str]:
    proxy = case_list.proxy
    names = []
    for row in range(proxy.rowCount()):
        value = proxy.index(row, 0).data(CASE_ROLE)
        assert isinstance(value, CaseRow)
        names.append(value.child_name)
    return sorted(names)


def open_app(harness_for: Callable[..., Harness], filled: Filled, qtbot: QtBot) -> Harness:
    """The filled vault with Zenia Ravn assigned to the vault's own user and an overdue
    24-hour assessment for Åse Holm; unlocked, on the "Sager" tab."""
    vault = filled.vault
    with vault.session() as s:
        me = services.add(s, User(username=vault.user, display_name="Test Rådgiver"))
        services.get(s, Case, filled.case_ids["Zenia Ravn"]).assigned_to = me.id
        services.add(
            s,
            Notification(
                case_id=filled.case_ids["Åse Holm"],
                received_at=datetime.now(UTC) - timedelta(hours=30),
                notifier_kind=NotifierKind.FAGPERSON,
            ),
        )
    profile = vault.profile
    vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    window = h.window
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.tabs.tabText(window.tabs.currentIndex()).replace("&", "") == "Sager"
    return h


def test_first_column_is_barn_ung(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    h = open_app(harness_for, filled, qtbot)
    case_list = h.window.case_list
    assert case_list is not None
    header = case_list.table.horizontalHeader()
    view_model = case_list.table.model()
    assert view_model.headerData(header.logicalIndex(0), Qt.Orientation.Horizontal) == "Barn/ung"


def test_filters_from_the_keyboard(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    h = open_app(harness_for, filled, qtbot)
    window = h.window
    case_list = window.case_list
    assert case_list is not None
    everyone = shown(case_list)
    assert len(everyone) == 5
    assert window.count_label.text() == "5 sager"

    # Alt+M: only the cases the vault's user is caseworker on.
    qtbot.keyClick(case_list.search, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(case_list.mine.isChecked)  # (a mnemonic "animates" the click)
    assert shown(case_list) == ["Zenia Ravn"]
    assert window.count_label.text() == "1 af 5 sager"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: not case_list.mine.isChecked())
    assert shown(case_list) == everyone

    # Alt+A: to the phase; the arrow keys choose one.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, ALT)
    assert QApplication.focusWidget() is case_list.stage
    assert case_list.stage.currentText() == "Alle faser"
    wanted = STAGE_LABELS[CaseStage.UNDERSOEGELSE]
    while case_list.stage.currentText() != wanted:
        qtbot.keyClick(case_list.stage, Qt.Key.Key_Down)
    assert shown(case_list) == ["Ørjan Bak"]
    assert window.count_label.text() == "1 af 5 sager"
    qtbot.keyClick(case_list.stage, Qt.Key.Key_Home)
    assert case_list.stage.currentText() == "Alle faser"
    assert shown(case_list) == everyone

    # Alt+O: the cases whose next deadline is overdue or soon (once the deadlines are in).
    qtbot.waitUntil(lambda: any(case_list.model.next_deadline(r) for r in range(5)), timeout=10_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, ALT)
    qtbot.waitUntil(case_list.urgent.isChecked)
    urgent = shown(case_list)
    assert "Åse Holm" in urgent  # the 24-hour assessment is overdue
    assert "Ørjan Bak" not in urgent
    assert window.count_label.text() == f"{len(urgent)} af 5 sager"
    for row in range(case_list.proxy.rowCount()):
        assert case_list.proxy.index(row, 5).data() != ""  # the deadline it is shown for

    # The filters combine, and with the search too.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, ALT)
    qtbot.waitUntil(case_list.mine.isChecked)
    assert shown(case_list) == sorted(set(urgent) & {"Zenia Ravn"})
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: not case_list.mine.isChecked())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, ALT)
    qtbot.waitUntil(lambda: not case_list.urgent.isChecked())
    assert shown(case_list) == everyone
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is case_list.search
    qtbot.keyClicks(case_list.search, "åse")
    assert shown(case_list) == ["Åse Holm"]
    assert window.count_label.text() == "1 af 5 sager"


def test_change_from_elsewhere_keeps_selection_scroll_search_and_widths(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    vault = filled.vault
    with vault.session() as s:
        # Enough cases to scroll.
        for i in range(40):
            child, _ = services.create_person(s, f"Ekstra{i:02d}", "Barn")
            services.create_case(s, child, opened_on=date(2025, 3, 1))
    profile = vault.profile
    vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    window = h.window
    qtbot.waitExposed(window)
    case_list = window.case_list
    assert case_list is not None
    assert case_list.proxy.rowCount() == 45

    # The user searches, picks a case low in the list and scrolls to it.
    qtbot.keyClicks(case_list.search, "barn")
    assert case_list.proxy.rowCount() == 40
    target = next(
        case_list.proxy.index(r, 0).data(CASE_ROLE).case_id
        for r in range(case_list.proxy.rowCount())
        if case_list.proxy.index(r, 0).data() == "Ekstra30 Barn"
    )
    assert case_list.select_case(target)
    case_list.table.scrollTo(case_list.table.currentIndex())
    scroll = case_list.table.verticalScrollBar().value()
    assert scroll > 0
    # ... and has made the phase column wider.
    header = case_list.table.horizontalHeader()
    header.resizeSection(4, header.sectionSize(4) + 40)
    widths = [header.sectionSize(c) for c in range(header.count())]

    # Another session on the same vault gives that case a new phase and its child a new name,
    # and the app's own vault files a new case; the change hub tells the screens.
    other = Vault.open(profile, PASSPHRASE)
    try:
        with other.session() as s:
            case = services.get(s, Case, target)
            case.stage = CaseStage.UNDERSOEGELSE
            services.get(s, Person, case.child_id).first_name = "Ekstra30 Emil"
    finally:
        other.close()
    live = h.controller.vault
    assert live is not None
    with live.session() as s:
        child, _ = services.create_person(s, "Ny", "Barnesen")
        services.create_case(s, child, opened_on=date(2025, 4, 1))
    window.changes.flush()

    assert case_list.current_case_id() == target
    current = case_list.table.currentIndex().row()
    assert case_list.proxy.index(current, 0).data() == "Ekstra30 Emil Barn"
    assert case_list.proxy.index(current, 4).data() == STAGE_LABELS[CaseStage.UNDERSOEGELSE]
    assert case_list.table.selectionModel().isRowSelected(case_list.table.currentIndex().row())
    assert case_list.table.verticalScrollBar().value() == scroll
    assert [header.sectionSize(c) for c in range(header.count())] == widths
    assert case_list.search.text() == "barn"
    assert case_list.proxy.rowCount() == 41  # "Barnesen" matches too
    assert window.count_label.text() == "41 af 46 sager"


def test_a_change_elsewhere_that_is_not_the_list_reads_nothing(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    window = h.window
    case_list = window.case_list
    assert case_list is not None
    reads: list[int] = []
    heard: list[object] = []
    case_list.model.modelReset.connect(lambda: reads.append(1))
    window.changes.changed.connect(heard.append)
    live = h.controller.vault
    assert live is not None
    with live.session() as s:  # a journal note: nothing the list shows
        case = services.get(s, Case, filled.case_ids["Anna Jensen"])
        services.add_note(s, case, "Samtale", "Tekst")
    window.changes.flush()
    assert heard  # the hub did announce it
    assert reads == []
