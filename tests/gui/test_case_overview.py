"""The case overview shows the engine's open deadlines with their legal basis and the running
indsatser, as the caseworker needs them before a home visit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog, load_case_summary
from models import services
from models.schema import Intervention, Notification
from models.vocabulary import LegalBasis, NotifierKind, NotifierSector
from tests.gui.conftest import Filled


def _cells(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_overview_lists_open_deadlines_and_running_interventions(
    qtbot: QtBot, filled: Filled
) -> None:
    case_id = next(iter(filled.case_ids.values()))
    received = datetime.now(UTC) - timedelta(hours=30)
    with filled.vault.session() as s:
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=received,
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_sector=NotifierSector.SKOLE,
                summary="Bekymring fra skolen",
            ),
        )
        services.add(
            s,
            Intervention(
                case_id=case_id,
                title="Familiebehandling",
                legal_basis=LegalBasis.BL32,
                legal_reference="Barnets Lov §32, stk. 1, nr. 3",
                staircase_step=3,
                decided_on=date.today() - timedelta(days=20),
                start_on=date.today() - timedelta(days=10),
            ),
        )
    dialog = CaseSummaryDialog(load_case_summary(filled.vault, case_id))
    qtbot.addWidget(dialog)
    deadlines = _cells(dialog.deadlines)
    # Received 30 hours ago, not assessed: the 24-hour rule and §137 (support was running) are
    # overdue and come first, each with its legal basis.
    overdue = {row[1]: row for row in deadlines[:2]}
    assert set(overdue) == {
        "Vurdering af underretning inden 24 timer",
        "Ny underretning vurderet med en kollega, der er ny i sagen",
    }
    assert all(row[2] == "Overskredet" for row in overdue.values())
    assert (
        overdue["Vurdering af underretning inden 24 timer"][3]
        == "Barnets Lov §136 (tidl. SEL §155)"
    )
    assert any(row[1] == "Kvittering til fagperson, der har underrettet" for row in deadlines)
    assert _cells(dialog.interventions) == [
        [
            "Familiebehandling",
            "Barnets Lov §32, stk. 1, nr. 3",
            "3",
            (date.today() - timedelta(days=10)).strftime("%d.%m.%Y"),
        ]
    ]
