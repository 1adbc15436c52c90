"""A form opened on a row without answers starts from the row's own columns (an underretning
registered before the form: its time, notifier and summary), read back through the fields bound
to them; a column's default says nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.forms import load_form, validate_answers
from models.forms.prefill import answer_from_column, answers_from_row
from models.schema import Assessment, Notification
from models.vocabulary import NotifierKind, NotifierSector, ScreeningOutcome


def test_an_underretning_starts_from_its_columns() -> None:
    form = load_form("underretning")
    row = Notification(
        received_at=datetime(2026, 11, 20, 8, 15, tzinfo=UTC),
        notifier_kind=NotifierKind.FAGPERSON,
        notifier_sector=NotifierSector.SKOLE,
        notifier_name="Lis Lærer",
        notifier_organisation="Byskolen",
        summary="Kommer uden madpakke.",
        concerns_abuse=False,
        outcome=ScreeningOutcome.UNDERSOEGELSE,
        decision="",
    )
    answers = answers_from_row(form, row)
    assert answers == {
        "modtaget": "2026-11-20T09:15:00+01:00",  # in Danish time
        "underretter_type": "fagperson",
        "omraade": "skole",
        "institution": "Byskolen",
        "underretter_navn": "Lis Lærer",
        "bekymring": "Kommer uden madpakke.",
        "udfald": "undersoegelse",
    }  # no "overgreb": False is the column's default, not an answer; no empty decision
    assert validate_answers(form, answers, ics=None) == []


def test_an_undersoegelse_starts_from_its_dates() -> None:
    form = load_form("undersoegelse")
    row = Assessment(aware_on=date(2026, 9, 1), started_on=date(2026, 9, 3), is_simple=True)
    answers = answers_from_row(form, row)
    assert answers["kendskab"] == "2026-09-01"
    assert answers["startet"] == "2026-09-03"
    assert answers["simpel"] == {"value": True}
    assert "afsluttet" not in answers


def test_a_value_the_field_cannot_take_is_left_out() -> None:
    fld = load_form("underretning").field("modtaget_hvordan")
    assert answer_from_column(fld, "brevdue") is None
    assert answer_from_column(load_form("underretning").field("bekymring"), "  ") is None
