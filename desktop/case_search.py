"""The case list's search words: what a row is searched by (``search_key``, computed once per
row) and a search text as words (``parse_query``; a word of digits also matches CPR numbers,
with or without the hyphen). Plain functions, shared by the model and the filter."""

from __future__ import annotations

from models.services import CaseRow


def _digits(text: str) -> str:
    return "".join(c for c in text if c in "0123456789")


SearchKey = tuple[str, str, str]


def search_key(row: CaseRow) -> SearchKey:
    """What the search compares, computed once per row: casefolded name and case number, and
    the CPR number's digits."""
    return (row.child_name.casefold(), row.case_number.casefold(), _digits(row.cpr or ""))


#: A search, prepared once per keystroke: each word, and its digits when the word is part of a
#: CPR number (digits, perhaps with the hyphen).
Query = tuple[tuple[str, str | None], ...]


def parse_query(text: str) -> Query:
    words = []
    for token in text.casefold().split():
        digits = _digits(token)
        cpr = digits if digits and len(digits) == len(token.replace("-", "")) else None
        words.append((token, cpr))
    return tuple(words)
