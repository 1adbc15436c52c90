"""Forms as data (issue 13): every shipped form loads; a broken definition names its file, key
and problem; a new form in a folder of its own loads and checks answers with no new code;
answers are validated field by field and completeness is counted per section; an older version
of a form stays loadable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.forms import (
    FieldType,
    FormDefinitionError,
    FormLibrary,
    FormNotFound,
    all_forms,
    check_folder,
    ics_triangle,
    load_form,
    missing_for_finalise,
    section_progress,
    validate_answers,
)
from models.forms.messages import _ANSWER, _DEFINITION, answer_text, definition_text
from models.forms.records import FINALISED_INSTEAD, RECORD_COLUMNS
from models.schema import Assessment, Meeting, Notification, Screening

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

SHIPPED = (
    "boernesamtale",
    "hjemmebesoeg",
    "screening",
    "statusudtalelse",
    "underretning",
    "undersoegelse",
)


def test_every_shipped_form_loads_without_a_problem() -> None:
    assert check_folder() == []
    assert [f.id for f in all_forms()] == sorted(SHIPPED)
    for form in all_forms():
        assert form.title and form.sections
        for section in form.sections:
            assert section.title and section.fields
            for fld in section.fields:
                assert fld.label


def test_the_ics_triangle_has_three_sides_and_twenty_dimensions() -> None:
    ics = ics_triangle()
    assert [s.label for s in ics.sides] == [
        "Barnets udvikling og adfærd",
        "Forældrekompetencer",
        "Familie og netværk",
    ]
    assert [len(s.dimensions) for s in ics.sides] == [7, 6, 7]
    assert ics.dimension("boligforhold").side == "familie_netvaerk"


def test_the_demo_goals_use_the_triangles_dimension_ids() -> None:
    from models.demo import ICS_DIMENSIONS

    assert set(ICS_DIMENSIONS) == {d.id for d in ics_triangle().dimensions}


def test_the_undersoegelse_covers_every_dimension_with_resources_concerns_source_and_date() -> None:
    form = load_form("undersoegelse")
    for dim in ics_triangle().dimensions:
        for part in ("ressourcer", "bekymringer", "kilde", "dato"):
            fld = form.field(f"{dim.id}_{part}")
            assert fld.ics == dim.id
    assert form.record is not None and form.record.finalised == "completed_on"


def test_record_columns_exist_in_the_schema() -> None:
    tables = {
        "notification": Notification,
        "screening": Screening,
        "assessment": Assessment,
        "meeting": Meeting,
    }
    for table, columns in RECORD_COLUMNS.items():
        names = {c.key for c in tables[table].__table__.columns}
        assert set(columns) <= names, table


def test_every_code_has_danish_text() -> None:
    for code in _DEFINITION:
        assert not definition_text(code, {}).startswith("Fejl i skemaet (")
    for code in _ANSWER:
        assert not answer_text(code, {}).startswith("Ugyldigt svar (")


# -- broken files -----------------------------------------------------------------------------

GOOD = """
id = "lille"
version = 1
title = "Lille skema"

[[sections]]
id = "afsnit"
title = "Afsnit"

[[sections.fields]]
id = "navn"
type = "short_text"
label = "Navn"
required = true

[[sections.fields]]
id = "alene"
type = "yes_no"
label = "Set alene?"
required = true
reason_when = "no"

[[sections.fields]]
id = "farve"
type = "choice"
label = "Farve"
choices = [{ id = "roed", label = "Rød" }, { id = "blaa", label = "Blå" }]

[[sections.fields]]
id = "hvorfor_blaa"
type = "long_text"
label = "Hvorfor blå?"
required = true
show_if = { field = "farve", is = "blaa" }

[[sections.fields]]
id = "skala"
type = "scale"
label = "Trivsel"

[[sections.fields]]
id = "punkter"
type = "group"
label = "Punkter"
max_items = 2

