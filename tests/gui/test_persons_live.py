"""Persons in the running app: the role is chosen explicitly (a "Tolk" stays a tolk), every
field of an existing person can be changed and shows in the table and the overview, "Vis CPR"
reveals one person's number and is logged, and a half-typed person survives a lock."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from desktop.messages import REQUIRED_FIELDS
from desktop.persons import Column, PartiesWidget
from models.schema import AuditEvent, CaseParty, Person
from models.vocabulary import PartyRole
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness


def open_persons(h: Harness, case_id: str) -> tuple[CaseSummaryDialog, PartiesWidget]:
    dialog = h.window.show_case(case_id)
    assert isinstance(dialog, CaseSummaryDialog)
    persons = dialog.findChild(PartiesWidget)
    assert persons is not None
    dialog.tabs.setCurrentWidget(persons)
    return dialog, persons


def cells(persons: PartiesWidget, name: str) -> list[str]:
    proxy = persons.proxy
    for r in range(proxy.rowCount()):
        if proxy.index(r, Column.NAVN).data() == name:
            return [str(proxy.index(r, c).data()) for c in Column]
    raise AssertionError(f"{name} not in the table")


def select(persons: PartiesWidget, name: str) -> None:
    for r in range(persons.proxy.rowCount()):
        if persons.proxy.index(r, Column.NAVN).data() == name:
            persons.table.selectRow(r)
            return
    raise AssertionError(name)


def unlocked(harness_for: Callable[..., Harness], filled: Filled) -> Harness:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    return h


def test_role_is_chosen_and_a_person_is_edited_everywhere(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    h = unlocked(harness_for, filled)
    dialog, persons = open_persons(h, filled.case_ids["Anna Jensen"])

    qtbot.keyClicks(persons.first_name, "Ahmad")
    qtbot.keyClicks(persons.last_name, "Karimi")
    persons.add_button.click()
    written(qtbot)
    assert persons.role_error.text() == REQUIRED_FIELDS["role"]  # no silent "Forælder"
    assert persons.role_error.isVisible()
    assert persons.first_name.text() == "Ahmad"  # nothing typed is lost
    persons.role.setCurrentIndex(persons.role.findData(PartyRole.TOLK))
    persons.add_button.click()
    written(qtbot)
    assert cells(persons, "Ahmad Karimi")[Column.ROLLE] == "Tolk"

    select(persons, "Hanne Jensen")
    persons.edit_button.click()
    assert persons.form.title() == "Ret Hanne Jensen"
    assert persons.role.currentData() == PartyRole.FORAELDER  # custody is the flag
    assert persons.custody.isChecked()
    persons.phone.setText("20 30 40 50")
    persons.email.setText("hanne@example.dk")
    persons.note.setText("Foretrækker sms")
    persons.last_name.setText("Jensen Holm")
    persons.add_button.click()
    written(qtbot)
    assert not persons.error.isVisible(), persons.error.text()
    row = cells(persons, "Hanne Jensen Holm")
    assert row[Column.KONTAKT] == "20 30 40 50 · hanne@example.dk"
    assert "Foretrækker sms" in row[Column.BEMAERKNING]
    assert persons.form.title() == "Tilføj person til sagen"
    # The overview follows without reopening.
    qtbot.waitUntil(
        lambda: any(
            dialog.parties.item(r, 3) is not None
            and dialog.parties.item(r, 3).text() == "20 30 40 50 · hanne@example.dk"
            for r in range(dialog.parties.rowCount())
        ),
        timeout=5000,
    )
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        hanne = s.query(Person).filter_by(first_name="Hanne").one()
        assert (hanne.last_name, hanne.phone, hanne.email) == (
            "Jensen Holm",
            "20 30 40 50",
            "hanne@example.dk",
        )
        party = s.query(CaseParty).filter_by(person_id=hanne.id).one()
        assert (party.role, party.has_custody) == (PartyRole.FORAELDER, True)

    # Vis CPR: one person, logged.
    select(persons, "Hanne Jensen Holm")
    assert cells(persons, "Hanne Jensen Holm")[Column.CPR] == "150885-XXXX"
    persons.reveal_button.click()
    written(qtbot)
    assert cells(persons, "Hanne Jensen Holm")[Column.CPR] == "150885-2468"
    assert cells(persons, "Anna Jensen")[Column.CPR] == "010315-XXXX"
    with vault.reading() as s:
        assert s.query(AuditEvent).filter_by(entity="person_cpr", entity_id=hanne.id).count() == 1


def test_a_half_typed_person_survives_a_lock(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    h = unlocked(harness_for, filled)
    _, persons = open_persons(h, filled.case_ids["Anna Jensen"])
    qtbot.keyClicks(persons.first_name, "Morfar")
    qtbot.keyClicks(persons.phone, "11 22 33 44")
    persons.role.setCurrentIndex(persons.role.findData(PartyRole.BEDSTEFORAELDER))
    h.window.lock_action.trigger()
    h.unlock()
    dialog = next(d for d in h.window.findChildren(CaseSummaryDialog) if d.isVisible())
    again = dialog.findChild(PartiesWidget)
    assert again is not None
    assert (again.first_name.text(), again.phone.text()) == ("Morfar", "11 22 33 44")
    assert again.role.currentData() == PartyRole.BEDSTEFORAELDER
