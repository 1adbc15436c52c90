"""The one form renderer driven like a caseworker drives it, in the running app after an unlock:
an underretning filled in with the keyboard alone (Tab follows the form), "Afslut" refused with
the Danish list of what is missing, then finalised: read-only, in the timeline, and the 24-hour
deadline met; what is typed survives a lock; a damaged row shows its error alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.case_forms import CaseFormsWidget
from desktop.case_summary import CaseSummaryDialog
from desktop.form_editor import CANNOT_OPEN, FINALISED, NOT_STARTED, SAVED, FormEditor
from desktop.form_fields import ChoiceEditor, PersonEditor, YesNoEditor
from desktop.form_rows import GroupEditor
from desktop.form_view import COMPLETE_MARK, FormView
from desktop.timeline import TimelineWidget
from models import services
from models.deadlines import DeadlineStatus
from models.deadlines.service import deadlines_for_case
from models.forms import Field, FieldType, Form, IcsTriangle
from models.schema import Assessment, Meeting, Notification
from models.vocabulary import AssessmentStatus, MeetingKind, NotifierKind
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness
from tests.gui.test_mnemonics import collisions
from tests.gui.test_text_size import laid_out

RECEIVED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
TAB = Qt.Key.Key_Tab
ALT = Qt.KeyboardModifier.AltModifier
DK = ZoneInfo("Europe/Copenhagen")


#: A complete underretning from a citizen (not in danger, no running support).
COMPLETE: dict[str, Any] = {
    "modtaget": RECEIVED.isoformat(),
    "modtaget_hvordan": "mail",
    "underretter_type": "borger",
    "underretter_navn": "Bo Nabo",
    "bekymring": "Naboen hører råb om natten.",
    "bekymring_ics": [{"dimension": "sundhedsforhold", "tekst": "Råb om natten."}],
    "overgreb": {"value": False},
    "i_fare": {"value": False},
    "akut": {"value": False},
    "vurdering": "Ingen akut fare.",
    "udfald": "raad_og_vejledning",
    "loebende_stoette": {"value": False},
}


@pytest.fixture
def rows(filled: Filled) -> dict[str, str]:
    """Anna's case: an underretning from a citizen (no answers yet) and an undersøgelse."""
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:
        notification = services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=RECEIVED,
                notifier_kind=NotifierKind.BORGER,
                summary="Naboen hører råb om natten.",
            ),
        )
        assessment = services.add(
            s,
            Assessment(
                case_id=case_id,
                aware_on=date.today() - timedelta(days=20),
                started_on=date.today() - timedelta(days=10),
            ),
        )
        return {"notification": notification.id, "assessment": assessment.id, "case": case_id}


@pytest.fixture
def app(
    harness_for: Callable[..., Harness], filled: Filled, rows: dict[str, str]
) -> Iterator[Harness]:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    yield h


def forms_tab(qtbot: QtBot, h: Harness, case_id: str) -> tuple[CaseSummaryDialog, CaseFormsWidget]:
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    forms = dialog.findChild(CaseFormsWidget)
    assert forms is not None
    dialog.tabs.setCurrentWidget(forms)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog, forms


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def tab_to(qtbot: QtBot, target: QWidget, most: int = 12) -> None:
    """Press Tab until ``target`` has the focus (within ``most`` presses): the form's order."""
    for _ in range(most):
        if focused() is target:
            return
        qtbot.keyClick(focused(), TAB)
    assert focused() is target, f"Tab did not reach {target.accessibleName()!r}"


def pick(qtbot: QtBot, button: QAbstractButton, most: int = 12) -> None:
    """Tick a radio button with the keyboard: Tab into its group, arrow to it, Space."""
    group = [b for b in button.parent().findChildren(QRadioButton)]
    for _ in range(most):
        if focused() in group:
            break
        qtbot.keyClick(focused(), TAB)
    assert focused() in group, f"Tab did not reach {button.text()!r}"
    for _ in range(len(group)):
        if focused() is button:
            break
        qtbot.keyClick(focused(), Qt.Key.Key_Right)
    assert focused() is button
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert button.isChecked()


def keys(qtbot: QtBot, *sequence: Any) -> None:
    for key in sequence:
        if isinstance(key, str):
            qtbot.keyClicks(focused(), key)
        else:
            qtbot.keyClick(focused(), key)


