"""An underretning's time of receipt may be unknown (a letter found late, a call not logged):
the deadline engine then reports "mangler oplysninger" instead of guessing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("received_at", existing_type=sa.DateTime(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("received_at", existing_type=sa.DateTime(), nullable=False)
