"""An answer as the reader sees it, in Danish: what the PDF documents print and a read-only
(finalised) form shows. Pure; the same text whichever screen or document asks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from models.forms.types import Field, FieldType, IcsTriangle

_DK = ZoneInfo("Europe/Copenhagen")

#: What an unanswered field shows.
NOT_ANSWERED = "Ikke besvaret"


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).strftime("%d.%m.%Y")
    except ValueError:
        return text


def _moment(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(_DK)
    return moment.strftime("%d.%m.%Y kl. %H.%M")


def _choice(fld: Field, value: Any) -> str:
    for choice in fld.choices:
        if choice.value == value:
            return choice.label
    return str(value)


def _empty(answer: Any) -> bool:
    return answer is None or answer in ([], {}) or (isinstance(answer, str) and not answer.strip())


def display_answer(fld: Field, answer: Any, ics: IcsTriangle | None = None) -> str:
    """``answer`` of ``fld`` as Danish text (a group's items one per line, each "Felt: svar"
    joined with "; "). An answer of the wrong shape is shown as it is, never refused here."""
    if _empty(answer):
        return NOT_ANSWERED
    kind = fld.type
    if kind == FieldType.DATE and isinstance(answer, str):
        return _date(answer)
    if kind == FieldType.DATETIME and isinstance(answer, str):
        return _moment(answer)
    if kind == FieldType.CHOICE:
        return _choice(fld, answer)
    if kind == FieldType.MULTI_CHOICE and isinstance(answer, list):
        return ", ".join(_choice(fld, a) for a in answer)
    if kind == FieldType.YES_NO and isinstance(answer, Mapping):
        value = answer.get("value")
        text = "Ja" if value is True else "Nej" if value is False else NOT_ANSWERED
        reason = str(answer.get("reason") or "").strip()
        return f"{text}. {fld.reason_label} {reason}" if reason else text
    if kind == FieldType.PERSON:
        people = answer if isinstance(answer, list) else [answer]
        return ", ".join(
            str(p.get("name") or "") for p in people if isinstance(p, Mapping) and p.get("name")
        )
    if kind == FieldType.SCALE:
        return f"{answer} (på en skala fra {fld.minimum} til {fld.maximum})"
    if kind == FieldType.ICS_DIMENSION and ics is not None and ics.has_dimension(str(answer)):
        return ics.dimension(str(answer)).label
    if kind == FieldType.GROUP and isinstance(answer, list):
        lines = []
        for item in answer:
            if not isinstance(item, Mapping):
                continue
            parts = [
                f"{sub.label}: {display_answer(sub, item.get(sub.id), ics)}"
                for sub in fld.fields
                if not _empty(item.get(sub.id))
            ]
            lines.append("; ".join(parts))
        return "\n".join(lines)
    return str(answer)