def editor(view: FormView, field_id: str) -> Any:
    return view.rows[field_id].editor


def open_notification(qtbot: QtBot, h: Harness, rows: dict[str, str]) -> FormEditor:
    _, forms = forms_tab(qtbot, h, rows["case"])
    ModelTester(qtbot).check(forms.model)
    titles = {line.row_id: (line.title, line.status) for line in forms.lines()}
    assert titles[rows["notification"]] == ("Underretning", NOT_STARTED)
    assert titles[rows["assessment"]] == ("Børnefaglig undersøgelse", NOT_STARTED)
    # Keyboard: the list, the underretning's row, Enter.
    forms.view.setFocus()
    assert forms.select(rows["notification"])
    assert focused() is forms.view
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # "activates" the row: opens it
    assert forms.editor is not None
    return forms.editor


def test_an_underretning_is_filled_by_keyboard_refused_then_finalised(
    qtbot: QtBot, app: Harness, rows: dict[str, str]
) -> None:
    form = open_notification(qtbot, app, rows)
    view = form.view
    # What the vault knew before the form is there already.
    assert editor(view, "modtaget").edit.text() == f"{RECEIVED.astimezone(DK):%d.%m.%Y %H.%M}"
    assert editor(view, "underretter_type").value() == "borger"
    assert editor(view, "bekymring").value() == "Naboen hører råb om natten."

    # "Afslut" now: refused, with the Danish list of what is missing.
    qtbot.mouseClick(form.finalise_button, Qt.MouseButton.LeftButton)
    text = form.error.text()
    assert text.startswith("Skemaet kan ikke afsluttes endnu. Mangler eller skal rettes:")
    assert "Modtagelse: Modtaget hvordan" in text
    assert "Underretter: Underretterens navn" in text
    assert "Vurdering inden 24 timer: Er barnet i fare?" in text
    assert "Bekymringen: Bekymringen fordelt på ICS-dimensioner" in text
    assert "underretter_type" not in text  # named as the form names them, never by id
    assert view.current_section() == "modtagelse"  # at the first thing missing
    assert view.rows["modtaget_hvordan"].problem.text() == "Feltet skal udfyldes."
    with app.controller.vault.reading() as s:  # type: ignore[union-attr]
        assert s.get(Notification, rows["notification"]).assessed_at is None

    # Modtagelse: the focus is on "Modtaget hvordan" (the first missing); pick "Mail".
    how = editor(view, "modtaget_hvordan")
    assert isinstance(how, ChoiceEditor) and how.combo is not None
    assert focused() is how.combo
    keys(qtbot, Qt.Key.Key_Down, Qt.Key.Key_Down)
    assert how.value() == "mail"
    assert view.rows["modtaget_hvordan"].problem.text() == ""
    assert view.nav.item(0).text() == f"Modtagelse  2/2 {COMPLETE_MARK}"
    tab_to(qtbot, view.current_page().next_button)
    keys(qtbot, Qt.Key.Key_Space)

    # Underretter: from a citizen; the name.
    assert view.current_section() == "underretter"
    assert not view.rows["institution"].isVisible()  # only for a professional
    tab_to(qtbot, editor(view, "underretter_navn").edit)
    keys(qtbot, "Bo Nabo")
    tab_to(qtbot, editor(view, "underretter_kontakt").edit)
    keys(qtbot, "22 33 44 55")
    tab_to(qtbot, view.current_page().next_button)
    keys(qtbot, Qt.Key.Key_Space)

    # Bekymringen: one ICS item, resources, abuse: no, parents told: no (why not).
    assert view.current_section() == "bekymring"
    group = editor(view, "bekymring_ics")
    assert isinstance(group, GroupEditor)
    tab_to(qtbot, group.add_button)
    keys(qtbot, Qt.Key.Key_Space)
    (item,) = group.items
    dimension, concern = (r.editor for r in item.rows)
    assert focused() is dimension.combo
    # Down past the first side's heading to its first dimension (headings cannot be picked).
    keys(qtbot, Qt.Key.Key_Down)
    assert dimension.value() == "sundhedsforhold"
    tab_to(qtbot, concern.edit)
    keys(qtbot, "Råb og gråd om natten.")
    tab_to(qtbot, editor(view, "ressourcer").edit, most=6)
    keys(qtbot, "Barnet går i skole hver dag.")
    abuse = editor(view, "overgreb")
    assert isinstance(abuse, YesNoEditor)
    pick(qtbot, abuse.no)
    assert abuse.value() == {"value": False}
    told = editor(view, "foraeldre_orienteret")
    pick(qtbot, told.no)
    assert told.reason.isVisible()  # "Hvorfor ikke?" is asked for a "nej"
    tab_to(qtbot, told.reason)
    keys(qtbot, "Forældrene er ikke truffet endnu.")
    assert told.value() == {"value": False, "reason": "Forældrene er ikke truffet endnu."}
    tab_to(qtbot, view.current_page().next_button)
    keys(qtbot, Qt.Key.Key_Space)

    # Vurdering: not in danger, no acute action, the assessment, the outcome.
    assert view.current_section() == "vurdering"
    for field_id in ("i_fare", "akut"):
        yes_no = editor(view, field_id)
        pick(qtbot, yes_no.no)
    tab_to(qtbot, editor(view, "vurdering").edit)
    keys(qtbot, "Ingen akut fare; familien tilbydes en samtale.")
    outcome = editor(view, "udfald")
    tab_to(qtbot, outcome.combo)
    keys(qtbot, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down)
    assert outcome.value() == "raad_og_vejledning"
    tab_to(qtbot, view.current_page().next_button, most=8)
    keys(qtbot, Qt.Key.Key_Space)

    # Genvurdering: no running support (so no colleague is asked for).
    assert view.current_section() == "genvurdering"
    support = editor(view, "loebende_stoette")
    pick(qtbot, support.no)
    assert not view.rows["ny_kollega"].isVisible()
    assert all(COMPLETE_MARK in view.nav.item(i).text() for i in range(5))

    # "Gem" (Ctrl+S), then "Afslut skema" and yes.
    keys(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    written(qtbot)
    assert form.done.text() == SAVED
    qtbot.mouseClick(form.finalise_button, Qt.MouseButton.LeftButton)
    confirm_finalise(qtbot, app.window)
    assert form.done.text() == FINALISED
    assert not form.error.isVisible()

    # Read-only: the answers as text, no "Afslut"; the receipt section is for a professional.
    assert form.finalised
    assert not form.finalise_button.isVisible()
    assert not form.save_button.isVisible()
    view.show_section("modtagelse")
    row = view.rows["modtaget_hvordan"]
    assert not row.editor.isVisible() and row.shown.text() == "Mail"
    assert form.status.text().startswith("Afsluttet ")

    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        saved = s.get(Notification, rows["notification"])
        assert saved.form_id == "underretning" and saved.answers["modtaget_hvordan"] == "mail"
        assert saved.assessed_at is not None
        assert saved.notifier_name == "Bo Nabo"
        (rule,) = [
            d
            for d in deadlines_for_case(s, rows["case"], datetime.now(UTC))
            if d.rule == "underretning_24_timer" and d.subject_id == rows["notification"]
        ]
        assert rule.status == DeadlineStatus.OPFYLDT

    # The timeline of the case window shows it.
    dialog = form.window()
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None
    assert "Underretning vurderet" in [e.title for e in timeline.events()]
    # The list says it is finalised; the overview's deadline follows.
    form.back_button.click()
    forms = dialog.findChild(CaseFormsWidget)
    assert forms is not None
    status = {line.row_id: line.status for line in forms.lines()}[rows["notification"]]
    assert status.startswith("Afsluttet ")


def test_no_alt_letter_is_used_twice_on_any_section(
    qtbot: QtBot, app: Harness, rows: dict[str, str]
) -> None:
    """The labels of the page shown get Alt letters that nothing else visible uses."""
    for row_id in (rows["notification"], rows["assessment"]):
        dialog, forms = forms_tab(qtbot, app, rows["case"])
        forms.select(row_id)
        form = forms.open_selected()
        assert form is not None
        found: list[str] = []
        lettered = 0
        for section in form.opened.form.sections:
            form.view.show_section(section.id)
            found += collisions(dialog, f"skema/{section.id}")
            lettered += sum("&" in r.label.text() for r in form.view.current_page().rows)
        assert found == [], "\n".join(found)
        assert lettered > 10
        form.back_button.click()


def test_typed_answers_survive_a_lock_in_the_same_section(
    qtbot: QtBot, app: Harness, rows: dict[str, str]
) -> None:
    form = open_notification(qtbot, app, rows)
    form.view.show_section("bekymring")
    tab_to(qtbot, editor(form.view, "ressourcer").edit, most=20)
    keys(qtbot, "Mormor henter hver dag.")
    app.window.lock_action.trigger()  # before the draft timer: the lock writes it
    assert app.controller.vault is None
    app.unlock()
    dialogs = [d for d in app.window.findChildren(CaseSummaryDialog) if d.isVisible()]
    (dialog,) = dialogs
    forms = dialog.findChild(CaseFormsWidget)
    assert forms is not None and dialog.tabs.currentWidget() is forms
    assert forms.editor is not None
    view = forms.editor.view
    assert view.current_section() == "bekymring"
    assert editor(view, "ressourcer").value() == "Mormor henter hver dag."
    # Saving discards the draft: after the next lock the saved answers are what opens.
    forms.editor.save()
    written(qtbot)
    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        assert s.get(Notification, rows["notification"]).answers["ressourcer"] == (
            "Mormor henter hver dag."
        )


def test_an_undersoegelse_starts_on_an_assessment_without_answers(
    qtbot: QtBot, app: Harness, rows: dict[str, str]
) -> None:
    _, forms = forms_tab(qtbot, app, rows["case"])
    assert forms.select(rows["assessment"])
    form = forms.open_selected()
    assert form is not None
    view = form.view
    assert [view.nav.item(i).text().split("  ")[0] for i in range(view.nav.count())][:3] == [
        "Undersøgelsens grundlag",
        "Barnets udvikling og adfærd",
        "Forældrekompetencer",
    ]
    # Its dates come from the row; the ICS sides go dimension by dimension.
    assert editor(view, "startet").value() == (date.today() - timedelta(days=10)).isoformat()
    view.show_section("barnets_udvikling")
    headings = [h.text() for h in view.current_page().headings.values()]
    assert "Sundhedsforhold" in headings
    qtbot.keyClicks(editor(view, "kilder").edit, "Skolen, sundhedsplejen.")
    form.save()
    written(qtbot)
    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        saved = s.get(Assessment, rows["assessment"])
        assert saved.form_id == "undersoegelse"
        assert saved.sources == "Skolen, sundhedsplejen."
        assert saved.completed_on is None


def test_damaged_answers_show_an_error_for_that_form_only(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled, rows: dict[str, str]
) -> None:
    with filled.vault.session() as s:
        broken = services.get(s, Assessment, rows["assessment"])
        services.update(s, broken, form_id="undersoegelse", form_version=1, answers=["ødelagt"])
        unknown = services.add(
            s,
            Notification(
                case_id=rows["case"],
                received_at=RECEIVED - timedelta(days=40),
                notifier_kind=NotifierKind.ANONYM,
                form_id="underretning",
                form_version=99,
                answers={},
            ),
        )
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    dialog, forms = forms_tab(qtbot, h, rows["case"])
    lines = {line.row_id: line for line in forms.lines()}
    assert lines[rows["assessment"]].status == CANNOT_OPEN
    assert "beskadiget" in lines[rows["assessment"]].error
    assert lines[unknown.id].status == CANNOT_OPEN
    assert "version 99 findes ikke" in lines[unknown.id].error
    assert lines[rows["notification"]].status == NOT_STARTED

    forms.select(rows["assessment"])
    assert not forms.open_button.isEnabled()
    assert forms.row_error.isVisible()
    assert forms.row_error.text().startswith("Børnefaglig undersøgelse: Svarene på skemaet")
    assert forms.open_line(lines[rows["assessment"]]) is None
    # The rest of the case opens: the other form, the overview, the timeline.
    forms.select(rows["notification"])
    assert forms.open_selected() is not None
    dialog.tabs.setCurrentIndex(0)
    assert dialog.deadlines.rowCount() > 0
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None and timeline.events()


def test_saving_and_finalising_write_nothing_on_the_gui_thread(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    rows: dict[str, str],
    gui_thread_sessions: list[str],
) -> None:
    with filled.vault.session() as s:
        notification = services.get(s, Notification, rows["notification"])
        services.update(s, notification, form_id="underretning", form_version=1, answers=COMPLETE)
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    gui_thread_sessions.clear()  # from here on: what the caseworker does
    _, forms = forms_tab(qtbot, h, rows["case"])
    forms.select(rows["notification"])
    form = forms.open_selected()
    assert form is not None
    qtbot.keyClicks(editor(form.view, "naeste_skridt").edit, "Samtale med familien.")
    form.save()
    written(qtbot)
    assert form.done.text() == SAVED
    assert form.finalise()  # (no question asked)
    written(qtbot)
    assert form.finalised
    assert gui_thread_sessions == []


def test_a_kept_draft_opens_its_form_again_after_a_restart(
    qtbot: QtBot, harness_for: Callable[..., Harness], app: Harness, rows: dict[str, str]
) -> None:
    form = open_notification(qtbot, app, rows)
    form.view.show_section("vurdering")
    qtbot.keyClicks(editor(form.view, "vurdering").edit, "Skrevet lige før strømmen gik.")
    assert form.drafts is not None and form.drafts.flush()  # what the timer does after 2 s
    written(qtbot)
    app.controller.close_vault()  # the process ends (the draft is already in the vault)
    CaseFormsWidget._open_rows.clear()  # a new process remembers nothing
    profile = app.controller.profile
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, forms = forms_tab(qtbot, h, rows["case"])
    assert forms.editor is not None
    view = forms.editor.view
    assert view.current_section() == "vurdering"
    assert editor(view, "vurdering").value() == "Skrevet lige før strømmen gik."


def confirm_finalise(qtbot: QtBot, window: QWidget) -> None:
    """Answer "Afslut skema" in the box that asks before a form is finalised, and wait for
    the writer."""
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "confirm_finalise_form") is not None)
    box = window.findChild(QMessageBox, "confirm_finalise_form")
    assert box is not None
    (yes,) = [b for b in box.findChildren(QPushButton) if b.text() == "Afslut skema"]
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    written(qtbot)


