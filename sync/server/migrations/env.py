"""Alembic environment: always runs on the connection the store (or a test) hands in."""

from __future__ import annotations

from alembic import context

from sync.server.migrations import VERSION_TABLE
from sync.server.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline SQL generation is not used
    raise RuntimeError("Central store migrations run only on a connection given by the store")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
