"""The case document: one whole case as JSON (``feltmappe-case`` version 1), for export, import
and hand-over between vaults. The JSON Schema is built from the SQLAlchemy tables, so the format
follows the model; ``docs/case-format.md`` describes it for IT.

Import validates everything (schema, then references and conflicts with the vault) before it adds
a single row, so a refused file leaves the vault exactly as it was."""

from __future__ import annotations

import copy
import enum
import functools
import heapq
import json
import sys
import typing
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError
from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, String, inspect, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Session

from models import services
from models.errors import ImportFailed
from models.schema import CASE_TABLES, Base, Case, Person, Synced, UTCDateTime, utcnow
from models.tracking import META_FIELDS, row_values
from models.validation import CLOCK_GRACE, FUTURE_DATE, NOT_BEFORE, date_problem
from models.vocabulary import AuditAction

FORMAT = "feltmappe-case"
VERSION = 1
SCHEMA_FILE = "case.schema.json"
SCHEMA_ID = "urn:feltmappe:schema:case:1"

#: At most this many problems are reported for one refused file.
MAX_PROBLEMS = 20

#: Columns added to a table after version 1 of the format was first written, with the vault
#: migration that added them and the value a row written before it gets (the migration's own
#: default). A file exported before the migration lacks these keys and still imports; the schema
#: describes them but does not require them. (Every other column stays required.)
ADDED_COLUMNS: dict[tuple[str, str], tuple[str, Any]] = {
    ("journal_note", "kind"): ("0005", "notat"),
    ("deadline_ack", "met_by_table"): ("0005", None),
    ("deadline_ack", "met_by_id"): ("0005", None),
    ("assessment", "is_simple"): ("0006", False),
    ("meeting", "form_id"): ("0008", None),
    ("meeting", "form_version"): ("0008", None),
    ("meeting", "answers"): ("0008", {}),
    ("assessment", "home_visit_on"): ("0009", None),
}

#: Case tables added after version 1 of the format was first written, with the vault migration
#: that added them: a file exported before it lacks the collection and imports with none.
ADDED_TABLES: dict[str, str] = {
    "screening": "0011",
}

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"

# AuditEvent, ChangeEntry and LocalSetting are deliberately not part of the document: the access
# log belongs to the vault and the central store (who looked at the case where), the outbox is one
# vault's pending sync state, and local settings are the profile's own. The importing vault writes
# its own "importeret" events and outbox entries.

_META_DESCRIPTIONS = {
    "id": "Row id (UUID), made where the row was born.",
    "case_id": "The case (sync partition) the row belongs to; equals the case's id.",
    "rev": "The central store's revision of the row; 0 until the server has it.",
    "updated_at": "When the row was last changed (UTC).",
    "updated_by": "Who last changed the row (username).",
    "deleted_at": "Tombstone: when the row was deleted, or null. Deleted rows travel too.",
}


# -- the document's collections --------------------------------------------------------


def collection_key(cls: type[Synced]) -> str:
    """The document key of a case table's rows: the table name in plural (``journal_notes``)."""
    name: str = cls.__tablename__  # type: ignore[attr-defined]
    if name.endswith("y"):
        return name[:-1] + "ies"
    if name.endswith("s"):
        return name + "es"
    return name + "s"


def _collections() -> list[tuple[str, type[Synced]]]:
    """Every case table except the case itself, in dependency order (referenced tables first)."""
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    tables = [cls for cls in CASE_TABLES if cls is not Case]
    tables.sort(key=lambda cls: order[cls.__tablename__])  # type: ignore[attr-defined]
    return [(collection_key(cls), cls) for cls in tables]


def _columns(cls: type[Synced]) -> list[Column[Any]]:
    return [attr.columns[0] for attr in inspect(cls).column_attrs]


def _fk_target(col: Column[Any]) -> str | None:
    for fk in col.foreign_keys:
        return str(fk.column.table.name)
    return None