def answer_everything(form: Form, ics: IcsTriangle) -> dict[str, Any]:
    """A valid answer to every field of ``form`` (dates a few days back)."""

    def one(fld: Field) -> Any:
        kind = fld.type
        if kind in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
            return "Beskrevet."
        if kind == FieldType.DATE:
            return (date.today() - timedelta(days=5)).isoformat()
        if kind == FieldType.DATETIME:
            return (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
        if kind == FieldType.CHOICE:
            return fld.choices[0].value
        if kind == FieldType.MULTI_CHOICE:
            return [fld.choices[0].value]
        if kind == FieldType.YES_NO:
            return {"value": True, "reason": "Beskrevet."}
        if kind == FieldType.PERSON:
            person = {"person_id": None, "name": "Bo Nabo"}
            return [person] if fld.multiple else person
        if kind == FieldType.SCALE:
            return fld.minimum
        if kind == FieldType.ICS_DIMENSION:
            return next(d.id for d in ics.dimensions if not fld.sides or d.side in fld.sides)
        return [{sub.id: one(sub) for sub in fld.fields}] * max(fld.min_items, 1)

    return {fld.id: one(fld) for fld in form.fields.values()}


def test_a_finalised_undersoegelse_meets_its_deadline_and_is_in_the_timeline(
    qtbot: QtBot, app: Harness, rows: dict[str, str]
) -> None:
    dialog, forms = forms_tab(qtbot, app, rows["case"])
    forms.select(rows["assessment"])
    form = forms.open_selected()
    assert form is not None
    before = {(d.rule, d.subject_id) for d in dialog.summary.deadline_items}
    assert ("undersoegelse_4_maaneder", rows["assessment"]) in before
    form.view.set_answers(answer_everything(form.opened.form, form.view.ctx.ics))
    assert form.refusal() is None
    qtbot.mouseClick(form.finalise_button, Qt.MouseButton.LeftButton)
    confirm_finalise(qtbot, app.window)
    assert form.finalised and form.done.text() == FINALISED
    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        saved = s.get(Assessment, rows["assessment"])
        assert saved is not None
        assert saved.completed_on == date.today() - timedelta(days=5)  # its own answer
        assert saved.status == AssessmentStatus.AFSLUTTET
        (rule,) = [
            d
            for d in deadlines_for_case(s, rows["case"], datetime.now(UTC))
            if d.rule == "undersoegelse_4_maaneder" and d.subject_id == rows["assessment"]
        ]
        assert rule.status == DeadlineStatus.OPFYLDT
    # The case window hears of it (the change broadcast): the overview and the timeline.
    app.window.changes.flush()
    open_rules = {(d.rule, d.subject_id) for d in dialog.summary.deadline_items}
    assert ("undersoegelse_4_maaneder", rows["assessment"]) not in open_rules
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None
    assert "Børnefaglig undersøgelse afsluttet" in [e.title for e in timeline.events()]


def test_a_boernesamtale_is_a_form_of_the_case_and_a_network_meeting_is_not(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled, rows: dict[str, str]
) -> None:
    planned = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    with filled.vault.session() as s:
        talk = services.add(
            s,
            Meeting(
                case_id=rows["case"],
                kind=MeetingKind.BOERNESAMTALE,
                planned_at=planned,
                location="Skolen",
            ),
        )
        services.add(
            s, Meeting(case_id=rows["case"], kind=MeetingKind.NETVAERKSMOEDE, planned_at=planned)
        )
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, forms = forms_tab(qtbot, h, rows["case"])
    lines = forms.lines()
    assert [(x.title, x.status) for x in lines if x.table == "meeting"] == [
        ("Børnesamtale", NOT_STARTED)
    ]
    forms.select(talk.id)
    form = forms.open_selected()
    assert form is not None
    view = form.view
    assert editor(view, "sted").value() == "Skolen"  # from the meeting
    person = editor(view, "til_stede")
    assert isinstance(person, PersonEditor)
    assert [p.name for p in person.parties] == ["Anna Jensen", "Hanne Jensen"]
    qtbot.keyClicks(editor(view, "sted").edit, ", lille mødelokale")
    form.save()
    written(qtbot)
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        saved = s.get(Meeting, talk.id)
        assert saved is not None
        assert saved.form_id == "boernesamtale"
        assert saved.location == "Skolen, lille mødelokale"


def wrapped_sections(view: FormView) -> list[str]:
    """The section list's entries that do not fit on one line (their mark on a line alone)."""
    nav = view.nav
    one_line = nav.fontMetrics().height() * 1.5
    return [
        f"{view.form.id}: {nav.item(i).text()!r} is wrapped"
        for i in range(nav.count())
        if not nav.item(i).isHidden() and nav.visualItemRect(nav.item(i)).height() > one_line
    ]


def test_nothing_of_a_form_is_cut_at_150_percent(
    qtbot: QtBot, app: Harness, rows: dict[str, str]
) -> None:
    """Every section of the underretning, the undersøgelse, a børnesamtale and a hjemmebesøg
    (the last two made with "Ny …") at 100 % and 150 % text size (Ctrl++ with the forms open),
    read-only too: no label, button or tab cut, and every section's title with its count on
    one line of the section list."""
    problems: list[str] = []
    _, forms = forms_tab(qtbot, app, rows["case"])
    made: list[str] = []
    for form_id in ("boernesamtale", "hjemmebesoeg"):
        qtbot.mouseClick(forms.new_buttons[form_id], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: forms.editor is not None, timeout=5000)
        written(qtbot)
        assert forms.editor is not None
        made.append(forms.editor.opened.line.row_id)
        forms.editor.back_button.click()
    try:
        for percent in (100, 150):
            app.controller.text_size.set_percent(percent)
            for row_id in (rows["notification"], rows["assessment"], *made):
                dialog, forms = forms_tab(qtbot, app, rows["case"])
                dialog.resize(1100, 760)
                # The open case window takes the new size from the event loop.
                size = QApplication.font().pointSizeF()
                qtbot.waitUntil(lambda: dialog.font().pointSizeF() == size)  # noqa: B023
                forms.select(row_id)
                form = forms.open_selected()
                assert form is not None
                form.view.set_answers(answer_everything(form.opened.form, form.view.ctx.ics))
                for read_only in (False, True):
                    form.view.set_read_only(read_only)
                    for section in form.opened.form.sections:
                        form.view.show_section(section.id)
                        where = f"{percent}% {form.opened.form.id}/{section.id}"
                        problems += [f"{where}: {p}" for p in laid_out(qtbot, dialog)]
                    problems += [f"{percent}% {p}" for p in wrapped_sections(form.view)]
                form.back_button.click()
    finally:
        app.controller.text_size.set_percent(100, save=False)
    assert problems == [], "\n".join(problems)
