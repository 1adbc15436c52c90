"""Forms as documents: an answered underretning and undersøgelse print from the same definition
and answers the app fills (every visible question, its answer, "Ikke besvaret" when empty), in
the version they were given in; the statusudtalelse prints as a blank template without any
case answers; a row with damaged answers refuses its own document only."""

from __future__ import annotations

import io
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from models import services
from models.documents import DOCUMENTS, Sender, make_document
from models.documents.form_document import answered_form_pdf, blank_form_pdf
from models.errors import NotFound
from models.forms import FormLibrary, FormNotFound, ics_triangle, load_form
from models.forms.errors import CorruptAnswers
from models.forms.service import save_answers
from models.schema import Assessment, Meeting, Notification
from models.vault import Vault
from models.vocabulary import MeetingKind, NotifierKind
from tests.unit.test_forms_service import COMPLETE, notification

UNDERRETNING = load_form("underretning")
SENDER = Sender(name="Rådgiver Rasmussen", municipality="Slagelse Kommune")


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _answered(vault: Vault, answers: dict[str, Any]) -> tuple[str, str, str]:
    case_id, row_id = notification(vault)
    with vault.session() as s:
        save_answers(s, services.get(s, Notification, row_id), answers, form=UNDERRETNING)
        number = services.find_case(s, case_id).case_number
    return case_id, row_id, number


def test_an_answered_underretning_prints_its_questions_and_answers(vault: Vault) -> None:
    _case_id, row_id, number = _answered(vault, COMPLETE)
    with vault.reading() as s:
        made = make_document(s, number, "underretning", SENDER)
    assert made.row_id == row_id
    reader = PdfReader(io.BytesIO(made.pdf))
    words = " ".join(_text(made.pdf).split())
    assert "Underretning" in words and number in words and "Åse Holm" in words
    assert "Bakkeskolen" in words and "Åse kommer sulten i skole." in words
    assert "Underretterens navn" in words and "Lærer Hansen" in words
    assert "Skema underretning version 1" in words and "Fortroligt" in words
    assert "Side 1 af" in words
    assert reader.metadata is not None and number in (reader.metadata.title or "") + str(
        reader.metadata.subject or ""
    ) + str(reader.metadata.get("/Keywords", ""))


def test_an_unanswered_question_says_so_and_hidden_ones_are_left_out(vault: Vault) -> None:
    partial = {k: v for k, v in COMPLETE.items() if k != "vurdering"}
    partial["underretter_type"] = "anonym"
    _case_id, _row_id, number = _answered(vault, partial)
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, number, "underretning", SENDER).pdf).split())
    assert "Ikke besvaret" in words
    assert "Bakkeskolen" not in words  # the institution is asked only of a fagperson


def test_a_row_with_damaged_answers_refuses_its_document_only(vault: Vault) -> None:
    case_id, row_id, number = _answered(vault, COMPLETE)
    with vault.session() as s:
        other = services.add(s, Notification(case_id=case_id, notifier_kind=NotifierKind.ANONYM))
        save_answers(s, other, COMPLETE, form=UNDERRETNING)
        other_id = other.id
    with vault.engine.begin() as conn:
        conn.execute(update(Notification).where(Notification.id == row_id).values(answers=[1, 2]))
    with vault.reading() as s, pytest.raises(CorruptAnswers):
        make_document(s, number, "underretning", SENDER, row_id)
    with vault.reading() as s:
        assert "Bakkeskolen" in _text(
            make_document(s, number, "underretning", SENDER, other_id).pdf
        )
    with vault.engine.begin() as conn:
        conn.execute(
            update(Notification)
            .where(Notification.id == row_id)
            .values(answers=COMPLETE, form_version=99)  # a version this Feltmappe does not know
        )
    with vault.reading() as s, pytest.raises(FormNotFound):
        make_document(s, number, "underretning", SENDER, row_id)