def _person_columns(cls: type[Synced]) -> list[str]:
    return [c.key for c in _columns(cls) if _fk_target(c) == Person.__tablename__]


# -- export ---------------------------------------------------------------------------


def _row(obj: Synced) -> dict[str, Any]:
    values = row_values(obj)
    # JSON columns are the ORM's own objects: copy them so the document can be changed freely.
    return {key: copy.deepcopy(values[key]) for key in sorted(values)}


def export_case(session: Session, case_ref: str) -> dict[str, Any]:
    """The whole case ``case_ref`` (id or case number) as a JSON-ready document, tombstoned rows
    included. Deterministic: keys and rows in a stable order. Writes an "eksporteret" event."""
    case = services.find_case(session, case_ref)
    person_ids: set[str] = {case.child_id}
    collections: dict[str, list[dict[str, Any]]] = {}
    for key, cls in _collections():
        rows = session.scalars(select(cls).where(cls.case_id == case.id).order_by(cls.id)).all()
        collections[key] = [_row(r) for r in rows]
        for col in _person_columns(cls):
            person_ids.update(getattr(r, col) for r in rows if getattr(r, col) is not None)
    persons = session.scalars(
        select(Person).where(Person.id.in_(sorted(person_ids))).order_by(Person.id)
    ).all()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "case": _row(case),
        "persons": [_row(p) for p in persons],
    }
    for key in sorted(collections):
        doc[key] = collections[key]
    services.record_access(session, case.id, AuditAction.EKSPORTERET)
    return doc


def export_json(doc: dict[str, Any]) -> str:
    """The document as text: UTF-8 friendly (no escaped æøå), indented, keys sorted."""
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)


# -- the JSON Schema ------------------------------------------------------------------


def _docstring(cls: type) -> str:
    text = (cls.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(text.split())


def _json_kind(cls: type[Synced], key: str) -> str:
    """ "object" or "array" for a JSON column, from its ``Mapped[...]`` annotation."""
    hints = typing.get_type_hints(cls)
    inner = typing.get_args(hints[key])[0]
    return "array" if typing.get_origin(inner) is list else "object"


def _column_schema(cls: type[Synced], col: Column[Any], *, in_case: bool) -> dict[str, Any]:
    nullable = bool(col.nullable) and not col.primary_key
    if in_case and col.key == "case_id":
        nullable = False  # every row of a case carries the case's id
    kind = col.type
    schema: dict[str, Any]
    if isinstance(kind, SAEnum):  # before String: an Enum is a String
        codes: list[Any] = list(kind.enums)
        schema = {"type": "string", "enum": [*codes, None] if nullable else codes}
    elif isinstance(kind, UTCDateTime):
        schema = {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}
    elif isinstance(kind, Date):
        schema = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    elif isinstance(kind, String):
        schema = {"type": "string"}
        if kind.length:
            schema["maxLength"] = kind.length
        if col.primary_key or (col.key == "case_id" and in_case):
            schema["minLength"] = 1
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer):
        # The range of SQL INTEGER, so every valid document also fits the central store.
        schema = {"type": "integer", "minimum": 0 if col.key == "rev" else -(2**31)}
        schema["maximum"] = 2**31 - 1
    elif isinstance(kind, Float):
        schema = {"type": "number"}
    elif isinstance(kind, JSON):
        schema = {"type": _json_kind(cls, col.key)}
    else:  # pragma: no cover - a new column type needs a mapping here
        raise TypeError(f"no JSON Schema mapping for {cls.__name__}.{col.key}: {kind!r}")
    if nullable:
        schema["type"] = [schema["type"], "null"]
    added = ADDED_COLUMNS.get((cls.__tablename__, col.key))  # type: ignore[attr-defined]
    if col.key in _META_DESCRIPTIONS:
        schema["description"] = _META_DESCRIPTIONS[col.key]
    elif added is not None:
        schema["description"] = (
            f"Added with vault migration {added[0]}: a file written before it leaves the key "
            f"out, and the row then gets {json.dumps(added[1])}."
        )
    else:
        target = _fk_target(col)
        if target:
            schema["description"] = f"Id of a {target} row in this document (or the vault)."
    return schema


