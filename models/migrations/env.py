"""Alembic environment: always runs on the connection the vault (or a test) hands in."""

from __future__ import annotations

from alembic import context

from models.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline SQL generation is not used
    raise RuntimeError("Feltmappe migrations run only on a connection given by the vault")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