def test_the_statusudtalelse_is_a_blank_template_without_answers(vault: Vault) -> None:
    case_id, _row_id, number = _answered(vault, COMPLETE)
    with vault.reading() as s:
        made = make_document(s, number, "statusudtalelse", SENDER)
    words = " ".join(_text(made.pdf).split())
    assert made.row_id == case_id
    assert "Statusudtalelse" in words and number in words
    assert "Skema statusudtalelse version" in words
    assert "Bakkeskolen" not in words and "sulten" not in words  # no case answers


def test_an_undersoegelse_with_answers_prints(vault: Vault) -> None:
    case_id, _row_id = notification(vault)
    with vault.session() as s:
        row = services.add(
            s, Assessment(case_id=case_id, aware_on=date.today(), started_on=date.today())
        )
        form = load_form("undersoegelse")
        first = next(f for f in form.fields.values() if f.type == "long_text")
        save_answers(s, row, {first.id: "Barnet trives i skolen, siger læreren."}, form=form)
        number = services.find_case(s, case_id).case_number
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, number, "undersoegelse", SENDER).pdf).split())
    assert "Børnefaglig undersøgelse" in words or "undersøgelse" in words.lower()
    assert "Barnet trives i skolen, siger læreren." in words
    assert first.label.split()[0] in words


def _undersoegelse(vault: Vault, answers: dict[str, Any]) -> str:
    case_id, _row_id = notification(vault)
    with vault.session() as s:
        row = services.add(
            s, Assessment(case_id=case_id, aware_on=date.today(), started_on=date.today())
        )
        save_answers(s, row, answers, form=load_form("undersoegelse"))
        return services.find_case(s, case_id).case_number


def _in_order(words: str, *parts: str) -> None:
    """``parts`` are found in ``words`` in this order (each after the one before)."""
    at = 0
    for part in parts:
        found = words.find(part, at)
        assert found >= 0, f"{part!r} not after position {at}: {words[at : at + 300]!r}"
        at = found + len(part)


def test_ics_answers_print_under_their_side_and_dimension(vault: Vault) -> None:
    ics = ics_triangle()
    udvikling, kompetencer, netvaerk = (side.label for side in ics.sides)
    assert (udvikling, kompetencer, netvaerk) == (
        "Barnets udvikling og adfærd",
        "Forældrekompetencer",
        "Familie og netværk",
    )
    number = _undersoegelse(
        vault,
        {
            "sundhedsforhold_ressourcer": "Rask og glad.",
            "sundhedsforhold_bekymringer": "Ondt i maven.",
            "uddannelse_ressourcer": "Glad for læreren.",
            "uddannelse_bekymringer": "Fravær om mandagen.",
            "stabilitet_ressourcer": "Faste rammer hos mormor.",
            "stabilitet_bekymringer": "Tre flytninger.",
            "boligforhold_ressourcer": "Eget værelse.",
            "boligforhold_bekymringer": "Fugt.",
        },
    )
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, number, "undersoegelse", SENDER).pdf).split())
    _in_order(
        words,
        udvikling,
        "Sundhedsforhold",
        "Ressourcer",
        "Rask og glad.",
        "Bekymringer",
        "Ondt i maven.",
        "Uddannelse (skole/dagtilbud)",
        "Ressourcer",
        "Glad for læreren.",
        "Bekymringer",
        "Fravær om mandagen.",
        kompetencer,
        "Grundlæggende omsorg",  # unanswered dimensions print too, by name
        "Stabilitet",
        "Ressourcer",
        "Faste rammer hos mormor.",
        "Bekymringer",
        "Tre flytninger.",
        netvaerk,
        "Boligforhold",
        "Ressourcer",
        "Eget værelse.",
        "Bekymringer",
        "Fugt.",
    )
    for dimension in ics.dimensions:  # every dimension by name, once
        assert words.count(dimension.label) == 1, dimension.label


