"""The wire format on the laptop: outbox entries, audit events and local rows as the store's JSON
(``sync.protocol``), and a received row's values checked (``models.values``) and converted to
what SQLite stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Column, select

from models import exchange, values
from models.schema import AuditEvent, ChangeEntry, Synced
from models.vault import Vault
from sync import answers
from sync import protocol as p


def mutation(entry: ChangeEntry) -> dict[str, Any]:
    """An outbox entry as the mutation a push carries (docs/sync.md)."""
    return {
        "mutation_id": entry.mutation_id,
        "table": entry.table,
        "row_id": entry.row_id,
        "case_id": entry.case_id,
        "op": entry.op,
        "base_rev": entry.base_rev,
        "changes": entry.changes,
    }


def audit(event: AuditEvent) -> dict[str, Any]:
    """An access-log event as a push carries it."""
    return {
        "id": event.id,
        "case_id": event.case_id,
        "at": event.at.isoformat(),
        "action": str(event.action.value if hasattr(event.action, "value") else event.action),
        "entity": event.entity,
        "entity_id": event.entity_id,
    }


def local_rows(vault: Vault) -> dict[str, dict[str, Any]]:
    """Every synced row of the vault as the server would send it (for tests and checks)."""
    out: dict[str, dict[str, Any]] = {}
    with vault.session() as s:
        for cls in p.SYNC_CLASSES:
            for obj in s.scalars(select(cls)):
                out[obj.id] = _row(obj)
    return out


def _row(obj: Synced) -> dict[str, Any]:
    from models.tracking import row_values

    return row_values(obj)


def row_problems(table: str, item: dict[str, Any]) -> list[str]:
    """The fields of a received row that this version cannot store (see ``models.values``)."""
    data = item.get("data")
    if not isinstance(data, dict) or not isinstance(item.get("rev"), int):
        return ["data"]
    bad = [k for k, check in _row_checks(table) if check(data.get(k))]
    if data.get("id") != item["id"]:
        bad.append("id")
    return bad


@cache
def _row_checks(table: str) -> tuple[tuple[str, values.Check], ...]:
    return tuple(
        (k, _answers_check(values.checker(col)) if k == answers.ANSWERS else values.checker(col))
        for k, col in p.columns(table).items()
        if k != "rev"
    )


def _answers_check(check: values.Check) -> values.Check:
    """Form answers the desktop can read: an object (a list or text written behind the store's
    checks is quarantined, not handed to a form)."""

    def both(value: Any) -> values.Problem | None:
        if value is not None and not isinstance(value, dict):
            return values.Problem.TYPE
        return check(value)

    return both


def _slow(col: Column[Any], bind: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        python = exchange.to_python(col, value)
        return bind(python) if bind else python

    return convert


def _utc_text(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``2026-11-26T03:20:27.123456+00:00`` as SQLAlchemy stores it in SQLite (naive UTC,
    ``2026-11-26 03:20:27.123456``), by slicing; any other form takes the general path."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and value.endswith("+00:00") and value[10:11] == "T":
            if len(value) == 32:
                return f"{value[:10]} {value[11:26]}"
            if len(value) == 25:
                return f"{value[:10]} {value[11:19]}.000000"
        return slow(value)

    return convert


def converter(col: Column[Any]) -> Callable[[Any], Any] | None:
    """How one column's JSON value becomes what SQLite stores — exactly what SQLAlchemy would
    store (a test compares both), but fast: 40,000 rows of an initial sync pass through here.
    None: the JSON value is stored as it is (text, dates, enums and integers, whose types the
    store checked when the row was pushed)."""
    from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Text
    from sqlalchemy import Enum as SAEnum
    from sqlalchemy.dialects import sqlite

    from models.schema import UTCDateTime

    dialect = sqlite.dialect()
    kind = col.type
    if isinstance(kind, UTCDateTime):
        return _utc_text(_slow(col, kind.dialect_impl(dialect).bind_processor(dialect)))
    if isinstance(kind, SAEnum | String | Text | Date | Integer) and not isinstance(kind, Boolean):
        return None
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(bool(value))
    if isinstance(kind, Float):
        return lambda value: None if value is None else float(value)
    if isinstance(kind, JSON):
        return lambda value: None if value is None else json.dumps(value)
    return _slow(col, kind.dialect_impl(dialect).bind_processor(dialect))
