"""Answers to a form: a JSON object keyed by the form's top-level field ids (docs/forms.md
"Answers"), checked field by field, and how complete each section is. Pure functions: the
renderer calls them while the user types, the service layer before it finalises.

Problems carry a code and parameters (``models.forms.messages.answer_text`` says them in
Danish). A field that is hidden (its ``show_if`` or its section's does not hold) is neither
required nor checked; its answer is kept."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.forms.types import (
    DEFAULT_MAX_LENGTH,
    TEXT_TYPES,
    Condition,
    Field,
    FieldType,
    Form,
    IcsTriangle,
    Section,
    YesNo,
)

_DK = ZoneInfo("Europe/Copenhagen")

#: A laptop clock a little behind the notifier's is not an error (as models.validation).
CLOCK_GRACE = timedelta(minutes=5)

#: Codes that do not stop a form from being finalised (an answer to a question the form no
#: longer has is kept, and shown, but is nobody's fault).
NOT_BLOCKING = frozenset({"form.unknown_field"})


@dataclass(frozen=True)
class AnswerProblem:
    """What is wrong with the answer of ``field`` (in item ``item`` of a group, sub-field
    ``sub_field``)."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)
    item: int | None = None
    sub_field: str | None = None

    @property
    def path(self) -> str:
        """``field``, or ``field[item].sub_field`` inside a group."""
        if self.item is None:
            return self.field
        return f"{self.field}[{self.item}]" + (f".{self.sub_field}" if self.sub_field else "")

    @property
    def text(self) -> str:
        from models.forms.messages import answer_text

        return answer_text(self.code, self.params)


@dataclass(frozen=True)
class Missing:
    """A required answer that is not there: ``label`` names the field (``sub_label`` the
    field of item ``item`` of a group), under ``section_title``."""

    section: str
    section_title: str
    field: str
    label: str
    item: int | None = None
    sub_field: str | None = None
    sub_label: str = ""

    @property
    def text(self) -> str:
        """ "Afsnit: felt" (and "nr. n: underfelt" inside a group), for the refusal's list."""
        where = f"{self.section_title}: {self.label}"
        if self.item is not None and self.sub_label:
            where += f", nr. {self.item + 1}: {self.sub_label}"
        return where


@dataclass(frozen=True)
class SectionProgress:
    """How far one section is: ``required`` answers asked for, ``answered`` of them given."""

    section: Section
    visible: bool
    required: int
    answered: int
    missing: tuple[Missing, ...] = ()
    problems: tuple[AnswerProblem, ...] = ()

    @property
    def complete(self) -> bool:
        blocking = [p for p in self.problems if p.code not in NOT_BLOCKING]
        return not self.visible or (not self.missing and not blocking)


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {}) or (isinstance(value, str) and not value.strip())


def is_answered(fld: Field, answer: Any) -> bool:
    """Whether ``answer`` counts as an answer of ``fld`` (for required-ness; a yes/no answered
    without the reason it asks for is answered, and has a problem instead)."""
    if _empty(answer):
        return False
    if fld.type == FieldType.YES_NO:
        return isinstance(answer, Mapping) and isinstance(answer.get("value"), bool)
    if fld.type == FieldType.PERSON:
        people = answer if isinstance(answer, list) else [answer]
        return any(
            isinstance(p, Mapping) and (p.get("person_id") or str(p.get("name") or "").strip())
            for p in people
        )
    if fld.type == FieldType.GROUP:
        return isinstance(answer, list) and len(answer) >= _least(fld)
    return True


def _least(fld: Field) -> int:
    return max(fld.min_items, 1 if fld.required else 0)


