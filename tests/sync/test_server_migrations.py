"""The central store's migrations: on SQLite and on PostgreSQL they build exactly the tables of
``sync.server.tables`` (no drift), seed the sequence counter, are idempotent at head, and
downgrade to an empty database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from sync.server import migrations
from sync.server.tables import Base

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
