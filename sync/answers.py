"""Form answers merge question by question (issue 13): the ``answers`` column of a form row is a
JSON object keyed by the form's field ids, and two laptops that answered **different questions**
of the same form must not conflict. The store merges the object three ways (the answers the
laptop started from, its answers, the stored ones): a question changed on one side only takes
that side's answer; a question changed on both sides to different answers is a conflict of that
question alone, recorded under the field ``answers.<question id>`` with both answers.

Pure functions, shared by the store (merging a push) and the laptop (settling a conflict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from models.values import Problem

ANSWERS = "answers"
_PREFIX = ANSWERS + "."
#: Longest question id: a conflict names it as ``answers.<id>`` in a field of 80 characters.
MAX_QUESTION_CHARS: Final = 80 - len(_PREFIX)
#: Most questions in one row's answers (the largest form has 43): one push cannot make a
#: conflict row per question by the ten thousand.
MAX_QUESTIONS: Final = 500


class _Absent:
    """A question with no answer (a key missing from the object), unlike an answer of null."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def is_answers(key: str, *values: Any) -> bool:
    """Whether the change of ``key`` is a change of form answers that can merge per question."""
    return key == ANSWERS and all(v is None or isinstance(v, Mapping) for v in values)


def answers_problem(value: Any) -> Problem | None:
    """Why ``value`` cannot be a row's answers, beyond its JSON column's checks: not an object
    (no form could read it), a question id empty or too long to name a conflict of it, or more
    questions than any form has. None (no answers yet) passes; the column decides on it."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return Problem.TYPE
    if len(value) > MAX_QUESTIONS:
        return Problem.TOO_LONG
    for question in value:
        if not isinstance(question, str) or not question:
            return Problem.TYPE
        if len(question) > MAX_QUESTION_CHARS:
            return Problem.TOO_LONG
    return None


def answer_field(question: str) -> str:
    """The conflict field of one question: ``answers.<question id>``."""
    return _PREFIX + question


def question_of(field: str) -> str | None:
    """The question id of a conflict field ``answers.<id>``; None for any other field."""
    return (
        field[len(_PREFIX) :] if field.startswith(_PREFIX) and len(field) > len(_PREFIX) else None
    )


def merge_answers(
    base: Mapping[str, Any] | None,
    mine: Mapping[str, Any] | None,
    theirs: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any, Any]]]:
    """Merge ``mine`` (what a laptop pushes, changed from ``base``) into ``theirs`` (what the
    store holds). Returns the merged answers and the conflicting questions as
    ``{question: (base answer, stored answer, my answer)}`` (``ABSENT`` for no answer); a
    conflicting question keeps the stored answer until someone chooses."""
    base, mine, theirs = base or {}, mine or {}, theirs or {}
    merged = dict(theirs)
    conflicts: dict[str, tuple[Any, Any, Any]] = {}
    for question in sorted(set(base) | set(mine)):
        was = base.get(question, ABSENT)
        now = mine.get(question, ABSENT)
        if now == was:
            continue  # not changed on this laptop: the store's answer stands
        stored = theirs.get(question, ABSENT)
        if stored == now:
            continue
        if stored == was:
            if now is ABSENT:
                merged.pop(question, None)
            else:
                merged[question] = now
        else:
            conflicts[question] = (was, stored, now)
    return merged, conflicts


def with_answer(answers: Mapping[str, Any] | None, question: str, value: Any) -> dict[str, Any]:
    """``answers`` with one question set to ``value`` (``ABSENT`` or None removes it)."""
    out = dict(answers or {})
    if value is ABSENT or value is None:
        out.pop(question, None)
    else:
        out[question] = value
    return out