def test_an_ics_group_prints_its_items_under_side_and_dimension(vault: Vault) -> None:
    answers = dict(COMPLETE)
    answers["bekymring_ics"] = [
        {"dimension": "boligforhold", "tekst": "Fugt i børneværelset."},
        {"dimension": "sundhedsforhold", "tekst": "Ofte syg."},
        {"dimension": "grundlaeggende_omsorg", "tekst": "Sulten om morgenen."},
    ]
    _case_id, _row_id, number = _answered(vault, answers)
    with vault.reading() as s:
        pdf = make_document(s, number, "underretning", SENDER).pdf
    words = " ".join(_text(pdf).split())
    _in_order(
        words,
        "Bekymringen fordelt på ICS-dimensioner",
        "Barnets udvikling og adfærd",
        "Sundhedsforhold",
        "Ofte syg.",
        "Forældrekompetencer",
        "Grundlæggende omsorg",
        "Sulten om morgenen.",
        "Familie og netværk",
        "Boligforhold",
        "Fugt i børneværelset.",
    )
    # Sections follow on from each other: a short underretning is not a page per section.
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2


def _longest_dark_runs(pdf: bytes, page: int, scale: float) -> list[int]:
    """For each pixel row of the page, the longest run of dark pixels (a drawn line)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(pdf)
    bitmap = document[page].render(scale=scale, grayscale=True)
    data, width, stride = bytes(bitmap.buffer), bitmap.width, bitmap.stride
    runs = []
    for y in range(bitmap.height):
        row = data[y * stride : y * stride + width]
        longest = current = 0
        for value in row:
            current = current + 1 if value < 200 else 0
            longest = max(longest, current)
        runs.append(longest)
    document.close()
    return runs


def test_the_blank_template_has_lines_across_the_page_under_each_dimension(vault: Vault) -> None:
    from models.documents.pdf import MARGIN

    case_id, _row_id = notification(vault)
    with vault.reading() as s:
        number = services.find_case(s, case_id).case_number
        pdf = make_document(s, number, "statusudtalelse", SENDER).pdf
    words = " ".join(_text(pdf).split())
    _in_order(
        words,
        "Barnets udvikling og adfærd",
        "Sundhedsforhold",
        "Det går godt",
        "Det bekymrer mig",
        "Uddannelse (skole/dagtilbud)",
        "Det går godt",
        "Forældrekompetencer",
        "Grundlæggende omsorg",
        "Familie og netværk",
        "Lokalsamfundets ressourcer",
        "Det bekymrer mig",
    )
    scale = 2.0
    # A4's width in points, less both margins and the frame's padding (6 points a side): the
    # width the text has, as the header and footer rules outline it.
    frame = (595.27 - 2 * MARGIN - 12) * scale
    runs = _longest_dark_runs(pdf, 1, scale)
    lines = [r for r in runs if r > frame / 3]
    assert len(lines) >= 10  # a page of lines to write on
    assert min(lines) >= 0.98 * frame, (min(lines), frame)  # each across the whole frame
    assert max(runs) <= frame + 2 * scale


def test_answers_of_an_older_version_print_with_that_version(vault: Vault, tmp_path: Path) -> None:
    """A form changed after answers were given (its old file kept as ``<id>.v1.toml``): the
    old answers print with the old questions, new answers with the new ones."""
    current = (files("resources.forms") / "underretning.toml").read_text(encoding="utf-8")
    assert "version = 1\n" in current and 'label = "Underretterens navn"' in current
    (tmp_path / "underretning.v1.toml").write_text(current, encoding="utf-8")
    newer = current.replace("version = 1\n", "version = 2\n", 1).replace(
        'label = "Underretterens navn"', 'label = "Navn på den, der underretter"'
    )
    (tmp_path / "underretning.toml").write_text(newer, encoding="utf-8")
    library = FormLibrary.from_folder(tmp_path)
    assert library.versions("underretning") == [1, 2]

    case_id, old_id = notification(vault)
    with vault.session() as s:
        old = services.get(s, Notification, old_id)
        save_answers(s, old, COMPLETE, form=library.form("underretning", 1))
        new = services.add(s, Notification(case_id=case_id, notifier_kind=NotifierKind.ANONYM))
        save_answers(s, new, COMPLETE, form=library.form("underretning"))
        new_id = new.id
    with vault.reading() as s:
        old_words = " ".join(
            _text(answered_form_pdf(s, services.get(s, Notification, old_id), library)).split()
        )
        new_words = " ".join(
            _text(answered_form_pdf(s, services.get(s, Notification, new_id), library)).split()
        )
    assert "Underretterens navn Lærer Hansen" in old_words
    assert "Navn på den, der underretter" not in old_words
    assert "Skema underretning version 1" in old_words
    assert "Navn på den, der underretter Lærer Hansen" in new_words
    assert "Underretterens navn" not in new_words
    assert "Skema underretning version 2" in new_words


#: What a child said, typed by the caseworker: quotes, a dash, æ, ø, å, "&" and "<" (never
#: markup), line breaks.
CHILD_WORDS = (
    'Mor siger "du må ikke sige det til nogen" – men jeg vil bo hos far & Bamse.\n'
    "Jeg er bange om natten, når de råber <højt>.\n"
    "Jeg ønsker mig at gå til fodbold."
)

CONVERSATION: dict[str, Any] = {
    "tidspunkt": "2026-11-03T14:30:00+01:00",
    "sted": "Skolens samtalerum",
    "samtaleform": "samtale",
    "set_alene": {"value": True},
    "barnets_ord": CHILD_WORDS,
    "barnets_oensker": "At bo hos far.",
    "trivsel": 4,
}

VISIT: dict[str, Any] = {
    "holdt": {"value": True},
    "tidspunkt": "2026-11-04T10:00:00+01:00",
    "anmeldt": {"value": True},
    "barnet_set": {"value": True},
    "barnet_alene": {"value": False, "reason": "Mor ville være med."},
    "hjemmet": "Ryddeligt; Åse har sin egen seng.",
    "iagttagelser_ics": [
        {"dimension": "boligforhold", "tekst": "Fugt i stuen."},
        {"dimension": "grundlaeggende_omsorg", "tekst": "Mad i køleskabet."},
    ],
}


def _meeting(vault: Vault, kind: MeetingKind, answers: dict[str, Any]) -> tuple[str, str]:
    """A meeting of ``kind`` with its form's answers: (case number, meeting id)."""
    case_id, _row_id = notification(vault)
    with vault.session() as s:
        row = services.add(s, Meeting(case_id=case_id, kind=kind))
        save_answers(s, row, answers, form=load_form(kind.value))
        return services.find_case(s, case_id).case_number, row.id


