"""Sync with the central store: the outbox keeps a rejected entry (with the server's reason)
instead of dropping it; conflicts found by the server are kept until a person chooses; and the
sync may remove a case that is no longer assigned, finalised notes included.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: While this local setting names a case, the finalised notes of that case may be deleted:
#: the sync removes a case from the laptop when its assignment has ended.
REMOVING_KEY = "sync.removing_case"
#: While this local setting is present, the sync is storing the central store's version of rows:
#: a finalised note then takes the store's version (two laptops may have finalised it at once).
APPLYING_KEY = "sync.applying"
# The columns the update trigger of 0002 protects.
_NOTE_FIELDS = (
    "id",
    "case_id",
    "title",
    "body",
    "author",
    "written_at",
    "finalised_at",
    "corrects_id",
    "deleted_at",
    "updated_by",
)


def _note_update_trigger(exception: str) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _NOTE_FIELDS)
    return (
        "CREATE TRIGGER journal_note_finalised_no_update BEFORE UPDATE ON journal_note "
        f"WHEN OLD.finalised_at IS NOT NULL AND ({changed}){exception} "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: finalised journal note is immutable'); END"
    )


def upgrade() -> None:
    with op.batch_alter_table("change_entry") as batch:
        batch.add_column(
            sa.Column("status", sa.String(10), nullable=False, server_default="pending")
        )
        batch.add_column(sa.Column("reason", sa.String(80), nullable=False, server_default=""))
    op.create_index("ix_change_entry_status_seq", "change_entry", ["status", "seq"])
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), index=True),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(80), nullable=False),
        sa.Column("base_value", sa.JSON),
        sa.Column("server_value", sa.JSON),
        sa.Column("client_value", sa.JSON),
        sa.Column("client_user", sa.String(80), nullable=False),
        sa.Column("server_user", sa.String(80), nullable=False),
        sa.Column("detected_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("resolution", sa.String(10)),
        sa.Column("resolved_by", sa.String(80)),
    )
    op.execute("DROP TRIGGER IF EXISTS journal_note_no_delete")
    op.execute(
        "CREATE TRIGGER journal_note_no_delete BEFORE DELETE ON journal_note "
        "WHEN OLD.finalised_at IS NOT NULL AND OLD.case_id IS NOT "
        f"(SELECT value FROM local_setting WHERE key = '{REMOVING_KEY}') "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: finalised journal note is immutable'); END"
    )
    op.execute("DROP TRIGGER IF EXISTS journal_note_finalised_no_update")
    op.execute(
        _note_update_trigger(
            f" AND (SELECT value FROM local_setting WHERE key = '{APPLYING_KEY}') IS NULL"
        )
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS journal_note_finalised_no_update")
    op.execute(_note_update_trigger(""))
    op.execute("DROP TRIGGER IF EXISTS journal_note_no_delete")
    op.execute(
        "CREATE TRIGGER journal_note_no_delete BEFORE DELETE ON journal_note "
        "WHEN OLD.finalised_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: finalised journal note is immutable'); END"
    )
    op.drop_table("sync_conflict")
    op.drop_index("ix_change_entry_status_seq", "change_entry")
    with op.batch_alter_table("change_entry") as batch:
        batch.drop_column("reason")
        batch.drop_column("status")
