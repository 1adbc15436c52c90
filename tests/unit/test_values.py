"""What a stored value may be (``models.values``): what the store refuses from a push and the
desktop refuses when it saves; whatever passes is storable, strict JSON on every laptop."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.messages import error_text
from models import services
from models.errors import ValidationError
from models.schema import Case, JournalNote, Person
from models.values import MAX_TEXT_CHARS, Problem, value_problem
from models.vault import Vault
from sync import protocol as p

COLUMNS = {
    "text": p.columns("journal_note")["body"],
    "name": p.columns("person")["first_name"],
    "date": p.columns("person")["birth_date"],
    "moment": p.columns("journal_note")["written_at"],
    "enum": p.columns("case")["stage"],
    "int": p.columns("case")["follow_up_every_months"],
    "float": p.columns("relation")["pos_x"],
    "bool": p.columns("person")["unborn"],
    "json": p.columns("notification")["answers"],
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None)),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(codec=None), max_size=5), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(kind=st.sampled_from(sorted(COLUMNS)), value=json_values)
def test_whatever_passes_is_strict_json_and_utf8(kind: str, value: Any) -> None:
    if value_problem(COLUMNS[kind], value) is None:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("text", "x" * MAX_TEXT_CHARS, None),
        ("text", "x" * (MAX_TEXT_CHARS + 1), Problem.TOO_LONG),
        ("name", "Å" * 200, None),
        ("name", "Å" * 201, Problem.TOO_LONG),
        ("text", "\ud800", Problem.TEXT),
        ("date", "2016-02-29", None),
        ("date", "2015-02-29", Problem.TYPE),
        ("date", "20160101", Problem.TYPE),
        ("date", "1849-12-31", Problem.RANGE),
        ("date", "2200-01-01", Problem.RANGE),
        ("moment", "2026-11-26T03:20:27.123456+00:00", None),
        ("moment", "2026-11-26T03:20:27Z", None),
        ("moment", "2026-11-26 03:20:27+00:00", Problem.TYPE),
        ("moment", "2026-11-26T03:20:27", Problem.TYPE),
        ("enum", "undersoegelse", None),
        ("enum", "ukendt", Problem.CODE),
        ("int", 2**31 - 1, None),
        ("int", 2**31, Problem.RANGE),
        ("int", True, Problem.TYPE),
        ("float", 1.5, None),
        ("float", float("nan"), Problem.RANGE),
        ("bool", 0, Problem.TYPE),
        ("json", {"a": [1, "b", None]}, None),
        ("json", {"a": float("inf")}, Problem.RANGE),
    ],
)
def test_value_problems(kind: str, value: Any, problem: Problem | None) -> None:
    assert value_problem(COLUMNS[kind], value) == problem


def test_enum_codes_are_the_vocabulary() -> None:
    from models.vocabulary import CaseStage

    assert [value_problem(COLUMNS["enum"], s.value) for s in CaseStage] == [None] * len(CaseStage)


def test_the_desktop_refuses_a_text_the_store_would_refuse(vault: Vault) -> None:
    with vault.session() as s:
        kid, _ = services.create_person(s, first_name="Mia")
        case = services.create_case(s, child=kid, opened_on=date(2026, 11, 2))
        case_id = case.id
    with pytest.raises(ValidationError) as caught, vault.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        services.add_note(s, case, title="Lang", body="x" * (MAX_TEXT_CHARS + 1))
    assert caught.value.code == "validation.too_long"
    assert error_text(caught.value) == (
        "Teksten er for lang til at blive gemt. (journalnotater, feltet »tekst«)"
    )
    with vault.session() as s:
        assert s.query(JournalNote).count() == 0
        assert s.query(Person).count() == 1