def test_a_boernesamtale_prints_the_childs_own_words_as_typed(vault: Vault) -> None:
    number, row_id = _meeting(vault, MeetingKind.BOERNESAMTALE, CONVERSATION)
    with vault.reading() as s:
        (candidate,) = DOCUMENTS["boernesamtale"].candidates(s, services.find_case(s, number).id)
        assert candidate.label == "kladde · Skolens samtalerum"  # not finalised: no date held
        made = make_document(s, number, "boernesamtale", SENDER)
    assert made.row_id == row_id
    reader = PdfReader(io.BytesIO(made.pdf))
    text = _text(made.pdf)
    for line in CHILD_WORDS.splitlines():
        assert line in text.splitlines(), line  # each line exactly as typed
    words = " ".join(text.split())
    for expected in (
        "Børnesamtale",
        "Det barnet fortalte",
        "Åse Holm",
        "Skolens samtalerum",
        "03.11.2026 kl. 14.30",
        "Barnets egne ord",
        "4 (på en skala fra 0 til 10)",
        "Fortroligt",
        f"Sag {number}",
        "Side 1 af",
        "Skema boernesamtale version 1",
    ):
        assert expected in words, expected
    assert "Observation af barnet" not in words  # the observation section is for small children
    meta = reader.metadata
    assert meta is not None and meta.title == "Børnesamtale"
    assert number in (meta.subject or "") and number in str(meta.get("/Keywords", ""))


