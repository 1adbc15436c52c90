"""The indledende vurdering (screening) gets a place in the case: a table of its own with the form
answers (``FormAnswers``), the underretning it was made for, its outcome and when it was
decided, so the screening form (resources/forms/screening.toml) can be filled, finalised,
synced, exported and printed like the other forms. No existing row changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening",
        sa.Column("notification_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("form_id", sa.String(length=80), nullable=True),
        sa.Column("form_version", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screening_case_id", "screening", ["case_id"], unique=False)


def downgrade() -> None:
    # (The screenings are lost: sync before going back, so the store keeps them.)
    op.drop_index("ix_screening_case_id", table_name="screening")
    op.drop_table("screening")