def _table_schema(cls: type[Synced], *, in_case: bool) -> dict[str, Any]:
    cols = sorted(_columns(cls), key=lambda c: c.key)
    name = cls.__tablename__  # type: ignore[attr-defined]
    return {
        "title": name,
        "description": _docstring(cls),
        "type": "object",
        "additionalProperties": False,
        "required": [c.key for c in cols if (name, c.key) not in ADDED_COLUMNS],
        "properties": {c.key: _column_schema(cls, c, in_case=in_case) for c in cols},
    }


def case_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a case document, built from the vault's tables."""
    defs: dict[str, Any] = {
        Person.__tablename__: _table_schema(Person, in_case=False),
        Case.__tablename__: _table_schema(Case, in_case=True),
    }
    properties: dict[str, Any] = {
        "format": {"const": FORMAT, "description": "Always 'feltmappe-case'."},
        "version": {"const": VERSION, "description": "Version of the format."},
        "case": {"$ref": f"#/$defs/{Case.__tablename__}"},
        "persons": {
            "type": "array",
            "description": "Every person the case refers to (child, parties, relations, raters).",
            "items": {"$ref": f"#/$defs/{Person.__tablename__}"},
        },
    }
    optional: set[str] = set()
    for key, cls in _collections():
        name = cls.__tablename__  # type: ignore[attr-defined]
        defs[name] = _table_schema(cls, in_case=True)
        if name in ADDED_TABLES:
            optional.add(key)
        properties[key] = {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}
        if name in ADDED_TABLES:
            properties[key]["description"] = (
                f"Added with vault migration {ADDED_TABLES[name]}: a file written before it "
                "leaves the key out, and the case then has none."
            )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Feltmappe case document",
        "description": (
            "One whole case with all its rows (deleted ones as tombstones) and the persons it "
            "refers to. See docs/case-format.md."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": sorted(set(properties) - optional),
        "properties": dict(sorted(properties.items())),
        "$defs": dict(sorted(defs.items())),
    }


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_schema() -> dict[str, Any]:
    """The committed schema file shipped in ``resources/schemas``."""
    text = files("resources.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


def _is_datetime(value: object) -> bool:
    if isinstance(value, str) and datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("no time zone")
    return True


@functools.cache
def _validator() -> Draft202012Validator:
    # Our own format checks: jsonschema checks "date-time" only with an optional extra package.
    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_datetime)
    return Draft202012Validator(load_schema(), format_checker=checker)


# -- problems in Danish ---------------------------------------------------------------

Problem = tuple[str, str]

_TYPE_NAMES = {
    "string": "tekst",
    "integer": "et heltal",
    "number": "et tal",
    "boolean": "true eller false",
    "object": "et objekt",
    "array": "en liste",
    "null": "tom (null)",
}

# When one value breaks several rules, the most telling one is reported.
_PRIORITY = ("type", "required", "additionalProperties", "enum", "const", "format", "pattern")