def test_a_hjemmebesoeg_prints_its_observations_by_ics_dimension(vault: Vault) -> None:
    number, _row_id = _meeting(vault, MeetingKind.HJEMMEBESOEG, VISIT)
    with vault.reading() as s:
        assert not DOCUMENTS["boernesamtale"].candidates(s, services.find_case(s, number).id)
        made = make_document(s, number, "hjemmebesoeg", SENDER)
    words = " ".join(_text(made.pdf).split())
    assert "Hjemmebesøg" in words and "Skema hjemmebesoeg version 1" in words
    assert "Nej. " in words and "Mor ville være med." in words
    _in_order(
        words,
        "Forældrekompetencer",
        "Grundlæggende omsorg",
        "Mad i køleskabet.",
        "Familie og netværk",
        "Boligforhold",
        "Fugt i stuen.",
    )


def test_a_meeting_without_answers_or_of_another_case_is_not_offered(vault: Vault) -> None:
    number, row_id = _meeting(vault, MeetingKind.BOERNESAMTALE, CONVERSATION)
    with vault.session() as s:
        case = services.find_case(s, number)
        services.add(s, Meeting(case_id=case.id, kind=MeetingKind.BOERNESAMTALE))  # no form
        services.add(s, Meeting(case_id=case.id, kind=MeetingKind.NETVAERKSMOEDE))
    other_number, other_id = _meeting(vault, MeetingKind.BOERNESAMTALE, CONVERSATION)
    with vault.reading() as s:
        assert make_document(s, number, "boernesamtale", SENDER).row_id == row_id
        with pytest.raises(NotFound):
            make_document(s, number, "boernesamtale", SENDER, other_id)
        with pytest.raises(NotFound):
            make_document(s, number, "hjemmebesoeg", SENDER)
        assert make_document(s, other_number, "boernesamtale", SENDER).row_id == other_id


def test_every_kind_is_listed() -> None:
    assert {
        "kvittering",
        "underretning",
        "undersoegelse",
        "boernesamtale",
        "hjemmebesoeg",
        "statusudtalelse",
    } <= set(DOCUMENTS)


def test_the_document_benchmark_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.bench import bench_documents

    monkeypatch.setattr("sys.argv", ["bench", "--rounds", "1", "--paragraphs", "1"])
    bench_documents.main()
    out = capsys.readouterr().out
    assert "pages" in out and "median" in out


def _tick_boxes(pdf: bytes) -> int:
    """How many boxes to tick by hand the PDF draws (rectangles of the tick box's size)."""
    from pypdf.generic import ContentStream

    from models.documents.pdf import TICK_BOX

    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"re" and all(abs(float(v) - TICK_BOX) < 0.1 for v in operands[2:]):
                count += 1
    return count


def _blank(vault: Vault, form_id: str) -> bytes:
    case_id, _row_id = notification(vault)
    with vault.reading() as s:
        return blank_form_pdf(s, case_id, form_id)


def test_the_blank_template_has_boxes_to_tick_for_yes_no_and_the_scale(vault: Vault) -> None:
    pdf = _blank(vault, "statusudtalelse")
    words = " ".join(_text(pdf).split())
    _in_order(
        words,
        "Dato:",  # a date is a short line after its label
        "Dit kendskab til barnet",
        "Er forældrene orienteret om udtalelsen? Ja Nej",
        "Hvis nej, hvorfor ikke?",
        "Barnets trivsel, som du ser den 0 1 2 3 4 5 6 7 8 9 10 Meget dårlig Rigtig god",
    )
    assert _tick_boxes(pdf) == 2 + 11  # Ja, Nej; 0 … 10


