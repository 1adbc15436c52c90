"""A børnefaglig undersøgelse can be marked simple ("simpel"): the municipality's local standard
for simple undersøgelser (6 weeks in Slagelse) then applies to it, besides the law's 4 months
(Barnets Lov §20 stk. 3). Existing undersøgelser are not simple.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy), so the table's indexes stay as they are.
    op.add_column(
        "assessment",
        sa.Column("is_simple", sa.Boolean(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("assessment", "is_simple")