[[sections.fields.fields]]
id = "dimension"
type = "ics_dimension"
label = "Dimension"
required = true

[[sections.fields.fields]]
id = "tekst"
type = "long_text"
label = "Tekst"
required = true
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BROKEN: list[tuple[str, str, str, str]] = [
    # (replace, with, key, code)
    (
        'type = "scale"',
        'type = "skala"',
        "sections[afsnit].fields[skala].type",
        "form.unknown_field_type",
    ),
    ('id = "alene"', 'id = "navn"', "sections[afsnit].fields[navn].id", "form.duplicate_id"),
    ('label = "Navn"\n', "", "sections[afsnit].fields[navn].label", "form.missing_label"),
    ('title = "Afsnit"\n', "", "sections[afsnit].title", "form.missing_label"),
    (
        'label = "Trivsel"',
        'label = "Trivsel"\nics = "lykke"',
        "sections[afsnit].fields[skala].ics",
        "form.unknown_dimension",
    ),
    (
        'choices = [{ id = "roed", label = "Rød" }, { id = "blaa", label = "Blå" }]',
        'vocabulary = "farver"',
        "sections[afsnit].fields[farve].vocabulary",
        "form.unknown_vocabulary",
    ),
    (
        'choices = [{ id = "roed", label = "Rød" }, { id = "blaa", label = "Blå" }]',
        'vocabulary = "notifier_sector"\nonly = ["skole", "kirke"]',
        "sections[afsnit].fields[farve].only",
        "form.unknown_vocabulary_value",
    ),
    (
        'is = "blaa"',
        'is = "groen"',
        "sections[afsnit].fields[hvorfor_blaa].show_if.is",
        "form.bad_condition_value",
    ),
    (
        'field = "farve"',
        'field = "ukendt"',
        "sections[afsnit].fields[hvorfor_blaa].show_if.field",
        "form.unknown_condition_field",
    ),
    (
        "required = true\nreason_when",
        "requried = true\nreason_when",
        "sections[afsnit].fields[alene].requried",
        "form.unknown_key",
    ),
    ("version = 1", 'version = "1"', "version", "form.bad_value_type"),
    ('id = "navn"', 'id = "Navn"', "sections[afsnit].fields[Navn].id", "form.bad_id"),
    ('title = "Lille skema"', 'title = "Lille skema', "linje 4", "form.toml_syntax"),
    (
        "max_items = 2",
        'max_items = 2\n[[sections.fields.fields]]\nid = "inde"\ntype = "group"\nlabel = "Inde"',
        "sections[afsnit].fields[punkter].fields[inde].type",
        "form.nested_group",
    ),
    (
        'label = "Navn"',
        'label = "Navn"\ncolumn = "received_at"',
        "sections[afsnit].fields[navn].column",
        "form.column_without_record",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "code"), BROKEN, ids=[b[3] + ":" + b[2] for b in BROKEN]
)
def test_a_broken_file_names_file_key_and_problem(
    tmp_path: Path, old: str, new: str, key: str, code: str
) -> None:
    assert old in GOOD
    write(tmp_path, "lille.toml", GOOD.replace(old, new, 1))
    problems = check_folder(tmp_path)
    assert [(p.file, p.key, p.code) for p in problems][:1] == [("lille.toml", key, code)]
    assert str(problems[0]).startswith(f"lille.toml: {key}: ")
    assert problems[0].text and "{" not in problems[0].text
    with pytest.raises(FormDefinitionError) as err:
        FormLibrary.from_folder(tmp_path)
    assert err.value.params["file"] == "lille.toml"
    assert err.value.params["key"] == key


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "lille.toml").write_bytes(GOOD.replace("Rød", "R\xf8d").encode("latin-1"))
    assert [(p.file, p.code) for p in check_folder(tmp_path)] == [("lille.toml", "form.encoding")]


