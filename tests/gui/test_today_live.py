"""'I dag' in the running app: filled on unlock (nothing in the test calls reload), refreshed by
the change broadcast after any write, re-armed for midnight; and the caseworker's path from a
deadline to meeting it: open it, write the note, mark the deadline met by that note, gone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from desktop.deadline_actions import ExceptDialog, MeetDialog, WithdrawDialog
from desktop.journal import JournalWidget
from desktop.today import DEADLINE_ROLE, TodayWidget, ms_to_next_day
from models import services
from models.deadlines.calendar import DK
from models.deadlines.types import Deadline
from models.schema import DeadlineAck, Notification, User
from models.vault import Vault
from models.vocabulary import DeadlineAckKind, NotifierKind
from tests.gui.conftest import written
from tests.gui.harness import Harness

RULE = "underretning_24_timer"
CHILD = "Freja Øster"


@pytest.fixture
def profile(vault: Vault) -> Path:
    """A caseworker's vault: one case of hers with an underretning received two hours ago."""
    with vault.session() as s:
        me = services.add(s, User(username=vault.user, display_name="Test Rådgiver"))
        child, _ = services.create_person(s, "Freja", "Øster", birth_date=date(2016, 4, 2))
        case = services.create_case(
            s, child, opened_on=datetime.now(DK).date() - timedelta(days=1), assigned_to=me.id
        )
        services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime.now(UTC) - timedelta(hours=2),
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_name="Skolen",
            ),
        )
    vault.close()
    return vault.profile


def deadlines_shown(today: TodayWidget) -> list[Deadline]:
    model = today.model
    out: list[Deadline] = []
    for row in range(model.rowCount()):
        heading = model.index(row, 0)
        for child in range(model.rowCount(heading)):
            value = model.index(child, 0, heading).data(DEADLINE_ROLE)
            if isinstance(value, Deadline):
                out.append(value)
    return out


def assessment_shown(today: TodayWidget) -> bool:
    return any(d.rule == RULE for d in deadlines_shown(today))


def unlocked(harness_for: Callable[..., Harness], profile: Path, qtbot: QtBot) -> Harness:
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    today = h.window.today
    assert today is not None
    qtbot.waitUntil(lambda: assessment_shown(today), timeout=10_000)
    return h


def test_i_dag_is_filled_on_unlock_and_armed_for_midnight(
    qtbot: QtBot, harness_for: Callable[..., Harness], profile: Path
) -> None:
    h = unlocked(harness_for, profile, qtbot)
    today = h.window.today
    assert today is not None
    h.window.tabs.setCurrentWidget(today)
    label = today.model.index(0, 0).data()
    assert label  # a group heading with its count
    texts = [
        today.model.index(c, 0, today.model.index(r, 0)).data()
        for r in range(today.model.rowCount())
        for c in range(today.model.rowCount(today.model.index(r, 0)))
    ]
    assert any(CHILD in str(t) for t in texts)
    # The midnight reload is armed for just after the next Danish midnight.
    assert today._midnight.isActive()
    assert 0 < today._midnight.remainingTime() <= 24 * 3600 * 1000 + 1000


def test_midnight_is_danish_midnight_across_dst() -> None:
    before_dst = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23.30 CET, DST starts that night
    assert ms_to_next_day(before_dst) == 30 * 60_000 + 1000
    late = datetime(2026, 10, 24, 21, 59, tzinfo=UTC)  # 23.59 CEST
    assert ms_to_next_day(late) == 60_000 + 1000


def test_open_write_the_note_mark_it_met_and_it_leaves_i_dag(
    qtbot: QtBot, harness_for: Callable[..., Harness], profile: Path
) -> None:
    h = unlocked(harness_for, profile, qtbot)
    window = h.window
    today = window.today
    assert today is not None
    window.tabs.setCurrentWidget(today)
    # Select the deadline and open it with Enter, as a user does.
    for row in range(today.model.rowCount()):
        heading = today.model.index(row, 0)
        for child in range(today.model.rowCount(heading)):
            index = today.model.index(child, 0, heading)
            value = index.data(DEADLINE_ROLE)
            if isinstance(value, Deadline) and value.rule == RULE:
                today.view.setCurrentIndex(index)
    today.view.setFocus()
    qtbot.keyClick(today.view, Qt.Key.Key_Return)
    dialog = next(d for d in window.findChildren(CaseSummaryDialog) if d.isVisible())
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    dialog.tabs.setCurrentWidget(journal)
    qtbot.keyClicks(journal.title, "Vurdering af underretning")
    qtbot.keyClicks(journal.body, "Barnet er ikke i akut fare. Samtale med skolen aftalt.")
    assert journal.flush()
    written(qtbot)
    dialog.close()

    # Back in "I dag": mark the deadline met by the note just written.
    window.tabs.setCurrentWidget(today)
    assert today.actions_bar is not None
    opened: list[object] = []
    today.actions_bar.dialog_opened.connect(opened.append)  # type: ignore[attr-defined]
    meet_button = today.actions_bar.meet_button  # type: ignore[attr-defined]
    assert meet_button.isEnabled()
    qtbot.mouseClick(meet_button, Qt.MouseButton.LeftButton)
    meet = opened[-1]
    assert isinstance(meet, MeetDialog)
    assert meet.choices.count() == 1
    assert "Vurdering af underretning" in meet.choices.item(0).text()
    assert "journalnotat" in meet.choices.item(0).text()
    qtbot.keyClick(meet.choices, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not assessment_shown(today), timeout=10_000)

    vault = h.controller.vault
    assert vault is not None
    with vault.session() as s:
        acks = s.query(DeadlineAck).all()
        assert [(a.kind, a.met_by_table, a.updated_by) for a in acks] == [
            (DeadlineAckKind.OPFYLDT, "journal_note", vault.user)
        ]


def test_except_needs_a_reason_and_withdraw_brings_it_back(
    qtbot: QtBot, harness_for: Callable[..., Harness], profile: Path
) -> None:
    h = unlocked(harness_for, profile, qtbot)
    today = h.window.today
    assert today is not None and today.actions_bar is not None
    h.window.tabs.setCurrentWidget(today)
    bar = today.actions_bar
    opened: list[object] = []
    bar.dialog_opened.connect(opened.append)  # type: ignore[attr-defined]
    model = today.model
    for r in range(model.rowCount()):
        for c in range(model.rowCount(model.index(r, 0))):
            index = model.index(c, 0, model.index(r, 0))
            value = index.data(DEADLINE_ROLE)
            if isinstance(value, Deadline) and value.rule == RULE:
                target = value
                today.view.setCurrentIndex(index)
    qtbot.mouseClick(bar.except_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    dialog = opened[-1]
    assert isinstance(dialog, ExceptDialog)
    dialog.buttons.accepted.emit()  # OK with no reason: refused, the dialog stays
    written(qtbot)
    assert dialog.isVisible()
    assert dialog.error.isVisible() and "skal udfyldes" in dialog.error.text().lower()
    qtbot.keyClicks(dialog.reason, "Barnet er flyttet til anden kommune")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not assessment_shown(today), timeout=10_000)

    vault = h.controller.vault
    assert vault is not None
    withdraw = WithdrawDialog(vault, target, h.window)
    assert withdraw.choices.count() == 1
    assert "Undtaget: Barnet er flyttet" in withdraw.choices.item(0).text()
    withdraw.buttons.accepted.emit()
    qtbot.waitUntil(lambda: assessment_shown(today), timeout=10_000)
    with vault.session() as s:
        assert s.query(DeadlineAck).one().deleted_at is not None
