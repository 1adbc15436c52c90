"""The sync protocol shared by the desktop client and the central store (JSON over HTTP, /v1).

A row travels as ``{"table", "id", "case_id", "rev", "seq", "deleted", "data"}`` where ``data``
holds every column as JSON (dates as ISO text, enums as their code). A local change travels as a
mutation: ``{"mutation_id", "table", "row_id", "case_id", "op", "base_rev", "changes"}`` with
``changes`` mapping a field to ``[old, new]`` — the old value is what the client saw, which lets
the server merge a field changed on one side only and keep both values when both sides changed it.

The server assigns ``rev`` (per row) and ``seq`` (global, in commit order); client clocks are
never used for ordering."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Any, Final

from sqlalchemy import Column
from sqlalchemy.orm import Mapper

from models import values
from models.schema import (
    CASE_TABLES,
    JournalNote,
    Person,
    SyncConflict,
    Synced,
    User,
)
from models.values import Problem
from sync import answers

#: The protocol this code speaks. The server accepts a push from any version it knows, so an old
#: client can always deliver its outbox before it is asked to upgrade; pulls need ``min_protocol``.
PROTOCOL_VERSION: Final = 1
PROTOCOL_HEADER: Final = "Feltmappe-Protocol"

#: Most mutations in one push, rows in one pull page, case ids in one request.
MAX_PUSH: Final = 500
MAX_PAGE: Final = 5000
MAX_CASES: Final = 10000
#: Bodies above this are refused with 413 before they are read (a 1 KB note is 1/8000 of it).
MAX_BODY_BYTES: Final = 8 * 1024 * 1024
#: A pull page ends after this many characters of row documents (or ``MAX_PAGE`` rows), but
#: holds at least one row: a page is a few MB whatever its rows hold (a text field holds at
#: most ``models.values.MAX_TEXT_CHARS``).
MAX_PAGE_CHARS: Final = 8_000_000


class Status(StrEnum):
    """The server's answer to one mutation."""

    APPLIED = "applied"
    NOOP = "noop"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class Op(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


#: Tables a client may push, by name. ``user`` rows are the server's own (admin CLI).
SYNC_CLASSES: Final[tuple[type[Synced], ...]] = (Person, *CASE_TABLES, SyncConflict)
TABLES: Final[dict[str, type[Synced]]] = {
    cls.__tablename__: cls  # type: ignore[attr-defined]
    for cls in SYNC_CLASSES
}
CASE_TABLE_NAMES: Final = frozenset(
    cls.__tablename__  # type: ignore[attr-defined]
    for cls in (*CASE_TABLES, SyncConflict)
)
SERVER_MANAGED: Final = frozenset({User.__tablename__})
PERSON_TABLE: Final = Person.__tablename__
NOTE_TABLE: Final = JournalNote.__tablename__
CONFLICT_TABLE: Final = SyncConflict.__tablename__
#: The fields of a conflict a client may set: the choice, and who made it when.
CONFLICT_RESOLUTION_FIELDS: Final = frozenset({"resolved_at", "resolution", "resolved_by"})

#: The row metadata the server keeps itself; a mutation never sets these.
META_FIELDS: Final = frozenset({"id", "case_id", "rev"})


@cache
def columns(table: str) -> dict[str, Column[Any]]:
    cls = TABLES[table]
    mapper: Mapper[Any] = cls.__mapper__  # type: ignore[attr-defined]
    return {c.key: c for c in mapper.columns if c.key is not None}


@cache
def person_columns(table: str) -> tuple[str, ...]:
    """The columns of a case table that name a person: such a person travels with the case."""
    return tuple(
        key
        for key, col in columns(table).items()
        if any(fk.column.table.name == PERSON_TABLE for fk in col.foreign_keys)
    )


def default_value(col: Column[Any]) -> Any:
    """The column's plain default as JSON (``""``, ``False``, ``[]`` …), or None."""
    default = col.default
    if default is None or not getattr(default, "is_scalar", False):
        if default is not None and getattr(default, "is_callable", False):
            fn = default.arg  # type: ignore[attr-defined]
            name = getattr(fn, "__name__", "")
            if name in ("dict", "list"):
                return {} if name == "dict" else []
        return None
    value = default.arg  # type: ignore[attr-defined]
    return value.value if isinstance(value, StrEnum) else value


def value_problem(col: Column[Any], value: Any) -> Problem | None:
    """Why ``value`` cannot be stored in ``col`` as JSON, or None (see ``models.values``); form
    answers must also be an object of questions a conflict can name (``sync.answers``)."""
    problem = values.value_problem(col, value)
    if problem is None and col.key == answers.ANSWERS:
        return answers.answers_problem(value)
    return problem


#: The store's rejection reason for each kind of bad value.
PROBLEM_REASONS: Final[dict[Problem, str]] = {
    Problem.CODE: "sync.unknown_code",
    Problem.TOO_LONG: "sync.too_long",
}


def problem_reason(problems: Iterable[Problem]) -> str:
    """One reason for a mutation with these bad values: an unknown code (a newer client) or
    a text too long says more than "a bad value"."""
    found = set(problems)
    for problem, reason in PROBLEM_REASONS.items():
        if problem in found:
            return reason
    return "sync.bad_value"
