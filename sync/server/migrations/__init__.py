"""Versioned schema migrations of the central store (Alembic). ``upgrade`` runs on a connection
the store (or a test) hands in. The store keeps its revision in its own version table,
``store_version``, so it can never be mistaken for a vault's ``alembic_version``."""

from __future__ import annotations

from sqlalchemy import Connection

from models.migrations import Scripts

SCRIPT_LOCATION = "sync.server:migrations"
VERSION_TABLE = "store_version"

STORE = Scripts(SCRIPT_LOCATION, VERSION_TABLE)


def head_revision() -> str:
    return STORE.head


def is_known(revision: str) -> bool:
    return STORE.is_known(revision)


def current_revision(conn: Connection) -> str | None:
    return STORE.current_revision(conn)


def upgrade(conn: Connection, revision: str = "head") -> None:
    STORE.upgrade(conn, revision)


def downgrade(conn: Connection, revision: str) -> None:
    STORE.downgrade(conn, revision)