def test_file_name_and_id_must_agree(tmp_path: Path) -> None:
    write(tmp_path, "stor.toml", GOOD)
    assert [(p.file, p.key, p.code) for p in check_folder(tmp_path)] == [
        ("stor.toml", "id", "form.file_name")
    ]


def test_a_missing_folder_is_a_problem(tmp_path: Path) -> None:
    assert [p.code for p in check_folder(tmp_path / "ingen")] == ["form.no_folder"]


# -- a new form with no new code -----------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> FormLibrary:
    write(tmp_path, "lille.toml", GOOD)
    return FormLibrary.from_folder(tmp_path)


def test_a_new_form_in_a_folder_loads_and_checks_answers(small: FormLibrary) -> None:
    form = small.form("lille")
    assert [f.type for f in form.fields.values()] == [
        FieldType.SHORT_TEXT,
        FieldType.YES_NO,
        FieldType.CHOICE,
        FieldType.LONG_TEXT,
        FieldType.SCALE,
        FieldType.GROUP,
    ]
    answers: dict[str, Any] = {
        "navn": "Åse",
        "alene": {"value": False},
        "farve": "blaa",
        "skala": 11,
        "punkter": [{"dimension": "boligforhold", "tekst": "Trangt"}, {"dimension": "mars"}],
    }
    problems = validate_answers(form, answers, ics=ics_triangle())
    assert {(p.path, p.code) for p in problems} == {
        ("alene", "form.reason_required"),
        ("skala", "form.out_of_range"),
        ("punkter[1].dimension", "form.unknown_dimension"),
    }
    missing, _ = missing_for_finalise(form, answers, ics=ics_triangle())
    assert [(m.field, m.item, m.sub_field) for m in missing] == [
        ("hvorfor_blaa", None, None),
        ("punkter", 1, "tekst"),
    ]
    assert missing[1].text == "Afsnit: Punkter, nr. 2: Tekst"


def test_a_hidden_field_is_neither_required_nor_checked(small: FormLibrary) -> None:
    form = small.form("lille")
    answers = {"navn": "Åse", "alene": {"value": True}, "farve": "roed", "hvorfor_blaa": 7}
    assert validate_answers(form, answers) == []
    assert missing_for_finalise(form, answers) == ([], [])


def test_completeness_per_section(small: FormLibrary) -> None:
    form = small.form("lille")
    (progress,) = section_progress(form, {"navn": "Åse"})
    assert (progress.required, progress.answered, progress.complete) == (2, 1, False)
    assert [m.label for m in progress.missing] == ["Set alene?"]
    (progress,) = section_progress(form, {"navn": "Åse", "alene": {"value": True}})
    assert progress.complete


def test_a_group_with_too_many_items(small: FormLibrary) -> None:
    item = {"dimension": "oekonomi", "tekst": "Gæld"}
    problems = validate_answers(small.form("lille"), {"punkter": [item, item, item]})
    assert [p.code for p in problems] == ["form.too_many_items"]


# -- versions -----------------------------------------------------------------------------------


def test_an_older_version_stays_loadable(tmp_path: Path) -> None:
    write(tmp_path, "lille.v1.toml", GOOD)
    newer = GOOD.replace("version = 1", "version = 2").replace(
        'label = "Navn"', 'label = "Fulde navn"'
    )
    write(tmp_path, "lille.toml", newer)
    library = FormLibrary.from_folder(tmp_path)
    assert library.versions("lille") == [1, 2]
    assert library.form("lille").field("navn").label == "Fulde navn"
    assert library.form("lille", 1).field("navn").label == "Navn"
    with pytest.raises(FormNotFound):
        library.form("lille", 3)


def test_the_plain_file_must_be_the_newest_version(tmp_path: Path) -> None:
    write(tmp_path, "lille.v2.toml", GOOD.replace("version = 1", "version = 2"))
    write(tmp_path, "lille.toml", GOOD)
    assert [(p.file, p.code) for p in check_folder(tmp_path)] == [
        ("lille.toml", "form.version_not_newest")
    ]


