"""The case list in the running app: the "Barn/ung" column, the filters "Mine sager", phase and
"Overskredet eller snart", and a list that follows changes keeping the selected case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.case_list import CASE_ROLE, URGENT, CaseListWidget
from models import services
from models.schema import Case, Notification, Person, User
from models.services import CaseRow
from models.vocabulary import CaseStage, NotifierKind
from tests.gui.conftest import Filled
from tests.gui.harness import Harness


def shown(case_list: CaseListWidget) -> list[str]:
    proxy = case_list.proxy
    out = []
    for row in range(proxy.rowCount()):
        value = proxy.index(row, 0).data(CASE_ROLE)
        assert isinstance(value, CaseRow)
        out.append(value.child_name)
    return sorted(out)


def test_filters_and_live_updates(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
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
    case_list = h.window.case_list
    assert case_list is not None
    assert case_list.model.headerData(0, Qt.Orientation.Horizontal) == "Barn/ung"
    everyone = shown(case_list)
    assert len(everyone) == 5

    case_list.mine.click()
    assert shown(case_list) == ["Zenia Ravn"]
    assert h.window.count_label.text() == "1 af 5 sager"
    case_list.mine.click()

    case_list.stage.setCurrentIndex(case_list.stage.findData(CaseStage.UNDERSOEGELSE))
    assert shown(case_list) == ["Ørjan Bak"]
    case_list.stage.setCurrentIndex(0)
    assert shown(case_list) == everyone

    qtbot.waitUntil(lambda: any(case_list.model.next_deadline(r) for r in range(5)), timeout=10_000)
    case_list.urgent.click()
    urgent = shown(case_list)
    assert "Åse Holm" in urgent  # the 24-hour assessment is overdue
    for row in range(case_list.proxy.rowCount()):
        source = case_list.proxy.mapToSource(case_list.proxy.index(row, 0)).row()
        deadline = case_list.model.next_deadline(source)
        assert deadline is not None and deadline.status in URGENT
    case_list.urgent.click()

    # A change made elsewhere (here: another session, as a sync would) shows at once, and the
    # selected case stays selected.
    assert case_list.select_case(filled.case_ids["Ørjan Bak"])
    live = h.controller.vault
    assert live is not None
    with live.session() as s:
        child_id = services.get(s, Case, filled.case_ids["Ørjan Bak"]).child_id
        services.get(s, Person, child_id).first_name = "Ørjan Emil"
    qtbot.waitUntil(lambda: "Ørjan Emil Bak" in shown(case_list), timeout=5000)
    assert case_list.current_case_id() == filled.case_ids["Ørjan Bak"]