def holds(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``answers`` (no condition always does)."""
    if condition is None:
        return True
    answer = answers.get(condition.field)
    if isinstance(answer, Mapping):  # yes/no
        answer = answer.get("value")
    if isinstance(answer, list):  # multi-choice
        return any(a in condition.values for a in answer if isinstance(a, str))
    if answer is None:
        return False
    return any(
        answer == v and isinstance(answer, bool) == isinstance(v, bool) for v in condition.values
    )


def visible_fields(form: Form, answers: Mapping[str, Any]) -> set[str]:
    """The ids of the top-level fields shown for ``answers``: a field is shown when its
    section's condition and its own hold, and the fields they look at are shown themselves."""
    shown: set[str] = set()
    for section in form.sections:
        section_shown = _shown(section.show_if, answers, shown)
        for fld in section.fields:
            if section_shown and _shown(fld.show_if, answers, shown):
                shown.add(fld.id)
    return shown


def _shown(condition: Condition | None, answers: Mapping[str, Any], shown: set[str]) -> bool:
    return condition is None or (condition.field in shown and holds(condition, answers))


def section_visible(form: Form, section: Section, answers: Mapping[str, Any]) -> bool:
    return any(f.id in visible_fields(form, answers) for f in section.fields) or (
        not section.fields
    )


# -- one answer -----------------------------------------------------------------------------


@dataclass
class _Context:
    parties: Collection[str] | None
    ics: IcsTriangle | None
    now: datetime | None


def _check(fld: Field, answer: Any, ctx: _Context) -> list[tuple[str, dict[str, Any]]]:
    """(code, params) of what is wrong with a non-empty ``answer`` of a non-group field."""
    kind = fld.type
    if kind in TEXT_TYPES:
        if not isinstance(answer, str):
            return [("form.bad_value", {"expected": "tekst"})]
        limit = fld.max_length or DEFAULT_MAX_LENGTH[kind]
        if len(answer) > limit:
            return [("validation.too_long", {"maximum": limit})]
        return []
    if kind == FieldType.DATE:
        try:
            day = (
                date.fromisoformat(answer)
                if isinstance(answer, str) and len(answer) == 10
                else None
            )
        except ValueError:
            day = None
        if day is None:
            return [("form.bad_date", {})]
        if fld.not_in_future and ctx.now is not None and day > ctx.now.astimezone(_DK).date():
            return [("validation.future_date", {})]
        return []
    if kind == FieldType.DATETIME:
        try:
            moment = datetime.fromisoformat(answer) if isinstance(answer, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            return [("form.bad_datetime", {})]
        if fld.not_in_future and ctx.now is not None and moment > ctx.now + CLOCK_GRACE:
            return [("validation.future_date", {})]
        return []
    if kind == FieldType.CHOICE:
        if not isinstance(answer, str):
            return [("form.bad_value", {"expected": "et valg"})]
        if answer not in {c.value for c in fld.choices}:
            return [("form.unknown_choice", {"value": answer})]
        return []
    if kind == FieldType.MULTI_CHOICE:
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            return [("form.bad_value", {"expected": "en liste af valg"})]
        known = {c.value for c in fld.choices}
        return [("form.unknown_choice", {"value": a}) for a in answer if a not in known]
    if kind == FieldType.YES_NO:
        if not isinstance(answer, Mapping) or not isinstance(answer.get("value"), bool):
            return [("form.bad_value", {"expected": "ja eller nej"})]
        reason = answer.get("reason", "")
        if not isinstance(reason, str):
            return [("form.bad_value", {"expected": "tekst"})]
        asks = fld.reason_when is not None and answer["value"] == (fld.reason_when == YesNo.YES)
        if asks and not reason.strip():
            return [("form.reason_required", {"reason_label": fld.reason_label})]
        return []
    if kind == FieldType.PERSON:
        people = answer if fld.multiple else [answer]
        if not isinstance(people, list):
            return [("form.bad_value", {"expected": "en liste af personer"})]
        out: list[tuple[str, dict[str, Any]]] = []
        for person in people:
            if not isinstance(person, Mapping) or not isinstance(person.get("name", ""), str):
                return [("form.bad_value", {"expected": "en person"})]
            person_id = person.get("person_id")
            if person_id and ctx.parties is not None and person_id not in ctx.parties:
                out.append(("form.unknown_person", {"person_id": person_id}))
        return out
    if kind == FieldType.SCALE:
        if not isinstance(answer, int) or isinstance(answer, bool):
            return [("form.bad_value", {"expected": "et helt tal"})]
        if not fld.minimum <= answer <= fld.maximum:
            return [("form.out_of_range", {"minimum": fld.minimum, "maximum": fld.maximum})]
        return []
    if kind == FieldType.ICS_DIMENSION:
        if not isinstance(answer, str):
            return [("form.bad_value", {"expected": "en ICS-dimension"})]
        if ctx.ics is not None and (
            not ctx.ics.has_dimension(answer)
            or (fld.sides and ctx.ics.dimension(answer).side not in fld.sides)
        ):
            return [("form.unknown_dimension", {"value": answer})]
        return []
    return []


def _group(
    fld: Field, answer: Any, ctx: _Context
) -> tuple[list[AnswerProblem], list[tuple[int, Field]]]:
    """Problems of a group's items, and the (item, sub-field) required and not answered."""
    if not isinstance(answer, list) or not all(isinstance(i, Mapping) for i in answer):
        return [AnswerProblem(fld.id, "form.bad_value", {"expected": "en liste"})], []
    problems: list[AnswerProblem] = []
    missing: list[tuple[int, Field]] = []
    if fld.max_items is not None and len(answer) > fld.max_items:
        problems.append(AnswerProblem(fld.id, "form.too_many_items", {"maximum": fld.max_items}))
    for index, item in enumerate(answer):
        for sub in fld.fields:
            if not _shown_in_item(sub, item, fld):
                continue
            value = item.get(sub.id)
            if _empty(value):
                if sub.required:
                    missing.append((index, sub))
                continue
            for code, params in _check(sub, value, ctx):
                problems.append(AnswerProblem(fld.id, code, params, index, sub.id))
    return problems, missing


def _shown_in_item(sub: Field, item: Mapping[str, Any], group: Field) -> bool:
    shown: set[str] = set()
    for other in group.fields:
        if _shown(other.show_if, item, shown):
            shown.add(other.id)
    return sub.id in shown


def validate_answers(
    form: Form,
    answers: Mapping[str, Any],
    *,
    parties: Collection[str] | None = None,
    ics: IcsTriangle | None = None,
    now: datetime | None = None,
) -> list[AnswerProblem]:
    """Every problem of ``answers`` (not what is missing: see ``section_progress``).
    ``parties``: the person ids of the case's parties (a person field must pick one of them,
    or a typed name); ``ics``: the triangle dimensions are checked against; ``now``: what a
    ``not_in_future`` date may not lie after. Unchecked when None."""
    ctx = _Context(parties, ics, now)
    shown = visible_fields(form, answers)
    fields = form.fields
    problems: list[AnswerProblem] = [
        AnswerProblem(key, "form.unknown_field", {"field": key})
        for key in answers
        if key not in fields
    ]
    for fld in fields.values():
        answer = answers.get(fld.id)
        if fld.id not in shown or _empty(answer):
            continue
        if fld.type == FieldType.GROUP:
            problems += _group(fld, answer, ctx)[0]
        else:
            problems += [AnswerProblem(fld.id, c, p) for c, p in _check(fld, answer, ctx)]
    return problems


def section_progress(
    form: Form,
    answers: Mapping[str, Any],
    *,
    parties: Collection[str] | None = None,
    ics: IcsTriangle | None = None,
    now: datetime | None = None,
) -> list[SectionProgress]:
    """Completeness of every section, in form order (what the renderer's navigation shows)."""
    problems = validate_answers(form, answers, parties=parties, ics=ics, now=now)
    shown = visible_fields(form, answers)
    ctx = _Context(parties, ics, now)
    out: list[SectionProgress] = []
    for section in form.sections:
        ids = {f.id for f in section.fields}
        missing: list[Missing] = []
        required = answered = 0
        for fld in section.fields:
            if fld.id not in shown:
                continue
            answer = answers.get(fld.id)
            if fld.required or (fld.type == FieldType.GROUP and fld.min_items):
                required += 1
                if is_answered(fld, answer):
                    answered += 1
                else:
                    missing.append(Missing(section.id, section.title, fld.id, fld.label))
            if fld.type == FieldType.GROUP and isinstance(answer, list):
                for index, sub in _group(fld, answer, ctx)[1]:
                    missing.append(
                        Missing(
                            section.id,
                            section.title,
                            fld.id,
                            fld.label,
                            index,
                            sub.id,
                            sub.label,
                        )
                    )
        out.append(
            SectionProgress(
                section=section,
                visible=bool(ids & shown),
                required=required,
                answered=answered,
                missing=tuple(missing),
                problems=tuple(p for p in problems if p.field in ids),
            )
        )
    return out


def missing_for_finalise(
    form: Form,
    answers: Mapping[str, Any],
    *,
    parties: Collection[str] | None = None,
    ics: IcsTriangle | None = None,
    now: datetime | None = None,
) -> tuple[list[Missing], list[AnswerProblem]]:
    """What stops ``answers`` from being finalised: the required answers missing and the
    answers with a problem, outside the sections filled in after finalising. Both empty: the
    form may be finalised."""
    missing: list[Missing] = []
    problems: list[AnswerProblem] = []
    for progress in section_progress(form, answers, parties=parties, ics=ics, now=now):
        if progress.section.after_finalise or not progress.visible:
            continue
        missing += progress.missing
        problems += [p for p in progress.problems if p.code not in NOT_BLOCKING]
    return missing, problems
