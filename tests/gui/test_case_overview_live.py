"""The case overview in the running app: CPR numbers masked until "Vis CPR" (which is logged),
contact details of the parties, deadlines that follow changes, and acting on a deadline from
the overview, undo included (the excepted deadline is reached with "Vis også … frister")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from desktop.deadline_actions import ExceptDialog, WithdrawDialog
from models import services
from models.schema import AuditEvent, Notification, Person
from models.vocabulary import NotifierKind
from tests.gui.conftest import Filled, visible_texts, written
from tests.gui.harness import Harness

RULE_TITLE = "Vurdering af underretning inden 24 timer"


def rows(dialog: CaseSummaryDialog) -> list[list[str]]:
    t = dialog.deadlines
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_cpr_contacts_and_deadlines_in_the_overview(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:
        mother = s.query(Person).filter_by(first_name="Hanne").one()
        mother.phone = "20 30 40 50"
        mother.address = "Skolevej 3, 4200 Slagelse"
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    dialog = h.window.show_case(case_id)
    assert isinstance(dialog, CaseSummaryDialog)
    dialog.tabs.setCurrentIndex(0)

    texts = " ".join(visible_texts())
    assert "010315-XXXX" in texts and "150885-XXXX" in texts
    assert "010315-4321" not in texts and "150885-2468" not in texts
    parties = dialog.parties
    contact = [parties.item(r, 3).text() for r in range(parties.rowCount())]
    assert "20 30 40 50 · Skolevej 3, 4200 Slagelse" in contact

    dialog.show_cpr.click()
    written(qtbot)
    assert dialog.cpr.text() == "010315-4321"
    assert "150885-2468" not in " ".join(visible_texts())  # only the one asked for
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        reveals = s.query(AuditEvent).filter_by(entity="person_cpr").all()
        assert [(e.case_id, e.user) for e in reveals] == [(case_id, vault.user)]

    # A notification arrives (another window, a sync): the deadlines follow.
    with vault.session() as s:
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=datetime.now(UTC) - timedelta(hours=30),
                notifier_kind=NotifierKind.BORGER,
            ),
        )
    qtbot.waitUntil(lambda: any(r[1] == RULE_TITLE for r in rows(dialog)), timeout=5000)
    row = next(i for i, r in enumerate(rows(dialog)) if r[1] == RULE_TITLE)
    dialog.deadlines.selectRow(row)
    actions = dialog.deadline_actions
    assert actions is not None and actions.except_button.isEnabled()
    opened: list[object] = []
    actions.dialog_opened.connect(opened.append)
    actions.except_button.click()
    excepting = opened[-1]
    assert isinstance(excepting, ExceptDialog)
    qtbot.keyClicks(excepting.reason, "Underretningen er behandlet i anden sag")
    excepting.buttons.accepted.emit()
    qtbot.waitUntil(lambda: all(r[1] != RULE_TITLE for r in rows(dialog)), timeout=5000)

    dialog.show_closed.click()
    row = next(i for i, r in enumerate(rows(dialog)) if r[1] == RULE_TITLE)
    assert rows(dialog)[row][2].startswith("Undtaget")
    dialog.deadlines.selectRow(row)
    assert actions.withdraw_button.isEnabled() and not actions.except_button.isEnabled()
    actions.withdraw_button.click()
    withdraw = opened[-1]
    assert isinstance(withdraw, WithdrawDialog)
    withdraw.buttons.accepted.emit()
    qtbot.waitUntil(
        lambda: any(r[1] == RULE_TITLE and r[2] == "Overskredet" for r in rows(dialog)),
        timeout=5000,
    )
