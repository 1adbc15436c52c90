"""How the screens show dates and deadlines: one place for the Danish date format, the Danish
alphabetical order, and the colours, fonts, texts and tooltips that say how urgent a deadline
is (the case list, "I dag", the case overview and the home visit use the same)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, date

from PySide6.QtGui import QColor, QFont

from models.deadlines.types import STATUS_LABELS, STATUS_URGENCY, Deadline, DeadlineStatus

# Tints light enough to keep the text readable, and the text colour carries the status too
# (a selected row's highlight hides the background).
_OVERDUE_BACKGROUND = QColor("#f9d6d5")
_OVERDUE_TEXT = QColor("#8b0000")
_SOON_BACKGROUND = QColor("#fde9b8")
_SOON_TEXT = QColor("#6b4500")
_MISSING_TEXT = QColor("#6b6b6b")
# A case without an open deadline sorts after every case that has one.
_NO_DEADLINE_KEY = "9"
# Æ, Ø and Å come after Z in Danish; "{|}" are the three code points after "z".
_DANISH_LETTERS = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|"})


def danish_sort_key(text: str) -> str:
    """A key that sorts text in Danish alphabetical order, without depending on ICU/locale."""
    text = text.casefold().translate(_DANISH_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def next_deadline(deadlines: Sequence[Deadline]) -> Deadline | None:
    """The most urgent open deadline (the first in the engine's order), or None."""
    open_ = [d for d in deadlines if d.is_open]
    return min(open_, key=Deadline.sort_key) if open_ else None


def deadline_text(deadline: Deadline) -> str:
    if deadline.status == DeadlineStatus.MANGLER:
        return f"{STATUS_LABELS[deadline.status]} – {deadline.title}"
    if deadline.due_date is None:
        return deadline.title
    return f"{format_date(deadline.due_date)} – {deadline.title}"


def deadline_tooltip(deadline: Deadline) -> str:
    lines = [f"{STATUS_LABELS[deadline.status]}: {deadline.title}"]
    if deadline.due_date is not None:
        lines.append(f"Frist: {format_date(deadline.due_date)}")
    if deadline.legal_basis:
        lines.append(f"Hjemmel: {deadline.legal_basis}")
    if deadline.missing:
        lines.append("Mangler: " + "; ".join(deadline.missing))
    if deadline.reason:
        lines.append(f"Begrundelse: {deadline.reason}")
    return "\n".join(lines)


def deadline_sort_key(deadline: Deadline | None) -> str:
    """Most urgent status first, then the earliest due moment (a string: Qt compares it)."""
    if deadline is None:
        return _NO_DEADLINE_KEY
    due = deadline.due.astimezone(UTC).strftime("%Y%m%d%H%M%S") if deadline.due else "9" * 14
    return f"{STATUS_URGENCY[deadline.status]}{due}"


def deadline_foreground(deadline: Deadline | None) -> QColor | None:
    if deadline is None:
        return None
    return {
        DeadlineStatus.OVERSKREDET: _OVERDUE_TEXT,
        DeadlineStatus.SNART: _SOON_TEXT,
        DeadlineStatus.MANGLER: _MISSING_TEXT,
    }.get(deadline.status)


def deadline_background(deadline: Deadline | None) -> QColor | None:
    if deadline is None:
        return None
    return {
        DeadlineStatus.OVERSKREDET: _OVERDUE_BACKGROUND,
        DeadlineStatus.SNART: _SOON_BACKGROUND,
    }.get(deadline.status)


def deadline_font(deadline: Deadline | None) -> QFont | None:
    if deadline is None or deadline.status != DeadlineStatus.MANGLER:
        return None
    font = QFont()
    font.setItalic(True)
    return font
