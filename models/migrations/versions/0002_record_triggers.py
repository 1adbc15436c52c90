"""Database-level protection of records: finalised journal notes and the audit log are
append-only, whatever code (or SQL) tries to change them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The server's revision counter (rev) may still be stamped on a finalised note by sync.
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
_AUDIT_FIELDS = ("id", "case_id", "at", "user", "device", "action", "entity", "entity_id")


def upgrade() -> None:
    op.create_index("ix_journal_note_case_written", "journal_note", ["case_id", "written_at"])
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _NOTE_FIELDS)
    op.execute(
        "CREATE TRIGGER journal_note_finalised_no_update BEFORE UPDATE ON journal_note "
        f"WHEN OLD.finalised_at IS NOT NULL AND ({changed}) "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: finalised journal note is immutable'); END"
    )
    op.execute(
        "CREATE TRIGGER journal_note_no_delete BEFORE DELETE ON journal_note "
        "WHEN OLD.finalised_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: finalised journal note is immutable'); END"
    )
    audit_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _AUDIT_FIELDS)
    op.execute(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        f"WHEN {audit_changed} "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'feltmappe: audit log is append-only'); END"
    )


def downgrade() -> None:
    op.drop_index("ix_journal_note_case_written", "journal_note")
    for name in (
        "journal_note_finalised_no_update",
        "journal_note_no_delete",
        "audit_event_no_update",
        "audit_event_no_delete",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
