"""Reads form definitions (TOML, docs/forms.md) into the frozen objects of
``models.forms.types`` and checks them: every problem is reported with the file, the key and
what is wrong (``FormProblem``), so a broken file is fixed without reading this code.

A file is read with ``tomllib`` (stdlib). Checked: the TOML itself, unknown and missing keys,
labels, ids (their form and uniqueness), field types, references to ICS dimensions and sides,
to vocabularies and their values, to earlier fields (``show_if``) and to vault columns."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any, ParamSpec, TypeVar

from models.errors import FeltmappeError
from models.forms.records import COLUMN_VOCABULARY, FINALISED_COLUMNS, RECORD_COLUMNS
from models.forms.types import (
    TEXT_TYPES,
    Choice,
    Condition,
    Field,
    FieldType,
    Form,
    IcsDimension,
    IcsSide,
    IcsTriangle,
    Record,
    Section,
    YesNo,
)
from models.forms.vocabularies import VOCABULARIES

#: Ids of forms, sections, fields, choices, sides and dimensions: they end up as JSON keys and
#: file names, so lower-case ASCII, digits and underscores.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

P = ParamSpec("P")
T = TypeVar("T")

#: The file with the ICS triangle, beside the forms.
ICS_FILE = "ics.toml"


@dataclass(frozen=True)
class FormProblem:
    """One problem of a definition file: ``key`` is the TOML path (``sections[barnet].fields[
    alder].type``, empty for the file as a whole), ``code`` and ``params`` say what is wrong;
    ``text`` says it in Danish."""

    file: str
    key: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        from models.forms.messages import definition_text

        return definition_text(self.code, self.params)

    def __str__(self) -> str:
        return f"{self.file}: {self.key or '(filen)'}: {self.text}"


class FormDefinitionError(FeltmappeError):
    """A form definition cannot be used; ``problems`` lists every ``FormProblem`` found, and
    ``file``, ``key`` and ``problem`` name the first."""

    code = "form.definition"

    def __init__(self, problems: Iterable[FormProblem]) -> None:
        found = list(problems)
        first = found[0]
        super().__init__(
            file=first.file, key=first.key, problem=first.text, problems=found, total=len(found)
        )


class _Bad(Exception):
    """Raised inside the reader to stop reading one value (its problem is already noted)."""


def _type_name(value: Any) -> str:
    return {
        str: "tekst",
        bool: "sand/falsk",
        int: "heltal",
        float: "decimaltal",
        list: "liste",
        dict: "tabel",
    }.get(type(value), type(value).__name__)


class _Reader:
    """Reads one parsed file, noting problems instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FormProblem] = []

    def problem(self, where: str, code: str, /, **params: Any) -> None:
        self.problems.append(FormProblem(self.file, where, code, params))

    def keys(self, table: Mapping[str, Any], path: str, allowed: Iterable[str]) -> None:
        known = set(allowed)
        for key in table:
            if key not in known:
                self.problem(_join(path, key), "form.unknown_key", key=key, known=sorted(known))

    def value(
        self,
        table: Mapping[str, Any],
        path: str,
        key: str,
        kind: type | tuple[type, ...],
        *,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        if key not in table:
            if required:
                code = "form.missing_label" if key in ("label", "title") else "form.missing_key"
                self.problem(_join(path, key), code, key=key)
                raise _Bad
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a TOML true is never a number here.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.problem(
                _join(path, key),
                "form.bad_value_type",
                expected=[_type_name(k()) for k in kinds],
                given=_type_name(value),
            )
            raise _Bad
        return value

    def text(self, table: Mapping[str, Any], path: str, key: str, *, required: bool = False) -> str:
        value = str(self.value(table, path, key, str, required=required, default="")).strip()
        if required and not value:
            code = "form.missing_label" if key in ("label", "title") else "form.empty"
            self.problem(_join(path, key), code, key=key)
            raise _Bad
        return value

    def ident(self, table: Mapping[str, Any], path: str) -> str:
        value = self.text(table, path, "id", required=True)
        if not ID_PATTERN.match(value):
            self.problem(_join(path, "id"), "form.bad_id", value=value)
            raise _Bad
        return value

    def tables(self, table: Mapping[str, Any], path: str, key: str) -> list[dict[str, Any]]:
        items = self.value(table, path, key, list, default=[])
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                self.problem(
                    f"{_join(path, key)}[{i}]",
                    "form.bad_value_type",
                    expected=["tabel"],
                    given=_type_name(item),
                )
                raise _Bad
        return list(items)

    def attempt(self, read: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T | None:
        """``read(*args, **kwargs)``, or None when it noted a problem."""
        try:
            return read(*args, **kwargs)
        except _Bad:
            return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item(path: str, key: str, index: int, item: Mapping[str, Any]) -> str:
    ident = item.get("id")
    label = ident if isinstance(ident, str) and ident else str(index)
    return f"{_join(path, key)}[{label}]"


def parse_toml(source: Traversable, reader: _Reader) -> dict[str, Any] | None:
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reader.problem("", "form.encoding")
        return None
    except OSError as exc:
        reader.problem("", "form.unreadable", detail=exc.strerror or str(exc))
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        key = f"linje {line}" if line else ""
        reader.problem(key, "form.toml_syntax", detail=detail, line=line, column=column)
        return None


# -- the ICS triangle ---------------------------------------------------------------------


def read_ics(source: Traversable) -> tuple[IcsTriangle | None, list[FormProblem]]:
    """The ICS triangle of ``source`` (``resources/forms/ics.toml``) and its problems."""
    reader = _Reader(source.name)
    doc = parse_toml(source, reader)
    if doc is None:
        return None, reader.problems
    reader.keys(doc, "", ("sides",))
    sides: list[IcsSide] = []
    seen: set[str] = set()
    raw_sides = reader.attempt(lambda: reader.tables(doc, "", "sides")) or []
    if not raw_sides and not reader.problems:
        reader.problem("sides", "form.missing_key", key="sides")
    for i, raw in enumerate(raw_sides):
        path = _item("", "sides", i, raw)
        side = reader.attempt(_read_side, reader, raw, path, seen)
        if side is not None:
            sides.append(side)
    if reader.problems:
        return None, reader.problems
    return IcsTriangle(tuple(sides)), []


def _read_side(reader: _Reader, raw: dict[str, Any], path: str, seen: set[str]) -> IcsSide:
    reader.keys(raw, path, ("id", "label", "dimensions"))
    side_id = reader.ident(raw, path)
    label = reader.text(raw, path, "label", required=True)
    _unique(reader, seen, side_id, _join(path, "id"))
    dimensions: list[IcsDimension] = []
    for j, dim in enumerate(reader.tables(raw, path, "dimensions")):
        dpath = _item(path, "dimensions", j, dim)

        def one(dim: dict[str, Any] = dim, dpath: str = dpath) -> IcsDimension:
            reader.keys(dim, dpath, ("id", "label", "help"))
            dim_id = reader.ident(dim, dpath)
            _unique(reader, seen, dim_id, _join(dpath, "id"))
            return IcsDimension(
                id=dim_id,
                side=side_id,
                label=reader.text(dim, dpath, "label", required=True),
                help=reader.text(dim, dpath, "help"),
            )

        made = reader.attempt(one)
        if made is not None:
            dimensions.append(made)
    if not dimensions and "dimensions" not in raw:
        reader.problem(_join(path, "dimensions"), "form.missing_key", key="dimensions")
    elif not dimensions and not raw["dimensions"]:
        reader.problem(_join(path, "dimensions"), "form.empty", key="dimensions")
    return IcsSide(id=side_id, label=label, dimensions=tuple(dimensions))


def _unique(reader: _Reader, seen: set[str], ident: str, key: str) -> None:
    if ident in seen:
        reader.problem(key, "form.duplicate_id", id=ident)
        raise _Bad
    seen.add(ident)


# -- forms --------------------------------------------------------------------------------

_FORM_KEYS = ("id", "version", "title", "description", "legal_basis", "record", "sections")
_SECTION_KEYS = (
    "id",
    "title",
    "help",
    "ics_side",
    "after_finalise",
    "show_if",
    "fields",
    "per_dimension",
)
_COMMON_FIELD_KEYS = ("id", "type", "label", "help", "required", "ics", "show_if", "column")
#: The keys each field type takes besides the common ones.
_TYPE_KEYS: dict[FieldType, tuple[str, ...]] = {
    FieldType.SHORT_TEXT: ("max_length",),
    FieldType.LONG_TEXT: ("max_length",),
    FieldType.DATE: ("not_in_future",),
    FieldType.DATETIME: ("not_in_future",),
    FieldType.CHOICE: ("choices", "vocabulary", "only"),
    FieldType.MULTI_CHOICE: ("choices", "vocabulary", "only"),
    FieldType.YES_NO: ("reason_when", "reason_label"),
    FieldType.PERSON: ("multiple", "roles"),
    FieldType.SCALE: ("minimum", "maximum", "low_label", "high_label"),
    FieldType.ICS_DIMENSION: ("sides",),
    FieldType.GROUP: ("fields", "min_items", "max_items"),
}


class _FormReader(_Reader):
    def __init__(self, file: str, ics: IcsTriangle) -> None:
        super().__init__(file)
        self.ics = ics
        self.field_ids: set[str] = set()
        #: Fields answered before the one being read (what a ``show_if`` may look at).
        self.earlier: dict[str, Field] = {}

    def form(self, doc: dict[str, Any]) -> Form | None:
        self.keys(doc, "", _FORM_KEYS)
        form_id = self.attempt(lambda: self.ident(doc, ""))
        version = self.attempt(lambda: self.value(doc, "", "version", int, required=True))
        if isinstance(version, int) and version < 1:
            self.problem("version", "form.bad_version", value=version)
        title = self.attempt(lambda: self.text(doc, "", "title", required=True))
        description = self.attempt(lambda: self.text(doc, "", "description")) or ""
        legal_basis = self.attempt(lambda: self.text(doc, "", "legal_basis")) or ""
        record = self.attempt(lambda: self.record(doc))
        sections: list[Section] = []
        section_ids: set[str] = set()
        raw_sections = self.attempt(lambda: self.tables(doc, "", "sections")) or []
        if not raw_sections and "sections" not in doc:
            self.problem("sections", "form.missing_key", key="sections")
        elif not raw_sections and not self.problems:
            self.problem("sections", "form.empty", key="sections")
        for i, raw in enumerate(raw_sections):
            path = _item("", "sections", i, raw)
            section = self.attempt(self.section, raw, path, section_ids, record)
            if section is not None:
                sections.append(section)
        if self.problems:
            return None
        assert isinstance(form_id, str) and isinstance(version, int) and isinstance(title, str)
        return Form(
            id=form_id,
            version=version,
            title=title,
            description=description,
            legal_basis=legal_basis,
            record=record,
            sections=tuple(sections),
            source=self.file,
        )

    def record(self, doc: dict[str, Any]) -> Record | None:
        raw = self.value(doc, "", "record", dict)
        if raw is None:
            return None
        self.keys(raw, "record", ("table", "finalised"))
        table = self.text(raw, "record", "table", required=True)
        if table not in RECORD_COLUMNS:
            self.problem(
                "record.table", "form.unknown_table", value=table, known=sorted(RECORD_COLUMNS)
            )
            raise _Bad
        finalised = self.text(raw, "record", "finalised") or None
        if finalised is not None and finalised not in FINALISED_COLUMNS[table]:
            self.problem(
                "record.finalised",
                "form.unknown_column",
                value=finalised,
                table=table,
                known=sorted(FINALISED_COLUMNS[table]),
            )
            raise _Bad
        return Record(table=table, finalised=finalised)

    def condition(
        self, raw_owner: Mapping[str, Any], path: str, scope: Mapping[str, Field]
    ) -> Condition | None:
        raw = self.value(raw_owner, path, "show_if", dict)
        if raw is None:
            return None
        cpath = _join(path, "show_if")
        self.keys(raw, cpath, ("field", "is"))
        other = self.text(raw, cpath, "field", required=True)
        if other not in scope:
            self.problem(_join(cpath, "field"), "form.unknown_condition_field", value=other)
            raise _Bad
        target = scope[other]
        given = self.value(raw, cpath, "is", (str, bool, list), required=True)
        values = tuple(given) if isinstance(given, list) else (given,)
        allowed: set[str | bool]
        if target.type == FieldType.YES_NO:
            allowed = {True, False}
        elif target.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            allowed = {c.value for c in target.choices}
        else:
            self.problem(
                _join(cpath, "field"),
                "form.condition_field_type",
                value=other,
                type=target.type.value,
            )
            raise _Bad
        for value in values:
            if (
                not isinstance(value, str | bool)
                or value not in allowed
                or (isinstance(value, bool) != (target.type == FieldType.YES_NO))
            ):
                self.problem(
                    _join(cpath, "is"), "form.bad_condition_value", field=other, value=value
                )
                raise _Bad
        return Condition(field=other, values=values)

    def section(
        self,
        raw: dict[str, Any],
        path: str,
        section_ids: set[str],
        record: Record | None,
    ) -> Section:
        self.keys(raw, path, _SECTION_KEYS)
        section_id = self.ident(raw, path)
        _unique(self, section_ids, section_id, _join(path, "id"))
        title = self.text(raw, path, "title", required=True)
        help_text = self.text(raw, path, "help")
        after = bool(self.value(raw, path, "after_finalise", bool, default=False))
        show_if = self.attempt(lambda: self.condition(raw, path, self.earlier))
        side_id = self.text(raw, path, "ics_side") or None
        if side_id is not None and side_id not in {s.id for s in self.ics.sides}:
            self.problem(_join(path, "ics_side"), "form.unknown_side", value=side_id)
            raise _Bad
        fields: list[Field] = []
        for j, rf in enumerate(self.tables(raw, path, "fields")):
            fpath = _item(path, "fields", j, rf)
            made = self.attempt(self.field, rf, fpath, record, top=True)
            if made is not None:
                fields.append(made)
        templates = self.tables(raw, path, "per_dimension")
        if templates and side_id is None:
            self.problem(_join(path, "per_dimension"), "form.per_dimension_without_side")
            raise _Bad
        if side_id is not None and templates:
            for dim in self.ics.side(side_id).dimensions:
                for j, rf in enumerate(templates):
                    fpath = _item(path, "per_dimension", j, rf)
                    made = self.attempt(self.field, rf, fpath, record, top=True, dimension=dim.id)
                    if made is not None:
                        fields.append(made)
        if not fields and not self.problems:
            self.problem(_join(path, "fields"), "form.empty", key="fields")
        return Section(
            id=section_id,
            title=title,
            help=help_text,
            ics_side=side_id,
            after_finalise=after,
            show_if=show_if,
            fields=tuple(fields),
        )

    def field(
        self,
        raw: dict[str, Any],
        path: str,
        record: Record | None,
        *,
        top: bool,
        dimension: str | None = None,
        scope: dict[str, Field] | None = None,
        ids: set[str] | None = None,
    ) -> Field:
        type_name = self.text(raw, path, "type", required=True)
        try:
            ftype = FieldType(type_name)
        except ValueError:
            self.problem(
                _join(path, "type"),
                "form.unknown_field_type",
                value=type_name,
                known=[t.value for t in FieldType],
            )
            raise _Bad from None
        self.keys(raw, path, (*_COMMON_FIELD_KEYS, *_TYPE_KEYS[ftype]))
        base_id = self.ident(raw, path)
        field_id = f"{dimension}_{base_id}" if dimension else base_id
        scope = self.earlier if scope is None else scope
        ids = self.field_ids if ids is None else ids
        _unique(self, ids, field_id, _join(path, "id"))
        label = self.text(raw, path, "label", required=True)
        ics = dimension or (self.text(raw, path, "ics") or None)
        if ics is not None and not self.ics.has_dimension(ics):
            self.problem(_join(path, "ics"), "form.unknown_dimension", value=ics)
            raise _Bad
        values: dict[str, Any] = {
            "id": field_id,
            "type": ftype,
            "label": label,
            "help": self.text(raw, path, "help"),
            "required": bool(self.value(raw, path, "required", bool, default=False)),
            "ics": ics,
            "show_if": self.condition(raw, path, scope),
        }
        if ftype in TEXT_TYPES:
            length = self.value(raw, path, "max_length", int)
            if length is not None and length < 1:
                self.problem(_join(path, "max_length"), "form.bad_number", value=length)
                raise _Bad
            values["max_length"] = length
        elif ftype in (FieldType.DATE, FieldType.DATETIME):
            values["not_in_future"] = bool(
                self.value(raw, path, "not_in_future", bool, default=False)
            )
        elif ftype in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            values["choices"], values["vocabulary"] = self.choices(raw, path)
        elif ftype == FieldType.YES_NO:
            when = self.text(raw, path, "reason_when") or None
            if when is not None and when not in (YesNo.YES, YesNo.NO):
                self.problem(_join(path, "reason_when"), "form.bad_reason_when", value=when)
                raise _Bad
            values["reason_when"] = None if when is None else YesNo(when)
            values["reason_label"] = self.text(raw, path, "reason_label") or (
                "Hvorfor ikke?" if when == YesNo.NO else "Uddyb"
            )
        elif ftype == FieldType.PERSON:
            values["multiple"] = bool(self.value(raw, path, "multiple", bool, default=False))
            roles = self.value(raw, path, "roles", list, default=[])
            known = VOCABULARIES["party_role"]
            for role in roles:
                if role not in known:
                    self.problem(
                        _join(path, "roles"),
                        "form.unknown_vocabulary_value",
                        vocabulary="party_role",
                        value=role,
                    )
                    raise _Bad
            values["roles"] = tuple(roles)
        elif ftype == FieldType.SCALE:
            low = self.value(raw, path, "minimum", int, default=0)
            high = self.value(raw, path, "maximum", int, default=10)
            if low >= high:
                self.problem(_join(path, "maximum"), "form.bad_range", low=low, high=high)
                raise _Bad
            values.update(
                minimum=low,
                maximum=high,
                low_label=self.text(raw, path, "low_label"),
                high_label=self.text(raw, path, "high_label"),
            )
        elif ftype == FieldType.ICS_DIMENSION:
            sides = self.value(raw, path, "sides", list, default=[])
            for side in sides:
                if side not in {s.id for s in self.ics.sides}:
                    self.problem(_join(path, "sides"), "form.unknown_side", value=side)
                    raise _Bad
            values["sides"] = tuple(sides)
        elif ftype == FieldType.GROUP:
            if not top:
                self.problem(_join(path, "type"), "form.nested_group")
                raise _Bad
            sub: list[Field] = []
            sub_scope: dict[str, Field] = {}
            sub_ids: set[str] = set()
            for k, rs in enumerate(self.tables(raw, path, "fields")):
                spath = _item(path, "fields", k, rs)
                made = self.attempt(
                    self.field, rs, spath, None, top=False, scope=sub_scope, ids=sub_ids
                )
                if made is not None:
                    sub.append(made)
                    sub_scope[made.id] = made
            if not sub and "fields" not in raw:
                self.problem(_join(path, "fields"), "form.missing_key", key="fields")
                raise _Bad
            least = self.value(raw, path, "min_items", int, default=0)
            most = self.value(raw, path, "max_items", int)
            if least < 0 or (most is not None and most < max(least, 1)):
                self.problem(_join(path, "max_items"), "form.bad_range", low=least, high=most)
                raise _Bad
            values.update(fields=tuple(sub), min_items=least, max_items=most)
        column = self.text(raw, path, "column") or None
        if column is not None:
            self.check_column(path, column, ftype, values, record, top)
        made = Field(**values, column=column)
        scope[made.id] = made
        return made

    def choices(self, raw: dict[str, Any], path: str) -> tuple[tuple[Choice, ...], str | None]:
        name = self.text(raw, path, "vocabulary") or None
        given = self.tables(raw, path, "choices")
        only = self.value(raw, path, "only", list, default=[])
        if name is not None and given:
            self.problem(_join(path, "choices"), "form.choices_and_vocabulary")
            raise _Bad
        if name is not None:
            if name not in VOCABULARIES:
                self.problem(
                    _join(path, "vocabulary"),
                    "form.unknown_vocabulary",
                    value=name,
                    known=sorted(VOCABULARIES),
                )
                raise _Bad
            labels = VOCABULARIES[name]
            for value in only:
                if value not in labels:
                    self.problem(
                        _join(path, "only"),
                        "form.unknown_vocabulary_value",
                        vocabulary=name,
                        value=value,
                    )
                    raise _Bad
            picked = only or list(labels)
            return tuple(Choice(v, labels[v]) for v in picked), name
        if only:
            self.problem(_join(path, "only"), "form.only_without_vocabulary")
            raise _Bad
        if not given:
            self.problem(_join(path, "choices"), "form.missing_choices")
            raise _Bad
        out: list[Choice] = []
        seen: set[str] = set()
        for i, rc in enumerate(given):
            cpath = _item(path, "choices", i, rc)
            self.keys(rc, cpath, ("id", "label"))
            value = self.ident(rc, cpath)
            _unique(self, seen, value, _join(cpath, "id"))
            out.append(Choice(value, self.text(rc, cpath, "label", required=True)))
        return tuple(out), None

    def check_column(
        self,
        path: str,
        column: str,
        ftype: FieldType,
        values: Mapping[str, Any],
        record: Record | None,
        top: bool,
    ) -> None:
        key = _join(path, "column")
        if record is None or not top:
            self.problem(key, "form.column_without_record")
            raise _Bad
        columns = RECORD_COLUMNS[record.table]
        if column not in columns:
            self.problem(
                key, "form.unknown_column", value=column, table=record.table, known=sorted(columns)
            )
            raise _Bad
        if ftype not in columns[column] or (ftype == FieldType.PERSON and values.get("multiple")):
            self.problem(key, "form.column_type", value=column, type=ftype.value)
            raise _Bad
        vocabulary = COLUMN_VOCABULARY.get((record.table, column))
        if vocabulary is not None and values.get("vocabulary") != vocabulary:
            self.problem(key, "form.column_vocabulary", value=column, vocabulary=vocabulary)
            raise _Bad


def read_form(source: Traversable, ics: IcsTriangle) -> tuple[Form | None, list[FormProblem]]:
    """The form in ``source`` and the problems found (the form is None when there are any)."""
    reader = _FormReader(source.name, ics)
    doc = parse_toml(source, reader)
    if doc is None:
        return None, reader.problems
    form = reader.form(doc)
    # A per_dimension template is read once per dimension: say its problem once.
    problems = list({(p.key, p.code, repr(p.params)): p for p in reader.problems}.values())
    return (form if not problems else None), problems
