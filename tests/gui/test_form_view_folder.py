"""Adding a form is adding a data file (issue 13): a small form with every field type, written
to a temporary folder and read with ``FormLibrary.from_folder``, is drawn, filled, validated and
shown read-only by the one renderer with no new code."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from desktop.form_editor import refusal_text
from desktop.form_fields import (
    ChoiceEditor,
    DateEditor,
    DimensionEditor,
    EditorContext,
    MultiChoiceEditor,
    Party,
    PersonEditor,
    ScaleEditor,
    TextEditor,
    YesNoEditor,
    parse_day,
    parse_moment,
)
from desktop.form_rows import GroupEditor
from desktop.form_view import COMPLETE_MARK, FormView, pick_mnemonic
from models import services
from models.documents.form_document import answered_form_pdf, blank_form_pdf
from models.forms import FormIncomplete, FormLibrary, missing_for_finalise, validate_answers
from models.forms.service import save_answers
from models.schema import Meeting
from models.vault import Vault
from models.vocabulary import MeetingKind

FORM = """
id = "trivsel"
version = 1
title = "Trivselssamtale"

[[sections]]
id = "samtalen"
title = "Samtalen"
help = "Et lille skema til prøve."

[[sections.fields]]
id = "sted"
type = "short_text"
label = "Sted"
required = true

[[sections.fields]]
id = "dato"
type = "date"
label = "Dato"
required = true
not_in_future = true

[[sections.fields]]
id = "start"
type = "datetime"
label = "Starttidspunkt"

[[sections.fields]]
id = "form"
type = "choice"
label = "Samtalens form"
required = true
choices = [
    { id = "alene", label = "Barnet alene" },
    { id = "med_foraelder", label = "Med en forælder" },
]

[[sections.fields]]
id = "emner"
type = "multi_choice"
label = "Emner"
choices = [
    { id = "skole", label = "Skole" },
    { id = "venner", label = "Venner" },
    { id = "hjem", label = "Hjemmet" },
]

[[sections.fields]]
id = "deltog"
type = "person"
label = "Deltog"
multiple = true

[[sections.fields]]
id = "kontakt"
type = "person"
label = "Kontaktperson"
required = true

[[sections]]
id = "barnet"
title = "Barnets svar"

[[sections.fields]]
id = "trivsel"
type = "scale"
label = "Hvordan har du det?"
required = true
low_label = "Meget dårligt"
high_label = "Rigtig godt"

[[sections.fields]]
id = "tryg"
type = "yes_no"
label = "Er du tryg derhjemme?"
required = true
reason_when = "no"

[[sections.fields]]
id = "omraade"
type = "ics_dimension"
label = "Vigtigste område"
sides = ["barnets_udvikling"]

[[sections.fields]]
id = "oensker"
type = "group"
label = "Barnets ønsker"
required = true

[[sections.fields.fields]]
id = "oenske"
type = "long_text"
label = "Ønske"
required = true

[[sections.fields.fields]]
id = "vigtigt"
type = "yes_no"
label = "Meget vigtigt"

[[sections.fields.fields]]
id = "hvorfor"
type = "short_text"
label = "Hvorfor er det vigtigt?"
show_if = { field = "vigtigt", is = true }

[[sections]]
id = "opfoelgning"
title = "Opfølgning"
show_if = { field = "tryg", is = false }

