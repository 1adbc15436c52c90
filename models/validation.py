"""Date sanity of domain rows: an end before its start, or something received or decided in
the future, is bad input. Checked when a row is saved (the tracker) and again before deadlines
are computed (rows from sync or another device's clock bypass the first check)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, Text, inspect

from models.errors import ValidationError
from models.values import max_chars

_DK = ZoneInfo("Europe/Copenhagen")

#: The code of a date that lies after the moment it is judged at.
FUTURE_DATE = "validation.future_date"
END_BEFORE_START = "validation.end_before_start"

#: A few minutes' grace: a laptop clock a little behind the notifier's is not an error.
CLOCK_GRACE = timedelta(minutes=5)

#: The dates that say something has happened, so they never lie in the future (table -> dates).
#: Every other date may: a planned meeting, an unborn child's expected date, a start or end
#: date, a follow-up or review due, a hearing deadline. docs/case-format.md says the same.
NOT_IN_FUTURE: dict[str, tuple[str, ...]] = {
    "notification": ("received_at",),
    "assessment": ("aware_on", "home_visit_on"),
    "intervention": ("decided_on",),
    "person": ("birth_date",),
}

#: (table, date) -> the date of the same row it may not lie before.
NOT_BEFORE: dict[tuple[str, str], str] = {
    ("notification", "assessed_at"): "received_at",
    ("notification", "receipt_sent_on"): "received_at",
    ("assessment", "started_on"): "aware_on",
    ("assessment", "completed_on"): "started_on",
    ("assessment", "preliminary_on"): "started_on",
    ("intervention", "end_on"): "start_on",
    ("follow_up", "hearing_deadline"): "hearing_sent_on",
    ("agreement", "last_follow_up_on"): "signed_on",
}


def _later(a: date | None, b: date | None) -> bool:
    return a is not None and b is not None and a > b


def date_problem(row: Any, now: datetime, today: date | None = None) -> tuple[str, str] | None:
    """(code, field) of the first impossible date in ``row`` at ``now``, or None: a date of
    ``NOT_IN_FUTURE`` after ``now``, or a date before its ``NOT_BEFORE`` date. ``today``: the
    Danish day of ``now``, if the caller checking many rows has it."""
    if today is None:
        today = now.astimezone(_DK).date()
    future, order = FUTURE_DATE, END_BEFORE_START
    # By table name, not class: the deadline engine's records (models.deadlines.types) are
    # checked as the ORM rows they were read from.
    table = getattr(row, "__tablename__", None)
    if table == "notification":
        if row.received_at is not None and row.received_at > now:
            return future, "received_at"
        if row.received_at and row.assessed_at and row.assessed_at < row.received_at:
            return order, "assessed_at"
        received = None if row.received_at is None else row.received_at.astimezone(_DK).date()
        if _later(received, row.receipt_sent_on):
            return order, "receipt_sent_on"
    elif table == "assessment":
        if _later(row.aware_on, today):
            return future, "aware_on"
        if _later(row.home_visit_on, today):
            return future, "home_visit_on"
        if _later(row.aware_on, row.started_on):
            return order, "started_on"
        for field in ("completed_on", "preliminary_on"):
            if _later(row.started_on, getattr(row, field)):
                return order, field
    elif table == "intervention":
        if _later(row.start_on, row.end_on):
            return order, "end_on"
        if _later(row.decided_on, today):
            return future, "decided_on"
    elif table == "follow_up":
        if _later(row.hearing_sent_on, row.hearing_deadline):
            return order, "hearing_deadline"
    elif table == "agreement":
        if _later(row.signed_on, row.last_follow_up_on):
            return order, "last_follow_up_on"
    elif table == "person" and _later(row.birth_date, today):
        return future, "birth_date"
    return None


def length_problem(row: Any) -> tuple[str, str] | None:
    """(code, field) of a text longer than its column holds (and than the store accepts)."""
    for col in inspect(type(row)).columns:
        if isinstance(col.type, String | Text) and col.key is not None:
            value = getattr(row, col.key, None)
            if isinstance(value, str) and len(value) > max_chars(col):
                return "validation.too_long", col.key
    return None


def check_row(row: Any, now: datetime) -> None:
    """Raise ``ValidationError`` naming the table, row and field of an impossible date or a
    text too long to store."""
    _raise(row, date_problem(row, now) or length_problem(row))


def check_dates(row: Any, now: datetime, today: date | None = None) -> None:
    """``check_row`` for the dates alone (``today`` as for ``date_problem``): what the deadline
    engine checks before it counts. A text too long moves no deadline, and is refused where it
    is saved, pushed, received or imported."""
    _raise(row, date_problem(row, now, today))


def _raise(row: Any, problem: tuple[str, str] | None) -> None:
    if problem is not None:
        code, field = problem
        raise ValidationError(
            code, table=getattr(row, "__tablename__", ""), row_id=row.id, field=field
        )
