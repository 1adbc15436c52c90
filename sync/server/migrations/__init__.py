"""Versioned schema migrations of the central store (Alembic). ``upgrade`` runs on a connection
the store (or a test) hands in. The store keeps its revision in its own version table,
``store_version``, so it can never be mistaken for a vault's ``alembic_version``."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

SCRIPT_LOCATION = "sync.server:migrations"
VERSION_TABLE = "store_version"


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def is_known(revision: str) -> bool:
    """Whether this version of the store knows ``revision`` (a newer store may have written it)."""
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(conn: Connection, revision: str = "head") -> None:
    command.upgrade(_config(conn), revision)


def downgrade(conn: Connection, revision: str) -> None:
    command.downgrade(_config(conn), revision)