def _pointer(path: Iterable[str | int]) -> str:
    """A JSON Pointer (RFC 6901), e.g. ``/journal_notes/3/finalised_at``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _show(value: object, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _schema_problems(error: SchemaError) -> list[Problem]:
    path = list(error.absolute_path)
    kind: Any = error.validator
    want: Any = error.validator_value
    value: Any = error.instance
    if kind == "required" and isinstance(value, dict):
        return [(_pointer([*path, k]), f"mangler feltet '{k}'") for k in want if k not in value]
    if kind == "additionalProperties" and isinstance(value, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [(_pointer([*path, k]), f"ukendt felt '{k}'") for k in value if k not in known]
    where = _pointer(path)
    if kind == "type":
        names = [want] if isinstance(want, str) else list(want)
        return [(where, "skal være " + " eller ".join(_TYPE_NAMES.get(n, n) for n in names))]
    if kind == "enum":
        return [(where, f"ukendt værdi '{_show(value)}'")]
    if kind == "const":
        return [(where, f"skal være '{_show(want)}'")]
    if kind in ("format", "pattern"):
        fmt = error.schema.get("format") if isinstance(error.schema, dict) else None
        if fmt == "date-time":
            return [
                (
                    where,
                    f"ugyldigt tidspunkt '{_show(value)}' (skal være ISO 8601 med tidszone, "
                    "fx 2024-03-01T09:30:00+00:00)",
                )
            ]
        if fmt == "date":
            return [(where, f"ugyldig dato '{_show(value)}' (skal være ÅÅÅÅ-MM-DD)")]
        return [(where, "har et ugyldigt format")]
    if kind == "maxLength":
        return [(where, f"er for lang (højst {want} tegn)")]
    if kind == "minLength":
        return [(where, "må ikke være tom")]
    if kind == "minimum":
        return [(where, f"skal være mindst {want}")]
    if kind == "maximum":
        return [(where, f"må højst være {want}")]
    return [(where, "ugyldig værdi")]


def _path_key(pointer: str) -> tuple[tuple[int, int | str], ...]:
    # Numeric parts sort as numbers, so /notes/10 comes after /notes/9.
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in pointer.split("/")[1:])


def _validate_schema(doc: dict[str, Any]) -> list[Problem]:
    best: dict[str, tuple[int, str]] = {}
    for n, error in enumerate(_validator().iter_errors(doc)):
        if n >= 1000:
            break
        rank = _PRIORITY.index(error.validator) if error.validator in _PRIORITY else 99
        for where, message in _schema_problems(error):
            if where not in best or rank < best[where][0]:
                best[where] = (rank, message)
    return [(where, message) for where, (_, message) in best.items()]


def _fail(problems: Sequence[Problem]) -> ImportFailed:
    ordered = sorted(problems, key=lambda p: _path_key(p[0]))  # file order (keys are sorted)
    return ImportFailed(problems=ordered[:MAX_PROBLEMS], total=len(problems))


# -- import ---------------------------------------------------------------------------


def parse_json(text: str) -> dict[str, Any]:
    """The JSON object in ``text``; invalid JSON raises ``ImportFailed`` naming line and column."""

    def no_constant(name: str) -> Any:
        raise ImportFailed(problems=[("", f"ugyldig talværdi '{name}' (ikke tilladt i JSON)")])

    try:
        doc = json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        reason = next(
            (da for en, da in _JSON_ERRORS if exc.msg.startswith(en)), "ugyldig JSON-syntaks"
        )
        where = f"linje {exc.lineno}, kolonne {exc.colno}"
        raise ImportFailed(problems=[("", f"ugyldig JSON i {where}: {reason}")]) from None
    except ValueError:  # a number too long to read (Python's int digit limit)
        raise ImportFailed(problems=[("", "filen indeholder et tal, der er for langt")]) from None
    except RecursionError:
        raise ImportFailed(problems=[("", "filen er for dybt indlejret")]) from None
    if not isinstance(doc, dict):
        raise ImportFailed(problems=[("", _NOT_OBJECT)])
    return doc


_NOT_OBJECT = "filen skal indeholde ét JSON-objekt (en Feltmappe-sagsfil)"
_JSON_ERRORS = (
    ("Expecting value", "forventede en værdi"),
    ("Expecting property name", "forventede et feltnavn i dobbelte anførselstegn"),
    ("Expecting ',' delimiter", "forventede et komma"),
    ("Expecting ':' delimiter", "forventede et kolon"),
    ("Unterminated string", "tekst uden afsluttende anførselstegn"),
    ("Invalid control character", "ugyldigt kontroltegn i tekst"),
    ("Invalid \\escape", "ugyldig escape-sekvens i tekst"),
    ("Invalid \\uXXXX escape", "ugyldig \\u-escape i tekst"),
    ("Extra data", "ekstra indhold efter JSON-objektet"),
)


def _check_header(doc: object) -> list[Problem]:
    if not isinstance(doc, dict):
        return [("", _NOT_OBJECT)]
    if "format" not in doc:
        return [("/format", "mangler feltet 'format'; filen er ikke en Feltmappe-sagsfil")]
    if doc["format"] != FORMAT:
        return [("/format", f"filen er ikke en Feltmappe-sagsfil (forventede '{FORMAT}')")]
    version = doc.get("version")
    if "version" not in doc:
        return [("/version", "mangler feltet 'version'")]
    if not isinstance(version, int) or isinstance(version, bool):
        return [("/version", "skal være et heltal")]
    if version != VERSION:
        return [
            (
                "/version",
                f"version {version} af formatet kendes ikke; "
                f"denne udgave af Feltmappe læser version {VERSION}",
            )
        ]
    return []


def _with_added_columns(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with the keys of ``ADDED_COLUMNS`` a file written before their migration lacks
    filled in with the value such a row has in the vault (the rows that lack them are copied;
    ``doc`` itself is not changed), and the collections of ``ADDED_TABLES`` it lacks empty. The schema has been checked: every row is an object."""
    tables = {cls.__tablename__: key for key, cls in _collections()}  # type: ignore[attr-defined]
    out = dict(doc)
    for table, key in tables.items():
        if table in ADDED_TABLES and key not in out:
            out[key] = []
    doc = out
    for table, key in tables.items():
        added = {c: v for (t, c), (_, v) in ADDED_COLUMNS.items() if t == table}
        if not added or not any(c not in row for row in doc[key] for c in added):
            continue
        out[key] = [
            {**{c: copy.deepcopy(v) for c, v in added.items() if c not in row}, **row}
            for row in doc[key]
        ]
    return out