def test_an_unknown_form_is_not_found() -> None:
    with pytest.raises(FormNotFound):
        load_form("findes_ikke")


# -- the shipped forms' answers ----------------------------------------------------------------


def test_underretning_asks_for_the_institution_only_of_a_professional() -> None:
    form = load_form("underretning")
    missing, _ = missing_for_finalise(form, {"underretter_type": "anonym"})
    labels = {m.field for m in missing}
    assert "institution" not in labels and "underretter_navn" not in labels
    missing, _ = missing_for_finalise(form, {"underretter_type": "fagperson"})
    assert {"institution", "underretter_navn", "omraade"} <= {m.field for m in missing}


def test_a_received_time_in_the_future_is_refused() -> None:
    form = load_form("underretning")
    problems = validate_answers(form, {"modtaget": "2026-11-21T09:00:00+01:00"}, now=NOW)
    assert [(p.field, p.code) for p in problems] == [("modtaget", "validation.future_date")]
    problems = validate_answers(form, {"modtaget": "2026-11-19T09:00:00"}, now=NOW)
    assert [p.code for p in problems] == ["form.bad_datetime"]


def test_a_person_must_be_a_party_of_the_case() -> None:
    form = load_form("hjemmebesoeg")
    answers = {
        "holdt": {"value": True},
        "til_stede": [{"person_id": "p1", "name": "Mor"}, {"person_id": "p9", "name": "X"}],
    }
    problems = validate_answers(form, answers, parties={"p1"})
    assert [(p.field, p.code) for p in problems] == [("til_stede", "form.unknown_person")]


# -- properties -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_json_answers_give_problems_never_an_exception(data: st.DataObject) -> None:
    form = load_form("underretning")
    keys = st.sampled_from([*form.fields, "ukendt"])
    answers = data.draw(st.dictionaries(keys, json_values, max_size=8))
    for problem in validate_answers(form, answers, ics=ics_triangle(), now=NOW, parties=set()):
        assert problem.text
    for progress in section_progress(form, answers, ics=ics_triangle(), now=NOW):
        assert 0 <= progress.answered <= progress.required


def test_a_broken_ics_file_beside_the_forms_is_named(tmp_path: Path) -> None:
    write(tmp_path, "lille.toml", GOOD)
    write(
        tmp_path,
        "ics.toml",
        '[[sides]]\nid = "s"\nlabel = "S"\n[[sides.dimensions]]\nid = "s"\nlabel = "D"\n',
    )
    assert [(p.file, p.key, p.code) for p in check_folder(tmp_path)] == [
        ("ics.toml", "sides[s].dimensions[s].id", "form.duplicate_id"),
    ]


def test_a_folder_with_its_own_ics_file_uses_it(tmp_path: Path) -> None:
    write(tmp_path, "lille.toml", GOOD.replace('ics_dimension"', 'short_text"'))
    write(
        tmp_path,
        "ics.toml",
        '[[sides]]\nid = "s"\nlabel = "S"\n[[sides.dimensions]]\nid = "d"\nlabel = "D"\n',
    )
    library = FormLibrary.from_folder(tmp_path)
    assert [d.id for d in library.ics.dimensions] == ["d"]


