"""Loads the deadline engine's facts with a few Core queries: one per table, only the columns
the rules and the date check read, grouped by case in Python. A 5,000-case vault is read in
well under a second, where ORM objects per row took seconds (identity map, every column, the
JSON of form answers and meeting notes). The underretninger, undersøgelser and meetings are read
from covering indexes of exactly these columns (``models.schema``, vault 0010): their rows run
over several pages each (texts, form answers), and the id and case columns come last."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    Enum,
    Select,
    bindparam,
    select,
)
from sqlalchemy.orm import Session

from models.deadlines.types import (
    AckRecord,
    AgreementRecord,
    AssessmentRecord,
    CaseFacts,
    CaseRecord,
    ChildRecord,
    FollowUpRecord,
    InterventionRecord,
    MeetingRecord,
    NotificationRecord,
    PlanRecord,
)
from models.schema import (
    Agreement,
    Assessment,
    Case,
    DeadlineAck,
    FollowUp,
    Intervention,
    Meeting,
    Notification,
    Person,
    Plan,
    UTCDateTime,
)

#: CaseFacts field → (its table, the record its rows are read into).
PER_CASE: dict[str, tuple[type[Any], type[NamedTuple]]] = {
    "notifications": (Notification, NotificationRecord),
    "assessments": (Assessment, AssessmentRecord),
    "plans": (Plan, PlanRecord),
    "follow_ups": (FollowUp, FollowUpRecord),
    "meetings": (Meeting, MeetingRecord),
    "interventions": (Intervention, InterventionRecord),
    "agreements": (Agreement, AgreementRecord),
    "acks": (DeadlineAck, AckRecord),
}

#: The tables read from a covering index of the records' columns (vault 0010), in its order.
BY_ID = frozenset({"notifications", "assessments", "meetings"})

#: How many case ids go into one ``IN (…)`` (SQLite allows 32,766 parameters; PostgreSQL more).
CHUNK = 500


def _columns(cls: type[Any], record: type[NamedTuple]) -> list[ColumnElement[Any]]:
    """The record's fields as columns of ``cls``, in the record's order."""
    return [getattr(cls, name) for name in record._fields]


@cache
def _cases_query(by_ids: bool, by_user: bool) -> Select[Any]:
    query = select(*_columns(Case, CaseRecord), *_columns(Person, ChildRecord))
    query = query.join(Person, Person.id == Case.child_id).where(Case.deleted_at.is_(None))
    if by_ids:
        query = query.where(Case.id.in_(bindparam("ids", expanding=True)))
    if by_user:
        query = query.where(Case.assigned_to == bindparam("user"))
    return query.order_by(Case.case_number)


@cache
def _rows_query(name: str, by_ids: bool) -> Select[Any]:
    """The live rows of one table (of the cases in the parameter ``ids``); built once."""
    cls, record = PER_CASE[name]
    query = select(*_columns(cls, record)).where(cls.deleted_at.is_(None))
    if by_ids:
        query = query.where(cls.case_id.in_(bindparam("ids", expanding=True)))
    if name in BY_ID:
        # Read from the covering index (models.schema): in its order, whichever path reads it.
        query = query.order_by(cls.case_id, cls.id)
    return query


def load_facts(
    session: Session, case_ids: Sequence[str] | None = None, *, assigned_to: str | None = None
) -> list[CaseFacts]:
    """The facts of the given cases (default: every case not deleted; or those assigned to a
    user), ordered by case number. A case's underretninger, undersøgelser and meetings come
    by id (their covering index's order); its other rows keep the database's order, as the ORM
    returned them."""
    connection = session.connection()
    n_case = len(CaseRecord._fields)
    cases_query = _cases_query(case_ids is not None, assigned_to is not None)
    params: dict[str, Any] = {} if assigned_to is None else {"user": assigned_to}
    cases: list[tuple[CaseRecord, ChildRecord]] = []
    case_chunks = [None] if case_ids is None else _chunks(list(case_ids))
    for chunk in case_chunks:
        if chunk is not None:
            params["ids"] = chunk
        for row in connection.execute(cases_query, params).all():
            cases.append((CaseRecord._make(row[:n_case]), ChildRecord._make(row[n_case:])))
    if len(case_chunks) > 1:
        cases.sort(key=lambda pair: pair[0].case_number)
    grouped: dict[str, dict[str, list[Any]]] = {c.id: defaultdict(list) for c, _child in cases}
    # Every case: one scan per table, rows of deleted cases dropped below; else by case id.
    some = case_ids is not None or assigned_to is not None
    chunks = _chunks(sorted(grouped)) if some else [None]
    raw = not some and connection.dialect.name == "sqlite"
    for name, (_cls, record) in PER_CASE.items():
        make = record._make
        if raw:  # every case: the whole table, converted here (see _raw_rows)
            for row in _raw_rows(connection, name):
                rows = grouped.get(row[0])  # case_id, the first field of every record
                if rows is not None:
                    rows[name].append(make(row))
            continue
        query = _rows_query(name, some)
        for chunk in chunks:
            rows_params = {} if chunk is None else {"ids": chunk}
            for row in connection.execute(query, rows_params).all():
                rows = grouped.get(row[0])
                if rows is not None:
                    rows[name].append(make(row))
    return [
        CaseFacts(
            case=case_record,
            child=child,
            **{name: tuple(grouped[case_record.id][name]) for name in PER_CASE},
        )
        for case_record, child in cases
    ]


def _chunks(ids: list[str]) -> list[list[str] | None]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


# -- every case of a vault: the rows straight from SQLite ------------------------------------
# Over a 5,000-case vault (some 100,000 rows) SQLAlchemy's per-value result processing took
# longer than SQLite took to read the rows. For the whole-vault read the statement is run on the
# driver's cursor and each column converted by one C-level function chosen from its column type,
# giving the same values the ORM gives (tests/unit/test_deadline_facts.py compares the two).

Convert = Callable[[Any], Any]


def _utc_datetime(value: str) -> datetime:
    # SQLAlchemy's SQLite DATETIME text ("2026-11-25 12:00:00.000000"), naive UTC (UTCDateTime)
    return datetime.fromisoformat(value + "+00:00")


def _enum_member(members: dict[str, Any], enum_name: str) -> Convert:
    def member(value: str) -> Any:
        try:
            return members[value]
        except KeyError:  # as SQLAlchemy's Enum type does for a value it does not know
            raise LookupError(f"{value!r} is not among the defined values of {enum_name}") from None

    return member


def _converter(column: Column[Any]) -> Convert | None:
    """The function turning SQLite's value of ``column`` into the ORM's, or None if it is one."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _utc_datetime
    if isinstance(kind, Enum) and kind.enum_class is not None:
        members = {member.value: member for member in kind.enum_class}
        return _enum_member(members, kind.enum_class.__name__)
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, JSON):
        return json.loads
    return None