def to_python(col: Column[Any], value: Any) -> Any:
    """A JSON value (already schema-checked) as the column's Python value."""
    if value is None:
        return None
    kind = col.type
    if isinstance(kind, SAEnum):
        enum_class: type[enum.Enum] | None = kind.enum_class
        return enum_class(value) if enum_class else value
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value).astimezone(UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Integer) and not isinstance(kind, Boolean):
        return int(value)
    return value


def _values(cls: type[Synced], row: dict[str, Any]) -> dict[str, Any]:
    return {c.key: to_python(c, row[c.key]) for c in _columns(cls)}


def _existing_ids(session: Session, cls: type[Synced], ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(session.scalars(select(cls.id).where(cls.id.in_(chunk))))
    return found


def _ordered(rows: list[dict[str, Any]], self_refs: list[str]) -> tuple[list[int], list[int]]:
    """Row indexes with the rows they point at (same table, e.g. a corrected note) first, in
    document order otherwise; and the indexes caught in a ring of references (not insertable)."""
    index: dict[str, int] = {}
    for i, row in enumerate(rows):
        index.setdefault(row["id"], i)
    waits: list[set[int]] = [set() for _ in rows]
    users: list[set[int]] = [set() for _ in rows]
    for i, row in enumerate(rows):
        for col in self_refs:
            j = index.get(row[col])
            if j is not None and j != i:
                waits[i].add(j)
                users[j].add(i)
    ready = [i for i, w in enumerate(waits) if not w]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            waits[u].discard(i)
            if not waits[u]:
                heapq.heappush(ready, u)
    return order, [i for i, w in enumerate(waits) if w]


class _Plan:
    """What an import will add, once every check has passed."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.persons: list[dict[str, Any]] = []
        self.tables: list[tuple[type[Synced], list[dict[str, Any]]]] = []

    def problem(self, path: Sequence[str | int], message: str) -> None:
        self.problems.append((_pointer(path), message))


def _check_persons(session: Session, doc: dict[str, Any], plan: _Plan) -> set[str]:
    """Persons of the document: new ones to add, known ones reused if identical."""
    rows: list[dict[str, Any]] = doc["persons"]
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row["id"] in seen:
            plan.problem(["persons", i, "id"], f"id'et '{row['id']}' findes flere gange i filen")
        seen.add(row["id"])
    known = {p.id: p for p in _vault_rows(session, Person, sorted(seen))}
    for i, row in enumerate(rows):
        existing = known.get(row["id"])
        if existing is None:
            plan.persons.append(row)
            continue
        # Compared as values, so "Z" and "+00:00" are the same time; sync metadata may differ.
        given = _values(Person, row)
        differ = sorted(
            k for k in given if k not in META_FIELDS and given[k] != getattr(existing, k)
        )
        if differ:
            plan.problem(
                ["persons", i],
                "personen findes allerede i Feltmappe med andre oplysninger "
                f"(felterne {', '.join(differ)})",
            )
    return seen


def _vault_rows(session: Session, cls: type[Person], ids: Sequence[str]) -> list[Person]:
    found: list[Person] = []
    for start in range(0, len(ids), 500):
        found.extend(session.scalars(select(cls).where(cls.id.in_(ids[start : start + 500]))))
    return found


def _check_case(session: Session, case: dict[str, Any], plan: _Plan) -> None:
    if case["case_id"] != case["id"]:
        plan.problem(["case", "case_id"], "skal være lig med sagens id")
    if session.get(Case, case["id"]) is not None:
        plan.problem(["case", "id"], "sagen findes allerede i Feltmappe")
    other = session.scalar(select(Case.id).where(Case.case_number == case["case_number"]))
    if other is not None and other != case["id"]:
        plan.problem(
            ["case", "case_number"],
            f"der findes allerede en sag med sagsnummeret '{case['case_number']}' i Feltmappe",
        )


def _check_rows(session: Session, doc: dict[str, Any], person_ids: set[str], plan: _Plan) -> None:
    case_id = doc["case"]["id"]
    ids: dict[str, set[str]] = {Case.__tablename__: {case_id}}
    for key, cls in _collections():
        ids[cls.__tablename__] = {r["id"] for r in doc[key]}  # type: ignore[attr-defined]
    person_refs: list[tuple[list[str | int], str]] = []
    tables: list[tuple[str, type[Synced], list[dict[str, Any]], list[str | int]]] = [
        ("case", Case, [doc["case"]], ["case"])
    ]
    tables += [(key, cls, doc[key], [key]) for key, cls in _collections()]
    for key, cls, rows, base in tables:
        name = cls.__tablename__  # type: ignore[attr-defined]
        seen: set[str] = set()
        for i, row in enumerate(rows):
            at: list[str | int] = base if key == "case" else [*base, i]
            if row["id"] in seen:
                plan.problem([*at, "id"], f"id'et '{row['id']}' findes flere gange i filen")
            seen.add(row["id"])
            if key != "case" and row["case_id"] != case_id:
                plan.problem([*at, "case_id"], f"hører ikke til sagen (skal være '{case_id}')")
            for col in _columns(cls):
                target, ref = _fk_target(col), row[col.key]
                if target is None or ref is None:
                    continue
                if target == Person.__tablename__:
                    if ref not in person_ids:
                        person_refs.append(([*at, col.key], ref))
                elif ref not in ids.get(target, set()):
                    plan.problem(
                        [*at, col.key], f"henviser til '{_show(ref)}', som ikke findes i filen"
                    )
        if key != "case":
            clash = _existing_ids(session, cls, sorted(seen))
            for i, row in enumerate(rows):
                if row["id"] in clash:
                    plan.problem(
                        [key, i, "id"],
                        f"en post med id'et '{row['id']}' findes allerede i Feltmappe",
                    )
            self_refs = [c.key for c in _columns(cls) if _fk_target(c) == name]
            order, ring = _ordered(rows, self_refs)
            for i in ring:
                plan.problem([key, i], "henvisningerne mellem posterne danner en ring")
            plan.tables.append((cls, [rows[i] for i in order]))
    if person_refs:
        in_vault = {p.id for p in _vault_rows(session, Person, sorted({r for _, r in person_refs}))}
        for at, ref in person_refs:
            if ref not in in_vault:
                plan.problem(
                    at, f"personen '{_show(ref)}' findes hverken i filen eller i Feltmappe"
                )


def _check_dates(doc: dict[str, Any], plan: _Plan) -> None:
    """The dates the vault refuses when a row is saved (models/validation.py), named here
    before anything is written: one that says something has happened lies in the future, or
    a date lies before the one it follows. Every other date may lie in the future."""
    now = utcnow() + CLOCK_GRACE
    tables: list[tuple[str, type[Synced]]] = [("persons", Person), *_collections()]
    for key, cls in tables:
        name = cls.__tablename__  # type: ignore[attr-defined]
        for i, row in enumerate(doc[key]):
            problem = date_problem(cls(**_values(cls, row)), now)
            if problem is None:
                continue
            code, field = problem
            if code == FUTURE_DATE:
                plan.problem([key, i, field], "ligger i fremtiden")
            else:
                plan.problem([key, i, field], f"ligger før '{NOT_BEFORE[(name, field)]}'")


def import_case(session: Session, doc: Any) -> str:
    """Add the case in ``doc`` to the vault and return its id. Everything is checked before
    anything is added; on any problem ``ImportFailed(problems=[(path, Danish text), …])`` is
    raised and nothing is added. Rows keep their ids and sync metadata; the tracker writes the
    outbox entries and "importeret" events (it runs with ``preserve_meta``)."""
    problems = _check_header(doc)
    if problems:
        raise _fail(problems)
    problems = _validate_schema(doc)
    if problems:
        raise _fail(problems)
    doc = _with_added_columns(doc)
    plan = _Plan()
    _check_case(session, doc["case"], plan)
    if plan.problems:  # the case is already here: its rows would only repeat that
        raise _fail(plan.problems)
    person_ids = _check_persons(session, doc, plan)
    _check_rows(session, doc, person_ids, plan)
    _check_dates(doc, plan)
    if plan.problems:
        raise _fail(plan.problems)

    previous = session.info.get("preserve_meta")
    session.info["preserve_meta"] = True
    try:
        # One flush per table, referenced tables first: the vault checks foreign keys at once.
        steps: list[tuple[type[Synced], list[dict[str, Any]]]] = [
            (Person, plan.persons),
            (Case, [doc["case"]]),
            *plan.tables,
        ]
        for cls, rows in steps:
            session.add_all(cls(**_values(cls, row)) for row in rows)
            session.flush()
    finally:
        if previous is None:
            session.info.pop("preserve_meta", None)
        else:
            session.info["preserve_meta"] = previous
    case_id: str = doc["case"]["id"]
    return case_id


# -- python -m models.exchange --write-schema -------------------------------------------


def _schema_path() -> Path:
    return Path(str(files("resources.schemas").joinpath(SCHEMA_FILE)))


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m models.exchange")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write-schema", action="store_true", help="write " + SCHEMA_FILE)
    group.add_argument("--check-schema", action="store_true", help="exit 1 if it is stale")
    args = parser.parse_args(argv)
    text, path = schema_text(case_schema()), _schema_path()
    if args.write_schema:
        path.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {path}\n")
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != text:
        sys.stdout.write(f"{path} is stale; run python -m models.exchange --write-schema\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
