"""A meeting keeps form answers (``FormAnswers``: form id, version and the answers as JSON), so
a børnesamtale or a hjemmebesøg is documented in its form (resources/forms/boernesamtale.toml,
hjemmebesoeg.toml) like an underretning or an undersøgelse. Existing meetings have no form:
no form id, no version and no answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy), so the table's indexes stay as they are. ``answers``
    # is NOT NULL like on the other form tables: existing meetings get an empty object.
    op.add_column("meeting", sa.Column("form_id", sa.String(length=80), nullable=True))
    op.add_column("meeting", sa.Column("form_version", sa.Integer(), nullable=True))
    op.add_column("meeting", sa.Column("answers", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    # (The answers of meetings are lost: sync before going back, so the store keeps them.)
    op.drop_column("meeting", "answers")
    op.drop_column("meeting", "form_version")
    op.drop_column("meeting", "form_id")
