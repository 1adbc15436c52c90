"""Push and pull between laptops over real HTTP: a case made on one laptop reaches the
colleague it is assigned to, field by field merges, and conflicts keep both values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from models import services
from models.schema import Case, JournalNote, Person
from sync.client import state as sync_state
from sync.client import wire
from sync.server.store import Store
from tests.sync.harness import Laptop

Make = Callable[[str, str], Laptop]


def _new_case(lap: Laptop) -> str:
    with lap.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        services.add_note(s, case, title="Underretning modtaget", body="Skolen ringede.")
        return case.id


def test_case_made_offline_reaches_the_server_and_a_colleague(laptop: Make, store: Store) -> None:
    anna = laptop("anna", "anna")
    case_id = _new_case(anna)
    report = anna.sync()
    assert report.rejected == 0 and report.applied >= 3
    assert sync_state.status(anna.vault).pending == 0
    # The case was made by Anna, so it is hers; Bo sees nothing until it is assigned to him.
    bo = laptop("bo", "bo")
    bo.sync()
    with bo.vault.session() as s:
        assert s.get(Case, case_id) is None
    store.assign(case_id, "bo")
    report = bo.sync()
    assert case_id in report.added_cases
    with bo.vault.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert s.get(Person, case.child_id) is not None
        notes = list(s.query(JournalNote).filter_by(case_id=case_id))
        assert [n.body for n in notes] == ["Skolen ringede."]


def test_the_fast_row_writer_stores_what_sqlalchemy_would() -> None:
    from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Text
    from sqlalchemy import Enum as SAEnum
    from sqlalchemy.dialects import sqlite

    from models.schema import UTCDateTime
    from sync import protocol as p

    dialect = sqlite.dialect()
    checked = 0
    for table in p.TABLES:
        for col in p.columns(table).values():
            kind = col.type
            if isinstance(kind, SAEnum):
                samples: list[object] = list(kind.enums)
            elif isinstance(kind, UTCDateTime):
                samples = [
                    "2026-11-26T03:20:27.123456+00:00",
                    "2026-11-26T03:20:27+00:00",
                    "2026-03-29T02:30:00+02:00",
                ]
            elif isinstance(kind, Date):
                samples = ["2026-02-28"]
            elif isinstance(kind, Boolean):
                samples = [True, False]
            elif isinstance(kind, Integer):
                samples = [0, 7]
            elif isinstance(kind, Float):
                samples = [1.5, 2]
            elif isinstance(kind, JSON):
                samples = [{"mål": ["skole", 1]}, [], "tekst", 3]
            elif isinstance(kind, String | Text):
                samples = ["Æblegården 3", ""]
            else:  # pragma: no cover - a new column type needs a fast path here
                raise AssertionError(f"{table}.{col.key}: {kind!r}")
            slow = wire._slow(col, col.type.dialect_impl(dialect).bind_processor(dialect))
            converter = wire.converter(col)
            for value in [None, *samples]:
                expected = slow(value)
                got = value if converter is None else converter(value)
                same = got == expected and type(got) is type(expected)
                as_int = isinstance(expected, bool) and got == int(expected)
                assert same or as_int, (table, col.key, value, got, expected)
                checked += 1
    assert checked > 200
