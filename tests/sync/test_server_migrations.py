"""The central store's migrations: on SQLite and on PostgreSQL they build exactly the tables of
``sync.server.tables`` (no drift), seed the sequence counter, are idempotent at head, and
downgrade to an empty database; documents stored before a vault column existed get its
default."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, insert, inspect, select, text
from sqlalchemy.engine import make_url

from sync import protocol as p
from sync.client import wire
from sync.server import migrations
from sync.server.tables import Base, Record

PG_URL_ENV = "FELTMAPPE_TEST_PG_URL"


def _sqlalchemy_pg_url(raw: str) -> str:
    url = make_url(raw)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """An engine whose connections all see only a fresh, randomly named schema (dropped after)."""
    raw = os.environ.get(PG_URL_ENV)
    if not raw:
        pytest.skip(f"{PG_URL_ENV} is not set")
    url = _sqlalchemy_pg_url(raw)
    schema = f"test_store_{uuid.uuid4().hex}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # The search path is set at connect time, so that the dialect's default schema (read once
        # on first connect) and reflection both see the fresh schema, never ``public``.
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT current_schema()")).scalar_one() == schema
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def _drift(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrations.VERSION_TABLE})
        return list(compare_metadata(context, Base.metadata))


def _check_upgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        assert migrations.current_revision(conn) is None
        migrations.upgrade(conn)
    with engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.head_revision()
    assert _drift(engine) == []
    assert set(inspect(engine).get_table_names()) == {
        *Base.metadata.tables,
        migrations.VERSION_TABLE,
    }
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, value FROM counter")).all()
    assert [tuple(r) for r in rows] == [("seq", 0)]

    # A second upgrade at head changes nothing.
    with engine.begin() as conn:
        migrations.upgrade(conn)
    with engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.head_revision()
        rows = conn.execute(text("SELECT name, value FROM counter")).all()
    assert [tuple(r) for r in rows] == [("seq", 0)]
    assert _drift(engine) == []


def _check_downgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        migrations.upgrade(conn)
    with engine.begin() as conn:
        migrations.downgrade(conn, "base")
    assert inspect(engine).get_table_names() == [migrations.VERSION_TABLE]
    with engine.connect() as conn:
        assert migrations.current_revision(conn) is None
    # And back up again, cleanly.
    with engine.begin() as conn:
        migrations.upgrade(conn)
    assert _drift(engine) == []


def test_head_is_known() -> None:
    head = migrations.head_revision()
    assert migrations.is_known(head)
    assert not migrations.is_known("ffffffffffff")


def test_version_table_is_not_the_vaults(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        migrations.upgrade(conn)
    assert "alembic_version" not in inspect(sqlite_engine).get_table_names()


def test_sqlite_upgrade_matches_tables(sqlite_engine: Engine) -> None:
    _check_upgrade(sqlite_engine)


def test_sqlite_downgrade_to_base(sqlite_engine: Engine) -> None:
    _check_downgrade(sqlite_engine)


@pytest.mark.pg
def test_pg_upgrade_matches_tables(pg_engine: Engine) -> None:
    _check_upgrade(pg_engine)


@pytest.mark.pg
def test_pg_downgrade_to_base(pg_engine: Engine) -> None:
    _check_downgrade(pg_engine)


def _record(row_id: str, table: str, data: dict[str, Any], seq: int) -> dict[str, Any]:
    text_ = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return {
        "id": row_id,
        "table_name": table,
        "case_id": "c1",
        "rev": 1,
        "seq": seq,
        "data": text_,
        "size": len(text_),
        "owner": "u1",
        "changed_at": datetime(2026, 12, 1, 9, 0),
    }


def _old_meeting(row_id: str) -> dict[str, Any]:
    """A meeting document as the store kept it before vault 0008 (no form answers)."""
    data = {key: p.default_value(col) for key, col in p.columns("meeting").items()}
    data.update(
        id=row_id,
        case_id="c1",
        rev=1,
        kind="hjemmebesoeg",
        held_at="2026-12-01T09:00:00+00:00",
        notes="Ryddeligt hjem, æbler på bordet.",
        updated_at="2026-12-01T09:00:00+00:00",
        updated_by="anna",
    )
    for key in ("form_id", "form_version", "answers"):
        del data[key]
    return data


def _check_document_defaults(engine: Engine) -> None:
    """Store 0003: documents from before vault 0008 (meetings) and 0006 (undersøgelser) get the
    new columns' defaults, so a laptop of this version takes them instead of quarantining them;
    documents that have the keys, and other tables, are left exactly as they were."""
    old = _old_meeting("m-old")
    answered = {**_old_meeting("m-new"), "form_id": "hjemmebesoeg", "form_version": 1}
    answered["answers"] = {"holdt": {"value": True}}
    assessment = {"id": "a1", "aware_on": "2026-11-01", "no_home_visit_reason": "Flyttet"}
    note = {"id": "n1", "body": "Uændret"}
    records = [
        _record("m-old", "meeting", old, 1),
        _record("m-new", "meeting", answered, 2),
        _record("a1", "assessment", assessment, 3),
        _record("n1", "journal_note", note, 4),
    ]
    assert "answers" in wire.row_problems("meeting", {"id": "m-old", "rev": 1, "data": old})
    with engine.begin() as conn:
        migrations.upgrade(conn, "0002")
        conn.execute(insert(Record), records)
    with engine.begin() as conn:
        migrations.upgrade(conn)

    def stored() -> dict[str, tuple[dict[str, Any], int | None, int, int]]:
        with engine.connect() as conn:
            rows = conn.execute(select(Record.id, Record.data, Record.size, Record.rev, Record.seq))
            return {r[0]: (json.loads(r[1]), r[2], r[3], r[4]) for r in rows}

    after = stored()
    data, size, rev, seq = after["m-old"]
    assert data == {**old, "form_id": None, "form_version": None, "answers": {}}
    assert size == len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    assert (rev, seq) == (1, 1)
    assert "æbler" in next(r["data"] for r in _raw(engine) if r["id"] == "m-old")
    assert wire.row_problems("meeting", {"id": "m-old", "rev": 1, "data": data}) == []
    assert after["m-new"][0] == answered
    assert after["a1"][0] == {**assessment, "is_simple": False}
    assert after["n1"][0] == note
    untouched = {r["id"]: r["data"] for r in records if r["id"] in ("m-new", "n1")}
    assert {r["id"]: r["data"] for r in _raw(engine) if r["id"] in untouched} == untouched

    # Going back keeps the documents as they are; up again changes nothing.
    with engine.begin() as conn:
        migrations.downgrade(conn, "0002")
    assert stored() == after
    with engine.begin() as conn:
        migrations.upgrade(conn)
    assert stored() == after


def _raw(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(Record.id, Record.data))]


def test_sqlite_old_documents_get_the_new_columns_defaults(sqlite_engine: Engine) -> None:
    _check_document_defaults(sqlite_engine)


@pytest.mark.pg
def test_pg_old_documents_get_the_new_columns_defaults(pg_engine: Engine) -> None:
    _check_document_defaults(pg_engine)
