"""The hjemmebesøg form and the timeline driven like a caseworker drives them: tick who was
present, type the observations, save, and see the deadline turn "Opfyldt" and the visit appear
in the timeline; a refused save keeps what was typed and says why in Danish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDateTime, Qt, QTime
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.home_visit import NO_ASSESSMENT, HomeVisitWidget
from desktop.timeline import EMPTY, Column, TimelineWidget
from models import services
from models.schema import Assessment, Meeting, Notification
from models.vault import Vault
from models.vocabulary import MeetingKind, NotifierKind, PartyRole
from tests.gui.conftest import written

TODAY = date.today()


def make_case(vault: Vault, *, assessment: bool = True) -> str:
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm", cpr="050520-4012")
        case = services.create_case(s, child, opened_on=TODAY - timedelta(days=30))
        mother, _ = services.create_person(s, "Hanne", "Holm")
        services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime.now(UTC) - timedelta(days=30),
                notifier_kind=NotifierKind.BORGER,
                summary="Bekymring fra nabo",
            ),
        )
        if assessment:
            services.add(
                s,
                Assessment(
                    case_id=case.id,
                    aware_on=TODAY - timedelta(days=30),
                    started_on=TODAY - timedelta(days=20),
                ),
            )
        return case.id


@pytest.fixture
def case_id(vault: Vault) -> str:
    return make_case(vault)


@pytest.fixture
def form(qtbot: QtBot, vault: Vault, case_id: str) -> Iterator[HomeVisitWidget]:
    widget = HomeVisitWidget(vault, case_id)
    qtbot.addWidget(widget)
    widget.resize(700, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def yesterday_at_ten() -> QDateTime:
    when = QDateTime.currentDateTime().addDays(-1)
    when.setTime(QTime(10, 0))
    return when


def tick(qtbot: QtBot, form: HomeVisitWidget, text: str) -> None:
    """Tick a party the way a keyboard user does: select the row, press space."""
    rows = [form.present.item(r).text() for r in range(form.present.count())]
    form.present.setFocus()
    form.present.setCurrentRow(rows.index(text))
    qtbot.keyClick(form.present, Qt.Key.Key_Space)


def test_registering_a_visit_fulfils_the_deadline(
    qtbot: QtBot, vault: Vault, case_id: str, form: HomeVisitWidget
) -> None:
    assert form.status.text().startswith("I god tid · frist ")
    assert form.reason_box.isVisible()
    assert [form.present.item(r).text() for r in range(form.present.count())] == [
        "Åse Holm (Barn)",
        "Hanne Holm (Forælder)",
    ]
    form.held.setDateTime(yesterday_at_ten())
    tick(qtbot, form, "Hanne Holm (Forælder)")
    qtbot.keyClicks(form.others, "Morfar, tolk")
    qtbot.keyClicks(form.observations, "Rent og ryddeligt. Åse viste sit værelse.")
    with qtbot.waitSignal(form.saved):
        qtbot.mouseClick(form.save_visit_button, Qt.MouseButton.LeftButton)
        written(qtbot)

    assert form.status.text().startswith("Opfyldt · frist ")
    assert form.visit_done.text() == "Hjemmebesøget er gemt."
    assert not form.visit_error.isVisible()
    assert form.observations.toPlainText() == ""  # ready for the next visit
    with vault.session() as s:
        (visit,) = [m for m in s.query(Meeting).all() if m.kind == MeetingKind.HJEMMEBESOEG]
        assert visit.notes == "Rent og ryddeligt. Åse viste sit værelse."
        assert [a["name"] for a in visit.attendees] == ["Hanne Holm", "Morfar", "tolk"]

    timeline = TimelineWidget(vault, case_id)
    qtbot.addWidget(timeline)
    timeline.show()
    rows = [
        [timeline.proxy.index(r, c).data() for c in range(3)]
        for r in range(timeline.proxy.rowCount())
    ]
    assert rows[0][Column.HAENDELSE] == "Hjemmebesøg"
    assert rows[0][Column.DETALJER].startswith("Til stede: Hanne Holm, Morfar, tolk")
    assert rows[0][Column.DATO].endswith("10:00")
    assert [r[Column.HAENDELSE] for r in rows[1:]] == [
        "Børnefaglig undersøgelse startet",
        "Underretning modtaget",
    ]
    assert not timeline.empty.isVisible()


def test_a_future_visit_is_refused_and_the_text_kept(
    qtbot: QtBot, vault: Vault, form: HomeVisitWidget
) -> None:
    form.held.setDateTime(QDateTime.currentDateTime().addDays(2))
    qtbot.keyClicks(form.observations, "Aftalt besøg")
    qtbot.mouseClick(form.save_visit_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert form.visit_error.isVisible()
    assert form.visit_error.text().startswith(
        "Hjemmebesøget er ikke gemt. Datoen ligger i fremtiden."
    )
    assert form.observations.toPlainText() == "Aftalt besøg"
    assert form.status.text().startswith("I god tid")


def test_reason_for_no_visit(qtbot: QtBot, vault: Vault, form: HomeVisitWidget) -> None:
    qtbot.mouseClick(form.save_reason_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert form.reason_error.text() == "Begrundelsen er ikke gemt. Feltet skal udfyldes."

    qtbot.keyClicks(form.reason, "Familien ønskede ikke besøg.")
    qtbot.mouseClick(form.save_reason_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    assert not form.reason_error.isVisible()
    assert form.status.text().startswith("Undtaget · frist ")
    assert form.status.text().endswith("\nBegrundelse: Familien ønskede ikke besøg.")
    assert form.reason_done.text() == "Begrundelsen er gemt."


def test_without_an_open_assessment_only_a_visit_can_be_registered(
    qtbot: QtBot, vault: Vault
) -> None:
    widget = HomeVisitWidget(vault, make_case(vault, assessment=False))
    qtbot.addWidget(widget)
    widget.show()
    assert widget.status.text() == NO_ASSESSMENT
    assert not widget.reason_box.isVisible()
    assert widget.visit_box.isVisible()


def test_timeline_of_an_empty_case_says_so(qtbot: QtBot, vault: Vault) -> None:
    with vault.session() as s:
        child, _ = services.create_person(s, "Ørjan", "Bak")
        case_id = services.create_case(s, child, opened_on=TODAY).id
    widget = TimelineWidget(vault, case_id)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.proxy.rowCount() == 0
    assert widget.empty.isVisible() and widget.empty.text() == EMPTY


def test_timeline_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, vault: Vault, case_id: str
) -> None:
    widget = TimelineWidget(vault, case_id)
    qtbot.addWidget(widget)
    assert widget.model.rowCount() == 0  # read when first shown
    widget.show()
    assert widget.model.rowCount() == 2
    qtmodeltester.check(widget.model)
    qtmodeltester.check(widget.proxy)
    headers = [widget.model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert headers == ["Dato", "Hændelse", "Detaljer"]
