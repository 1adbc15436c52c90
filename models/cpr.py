"""Danish CPR numbers (DDMMYY-SSSS): parse, validate, derive birth date and sex, and mask.

The date must be real; the 7th digit and the year give the century. Modulus 11 is not guaranteed
since October 2007 (the CPR office issues numbers without it), so a failed check is reported as a
warning, never a refusal (DOMAIN.md, "People and data")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.errors import InvalidCpr

# ASCII digits only: ``\d`` would also take Arabic-Indic and other Unicode digits.
_CPR_RE = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})")
_SPACE_RE = re.compile(r"\s+")
_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


@dataclass(frozen=True)
class Cpr:
    """A valid CPR number in canonical form ``DDMMYY-SSSS``."""

    number: str
    birth_date: date
    sex: str  # "M" or "K" (kvinde)
    modulus11_ok: bool

    @property
    def masked(self) -> str:
        """The birth date part only, for lists and logs: ``DDMMYY-XXXX``."""
        return mask(self.number)


def century(seventh: int, yy: int) -> int:
    """The century of the birth year from the 7th digit and the two-digit year (CPR office rule)."""
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if yy <= 36 else 1900
    # 5–8
    return 2000 if yy <= 57 else 1800


def modulus11(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11 == 0


def parse_cpr(text: str) -> Cpr:
    """Parse ``text`` (with or without the hyphen; spaces, also non-breaking ones pasted from
    documents, are ignored). Raises ``InvalidCpr`` with ``reason`` "format" or "date"."""
    cleaned = _SPACE_RE.sub("", text)
    m = _CPR_RE.fullmatch(cleaned)
    if not m:
        raise InvalidCpr(reason="format", field="cpr")
    dd, mm, yy, serial = int(m[1]), int(m[2]), int(m[3]), m[4]
    year = century(int(serial[0]), yy) + yy
    try:
        born = date(year, mm, dd)
    except ValueError:
        raise InvalidCpr(reason="date", field="cpr") from None
    digits = f"{m[1]}{m[2]}{m[3]}{serial}"
    return Cpr(
        number=f"{m[1]}{m[2]}{m[3]}-{serial}",
        birth_date=born,
        sex="M" if int(serial[-1]) % 2 else "K",
        modulus11_ok=modulus11(digits),
    )


def mask(number: str | None) -> str:
    """``DDMMYY-XXXX`` for a stored CPR number; "" for none."""
    if not number:
        return ""
    return number[:6] + "-XXXX"
