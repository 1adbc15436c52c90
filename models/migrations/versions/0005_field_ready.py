"""Field-ready desktop: a journal note has a type (samtale, telefon, møde …); a deadline can be
marked met by pointing at the row that met it; and every editor's unsaved text is kept as a
draft inside the encrypted vault until it is saved or discarded.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPLYING_KEY = "sync.applying"
# The columns the finalised-note trigger protects (0004's, and the note type).
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


def _note_update_trigger(fields: tuple[str, ...]) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in fields)
    return (
        "CREATE TRIGGER journal_note_finalised_no_update BEFORE UPDATE ON journal_note "
        f"WHEN OLD.finalised_at IS NOT NULL AND ({changed}) "
        f"AND (SELECT value FROM local_setting WHERE key = '{APPLYING_KEY}') IS NULL "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: finalised journal note is immutable'); END"
    )


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy), so the note's triggers and indexes stay as they are.
    op.add_column(
        "journal_note", sa.Column("kind", sa.String(40), nullable=False, server_default="notat")
    )
    op.add_column("deadline_ack", sa.Column("met_by_table", sa.String(40)))
    op.add_column("deadline_ack", sa.Column("met_by_id", sa.String(36)))
    op.create_table(
        "draft",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(36), index=True),
        sa.Column("editor", sa.String(40), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )
    op.execute("DROP TRIGGER IF EXISTS journal_note_finalised_no_update")
    op.execute(_note_update_trigger((*_NOTE_FIELDS, "kind")))


def downgrade() -> None:
    op.drop_table("draft")
    op.drop_column("deadline_ack", "met_by_id")
    op.drop_column("deadline_ack", "met_by_table")
    op.execute("DROP TRIGGER IF EXISTS journal_note_finalised_no_update")
    op.drop_column("journal_note", "kind")
    op.execute(_note_update_trigger(_NOTE_FIELDS))
