"""Covering indexes of the columns the deadline engine reads from the underretninger, the
undersøgelser and the meetings of every case (``models.deadlines.facts``), for the rows not
deleted. The rows themselves carry texts and form answers that run over several pages each, and
their id, case and tombstone columns come after them: reading a 5,000-case vault's rows to count
its deadlines read (and decrypted) some 75 MB; the indexes hold what is needed in about 2 MB.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: index -> (table, its columns), as models.schema declares them.
INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_notification_deadline_facts": (
        "notification",
        [
            "case_id",
            "id",
            "received_at",
            "notifier_kind",
            "concerns_abuse",
            "assessed_at",
            "outcome",
            "assessed_with_new_colleague",
            "receipt_sent_on",
            "feedback_sent_on",
        ],
    ),
    "ix_assessment_deadline_facts": (
        "assessment",
        [
            "case_id",
            "id",
            "aware_on",
            "started_on",
            "status",
            "no_home_visit_reason",
            "home_visit_on",
            "is_simple",
            "preliminary_on",
            "completed_on",
        ],
    ),
    "ix_meeting_deadline_facts": (
        "meeting",
        ["case_id", "id", "kind", "held_at", "child_alone"],
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, sqlite_where=sa.text("deleted_at IS NULL"))


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
