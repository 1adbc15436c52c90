"""Expected errors of answering a form (codes ``form.*``; Danish text in
``models.forms.messages.error_text``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from models.errors import FeltmappeError, ValidationError

if TYPE_CHECKING:
    from models.forms.answers import AnswerProblem, Missing


class FormIncomplete(ValidationError):
    """A form cannot be finalised yet: ``missing`` lists the required answers not given and
    ``problems`` the answers that are wrong (also as Danish texts in the params)."""

    code = "form.incomplete"

    def __init__(self, missing: Sequence[Missing], problems: Sequence[AnswerProblem]) -> None:
        self.missing = list(missing)
        self.problems = list(problems)
        super().__init__(
            missing=[m.text for m in self.missing],
            problems=[f"{p.path}: {p.text}" for p in self.problems],
        )


class FormNotStored(FeltmappeError):
    """The form's answers have no place in the vault yet (``table`` has no answers columns),
    or the form names no record."""

    code = "form.not_stored"


class CorruptAnswers(FeltmappeError):
    """A row's stored answers are not an object keyed by field ids (damaged, or written by
    something else): that form shows this error, the rest of the case opens."""

    code = "form.corrupt_answers"


class OtherForm(ValidationError):
    """A form that does not fit the row: the form (``form_id``, ``version``, title ``found``)
    is for another kind of row than this one (``table``, a meeting's ``kind``), which is filled
    in the form titled ``expected`` (``expected_id``; empty when that kind of row has no form),
    or the row already holds answers to another form (``reason`` "answers": ``found`` is the
    stored form, ``expected`` the one asked for)."""

    code = "form.other_form"


class MisplacedAnswers(OtherForm, CorruptAnswers):
    """A row's stored answers name a form for another kind of row (an undersøgelse's form id
    on an underretning): opening them is refused like damaged answers, so that form shows this
    error and the rest of the case opens; the message names the expected and the found form."""

    code = "form.other_form"