def test_the_blank_template_ends_with_room_to_sign(vault: Vault) -> None:
    pdf = _blank(vault, "statusudtalelse")
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    _in_order(pages[-1], "Samlet vurdering", "Dato", "Underskrift", "Navn og institution")


def test_a_blank_choice_lists_its_choices_with_boxes(vault: Vault) -> None:
    pdf = _blank(vault, "underretning")
    words = " ".join(_text(pdf).split())
    choice = UNDERRETNING.field("modtaget_hvordan")
    _in_order(words, choice.label, "Sæt ét kryds.", *(c.label for c in choice.choices))
    choices = sum(
        len(f.choices) for f in UNDERRETNING.fields.values() if f.type in ("choice", "multi_choice")
    )
    yes_no = sum(1 for f in UNDERRETNING.fields.values() if f.type == "yes_no")
    assert _tick_boxes(pdf) == choices + 2 * yes_no


def test_an_ics_group_names_its_one_field_once_not_before_every_item(vault: Vault) -> None:
    answers = dict(COMPLETE)
    answers["bekymring_ics"] = [
        {"dimension": "boligforhold", "tekst": "Fugt i børneværelset."},
        {"dimension": "sundhedsforhold", "tekst": "Ofte syg."},
    ]
    _case_id, _row_id, number = _answered(vault, answers)
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, number, "underretning", SENDER).pdf).split())
    _in_order(
        words,
        "Bekymringen fordelt på ICS-dimensioner Hvad underretteren beskriver",
        "Sundhedsforhold Ofte syg.",
        "Boligforhold Fugt i børneværelset.",
    )
    assert words.count("Hvad underretteren beskriver") == 1
    assert "Hvad underretteren beskriver:" not in words

    visit_number, _row_id = _meeting(vault, MeetingKind.HJEMMEBESOEG, VISIT)
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, visit_number, "hjemmebesoeg", SENDER).pdf).split())
    assert "Iagttagelse:" not in words
    # The group's label already says what each item is.
    assert "Iagttagelser fordelt på ICS-dimensioner Forældrekompetencer" in words
    _in_order(words, "Grundlæggende omsorg Mad i køleskabet.", "Boligforhold Fugt i stuen.")


def test_an_ics_group_of_several_fields_labels_each_answer_on_its_own_line() -> None:
    from models.documents.form_document import form_story
    from models.documents.pdf import DocumentInfo, Styles, build_pdf
    from models.forms import Field, FieldType, Form, Section

    group = Field(
        id="iagttagelser",
        type=FieldType.GROUP,
        label="Iagttagelser",
        fields=(
            Field(id="dimension", type=FieldType.ICS_DIMENSION, label="Dimension"),
            Field(id="tekst", type=FieldType.LONG_TEXT, label="Iagttagelse"),
            Field(id="kilde", type=FieldType.SHORT_TEXT, label="Kilde"),
        ),
    )
    form = Form(
        id="x", version=1, title="X", sections=(Section(id="s", title="S", fields=(group,)),)
    )
    answers = {
        "iagttagelser": [
            {"dimension": "boligforhold", "tekst": "Fugt.", "kilde": "Mor"},
            {"dimension": "sundhedsforhold", "tekst": "Hoster.", "kilde": "Skolen"},
        ]
    }
    styles = Styles()
    pdf = build_pdf(DocumentInfo(title="X", case_number="1"), form_story(form, answers, styles))
    lines = [line.strip() for line in _text(pdf).splitlines()]
    _in_order(
        "\n".join(lines),
        "Sundhedsforhold\nIagttagelse\nHoster.\nKilde\nSkolen",
        "Boligforhold\nIagttagelse\nFugt.\nKilde\nMor",
    )
