"""Persons in the running app, opened the way a caseworker does (search, Enter, the "Personer"
tab): no full CPR number anywhere in the case window until "Vis CPR" is asked for one person
(from the keyboard; the reveal is logged), the edit form keeps the number masked, a change from
elsewhere reaches the table without touching the form, an overlong text is refused naming the
field, and a party with the old custody role reads as a parent with custody."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from desktop.persons import Column, PartiesWidget
from models import services
from models.schema import AuditEvent, Case, CaseParty, Person
from models.vocabulary import AuditAction, PartyRole
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness

CHILD_CPR = "010315-4321"
MOTHER_CPR = "150885-2468"
TOLK_CPR = "241190-1234"
FULL = (CHILD_CPR, MOTHER_CPR, TOLK_CPR)
ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.EditRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.StatusTipRole,
)


def model_texts(model: QAbstractItemModel) -> Iterator[str]:
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a list model (a combo box's) has one column, privately
        columns = 1
    for c in range(columns):
        for role in ROLES:
            yield str(model.headerData(c, Qt.Orientation.Horizontal, role) or "")
    for r in range(model.rowCount(QModelIndex())):
        for c in range(columns):
            index = model.index(r, c, QModelIndex())
            for role in ROLES:
                yield str(index.data(role) or "")


def every_text(top: QWidget) -> str:
    """All a user could come to read in ``top``, shown or in a hidden tab: titles, labels,
    fields and placeholders, tooltips, button and combo texts, and every item view's data."""
    texts: list[str] = [top.windowTitle()]
    for w in [top, *top.findChildren(QWidget)]:
        texts += [w.toolTip(), w.accessibleName(), w.accessibleDescription(), w.statusTip()]
        if isinstance(w, QLabel):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        elif isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            texts += model_texts(w.model())
    for w in [top, *top.findChildren(QWidget)]:
        texts += [a.text() + a.toolTip() for a in w.actions()]
    return "\n".join(texts)


def start(harness_for: Callable[..., Harness], filled: Filled) -> Harness:
    with filled.vault.session() as s:
        case = services.get(s, Case, filled.case_ids["Anna Jensen"])
        tolk, _ = services.create_person(s, "Ahmad", "Karimi", cpr=TOLK_CPR, phone="30 40 50 60")
        services.add_party(s, case, tolk, PartyRole.TOLK, note="Tolk, arabisk")
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    return h


def open_case(qtbot: QtBot, h: Harness) -> CaseSummaryDialog:
    window = h.window
    qtbot.waitExposed(window)
    window.activateWindow()
    case_list = window.case_list
    assert case_list is not None
    qtbot.keyClicks(case_list.search, "anna")
    qtbot.keyClick(case_list.search, Qt.Key.Key_Return)
    (dialog,) = [d for d in window.findChildren(CaseSummaryDialog) if d.isVisible()]
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def go_to_persons(qtbot: QtBot, dialog: CaseSummaryDialog) -> PartiesWidget:
    bar = dialog.tabs.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i) == "&Personer")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    persons = dialog.tabs.currentWidget()
    assert isinstance(persons, PartiesWidget)
    return persons


def cells(persons: PartiesWidget, name: str) -> list[str]:
    proxy = persons.proxy
    for r in range(proxy.rowCount()):
        if proxy.index(r, Column.NAVN).data() == name:
            return [str(proxy.index(r, c).data()) for c in Column]
    raise AssertionError(f"{name} not in the table")


