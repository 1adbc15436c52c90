"""The deadline calendar: Danish working days (hverdage) without public holidays, the end of a
Danish day, and the Danish day of a UTC moment. The 6-hverdage receipt to a professional notifier
(Barnets Lov §138, stk. 1; old SEL §155 b) is counted with these functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.deadlines.calendar import DK, add_workdays, end_of_day, is_workday, local_date


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Easter 2026: Skærtorsdag 2 Apr, Langfredag 3 Apr, påskedag 5 Apr, 2. påskedag 6 Apr.
        (date(2026, 4, 1), 1, date(2026, 4, 7)),
        (date(2026, 3, 31), 2, date(2026, 4, 7)),
        (date(2026, 3, 31), 6, date(2026, 4, 13)),
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # counted from a holiday
        (date(2026, 4, 6), 1, date(2026, 4, 7)),
        # Kristi Himmelfartsdag Thu 14 May 2026; the Friday after is a working day.
        (date(2026, 5, 13), 1, date(2026, 5, 15)),
        (date(2026, 5, 11), 6, date(2026, 5, 20)),
        # 2. pinsedag Mon 25 May 2026.
        (date(2026, 5, 22), 1, date(2026, 5, 26)),
        (date(2026, 5, 19), 6, date(2026, 5, 28)),
        # Christmas: 25/26 Dec are holidays, 24 Dec is not (without optional closing days).
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        (date(2026, 12, 21), 6, date(2026, 12, 30)),
        # New Year: 1 Jan 2027 (Friday) is a holiday; counting runs into the next year.
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2026, 12, 29), 6, date(2027, 1, 7)),
        # Month ends.
        (date(2026, 1, 30), 1, date(2026, 2, 2)),
        (date(2026, 2, 27), 1, date(2026, 3, 2)),
        (date(2026, 4, 30), 1, date(2026, 5, 1)),  # 1 May is not a public holiday
        (date(2026, 6, 30), 1, date(2026, 7, 1)),
        # Leap year 2028: 29 February is an ordinary Tuesday.
        (date(2028, 2, 28), 1, date(2028, 2, 29)),
        (date(2028, 2, 25), 2, date(2028, 2, 29)),
        (date(2028, 2, 29), 1, date(2028, 3, 1)),
        (date(2028, 2, 24), 6, date(2028, 3, 3)),
        # Weekends.
        (date(2026, 1, 16), 1, date(2026, 1, 19)),
        (date(2026, 1, 17), 1, date(2026, 1, 19)),
        (date(2026, 1, 18), 5, date(2026, 1, 23)),
    ],
)
def test_add_workdays_skips_weekends_and_danish_public_holidays(
    start: date, days: int, expected: date
) -> None:
    """Hverdage (Barnets Lov §138, stk. 1): the day of receipt does not count; Saturdays, Sundays
    and Danish public holidays are skipped."""
    assert add_workdays(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Grundlovsdag Fri 5 June 2026.
        (date(2026, 6, 4), 1, date(2026, 6, 8)),
        (date(2026, 6, 1), 6, date(2026, 6, 10)),
        # Juleaftensdag Thu 24 Dec, nytårsaftensdag Thu 31 Dec 2026.
        (date(2026, 12, 23), 1, date(2026, 12, 28)),
        (date(2026, 12, 21), 6, date(2027, 1, 4)),
        (date(2026, 12, 30), 1, date(2027, 1, 4)),
        (date(2026, 12, 29), 6, date(2027, 1, 8)),
    ],
)
def test_add_workdays_with_optional_closing_days(start: date, days: int, expected: date) -> None:
    """Hverdage (Barnets Lov §138, stk. 1) for a municipality closed on Grundlovsdag, 24 and 31
    December: those days are skipped too."""
    assert add_workdays(start, days, with_optional=True) == expected


def test_add_workdays_zero_is_the_start_and_negative_is_refused() -> None:
    """Hverdage (Barnets Lov §138, stk. 1): zero working days after a day is that day."""
    assert add_workdays(date(2026, 4, 3), 0) == date(2026, 4, 3)
    with pytest.raises(ValueError, match="negative"):
        add_workdays(date(2026, 4, 3), -1)


@pytest.mark.parametrize(
    ("day", "workday", "workday_with_optional"),
    [
        (date(2026, 4, 1), True, True),  # Wednesday before Easter
        (date(2026, 4, 2), False, False),  # Skærtorsdag
        (date(2026, 4, 3), False, False),  # Langfredag
        (date(2026, 4, 4), False, False),  # Saturday
        (date(2026, 4, 5), False, False),  # Påskedag (Sunday)
        (date(2026, 4, 6), False, False),  # 2. påskedag
        (date(2026, 4, 7), True, True),
        (date(2026, 5, 1), True, False),  # 1 May: optional
        (date(2026, 5, 14), False, False),  # Kristi Himmelfartsdag
        (date(2026, 5, 15), True, True),
        (date(2026, 5, 25), False, False),  # 2. pinsedag
        (date(2026, 6, 5), True, False),  # Grundlovsdag: optional
        (date(2026, 12, 24), True, False),  # Juleaftensdag: optional
        (date(2026, 12, 25), False, False),
        (date(2026, 12, 26), False, False),
        (date(2026, 12, 31), True, False),  # Nytårsaftensdag: optional
        (date(2027, 1, 1), False, False),
        (date(2027, 1, 4), True, True),
        (date(2028, 2, 29), True, True),  # leap day, a Tuesday
        (date(2026, 1, 17), False, False),  # Saturday
        (date(2026, 1, 18), False, False),  # Sunday
    ],
)
def test_is_workday(day: date, workday: bool, workday_with_optional: bool) -> None:
    """Hverdag (Barnets Lov §138, stk. 1): Monday–Friday and not a Danish public holiday."""
    assert is_workday(day) is workday
    assert is_workday(day, with_optional=True) is workday_with_optional


@pytest.mark.parametrize(
    ("day", "offset_hours"),
    [
        (date(2026, 1, 15), 1),  # CET
        (date(2026, 7, 15), 2),  # CEST
        (date(2026, 3, 29), 2),  # the spring DST day ends in summer time
        (date(2026, 10, 25), 1),  # the autumn DST day ends in winter time
        (date(2028, 2, 29), 1),
    ],
)
def test_end_of_day_is_the_last_microsecond_in_danish_time(day: date, offset_hours: int) -> None:
    """A day deadline (e.g. Barnets Lov §138, stk. 1) is met all through its last day in
    Danish time: 23:59:59.999999 CET/CEST."""
    end = end_of_day(day)
    assert end.tzinfo is DK
    assert (end.hour, end.minute, end.second, end.microsecond) == (23, 59, 59, 999999)
    assert end.utcoffset() == timedelta(hours=offset_hours)
    assert end.astimezone(UTC) == datetime(
        day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC
    ) - timedelta(hours=offset_hours)
    assert local_date(end) == day
    # One microsecond later it is the next Danish day.
    assert local_date(end.astimezone(UTC) + timedelta(microseconds=1)) == day + timedelta(days=1)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Winter (CET = UTC+1): the Danish day changes at 23:00 UTC.
        (datetime(2026, 1, 15, 22, 59, 59, tzinfo=UTC), date(2026, 1, 15)),
        (datetime(2026, 1, 15, 23, 0, tzinfo=UTC), date(2026, 1, 16)),
        # Summer (CEST = UTC+2): at 22:00 UTC.
        (datetime(2026, 7, 15, 21, 59, 59, tzinfo=UTC), date(2026, 7, 15)),
        (datetime(2026, 7, 15, 22, 0, tzinfo=UTC), date(2026, 7, 16)),
        # New Year's Eve in UTC is New Year's Day in Denmark.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
        # The evening before Skærtorsdag in UTC is Skærtorsdag in Denmark.
        (datetime(2026, 4, 1, 22, 30, tzinfo=UTC), date(2026, 4, 2)),
        # Leap day.
        (datetime(2028, 2, 28, 23, 0, tzinfo=UTC), date(2028, 2, 29)),
        (datetime(2028, 2, 29, 22, 59, tzinfo=UTC), date(2028, 2, 29)),
        # A Danish-aware moment keeps its own day.
        (datetime(2026, 1, 15, 0, 0, tzinfo=DK), date(2026, 1, 15)),
    ],
)
def test_local_date_of_moments_near_midnight(moment: datetime, expected: date) -> None:
    """Deadlines counted in days (Barnets Lov §138, stk. 1) start from the Danish calendar day of
    receipt, not the UTC day."""
    assert local_date(moment) == expected
