"""The typed, frozen shape of a form definition (``resources/forms/*.toml``, docs/forms.md): a
form has sections, a section has fields, a field has a type. Nothing here reads files or knows
Qt; the loader (``models.forms.loader``) builds these objects and checks every reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class FieldType(StrEnum):
    """The kinds of field a form may declare (the ``type`` key). The answer each one takes is
    described in docs/forms.md and checked by ``models.forms.answers``."""

    #: One line of text: a string.
    SHORT_TEXT = "short_text"
    #: Free text over several lines: a string.
    LONG_TEXT = "long_text"
    #: A calendar date: "YYYY-MM-DD".
    DATE = "date"
    #: A moment: ISO 8601 with its UTC offset, "2026-11-20T15:00:00+01:00".
    DATETIME = "datetime"
    #: One of the field's choices: the choice's value (a string).
    CHOICE = "choice"
    #: Any of the field's choices: a list of values.
    MULTI_CHOICE = "multi_choice"
    #: Ja/nej, with a reason when the answer asks for one ("hvorfor ikke"):
    #: {"value": true|false, "reason": "…"}.
    YES_NO = "yes_no"
    #: A person of the case's parties (or a name typed): {"person_id": "…"|null, "name": "…"};
    #: a list of them when the field is ``multiple``.
    PERSON = "person"
    #: An integer on a scale (0–10 unless the field says otherwise).
    SCALE = "scale"
    #: One ICS dimension: its id from ``resources/forms/ics.toml``.
    ICS_DIMENSION = "ics_dimension"
    #: A repeatable group of fields: a list of objects keyed by the group's field ids.
    GROUP = "group"


#: Field types whose answer is text (what ``max_length`` applies to).
TEXT_TYPES = frozenset({FieldType.SHORT_TEXT, FieldType.LONG_TEXT})

#: The longest answer of a text field unless the field sets ``max_length``.
DEFAULT_MAX_LENGTH = {FieldType.SHORT_TEXT: 200, FieldType.LONG_TEXT: 50_000}


class YesNo(StrEnum):
    """Which answer of a yes/no field asks for a reason (``reason_when``)."""

    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Choice:
    """One choice of a choice or multi-choice field: the stored value and its Danish label."""

    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Show (and require) a field or section only when another field's answer is one of
    ``values``: a choice's value, ``true``/``false`` for a yes/no field, or any of them picked
    for a multi-choice field. The other field must come before it in the form."""

    field: str
    values: tuple[str | bool, ...]


@dataclass(frozen=True)
class Field:
    id: str
    type: FieldType
    label: str
    help: str = ""
    required: bool = False
    #: The ICS dimension the field belongs to (its id), if any.
    ics: str | None = None
    #: Choice and multi-choice: the choices, from the form or from ``vocabulary``.
    choices: tuple[Choice, ...] = ()
    #: The vocabulary (``models.forms.vocabularies``) the choices came from, if any.
    vocabulary: str | None = None
    #: Text: the longest answer accepted.
    max_length: int | None = None
    #: Date and date-time: the answer says something has happened, so it may not lie ahead.
    not_in_future: bool = False
    #: Yes/no: which answer asks for a reason, and what the reason is called.
    reason_when: YesNo | None = None
    reason_label: str = ""
    #: Person: several people, and the party roles offered (empty: every party).
    multiple: bool = False
    roles: tuple[str, ...] = ()
    #: Scale: the range and the words at its ends.
    minimum: int = 0
    maximum: int = 10
    low_label: str = ""
    high_label: str = ""
    #: ICS dimension: the sides offered (empty: all three).
    sides: tuple[str, ...] = ()
    #: Group: the fields of one item, and how many items (``min_items`` 1 when required).
    fields: tuple[Field, ...] = ()
    min_items: int = 0
    max_items: int | None = None
    #: Shown and required only when the condition holds.
    show_if: Condition | None = None
    #: The column of the form's record the answer is copied to when saved (docs/forms.md).
    column: str | None = None

    @property
    def reason_required(self) -> bool:
        return self.reason_when is not None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    help: str = ""
    #: The ICS side the section goes through, dimension by dimension (fields carry ``ics``).
    ics_side: str | None = None
    #: Filled in after the form is finalised (a receipt sent, feedback given): never in the
    #: list of what is missing, and still editable on a finalised form.
    after_finalise: bool = False
    show_if: Condition | None = None
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Record:
    """Where a form's answers are kept in the vault: the table whose ``FormAnswers`` columns
    hold them, and the column finalising sets (now, or today for a date column) unless a field
    bound to it was answered."""

    table: str
    finalised: str | None = None


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: str
    description: str = ""
    #: Law or local standard the form follows, as the form's own text says it.
    legal_basis: str = ""
    record: Record | None = None
    sections: tuple[Section, ...] = ()
    #: The file it was read from (a name, for messages).
    source: str = ""

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    @cached_property
    def fields(self) -> dict[str, Field]:
        """Every top-level field by id, in form order (do not change the dict)."""
        return {f.id: f for s in self.sections for f in s.fields}

    def field(self, field_id: str) -> Field:
        return self.fields[field_id]

    def section_of(self, field_id: str) -> Section:
        for section in self.sections:
            if any(f.id == field_id for f in section.fields):
                return section
        raise KeyError(field_id)


@dataclass(frozen=True)
class IcsDimension:
    id: str
    side: str
    label: str
    help: str = ""


@dataclass(frozen=True)
class IcsSide:
    id: str
    label: str
    dimensions: tuple[IcsDimension, ...] = ()


@dataclass(frozen=True)
class IcsTriangle:
    """ICS-trekanten (DOMAIN.md): three sides, twenty dimensions."""

    sides: tuple[IcsSide, ...]
    _by_id: dict[str, IcsDimension] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({d.id: d for s in self.sides for d in s.dimensions})

    @property
    def dimensions(self) -> tuple[IcsDimension, ...]:
        return tuple(d for s in self.sides for d in s.dimensions)

    def dimension(self, dimension_id: str) -> IcsDimension:
        return self._by_id[dimension_id]

    def side(self, side_id: str) -> IcsSide:
        for side in self.sides:
            if side.id == side_id:
                return side
        raise KeyError(side_id)

    def has_dimension(self, dimension_id: str) -> bool:
        return dimension_id in self._by_id
