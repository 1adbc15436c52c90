"""Answers a form starts with on a row that has none yet: the row's own columns (an underretning
registered before the form, its received time, notifier and summary; an undersøgelse's dates),
read back through the fields bound to them (``column``), so the caseworker does not type again
what the vault already holds. The reverse of ``models.forms.records.column_value``; pure."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from models.forms.types import Field, FieldType, Form

_DK = ZoneInfo("Europe/Copenhagen")


def answer_from_column(fld: Field, value: Any) -> Any:
    """The answer of ``fld`` that the column value ``value`` stands for, or None when the value
    says nothing (empty, a default ``False``, a choice the field does not offer)."""
    if value is None:
        return None
    kind = fld.type
    if kind == FieldType.DATETIME and isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=_DK)
        return moment.astimezone(_DK).isoformat(timespec="seconds")
    if kind == FieldType.DATE and isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if kind == FieldType.YES_NO and isinstance(value, bool):
        # A boolean column's default (False) is no answer; True is one.
        return {"value": True} if value else None
    if kind in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT) and isinstance(value, str):
        return value if value.strip() else None
    if kind == FieldType.PERSON and isinstance(value, str) and value.strip():
        return {"person_id": None, "name": value.strip()}
    if kind == FieldType.CHOICE:
        raw = value.value if isinstance(value, Enum) else value
        return raw if any(c.value == raw for c in fld.choices) else None
    return None


def answers_from_row(form: Form, row: Any) -> dict[str, Any]:
    """The answers the row's columns give for ``form``'s fields with a ``column``."""
    out: dict[str, Any] = {}
    for fld in form.fields.values():
        if fld.column is None:
            continue
        answer = answer_from_column(fld, getattr(row, fld.column, None))
        if answer is not None:
            out[fld.id] = answer
    return out
