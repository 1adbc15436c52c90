"""New forms from the case window's "Skemaer", driven like a caseworker drives them in the running
app after an unlock: "Ny underretning" (Alt+U) makes the row on the writer and opens its form,
which is filled with the keyboard, saved, finalised, and then listed and in the timeline; an
undersøgelse, a børnesamtale and a hjemmebesøg start the same way; a party added in "Personer"
while a form is open is offered by its person fields at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.case_forms import ASSESSMENT_RUNNING, CaseFormsWidget
from desktop.case_summary import CaseSummaryDialog
from desktop.form_editor import FINALISED, SAVED, FormEditor
from desktop.form_fields import ChoiceEditor, PersonEditor, YesNoEditor
from desktop.form_rows import GroupEditor
from desktop.persons import PartiesWidget
from desktop.timeline import TimelineWidget
from models import services
from models.schema import Assessment, Meeting, Notification
from models.vocabulary import MeetingKind, NotifierKind, PartyRole
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness
from tests.gui.test_form_view import (
    ALT,
    TAB,
    confirm_finalise,
    editor,
    focused,
    keys,
    pick,
    tab_to,
)

DK = ZoneInfo("Europe/Copenhagen")
RECEIVED = (datetime.now(DK) - timedelta(hours=3)).replace(second=0, microsecond=0)


@pytest.fixture
def app(harness_for: Callable[..., Harness], filled: Filled) -> Iterator[Harness]:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    yield h


def skemaer_by_keyboard(
    qtbot: QtBot, h: Harness, case_id: str
) -> tuple[CaseSummaryDialog, CaseFormsWidget]:
    """Open the case and go to "Skemaer" with Alt+K."""
    dialog = h.window.show_case(case_id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    forms = dialog.findChild(CaseFormsWidget)
    assert forms is not None
    assert dialog.tabs.currentWidget() is not forms
    qtbot.keyClick(focused(), Qt.Key.Key_K, ALT)
    assert dialog.tabs.currentWidget() is forms
    return dialog, forms


def opened(qtbot: QtBot, forms: CaseFormsWidget, before: FormEditor | None = None) -> FormEditor:
    """The editor a "Ny …" opened (the row is made on the writer first)."""
    qtbot.waitUntil(lambda: forms.editor is not None and forms.editor is not before, timeout=5000)
    written(qtbot)
    assert forms.editor is not None
    return forms.editor


def test_a_new_underretning_is_made_filled_by_keyboard_saved_and_finalised(
    qtbot: QtBot, app: Harness, filled: Filled, gui_thread_sessions: list[str]
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    gui_thread_sessions.clear()  # from here on: what the caseworker does
    dialog, forms = skemaer_by_keyboard(qtbot, app, case_id)
    assert forms.lines() == [] and forms.empty.isVisible()

    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # "Ny underretning"
    form = opened(qtbot, forms)
    view = form.view
    assert form.opened.form.id == "underretning"
    assert view.current_section() == "modtagelse"
    assert view.answers() == {}  # nothing is made up: not the time, not the notifier

    # Modtagelse: the focus is in "Modtaget"; the time, then "Mail".
    assert focused() is editor(view, "modtaget").edit
    keys(qtbot, f"{RECEIVED:%d.%m.%Y %H.%M}")
    how = editor(view, "modtaget_hvordan")
    assert isinstance(how, ChoiceEditor) and how.combo is not None
    tab_to(qtbot, how.combo)
    keys(qtbot, Qt.Key.Key_Down, Qt.Key.Key_Down)
    assert how.value() == "mail"
    tab_to(qtbot, view.current_page().next_button)
    keys(qtbot, Qt.Key.Key_Space)

    # Underretter: a citizen, her name.
    assert view.current_section() == "underretter"
    kind = editor(view, "underretter_type")
    (citizen,) = [b for b in kind.buttons if b.property("choice") == "borger"]
    tab_to(qtbot, kind.buttons[0])  # the choices stand one below the other: Down, Space
    keys(qtbot, Qt.Key.Key_Down, Qt.Key.Key_Space)
    assert focused() is citizen and kind.value() == "borger"
    tab_to(qtbot, editor(view, "underretter_navn").edit)
    keys(qtbot, "Bo Nabo")
    tab_to(qtbot, view.current_page().next_button)
    keys(qtbot, Qt.Key.Key_Space)

    # Bekymringen: the words, one ICS item, abuse: no.
    assert view.current_section() == "bekymring"
    tab_to(qtbot, editor(view, "bekymring").edit)
    keys(qtbot, "Naboen hører råb om natten.")
    group = editor(view, "bekymring_ics")
    assert isinstance(group, GroupEditor)
    tab_to(qtbot, group.add_button)
    keys(qtbot, Qt.Key.Key_Space)
    (item,) = group.items
    dimension, concern = (r.editor for r in item.rows)
    assert focused() is dimension.combo
    keys(qtbot, Qt.Key.Key_Down)
    tab_to(qtbot, concern.edit)
    keys(qtbot, "Råb og gråd om natten.")
    abuse = editor(view, "overgreb")
    assert isinstance(abuse, YesNoEditor)
    pick(qtbot, abuse.no, most=16)
    tab_to(qtbot, view.current_page().next_button, most=16)
    keys(qtbot, Qt.Key.Key_Space)

    # Vurdering: not in danger, nothing acute, the assessment, "råd og vejledning".
    assert view.current_section() == "vurdering"
    for field_id in ("i_fare", "akut"):
        pick(qtbot, editor(view, field_id).no)
    tab_to(qtbot, editor(view, "vurdering").edit)
    keys(qtbot, "Ingen akut fare; familien tilbydes en samtale.")
    outcome = editor(view, "udfald")
    tab_to(qtbot, outcome.combo)
    keys(qtbot, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down)
    assert outcome.value() == "raad_og_vejledning"
    tab_to(qtbot, view.current_page().next_button, most=8)
    keys(qtbot, Qt.Key.Key_Space)

    # Genvurdering: no running support.
    assert view.current_section() == "genvurdering"
    pick(qtbot, editor(view, "loebende_stoette").no)

    # Gem (Ctrl+S): the row has the answers and their columns; the 24-hour clock runs.
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    written(qtbot)
    assert form.done.text() == SAVED
    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        (row,) = s.query(Notification).filter_by(case_id=case_id).all()
        row_id = row.id
        assert row.form_id == "underretning"
        assert row.notifier_kind == NotifierKind.BORGER and row.notifier_name == "Bo Nabo"
        assert row.received_at is not None
        assert row.received_at.astimezone(DK) == RECEIVED
        assert row.assessed_at is None

    # Afslut (Alt+U) and yes.
    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # (the button is pressed after a moment)
    confirm_finalise(qtbot, app.window)
    assert form.finalised and form.done.text() == FINALISED

    # Back to the list (Alt+L): there it is, finalised; the timeline has it.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(focused(), Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: forms.editor is None)
    (line,) = forms.lines()
    assert (line.row_id, line.title) == (row_id, "Underretning")
    assert line.status.startswith("Afsluttet ")
    app.window.changes.flush()
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None
    mine = [e.title for e in timeline.events() if e.entity_id == row_id]
    assert "Underretning modtaget" in mine and "Underretning vurderet" in mine
    assert gui_thread_sessions == []


def test_an_undersoegelse_a_boernesamtale_and_a_hjemmebesoeg_start_from_the_tab(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    received = datetime.now(UTC) - timedelta(days=2)
    with filled.vault.session() as s:
        services.add(
            s,
            Notification(case_id=case_id, received_at=received, notifier_kind=NotifierKind.BORGER),
        )
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    _, forms = skemaer_by_keyboard(qtbot, h, case_id)
    assessment = forms.new_buttons["undersoegelse"]
    assert assessment.isEnabled()

    qtbot.mouseClick(assessment, Qt.MouseButton.LeftButton)
    form = opened(qtbot, forms)
    assert form.opened.form.id == "undersoegelse"
    # The dates the row starts with are the form's first answers, to be corrected.
    assert editor(form.view, "startet").value() == date.today().isoformat()
    assert editor(form.view, "kendskab").value() == received.astimezone(DK).date().isoformat()
    form.save_button.click()  # saved with those dates: it stays
    written(qtbot)
    form.back_button.click()
    written(qtbot)
    # One undersøgelse at a time: the button says why it is grey.
    assert not assessment.isEnabled() and assessment.toolTip() == ASSESSMENT_RUNNING

    for form_id, title in (("boernesamtale", "Børnesamtale"), ("hjemmebesoeg", "Hjemmebesøg")):
        qtbot.mouseClick(forms.new_buttons[form_id], Qt.MouseButton.LeftButton)
        form = opened(qtbot, forms)
        assert form.opened.form.id == form_id and form.opened.line.title == title
        form.back_button.click()  # left untouched: the meeting goes again
        written(qtbot)

    qtbot.waitUntil(lambda: len(forms.lines()) == 2, timeout=5000)
    titles = sorted(line.title for line in forms.lines())
    assert titles == ["Børnefaglig undersøgelse", "Underretning"]
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        meetings = s.query(Meeting).filter_by(case_id=case_id).all()
        assert sorted(m.kind for m in meetings) == [
            MeetingKind.BOERNESAMTALE,
            MeetingKind.HJEMMEBESOEG,
        ]
        assert all(m.deleted_at is not None for m in meetings)
        (made,) = s.query(Assessment).filter_by(case_id=case_id).all()
        assert made.started_on == date.today() and made.deleted_at is None


def test_a_party_added_while_a_form_is_open_can_be_picked_at_once(
    qtbot: QtBot, app: Harness, filled: Filled
) -> None:
    case_id = filled.case_ids["Anna Jensen"]
    dialog, forms = skemaer_by_keyboard(qtbot, app, case_id)
    qtbot.keyClick(focused(), Qt.Key.Key_S, ALT)  # "Ny børnesamtale"
    form = opened(qtbot, forms)
    view = form.view
    present = editor(view, "til_stede")
    assert isinstance(present, PersonEditor)
    assert [p.name for p in present.parties] == ["Anna Jensen", "Hanne Jensen"]
    present.boxes[1].setChecked(True)  # Hanne
    tab_to(qtbot, editor(view, "sted").edit, most=20)
    keys(qtbot, "Skolen")

    # "Personer": Karin Holt is added as a network person (on the writer).
    persons = dialog.findChild(PartiesWidget)
    assert persons is not None
    dialog.tabs.setCurrentWidget(persons)
    qtbot.keyClicks(persons.first_name, "Karin")
    qtbot.keyClicks(persons.last_name, "Holt")
    persons.role.setCurrentIndex(persons.role.findData(PartyRole.NETVAERKSPERSON))
    qtbot.mouseClick(persons.add_button, Qt.MouseButton.LeftButton)
    written(qtbot)
    app.window.changes.flush()

    # Back in the form (still open, as it was): Karin can be ticked; nothing typed is lost.
    dialog.tabs.setCurrentWidget(forms)
    assert forms.editor is form
    assert [p.name for p in present.parties] == ["Anna Jensen", "Hanne Jensen", "Karin Holt"]
    assert [b.text() for b in present.boxes][2] == "Karin Holt (Netværksperson)"
    assert [b.isChecked() for b in present.boxes] == [False, True, False]
    assert editor(view, "sted").value() == "Skolen"
    karin = present.boxes[2]
    assert karin.isVisible()
    karin.setFocus()
    keys(qtbot, Qt.Key.Key_Space)
    assert karin.isChecked()
    assert view.rows["til_stede"].problem.text() == ""  # a party of the case: no problem
    form.save()
    written(qtbot)
    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        (talk,) = s.query(Meeting).filter_by(case_id=case_id).all()
        chosen = [p["name"] for p in talk.answers["til_stede"]]
    assert chosen == ["Hanne Jensen", "Karin Holt"]
    # Tab still goes from the boxes to "Andre" (made after the new box).
    karin.setFocus()
    keys(qtbot, TAB)
    assert focused() is present.others


def test_a_new_form_left_untouched_goes_again_one_with_an_answer_stays(
    qtbot: QtBot, app: Harness, filled: Filled
) -> None:
    """ "Ny underretning" by mistake, then "Alle skemaer" at once: no empty underretning is left
    in the case (its missing time of receipt would stand among the deadlines). One whose
    "Modtaget" was typed and saved stays."""
    from models.deadlines.service import deadlines_for_case

    case_id = filled.case_ids["Anna Jensen"]
    _dialog, forms = skemaer_by_keyboard(qtbot, app, case_id)
    vault = app.controller.vault
    assert vault is not None

    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # "Ny underretning"
    form = opened(qtbot, forms)
    assert form.opened.form.id == "underretning"
    qtbot.keyClick(focused(), Qt.Key.Key_L, ALT)  # "Alle skemaer"
    qtbot.waitUntil(lambda: forms.editor is None)
    written(qtbot)
    qtbot.waitUntil(lambda: forms.lines() == [], timeout=5000)
    with vault.reading() as s:
        (row,) = s.query(Notification).filter_by(case_id=case_id).all()
        assert row.deleted_at is not None  # a tombstone: sync carries it like any deletion
        assert not [d for d in deadlines_for_case(s, case_id, datetime.now(UTC)) if d.missing]

    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)
    form = opened(qtbot, forms)
    assert focused() is editor(form.view, "modtaget").edit
    keys(qtbot, f"{RECEIVED:%d.%m.%Y %H.%M}")
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Gem
    written(qtbot)
    assert form.done.text() == SAVED
    qtbot.keyClick(focused(), Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: forms.editor is None)
    written(qtbot)
    (line,) = forms.lines()
    assert line.title == "Underretning"
    with vault.reading() as s:
        live = s.query(Notification).filter_by(case_id=case_id, deleted_at=None).all()
        assert [n.id for n in live] == [line.row_id]


def test_an_indledende_vurdering_is_made_for_the_underretning_and_finalised(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> None:
    """ "Ny indledende vurdering" (Alt+V): a screening of the case's newest underretning, filled,
    finalised (the decision), listed as decided and in the timeline."""
    from desktop.form_editor import FINALISED
    from models.schema import Screening
    from models.vocabulary import ScreeningOutcome
    from tests.gui.test_form_view import answer_everything

    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:
        received = datetime.now(UTC) - timedelta(hours=5)
        n = services.add(
            s,
            Notification(case_id=case_id, received_at=received, notifier_kind=NotifierKind.BORGER),
        )
        notification_id = n.id
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    dialog, forms = skemaer_by_keyboard(qtbot, h, case_id)

    qtbot.keyClick(focused(), Qt.Key.Key_V, ALT)  # "Ny indledende vurdering"
    form = opened(qtbot, forms)
    assert form.opened.form.id == "screening"
    assert form.opened.line.title == "Indledende vurdering"
    answers = answer_everything(form.opened.form, form.view.ctx.ics)
    answers["udfald"] = "undersoegelse"
    form.view.set_answers(answers)
    assert form.refusal() is None
    qtbot.mouseClick(form.finalise_button, Qt.MouseButton.LeftButton)
    confirm_finalise(qtbot, h.window)
    assert form.finalised and form.done.text() == FINALISED

    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        (row,) = s.query(Screening).filter_by(case_id=case_id).all()
        assert row.notification_id == notification_id
        assert row.outcome == ScreeningOutcome.UNDERSOEGELSE
        assert row.decided_at is not None and row.form_id == "screening"
        row_id = row.id

    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(focused(), Qt.Key.Key_L, ALT)  # "Alle skemaer": finalised, it stays
    qtbot.waitUntil(lambda: forms.editor is None)
    written(qtbot)
    lines = {line.row_id: line for line in forms.lines()}
    assert lines[row_id].title == "Indledende vurdering"
    assert lines[row_id].status.startswith("Afsluttet ")
    h.window.changes.flush()
    timeline = dialog.findChild(TimelineWidget)
    assert timeline is not None
    assert "Indledende vurdering afsluttet" in [
        e.title for e in timeline.events() if e.entity_id == row_id
    ]


def test_a_new_form_left_untouched_goes_when_the_case_window_is_closed_not_on_lock(
    qtbot: QtBot, app: Harness, filled: Filled
) -> None:
    """ "Ny underretning", then "Luk" on the case window: no empty underretning stays. The same
    left open when the vault is locked stays (with the open case, it comes back after unlock)."""
    case_id = filled.case_ids["Anna Jensen"]
    vault = app.controller.vault
    assert vault is not None

    dialog, forms = skemaer_by_keyboard(qtbot, app, case_id)
    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # "Ny underretning"
    opened(qtbot, forms)
    dialog.close()
    written(qtbot)
    with vault.reading() as s:
        (row,) = s.query(Notification).filter_by(case_id=case_id).all()
        assert row.deleted_at is not None

    dialog, forms = skemaer_by_keyboard(qtbot, app, case_id)
    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)
    kept = opened(qtbot, forms).opened.line.row_id
    app.window.lock_action.trigger()
    app.unlock()
    written(qtbot)
    again = app.controller.vault
    assert again is not None
    with again.reading() as s:
        live = s.query(Notification).filter_by(case_id=case_id, deleted_at=None).all()
        assert [n.id for n in live] == [kept]


def test_a_new_undersoegelse_is_aware_since_an_underretning_no_earlier_one_answered(
    filled: Filled,
) -> None:
    """The day the 4 months run from starts at the newest underretning received after the case's
    last undersøgelse was completed; one that an earlier undersøgelse answered does not count
    (the new one then starts today, to be corrected)."""
    from desktop.form_editor import new_form_row
    from models.forms import load_form

    case_id = filled.case_ids["Anna Jensen"]
    now = datetime.now(UTC)
    today = now.astimezone(DK).date()
    form = load_form("undersoegelse")
    with filled.vault.session() as s:
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=now - timedelta(days=400),
                notifier_kind=NotifierKind.BORGER,
            ),
        )
        services.add(
            s,
            Assessment(
                case_id=case_id,
                aware_on=today - timedelta(days=399),
                started_on=today - timedelta(days=398),
                completed_on=today - timedelta(days=300),
            ),
        )
        first = new_form_row(s, case_id, form, now)
        assert services.get(s, Assessment, first).aware_on == today
        services.soft_delete(s, services.get(s, Assessment, first))
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=now - timedelta(days=3),
                notifier_kind=NotifierKind.BORGER,
            ),
        )
        second = new_form_row(s, case_id, form, now)
        assert (
            services.get(s, Assessment, second).aware_on
            == (now - timedelta(days=3)).astimezone(DK).date()
        )


def test_gem_keeps_an_impossible_time_as_typed_and_says_at_once_it_must_be_corrected(
    qtbot: QtBot, app: Harness, filled: Filled
) -> None:
    """ "31.02.2026 25.00" in "Modtaget", then Ctrl+S with the cursor still in the field: kept as
    typed (nothing is lost), and the field and the line under the form say it must be corrected
    — not only at "Afslut"."""
    from desktop.form_editor import SAVED_TO_CORRECT

    case_id = filled.case_ids["Anna Jensen"]
    _dialog, forms = skemaer_by_keyboard(qtbot, app, case_id)
    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # "Ny underretning"
    form = opened(qtbot, forms)
    field = editor(form.view, "modtaget")
    assert focused() is field.edit
    keys(qtbot, "31.02.2026 25.00")
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Gem
    written(qtbot)
    assert form.done.text() == SAVED_TO_CORRECT
    row = form.view.rows["modtaget"]
    assert row.problem.isVisible()
    assert row.problem.text() == "Ugyldigt tidspunkt; angiv dato og klokkeslæt."
    vault = app.controller.vault
    assert vault is not None
    with vault.reading() as s:
        (saved,) = s.query(Notification).filter_by(case_id=case_id).all()
        assert saved.answers == {"modtaget": "31.02.2026 25.00"}
        assert saved.received_at is None
