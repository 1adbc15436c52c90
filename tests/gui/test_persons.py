"""The parties widget driven like a caseworker drives it: type a person into the form, add them,
read the table; refused input keeps what was typed and says why in Danish; removal asks first and
leaves a tombstone; the case's own child cannot be removed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desktop.messages import error_text, warning_text
from desktop.persons import (
    CHILD_NOT_REMOVABLE,
    Column,
    PartiesWidget,
    PartyTableModel,
    cpr_feedback,
)
from models import services
from models.errors import InvalidCpr
from models.schema import CaseParty, Person
from models.vault import Vault
from models.vocabulary import PARTY_ROLE_LABELS, PartyRole
from tests.gui.conftest import written

VALID_FATHER = "120385-1231"  # modulus 11 holds; odd last digit: a man born 12.03.1985
MOD11_FAILS = "120385-1232"  # a real number without the check digit (allowed since 2007)
IMPOSSIBLE_DATE = "310285-1234"  # there is no 31 February


@pytest.fixture
def case_id(vault: Vault) -> str:
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm", cpr="050520-4012")
        return services.create_case(s, child, opened_on=date(2024, 1, 10)).id


@pytest.fixture
def widget(qtbot: QtBot, vault: Vault, case_id: str) -> Iterator[PartiesWidget]:
    w = PartiesWidget(vault, case_id)
    qtbot.addWidget(w)
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)
    yield w


def counts(vault: Vault) -> tuple[int, int]:
    with vault.session() as s:
        persons = s.scalar(select(func.count()).select_from(Person)) or 0
        parties = s.scalar(select(func.count()).select_from(CaseParty)) or 0
    return persons, parties


def table(widget: PartiesWidget) -> list[list[str]]:
    proxy = widget.proxy
    return [
        [str(proxy.index(r, c).data()) for c in range(proxy.columnCount())]
        for r in range(proxy.rowCount())
    ]


def row_of(widget: PartiesWidget, name: str) -> list[str]:
    (found,) = [r for r in table(widget) if r[Column.NAVN] == name]
    return found


def choose_role(widget: PartiesWidget, role: PartyRole) -> None:
    widget.role.setCurrentIndex(widget.role.findData(role))


def click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    written(qtbot)  # the save's answer has come back from the writer


def test_model_passes_the_model_tester(qtmodeltester, vault: Vault, case_id: str) -> None:
    model = PartyTableModel(vault.session, case_id)
    qtmodeltester.check(model)
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == 1


def test_proxy_passes_the_model_tester(qtmodeltester, widget: PartiesWidget) -> None:
    qtmodeltester.check(widget.proxy)


def test_only_the_child_at_first(widget: PartiesWidget) -> None:
    assert table(widget) == [["Åse Holm", "Barn", "050520-XXXX", "Nej", "Ja", "", ""]]
    assert widget.role.findData(PartyRole.BARN) == -1  # the child is already the case's party


def test_parent_with_valid_cpr_and_custody(
    qtbot: QtBot, vault: Vault, case_id: str, widget: PartiesWidget
) -> None:
    qtbot.keyClicks(widget.first_name, "Søren")
    qtbot.keyClicks(widget.last_name, "Holm")
    qtbot.keyClicks(widget.cpr, VALID_FATHER)
    assert widget.cpr_hint.text() == "Født 12.03.1985, mand"
    choose_role(widget, PartyRole.FORAELDER)
    widget.custody.setChecked(True)
    qtbot.keyClicks(widget.phone, "12 34 56 78")
    qtbot.keyClicks(widget.address, "Østergade 4, 8000 Aarhus C")
    click(qtbot, widget.add_button)

    assert not widget.error.isVisible()
    assert not widget.warning.isVisible()
    assert widget.status.text() == "Søren Holm er tilføjet til sagen som Forælder."
    assert row_of(widget, "Søren Holm")[:5] == ["Søren Holm", "Forælder", "120385-XXXX", "Ja", "Ja"]
    assert widget.selected_party() is not None
    assert widget.selected_party().name == "Søren Holm"  # type: ignore[union-attr]
    assert widget.first_name.text() == ""  # the form is ready for the next person
    assert not [cell for row in table(widget) for cell in row if "1231" in cell]  # no serial

    with vault.session() as s:
        parties = services.case_parties(s, case_id)
        ((party, person),) = [(p, q) for p, q in parties if q.first_name == "Søren"]
        assert (person.cpr, person.birth_date, person.sex) == (
            VALID_FATHER,
            date(1985, 3, 12),
            "M",
        )
        assert (person.phone, person.address) == ("12 34 56 78", "Østergade 4, 8000 Aarhus C")
        assert (party.role, party.has_custody, party.party_rights) == (
            PartyRole.FORAELDER,
            True,
            True,
        )


def test_parent_without_custody_has_no_party_rights(qtbot: QtBot, widget: PartiesWidget) -> None:
    qtbot.keyClicks(widget.first_name, "Bo")
    choose_role(widget, PartyRole.FORAELDER)
    click(qtbot, widget.add_button)
    assert row_of(widget, "Bo")[Column.FORAELDREMYNDIGHED : Column.KONTAKT] == ["Nej", "Nej"]


def test_impossible_cpr_date_is_refused_in_danish_and_keeps_the_text(
    qtbot: QtBot, vault: Vault, widget: PartiesWidget
) -> None:
    before = counts(vault)
    qtbot.keyClicks(widget.first_name, "Mette")
    qtbot.keyClicks(widget.last_name, "Ørum")
    qtbot.keyClicks(widget.cpr, IMPOSSIBLE_DATE)
    message = error_text(InvalidCpr(reason="date", field="cpr"))
    assert widget.cpr_hint.text() == message  # live, before anything is saved
    assert counts(vault) == before
    click(qtbot, widget.add_button)

    assert widget.error.isVisible()
    assert widget.error.text() == "Personen er ikke tilføjet. " + message
    assert message == "CPR-nummeret indeholder ikke en gyldig fødselsdato."
    assert counts(vault) == before
    assert len(table(widget)) == 1
    assert (widget.first_name.text(), widget.last_name.text(), widget.cpr.text()) == (
        "Mette",
        "Ørum",
        IMPOSSIBLE_DATE,
    )
    assert widget.cpr.hasFocus()


def test_badly_formatted_cpr_is_refused(qtbot: QtBot, vault: Vault, widget: PartiesWidget) -> None:
    before = counts(vault)
    qtbot.keyClicks(widget.first_name, "Mette")
    qtbot.keyClicks(widget.cpr, "12038-51231")
    click(qtbot, widget.add_button)
    assert widget.error.text() == (
        "Personen er ikke tilføjet. CPR-nummeret skal skrives som DDMMÅÅ-XXXX (10 cifre)."
    )
    assert counts(vault) == before
    assert widget.cpr.text() == "12038-51231"


def test_missing_first_name_names_the_field(
    qtbot: QtBot, vault: Vault, widget: PartiesWidget
) -> None:
    before = counts(vault)
    qtbot.keyClicks(widget.last_name, "Holm")
    click(qtbot, widget.add_button)
    assert widget.error.text() == "Personen er ikke tilføjet. Fornavn: Feltet skal udfyldes."
    assert counts(vault) == before
    assert widget.last_name.text() == "Holm"


def test_modulus11_failure_saves_and_warns(
    qtbot: QtBot, vault: Vault, case_id: str, widget: PartiesWidget
) -> None:
    qtbot.keyClicks(widget.first_name, "Lone")
    qtbot.keyClicks(widget.last_name, "Holm")
    qtbot.keyClicks(widget.cpr, MOD11_FAILS)
    assert widget.cpr_hint.text() == "Født 12.03.1985, kvinde"  # not refused while typing
    assert widget.role.currentText() == "Vælg rolle …"  # no silent default
    assert widget.role.findData(PartyRole.FORAELDREMYNDIGHED) == -1  # custody is the flag
    assert not widget.custody.isChecked()
    choose_role(widget, PartyRole.FORAELDER)
    widget.custody.setChecked(True)
    click(qtbot, widget.add_button)

    assert not widget.error.isVisible()
    assert widget.warning.isVisible()
    assert widget.warning.text() == warning_text("cpr.modulus11")
    assert widget.warning.text().startswith("Bemærk: CPR-nummeret opfylder ikke modulus 11")
    assert row_of(widget, "Lone Holm")[:5] == [
        "Lone Holm",
        PARTY_ROLE_LABELS[PartyRole.FORAELDER],
        "120385-XXXX",
        "Ja",
        "Ja",
    ]
    with vault.session() as s:
        assert MOD11_FAILS in [q.cpr for _p, q in services.case_parties(s, case_id)]

    # The warning belongs to that save: the next one clears it.
    qtbot.keyClicks(widget.first_name, "Kim")
    click(qtbot, widget.add_button)
    assert not widget.warning.isVisible()


def test_unborn_child_with_termin_date(
    qtbot: QtBot, vault: Vault, case_id: str, widget: PartiesWidget
) -> None:
    assert not widget.expected_date.isEnabled()
    click(qtbot, widget.unborn)  # the checkbox, clicked
    assert widget.unborn.isChecked()
    assert widget.expected_date.isEnabled()
    assert not widget.birth_date.isEnabled()
    termin = QDate.currentDate().addDays(60)
    widget.expected_date.setDate(termin)
    choose_role(widget, PartyRole.SOESKENDE)
    click(qtbot, widget.add_button)

    assert not widget.error.isVisible()
    expected = date(termin.year(), termin.month(), termin.day())
    row = row_of(widget, "Ufødt barn")
    assert row[Column.ROLLE] == "Søskende"
    assert row[Column.CPR] == f"Ufødt, termin {expected:%d.%m.%Y}"
    with vault.session() as s:
        ((person),) = [q for _p, q in services.case_parties(s, case_id) if q.unborn]
        assert (person.expected_date, person.cpr, person.birth_date) == (expected, None, None)


def test_unborn_with_cpr_is_refused(qtbot: QtBot, vault: Vault, widget: PartiesWidget) -> None:
    before = counts(vault)
    widget.unborn.setChecked(True)
    qtbot.keyClicks(widget.cpr, VALID_FATHER)
    click(qtbot, widget.add_button)
    assert widget.error.text() == (
        "Personen er ikke tilføjet. Et ufødt barn kan ikke have CPR-nummer eller fødselsdato."
    )
    assert counts(vault) == before


def test_person_without_cpr(qtbot: QtBot, vault: Vault, case_id: str, widget: PartiesWidget):
    qtbot.keyClicks(widget.first_name, "Jonna")
    qtbot.keyClicks(widget.last_name, "Berg")
    choose_role(widget, PartyRole.BEDSTEFORAELDER)
    click(qtbot, widget.add_button)
    assert row_of(widget, "Jonna Berg")[:5] == [
        "Jonna Berg",
        "Bedsteforælder",
        "Intet CPR",
        "Nej",
        "Nej",
    ]

    # With a known birth date but still no CPR number.
    qtbot.keyClicks(widget.first_name, "Erik")
    widget.birth_unknown.setChecked(False)
    assert widget.birth_date.isEnabled()
    widget.birth_date.setDate(QDate(1950, 6, 1))
    assert widget.role.currentData() is None  # each person's role is chosen anew
    choose_role(widget, PartyRole.BEDSTEFORAELDER)
    click(qtbot, widget.add_button)
    assert row_of(widget, "Erik")[Column.CPR] == "Intet CPR (født 01.06.1950)"
    with vault.session() as s:
        found = {q.first_name: q for _p, q in services.case_parties(s, case_id)}
        assert (found["Jonna"].cpr, found["Jonna"].birth_date) == (None, None)
        assert (found["Erik"].cpr, found["Erik"].birth_date) == (None, date(1950, 6, 1))


def click_confirm(qtbot: QtBot, label: str) -> str:
    def visible_boxes() -> list[QMessageBox]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        ]

    qtbot.waitUntil(lambda: len(visible_boxes()) == 1, timeout=3000)
    (dialog,) = visible_boxes()
    text = dialog.text()
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == label]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    written(qtbot)
    return text


def select_row(qtbot: QtBot, widget: PartiesWidget, name: str) -> None:
    (row,) = [r for r, cells in enumerate(table(widget)) if cells[Column.NAVN] == name]
    rect = widget.table.visualRect(widget.proxy.index(row, Column.NAVN))
    qtbot.mouseClick(widget.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert widget.selected_party().name == name  # type: ignore[union-attr]


def test_removing_a_party_asks_and_leaves_a_tombstone(
    qtbot: QtBot, vault: Vault, case_id: str, widget: PartiesWidget
) -> None:
    qtbot.keyClicks(widget.first_name, "Søren")
    qtbot.keyClicks(widget.last_name, "Holm")
    choose_role(widget, PartyRole.FORAELDER)
    click(qtbot, widget.add_button)
    with vault.session() as s:
        (party_id,) = [p.id for p, _q in services.case_parties(s, case_id) if p.role == "foraelder"]

    select_row(qtbot, widget, "Søren Holm")
    click(qtbot, widget.remove_button)
    text = click_confirm(qtbot, "Annullér")
    assert text == "Fjern Søren Holm (Forælder) fra sagen? Personen fjernes kun fra denne sag."
    assert len(table(widget)) == 2

    click(qtbot, widget.remove_button)
    click_confirm(qtbot, "Fjern fra sagen")
    qtbot.waitUntil(lambda: len(table(widget)) == 1, timeout=3000)
    assert [r[Column.NAVN] for r in table(widget)] == ["Åse Holm"]
    with vault.session() as s:
        party = services.get(s, CaseParty, party_id, include_deleted=True)
        assert party.deleted_at is not None
        assert services.get(s, Person, party.person_id).first_name == "Søren"  # person stays


def test_the_child_cannot_be_removed(
    qtbot: QtBot, vault: Vault, case_id: str, widget: PartiesWidget
) -> None:
    select_row(qtbot, widget, "Åse Holm")
    click(qtbot, widget.remove_button)
    assert widget.list_error.isVisible()
    assert widget.list_error.text() == CHILD_NOT_REMOVABLE
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    # Not through the slot either.
    child_party = widget.selected_party()
    assert child_party is not None
    assert not widget.remove_party(child_party.party_id)
    with vault.session() as s:
        assert len(services.case_parties(s, case_id)) == 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12038", ("", True)),
        ("120385-1231", ("Født 12.03.1985, mand", True)),
        ("0505204012", ("Født 05.05.2020, kvinde", True)),
        ("310285-1234", ("CPR-nummeret indeholder ikke en gyldig fødselsdato.", False)),
    ],
)
def test_cpr_feedback(typed: str, expected: tuple[str, bool]) -> None:
    assert cpr_feedback(typed) == expected