def select_row(qtbot: QtBot, persons: PartiesWidget, name: str) -> None:
    """Move the keyboard cursor to ``name``'s row (Ctrl+Home, then Down)."""
    persons.table.setFocus()
    qtbot.keyClick(persons.table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    for _ in range(persons.proxy.rowCount()):
        party = persons.selected_party()
        if party is not None and party.name == name:
            return
        qtbot.keyClick(persons.table, Qt.Key.Key_Down)
    raise AssertionError(name)


def reveals(h: Harness) -> list[tuple[str | None, str | None, AuditAction]]:
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        return [
            (e.entity_id, e.case_id, e.action)
            for e in s.query(AuditEvent).filter_by(entity="person_cpr")
        ]


def test_no_full_cpr_until_vis_cpr_and_then_only_the_one_asked_for(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    h = start(harness_for, filled)
    dialog = open_case(qtbot, h)
    persons = go_to_persons(qtbot, dialog)
    text = every_text(dialog)
    assert "150885-XXXX" in text and "241190-XXXX" in text
    assert not [n for n in FULL if n in text]

    # Editing a person does not show the number either: the field is empty, the number kept.
    select_row(qtbot, persons, "Ahmad Karimi")
    qtbot.keyClick(persons.table, Qt.Key.Key_Return)  # Enter: change the selected person
    assert persons.form.title() == "Ret Ahmad Karimi"
    assert persons.cpr.text() == ""
    assert "241190-XXXX" in persons.cpr.placeholderText()
    assert not [n for n in FULL if n in every_text(dialog)]
    assert reveals(h) == []

    # Vis CPR from the keyboard (Alt+S): only this person's number, logged once.
    persons.table.setFocus()
    qtbot.keyClick(persons.table, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: cells(persons, "Ahmad Karimi")[Column.CPR] == TOLK_CPR)
    assert persons.cpr.text() == TOLK_CPR  # the form being edited gets it too
    text = every_text(dialog)
    assert CHILD_CPR not in text and MOTHER_CPR not in text
    case_id = filled.case_ids["Anna Jensen"]
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        tolk_id = s.query(Person).filter_by(first_name="Ahmad").one().id
    assert reveals(h) == [(tolk_id, case_id, AuditAction.VIST)]
    assert not persons.reveal_button.isEnabled()  # shown already: no second log line

    # Saving with the revealed number keeps it; a cancelled form leaves nothing behind.
    persons.cancel_button.click()
    assert persons.cpr.text() == "" and persons.form.title() == "Tilføj person til sagen"

    # The context menu offers the same, for another person.
    select_row(qtbot, persons, "Hanne Jensen")
    assert [a.text() for a in persons.table.actions()] == [
        "Ret personen …",
        "Vis CPR (logges)",
        "Fjern fra sagen …",
    ]
    persons.reveal_action.trigger()
    written(qtbot)
    assert cells(persons, "Hanne Jensen")[Column.CPR] == MOTHER_CPR
    assert len(reveals(h)) == 2
    assert CHILD_CPR not in every_text(dialog)


def test_editing_keeps_the_masked_number_and_follows_changes_from_elsewhere(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    h = start(harness_for, filled)
    dialog = open_case(qtbot, h)
    persons = go_to_persons(qtbot, dialog)
    vault = h.controller.vault
    assert vault is not None

    # The old custody role (from an older version or a colleague) reads as a parent with custody.
    with vault.session() as s:
        case = services.get(s, Case, filled.case_ids["Anna Jensen"])
        father, _ = services.create_person(s, "Jens", "Jensen")
        services.add(
            s,
            CaseParty(
                case_id=case.id,
                person_id=father.id,
                role=PartyRole.FORAELDREMYNDIGHED,
                has_custody=False,
                party_rights=True,
            ),
        )
    qtbot.waitUntil(lambda: "Jens Jensen" in [r[0] for r in rows(persons)], timeout=5000)
    father_row = cells(persons, "Jens Jensen")
    assert father_row[Column.ROLLE] == "Forælder"
    assert father_row[Column.FORAELDREMYNDIGHED] == "Ja"
    assert father_row[Column.PARTSRETTIGHEDER] == "Ja"
    overview = {row[0]: row for row in overview_parties(dialog)}
    assert overview["Jens Jensen"][1] == "Forælder"
    assert overview["Jens Jensen"][4] == "Ja"  # Forældremyndighed

    # Edit the tolk: the form shows the masked number only, and is left alone by a change
    # that arrives meanwhile (here another session; a sync page is announced the same way).
    select_row(qtbot, persons, "Ahmad Karimi")
    persons.edit_button.click()
    persons.phone.clear()
    qtbot.keyClicks(persons.phone, "99 88 77 66")
    persons.party_note.setFocus()
    persons.party_note.selectAll()
    qtbot.keyClicks(persons.party_note, "Tolk, dari")
    with vault.session() as s:
        hanne = s.query(Person).filter_by(first_name="Hanne").one()
        services.update(s, hanne, phone="11 11 11 11")
    qtbot.waitUntil(
        lambda: cells(persons, "Hanne Jensen")[Column.KONTAKT] == "11 11 11 11", timeout=5000
    )
    assert persons.selected_party() is not None
    assert persons.selected_party().name == "Ahmad Karimi"  # type: ignore[union-attr]
    assert persons.phone.text() == "99 88 77 66"  # nothing typed is lost
    assert persons.form.title() == "Ret Ahmad Karimi"

    # An overlong phone number (pasted) is refused on save, naming the field; the text stays.
    persons.phone.setText("1" * 41)
    persons.add_button.click()
    written(qtbot)
    assert persons.error.isVisible()
    assert persons.error.text() == (
        "Ændringerne er ikke gemt. Telefon: Teksten er for lang til at blive gemt."
    )
    assert persons.phone.text() == "1" * 41
    assert QApplication.focusWidget() is persons.phone or not dialog.isActiveWindow()

    persons.phone.setText("99 88 77 66")
    persons.party_rights.setChecked(True)
    persons.add_button.click()
    written(qtbot)
    assert not persons.error.isVisible(), persons.error.text()
    row = cells(persons, "Ahmad Karimi")
    assert row[Column.CPR] == "241190-XXXX"  # kept, still masked
    assert row[Column.KONTAKT] == "99 88 77 66"
    assert row[Column.PARTSRETTIGHEDER] == "Ja"
    assert row[Column.BEMAERKNING] == "Tolk, dari"
    with vault.reading() as s:
        tolk = s.query(Person).filter_by(first_name="Ahmad").one()
        assert tolk.cpr == TOLK_CPR
    assert reveals(h) == []  # saving a masked number is no reveal
    qtbot.waitUntil(
        lambda: any(row[3] == "99 88 77 66" for row in overview_parties(dialog)), timeout=5000
    )


def rows(persons: PartiesWidget) -> list[list[str]]:
    proxy = persons.proxy
    return [
        [str(proxy.index(r, c).data()) for c in range(proxy.columnCount())]
        for r in range(proxy.rowCount())
    ]


def overview_parties(dialog: CaseSummaryDialog) -> list[list[str]]:
    t = dialog.parties
    return [
        [(item.text() if (item := t.item(r, c)) else "") for c in range(t.columnCount())]
        for r in range(t.rowCount())
    ]
