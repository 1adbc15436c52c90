"""What a stored value may be, column by column: the one check that keeps a bad value from
entering a vault or the central store (and from there every laptop that holds the case).

Rows are kept as JSON on the store and travel as JSON, so a value is checked in its JSON form:
text within the column's length (``MAX_TEXT_CHARS`` for long text), enum codes this version
knows, integers within the column's range, finite numbers, strict ISO dates and moments within
``YEAR_RANGE``, and JSON documents of bounded size without NaN or unpaired surrogates. The
limits are documented in docs/security.md; the desktop refuses the same values when they are
saved, so a push is never refused for what the caseworker could not see."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Float, Integer, String, Text
from sqlalchemy import Enum as SAEnum

#: Longest text in one field, in characters (about 100 pages of dense text; a note of this
#: size is ~200 KB on the wire). A longer text is refused when saved and when pushed.
MAX_TEXT_CHARS: Final = 200_000
#: Largest JSON document (form answers, plan goals) in one field, as compact JSON text.
MAX_JSON_CHARS: Final = 1_000_000
#: Dates and moments outside these years are typing errors (a birth year 1 or 20260).
YEAR_RANGE: Final = (1850, 2199)

_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)
_DAY = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_DATE = re.compile(_DAY)


class Problem(StrEnum):
    """Why a value cannot be stored; the store names it in its rejection."""

    TYPE = "type"  # wrong JSON type, or null where the column needs a value
    CODE = "code"  # an enum code this version does not know (a newer client?)
    RANGE = "range"  # a number or date outside its range
    TOO_LONG = "too_long"
    TEXT = "text"  # text that is not valid Unicode (an unpaired surrogate) or holds NUL


def text_problem(value: str) -> Problem | None:
    if "\x00" in value:
        return Problem.TEXT
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return Problem.TEXT
    return None


def max_chars(col: Column[Any]) -> int:
    """The most characters ``col`` holds: its declared length, else ``MAX_TEXT_CHARS``."""
    length = getattr(col.type, "length", None)
    if isinstance(col.type, SAEnum) or not isinstance(length, int):
        return MAX_TEXT_CHARS
    return min(length, MAX_TEXT_CHARS)


def _year_ok(text: str) -> bool:
    return YEAR_RANGE[0] <= int(text[:4]) <= YEAR_RANGE[1]


def _json_problem(value: Any, depth: int = 0) -> Problem | None:
    if depth > 20:
        return Problem.RANGE
    if isinstance(value, float):
        return None if math.isfinite(value) else Problem.RANGE
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if _INT64[0] <= value <= _INT64[1] else Problem.RANGE
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, list):
        for item in value:
            if found := _json_problem(item, depth + 1):
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return Problem.TYPE
            if found := text_problem(key) or _json_problem(item, depth + 1):
                return found
        return None
    return Problem.TYPE


def value_problem(col: Column[Any], value: Any) -> Problem | None:
    """Why ``value`` (in its JSON form) cannot be stored in ``col``, or None."""
    return checker(col)(value)


def checker(col: Column[Any]) -> Check:
    """``value_problem`` for one column, as one function (compiled once per column)."""
    check = _CHECKERS.get(id(col))
    if check is None:
        check = _CHECKERS[id(col)] = _checker(col)
    return check


Check = Callable[[Any], Problem | None]
#: One compiled check per column (a first sync passes tens of thousands of rows through here).
_CHECKERS: dict[int, Check] = {}


def _checker(col: Column[Any]) -> Check:
    from models.schema import UTCDateTime

    nullable = bool(col.nullable) or col.key == "deleted_at"
    kind = col.type
    body: Check
    if isinstance(kind, SAEnum):
        codes = frozenset(kind.enums)

        def body(value: Any) -> Problem | None:
            if type(value) is not str:
                return Problem.TYPE
            return None if value in codes else Problem.CODE

    elif isinstance(kind, String | Text):
        most = max_chars(col)

        def body(value: Any) -> Problem | None:
            if type(value) is not str:
                return Problem.TYPE
            if len(value) > most:
                return Problem.TOO_LONG
            if value.isascii() and "\x00" not in value:
                return None
            return text_problem(value)

    elif isinstance(kind, Boolean):

        def body(value: Any) -> Problem | None:
            return None if type(value) is bool else Problem.TYPE

    elif isinstance(kind, Integer):
        low, high = _INT64 if isinstance(kind, BigInteger) else _INT32

        def body(value: Any) -> Problem | None:
            if type(value) is not int:
                return Problem.TYPE
            return None if low <= value <= high else Problem.RANGE

    elif isinstance(kind, Float):

        def body(value: Any) -> Problem | None:
            if type(value) not in (int, float):
                return Problem.TYPE
            return None if math.isfinite(value) and abs(value) < 1e15 else Problem.RANGE

    elif isinstance(kind, UTCDateTime):
        body = _moment_problem
    elif isinstance(kind, Date):
        body = _date_problem
    elif isinstance(kind, JSON):
        body = _document_problem
    else:
        body = _json_problem

    def check(value: Any) -> Problem | None:
        if value is None:
            return None if nullable else Problem.TYPE
        return body(value)

    return check


def _date_problem(value: Any) -> Problem | None:
    if type(value) is not str or not _DATE.fullmatch(value):
        return Problem.TYPE
    return _calendar_problem(value)


def _calendar_problem(value: str) -> Problem | None:
    """The pattern checks each part's range; a day past the 28th is checked by the calendar."""
    if value[8] in "23" and value[8:10] > "28":
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            return Problem.TYPE
    return None if _year_ok(value) else Problem.RANGE


def _document_problem(value: Any) -> Problem | None:
    found = _json_problem(value)
    if found:
        return found
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return Problem.TOO_LONG if size > MAX_JSON_CHARS else None


def _moment_problem(value: Any) -> Problem | None:
    # The C parser first (a first sync checks tens of thousands of moments), then the shape:
    # it also takes forms that are no ISO moment of ours (no zone, a space, week dates).
    if type(value) is not str or len(value) < 17:
        return Problem.TYPE
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return Problem.TYPE
    if moment.tzinfo is None or value[4] != "-" or value[7] != "-" or value[10] != "T":
        return Problem.TYPE
    return None if YEAR_RANGE[0] <= moment.year <= YEAR_RANGE[1] else Problem.RANGE
