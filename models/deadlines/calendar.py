"""Calendar arithmetic for deadlines: Danish local days, calendar months (clamped to the month's
end), and working days (hverdage) without Danish public holidays, from the maintained
``holidays`` library (Easter, Kristi Himmelfartsdag, pinse … are computed, not listed by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

from models.dates import add_months

DK = ZoneInfo("Europe/Copenhagen")

__all__ = [
    "DK",
    "add_hours",
    "add_months",
    "add_workdays",
    "end_of_day",
    "is_workday",
    "local_date",
]


# The engine asks for the same few thousand days and moments over and over (every case of a
# vault, with one "now"): the answers are cached, as the values are immutable.


@lru_cache(maxsize=1 << 16)
def local_date(moment: datetime) -> date:
    """The Danish calendar day of an aware moment."""
    return moment.astimezone(DK).date()


def add_hours(moment: datetime, hours: int) -> datetime:
    """``hours`` elapsed hours after the aware ``moment`` (in UTC). A timedelta added to a
    Danish-time datetime adds wall-clock hours: 23 or 25 real hours across a DST change."""
    if moment.tzinfo is None:
        raise ValueError("moment must be an aware datetime")
    # Kept in UTC: Python subtracts two datetimes of the *same* zone by wall clock, so a
    # Danish-time result would again be off by an hour across DST. Shown in Danish time by the UI.
    return moment.astimezone(UTC) + timedelta(hours=hours)


@lru_cache(maxsize=1 << 14)
def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in Danish time: a day deadline is met all through that day."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=DK)


@cache
def _closed_days(year: int, with_optional: bool) -> frozenset[date]:
    categories = ("public", "optional") if with_optional else ("public",)
    return frozenset(holidays.Denmark(years=year, categories=categories))  # type: ignore[attr-defined]


def is_workday(day: date, *, with_optional: bool = False) -> bool:
    """Monday–Friday and not a Danish public holiday (with ``with_optional``: also not
    Grundlovsdag, juleaftensdag, nytårsaftensdag and 1 May, where a municipality closes)."""
    return day.weekday() < 5 and day not in _closed_days(day.year, with_optional)


def add_workdays(start: date, days: int, *, with_optional: bool = False) -> date:
    """The ``days``-th working day after ``start`` (the day of receipt does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return _add_workdays(start, days, with_optional)


@lru_cache(maxsize=1 << 14)
def _add_workdays(start: date, days: int, with_optional: bool) -> date:
    current, left = start, days
    while left:
        current += timedelta(days=1)
        if is_workday(current, with_optional=with_optional):
            left -= 1
    return current