def _answer(fld: Any) -> st.SearchStrategy[Any]:
    """Valid answers of ``fld`` (every field answered, every reason given)."""
    text = st.from_regex(r"[a-zæøå][a-zæøå .,]{0,30}", fullmatch=True)
    kind = fld.type
    if kind in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        return text
    if kind == FieldType.DATE:
        return st.dates(date(2000, 1, 1), NOW.date() - timedelta(days=1)).map(date.isoformat)
    if kind == FieldType.DATETIME:
        moments = st.datetimes(
            datetime(2000, 1, 1), NOW.replace(tzinfo=None), timezones=st.just(UTC)
        )
        return moments.map(lambda m: m.isoformat())
    values = [c.value for c in fld.choices]
    if kind == FieldType.CHOICE:
        return st.sampled_from(values)
    if kind == FieldType.MULTI_CHOICE:
        return st.lists(st.sampled_from(values), min_size=1, unique=True)
    if kind == FieldType.YES_NO:
        return st.builds(lambda b, r: {"value": b, "reason": r}, st.booleans(), text)
    if kind == FieldType.PERSON:
        person = st.builds(lambda n: {"person_id": None, "name": n}, text)
        return st.lists(person, min_size=1, max_size=3) if fld.multiple else person
    if kind == FieldType.SCALE:
        return st.integers(fld.minimum, fld.maximum)
    if kind == FieldType.ICS_DIMENSION:
        dims = [d.id for d in ics_triangle().dimensions if not fld.sides or d.side in fld.sides]
        return st.sampled_from(dims)
    item = st.fixed_dictionaries({sub.id: _answer(sub) for sub in fld.fields})
    least = max(fld.min_items, 1)
    return st.lists(item, min_size=least, max_size=fld.max_items or least + 2)


@settings(max_examples=25, deadline=None)
@given(st.data())
@pytest.mark.parametrize("form_id", SHIPPED)
def test_answering_every_field_validly_makes_every_shipped_form_complete(
    form_id: str, data: st.DataObject
) -> None:
    from models.forms.service import finalise_updates

    form = load_form(form_id)
    answers = data.draw(st.fixed_dictionaries({f.id: _answer(f) for f in form.fields.values()}))
    assert validate_answers(form, answers, ics=ics_triangle(), now=NOW, parties=set()) == []
    assert missing_for_finalise(form, answers, ics=ics_triangle(), now=NOW) == ([], [])
    assert all(p.complete for p in section_progress(form, answers, ics=ics_triangle(), now=NOW))
    updates = finalise_updates(form, answers, NOW)
    if form.record is not None and form.record.finalised is not None:
        # A hjemmebesøg that did not take place is finalised by its reason, not by a time.
        instead = FINALISED_INSTEAD.get(form.record.table, "")
        assert updates.get(form.record.finalised) is not None or updates.get(instead)


def test_answers_are_shown_in_danish() -> None:
    from models.forms import NOT_ANSWERED, display_answer

    form, ics = load_form("underretning"), ics_triangle()
    show = {
        "modtaget": "2026-11-20T08:15:00+00:00",
        "underretter_type": "fagperson",
        "akut": {"value": True, "reason": "Politiet er kontaktet"},
        "i_fare": {"value": False},
        "kvittering_sendt": "2026-11-23",
        "bekymring_ics": [{"dimension": "boligforhold", "tekst": "Trangt"}],
    }
    assert {k: display_answer(form.field(k), v, ics) for k, v in show.items()} == {
        "modtaget": "20.11.2026 kl. 09.15",
        "underretter_type": "Fagperson",
        "akut": "Ja. Hvilken akut handling er iværksat? Politiet er kontaktet",
        "i_fare": "Nej",
        "kvittering_sendt": "23.11.2026",
        "bekymring_ics": "Dimension: Boligforhold; Hvad underretteren beskriver: Trangt",
    }
    assert display_answer(form.field("bekymring"), "  ") == NOT_ANSWERED
    assert display_answer(form.field("bekymring"), None) == NOT_ANSWERED


def test_a_broken_per_dimension_template_is_named_once(tmp_path: Path) -> None:
    text = GOOD + '\n[[sections]]\nid = "ics"\ntitle = "ICS"\nics_side = "foraeldrekompetencer"\n'
    text += '\n[[sections.per_dimension]]\nid = "vurdering"\ntype = "essay"\nlabel = "Vurdering"\n'
    write(tmp_path, "lille.toml", text)
    assert [(p.key, p.code) for p in check_folder(tmp_path)] == [
        ("sections[ics].per_dimension[vurdering].type", "form.unknown_field_type")
    ]
