"""Small date helpers used across the domain (age, month arithmetic)."""

from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache


def age_on(birth: date, today: date) -> int:
    """Whole years of age on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@lru_cache(maxsize=1 << 14)  # the deadline engine asks for the same days over and over
def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's last day: 31 Oct + 4 months = 28/29 Feb."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


MONTHS_DA = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
WEEKDAYS_DA = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def long_date_da(day: date, *, weekday: bool = False) -> str:
    """ "3. april 2025" (or "torsdag 3. april 2025"), as Danish letters and notes write dates."""
    text = f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"
    return f"{WEEKDAYS_DA[day.weekday()]} {text}" if weekday else text