@cache
def _raw_statement(name: str) -> tuple[str, tuple[tuple[int, Convert], ...]]:
    """The SQLite text of the whole-table query of ``name`` (its few numbers inlined) and the
    converters of the columns that need one, by position."""
    from sqlalchemy.dialects import sqlite

    cls, record = PER_CASE[name]
    query = _rows_query(name, False)
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    table = cls.__table__
    converters = []
    for position, field_name in enumerate(record._fields):
        if (convert := _converter(table.c[field_name])) is not None:
            converters.append((position, convert))
    return sql, tuple(converters)


def _raw_rows(connection: Connection, name: str) -> Sequence[Any]:
    """The live rows of table ``name`` of every case, as the records' field values.
    Converted a column at a time (``map`` runs the converter in C; a row at a time in Python
    took longer than SQLite took to read the rows)."""
    sql, converters = _raw_statement(name)
    cursor = connection.exec_driver_sql(sql).cursor
    assert cursor is not None
    rows = cursor.fetchall()
    if not converters or not rows:
        return rows
    columns = list(zip(*rows, strict=True))
    for position, convert in converters:
        column = columns[position]
        if None in column:
            columns[position] = tuple(None if v is None else convert(v) for v in column)
        else:
            columns[position] = tuple(map(convert, column))
    return list(zip(*columns, strict=True))
