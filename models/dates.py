"""Small date helpers used across the domain (age, month arithmetic)."""

from __future__ import annotations

import calendar
from datetime import date


def age_on(birth: date, today: date) -> int:
    """Whole years of age on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's last day: 31 Oct + 4 months = 28/29 Feb."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
