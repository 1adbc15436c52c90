"""Which vault columns a form's answers may be copied to (a field's ``column``), and how an
answer becomes a column value. The deadline engine reads those columns (``received_at``,
``assessed_at``, ``completed_on`` …), so a form that fills them keeps the deadlines right.
Pure: no SQLAlchemy, no session (``models.forms.service`` writes the row)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from models.forms.types import Field, FieldType
from models.forms.vocabularies import VOCABULARY_ENUMS

_T = FieldType

#: table -> column -> the field types that may fill it.
RECORD_COLUMNS: Mapping[str, Mapping[str, frozenset[FieldType]]] = MappingProxyType(
    {
        "notification": {
            "received_at": frozenset({_T.DATETIME}),
            "notifier_kind": frozenset({_T.CHOICE}),
            "notifier_sector": frozenset({_T.CHOICE}),
            "notifier_name": frozenset({_T.SHORT_TEXT}),
            "notifier_organisation": frozenset({_T.SHORT_TEXT}),
            "summary": frozenset({_T.LONG_TEXT, _T.SHORT_TEXT}),
            "concerns_abuse": frozenset({_T.YES_NO}),
            "assessed_at": frozenset({_T.DATETIME}),
            "outcome": frozenset({_T.CHOICE}),
            "assessed_with_new_colleague": frozenset({_T.SHORT_TEXT, _T.PERSON}),
            "receipt_sent_on": frozenset({_T.DATE}),
            "feedback_sent_on": frozenset({_T.DATE}),
            "decision": frozenset({_T.LONG_TEXT, _T.SHORT_TEXT}),
        },
        "screening": {
            "outcome": frozenset({_T.CHOICE}),
            "decided_at": frozenset({_T.DATETIME}),
        },
        "assessment": {
            "aware_on": frozenset({_T.DATE}),
            "started_on": frozenset({_T.DATE}),
            "plan_text": frozenset({_T.LONG_TEXT}),
            "sources": frozenset({_T.LONG_TEXT}),
            "no_home_visit_reason": frozenset({_T.LONG_TEXT}),
            "home_visit_on": frozenset({_T.DATE}),
            "is_simple": frozenset({_T.YES_NO}),
            "preliminary_on": frozenset({_T.DATE}),
            "summary": frozenset({_T.LONG_TEXT}),
            "conclusion": frozenset({_T.LONG_TEXT}),
            "completed_on": frozenset({_T.DATE}),
        },
        "meeting": {
            "held_at": frozenset({_T.DATETIME}),
            "planned_at": frozenset({_T.DATETIME}),
            "location": frozenset({_T.SHORT_TEXT}),
            "child_alone": frozenset({_T.YES_NO}),
            "notes": frozenset({_T.LONG_TEXT}),
            "not_held_reason": frozenset({_T.LONG_TEXT}),
        },
    }
)

#: Choice columns hold a vocabulary's values: the field must take its choices from it.
COLUMN_VOCABULARY: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("notification", "notifier_kind"): "notifier_kind",
        ("notification", "notifier_sector"): "notifier_sector",
        ("notification", "outcome"): "screening_outcome",
        ("screening", "outcome"): "screening_outcome",
    }
)

#: The columns finalising a form may set: they say the form's work is done.
FINALISED_COLUMNS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "notification": frozenset({"assessed_at"}),
        "screening": frozenset({"decided_at"}),
        "assessment": frozenset({"completed_on"}),
        "meeting": frozenset({"held_at"}),
    }
)

#: The tables that have ``FormAnswers`` columns (``models.schema``) and so can store answers.
STORED_TABLES = frozenset({"notification", "screening", "assessment", "meeting"})

#: A column that finalises a form instead of its ``finalised`` column, when the form has a field
#: for it and that field is answered: a hjemmebesøg that did not take place has no time it was
#: held, and is done when the reason is documented (``not_held_reason``). Like the ``finalised``
#: column, only finalising sets it.
FINALISED_INSTEAD: Mapping[str, str] = MappingProxyType({"meeting": "not_held_reason"})

#: Column kinds, for setting a finalised column to "now" or "today".
DATETIME_COLUMNS = frozenset({"received_at", "assessed_at", "decided_at", "held_at", "planned_at"})


def column_value(field: Field, answer: Any) -> Any:
    """The column value of a valid answer of ``field``."""
    if field.type == FieldType.DATE:
        return date.fromisoformat(answer)
    if field.type == FieldType.DATETIME:
        return datetime.fromisoformat(answer)
    if field.type == FieldType.YES_NO:
        return bool(answer.get("value"))
    if field.type == FieldType.PERSON:
        people = answer if isinstance(answer, list) else [answer]
        return ", ".join(str(p.get("name") or "") for p in people if p.get("name"))
    if field.type in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        return str(answer).strip()
    enum = VOCABULARY_ENUMS.get(field.vocabulary or "")
    if field.type == FieldType.CHOICE and enum is not None:
        return enum(answer)
    return answer
