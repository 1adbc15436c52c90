"""Versioned schema migrations of the vault (Alembic). ``upgrade`` runs on a connection inside
the caller's transaction; the vault takes a backup copy before it runs a migration.

``Scripts`` is the one wrapper around an Alembic script folder; the central store's migrations
(``sync/server/migrations``) use it too, with their own version table."""

from __future__ import annotations

from functools import cached_property

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

SCRIPT_LOCATION = "models:migrations"


class Scripts:
    """An Alembic script folder, run on connections handed in by the caller."""

    def __init__(self, location: str, version_table: str = "alembic_version") -> None:
        self.location = location
        self.version_table = version_table

    def config(self, conn: Connection | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", self.location)
        if conn is not None:
            cfg.attributes["connection"] = conn
        return cfg

    @cached_property
    def head(self) -> str:
        head = ScriptDirectory.from_config(self.config()).get_current_head()
        assert head is not None
        return head

    def is_known(self, revision: str) -> bool:
        """Whether this version knows ``revision`` (a newer version may have written it)."""
        try:
            return ScriptDirectory.from_config(self.config()).get_revision(revision) is not None
        except CommandError:
            return False

    def current_revision(self, conn: Connection) -> str | None:
        context = MigrationContext.configure(conn, opts={"version_table": self.version_table})
        return context.get_current_revision()

    def upgrade(self, conn: Connection, revision: str = "head") -> None:
        command.upgrade(self.config(conn), revision)

    def downgrade(self, conn: Connection, revision: str) -> None:
        command.downgrade(self.config(conn), revision)


VAULT = Scripts(SCRIPT_LOCATION)


def head_revision() -> str:
    return VAULT.head


def is_known(revision: str) -> bool:
    return VAULT.is_known(revision)


def current_revision(conn: Connection) -> str | None:
    return VAULT.current_revision(conn)


def upgrade(conn: Connection, revision: str = "head") -> None:
    VAULT.upgrade(conn, revision)