[[sections.fields]]
id = "plan"
type = "long_text"
label = "Hvad gør vi nu?"
required = true
"""

PARTIES = (
    Party("p-barn", "Liva Holm", "barn", "Barn"),
    Party("p-mor", "Hanne Holm", "foraelder", "Forælder"),
)


@pytest.fixture
def view(qtbot: QtBot, tmp_path: Path) -> FormView:
    (tmp_path / "trivsel.toml").write_text(FORM, encoding="utf-8")
    library = FormLibrary.from_folder(tmp_path)
    form = library.form("trivsel")
    widget = FormView(form, {}, EditorContext(PARTIES, library.ics))
    qtbot.addWidget(widget)
    widget.resize(900, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_form_from_a_folder_is_drawn_filled_and_validated(qtbot: QtBot, view: FormView) -> None:
    rows = view.rows
    assert [
        view.nav.item(i).text() for i in range(view.nav.count()) if not view.nav.item(i).isHidden()
    ] == [
        "Samtalen  0/4",
        "Barnets svar  0/3",
    ]
    assert rows["sted"].label.text().endswith(" *")
    assert not rows["emner"].label.text().endswith(" *")

    sted = rows["sted"].editor
    assert isinstance(sted, TextEditor)
    qtbot.keyClicks(sted.edit, "Skolens mødelokale")
    dato = rows["dato"].editor
    assert isinstance(dato, DateEditor)
    qtbot.keyClicks(dato.edit, "31.02.2025")
    dato.edit.clearFocus()
    view.refresh()
    assert rows["dato"].problem.text() == "Ugyldig dato; skriv den som dd.mm.åååå."
    dato.edit.clear()
    qtbot.keyClicks(dato.edit, "3.11.2025")
    start = rows["start"].editor
    assert isinstance(start, DateEditor)
    qtbot.keyClicks(start.edit, "03.11.2025 kl. 9.30")
    form_choice = rows["form"].editor
    assert isinstance(form_choice, ChoiceEditor) and form_choice.combo is None  # radio buttons
    form_choice.buttons[1].click()
    emner = rows["emner"].editor
    assert isinstance(emner, MultiChoiceEditor)
    emner.boxes[0].click()
    emner.boxes[2].click()
    deltog = rows["deltog"].editor
    assert isinstance(deltog, PersonEditor) and deltog.others is not None
    deltog.boxes[0].click()
    qtbot.keyClicks(deltog.others, "Lærer Jens, Morfar")
    kontakt = rows["kontakt"].editor
    assert isinstance(kontakt, PersonEditor) and kontakt.combo is not None
    kontakt.combo.setCurrentIndex(2)
    assert view.nav.item(0).text() == f"Samtalen  4/4 {COMPLETE_MARK}"

    view.next_section()
    assert view.current_section() == "barnet"
    scale = rows["trivsel"].editor
    assert isinstance(scale, ScaleEditor)
    assert [w.text() for w in scale.findChildren(type(rows["sted"].label)) if w.objectName()] == [
        "Meget dårligt",
        "Rigtig godt",
    ]
    scale.buttons[7].click()
    tryg = rows["tryg"].editor
    assert isinstance(tryg, YesNoEditor)
    tryg.no.click()
    assert tryg.reason_label.text() == "Hvorfor ikke?" and tryg.reason.isVisible()
    qtbot.keyClicks(tryg.reason, "Der er råben om aftenen.")
    # A "nej" shows the section that follows up on it.
    assert not view.nav.item(2).isHidden()
    omraade = rows["omraade"].editor
    assert isinstance(omraade, DimensionEditor)
    texts = [omraade.combo.itemText(i).strip() for i in range(omraade.combo.count())]
    assert texts[1] == "Barnets udvikling og adfærd"  # the side, as a heading
    assert "Forældrekompetencer" not in texts  # only the side the field offers
    omraade.combo.setCurrentIndex(2)
    group = rows["oensker"].editor
    assert isinstance(group, GroupEditor)
    item = group.add_item()
    oenske, vigtigt, hvorfor = (r.editor for r in item.rows)
    assert isinstance(oenske, TextEditor) and isinstance(vigtigt, YesNoEditor)
    assert not item.rows[2].isVisible()  # shown only for a "ja"
    qtbot.keyClicks(oenske.edit, "Flere legeaftaler")
    vigtigt.yes.click()
    assert item.rows[2].isVisible()
    assert isinstance(hvorfor, TextEditor)
    qtbot.keyClicks(hvorfor.edit, "Så jeg ikke er alene")
    second = group.add_item()
    assert second.title.text() == "Nr. 2"
    view.refresh()
    assert "Feltet skal udfyldes." not in second.rows[0].problem.text()  # not yet asked for
    group.remove_item(second)
    view.show_section("opfoelgning")
    qtbot.keyClicks(view.rows["plan"].editor.edit, "Samtale med forældrene.")

    answers = view.answers()
    assert answers == {
        "sted": "Skolens mødelokale",
        "dato": "2025-11-03",
        "start": "2025-11-03T09:30:00+01:00",
        "form": "med_foraelder",
        "emner": ["skole", "hjem"],
        "deltog": [
            {"person_id": "p-barn", "name": "Liva Holm"},
            {"person_id": None, "name": "Lærer Jens"},
            {"person_id": None, "name": "Morfar"},
        ],
        "kontakt": {"person_id": "p-mor", "name": "Hanne Holm"},
        "trivsel": 7,
        "tryg": {"value": False, "reason": "Der er råben om aftenen."},
        "omraade": "sundhedsforhold",
        "oensker": [
            {
                "oenske": "Flere legeaftaler",
                "vigtigt": {"value": True},
                "hvorfor": "Så jeg ikke er alene",
            }
        ],
        "plan": "Samtale med forældrene.",
    }
    parties = {p.person_id for p in PARTIES}
    assert validate_answers(view.form, answers, parties=parties) == []
    assert missing_for_finalise(view.form, answers, parties=parties) == ([], [])
    assert all(COMPLETE_MARK in view.nav.item(i).text() for i in range(3))

    # The same answers drawn again, and read-only as text.
    again = FormView(view.form, answers, view.ctx)
    qtbot.addWidget(again)
    assert again.answers() == answers
    again.set_read_only(True)
    assert again.rows["dato"].shown.text() == "03.11.2025"
    assert again.rows["tryg"].shown.text().startswith("Nej.")
    assert again.rows["trivsel"].shown.text() == "7 (på en skala fra 0 til 10)"
    assert again.rows["oensker"].shown.text().startswith("Ønske: Flere legeaftaler")


#: Where the form's answers are kept, so they can be saved on a vault row and printed.
RECORD = """
[record]
table = "meeting"
"""

ANSWERS: dict[str, Any] = {
    "sted": "Skolens mødelokale",
    "dato": "2025-11-03",
    "start": "2025-11-03T09:30:00+01:00",
    "form": "med_foraelder",
    "emner": ["skole", "hjem"],
    "deltog": [
        {"person_id": None, "name": "Lærer Jens"},
        {"person_id": None, "name": "Morfar"},
    ],
    "kontakt": {"person_id": None, "name": "Hanne Holm"},
    "trivsel": 7,
    "tryg": {"value": False, "reason": "Der er råben om aftenen."},
    "omraade": "sundhedsforhold",
    "oensker": [
        {
            "oenske": "Flere legeaftaler",
            "vigtigt": {"value": True},
            "hvorfor": "Så jeg ikke er alene",
        }
    ],
    "plan": "Samtale med forældrene.",
}


def test_a_form_from_a_folder_prints_answered_and_blank(vault: Vault, tmp_path: Path) -> None:
    """The same data file prints with its answers and as a blank template: no new code."""
    (tmp_path / "trivsel.toml").write_text(FORM + RECORD, encoding="utf-8")
    library = FormLibrary.from_folder(tmp_path)
    form = library.form("trivsel")
    with vault.session() as s:
        child, _ = services.create_person(s, "Liva", "Holm")
        case = services.create_case(s, child, opened_on=date(2025, 11, 1))
        row = services.add(s, Meeting(case_id=case.id, kind=MeetingKind.NETVAERKSMOEDE))
        save_answers(s, row, ANSWERS, form=form)
        case_id, number, row_id = case.id, case.case_number, row.id
    with vault.reading() as s:
        answered = answered_form_pdf(s, services.get(s, Meeting, row_id), library)
        blank = blank_form_pdf(s, case_id, "trivsel", library)

    def words(pdf: bytes) -> str:
        pages = PdfReader(io.BytesIO(pdf)).pages
        return " ".join(" ".join(p.extract_text() for p in pages).split())

    printed = words(answered)
    for expected in (
        "Trivselssamtale",
        "Liva Holm",
        f"Sag {number}",
        "Fortroligt",
        "Samtalen Sted Skolens mødelokale",
        "Dato 03.11.2025",
        "Starttidspunkt 03.11.2025 kl. 09.30",
        "Samtalens form Med en forælder",
        "Emner Skole, Hjemmet",
        "Deltog Lærer Jens, Morfar",
        "Barnets svar",
        "Hvordan har du det? 7 (på en skala fra 0 til 10)",
        "Er du tryg derhjemme? Nej. Hvorfor ikke? Der er råben om aftenen.",
        "Vigtigste område Sundhedsforhold",
        "Ønske: Flere legeaftaler; Meget vigtigt: Ja; Hvorfor er det vigtigt?: Så jeg ikke er alene",
        "Opfølgning Hvad gør vi nu? Samtale med forældrene.",
        "Skema trivsel version 1",
        "Side 1 af 1",
    ):
        assert expected in printed, expected
    template = words(blank)
    for expected in (
        "Trivselssamtale",
        f"Sag {number}",
        "Samtalen Et lille skema til prøve. Sted",
        "Barnets ønsker",
        "Opfølgning Hvad gør vi nu?",
        "Skema trivsel version 1",
    ):
        assert expected in template, expected
    assert "Skolens mødelokale" not in template  # no answers in a blank template


def test_typed_dates_and_times_are_read_the_danish_way() -> None:
    assert parse_day("3.11.2025") == date(2025, 11, 3)
    assert parse_day("03-11-2025") == date(2025, 11, 3)
    assert parse_day("03112025") == date(2025, 11, 3)
    assert parse_day("2025-11-03") == date(2025, 11, 3)
    assert parse_day("31.02.2025") is None
    moment = parse_moment("03.11.2025 14.05")
    assert moment is not None and moment.isoformat() == "2025-11-03T14:05:00+01:00"
    assert parse_moment("03.11.2025") is None  # a time is needed


def test_alt_letters_take_word_starts_first_and_skip_taken_ones() -> None:
    assert pick_mnemonic("Dato for samtalen", set()) == 0
    assert pick_mnemonic("Dato for samtalen", {"d"}) == 5  # "for"
    assert pick_mnemonic("Dato", {"d", "a", "t", "o"}) is None


def test_the_refusal_names_sections_and_questions(view: FormView) -> None:
    answers = {
        "tryg": {"value": False},
        "dato": "2999-01-01",
        "oensker": [{"vigtigt": {"value": True}}],
    }
    missing, problems = missing_for_finalise(view.form, answers, now=datetime.now(UTC))
    text = refusal_text(view.form, FormIncomplete(missing, problems))
    lines = text.splitlines()
    assert lines[0] == "Skemaet kan ikke afsluttes endnu. Mangler eller skal rettes:"
    assert "  Samtalen: Sted" in lines
    assert "  Barnets svar: Barnets ønsker, nr. 1: Ønske" in lines
    assert "  Samtalen: Dato: Datoen ligger i fremtiden." in lines
    assert "  Barnets svar: Er du tryg derhjemme? Skriv begrundelsen (Hvorfor ikke?)." in lines
