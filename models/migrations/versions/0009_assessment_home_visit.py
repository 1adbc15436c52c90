"""An undersøgelse records the day of its hjemmebesøg (``home_visit_on``), as its form asks
("Er der holdt hjemmebesøg?" and "Dato for hjemmebesøget"): the home-visit deadline (local
standard, Slagelse 2008) is met by that day as by a hjemmebesøg registered as a meeting.
Existing undersøgelser have none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy), so the table's indexes stay as they are.
    op.add_column("assessment", sa.Column("home_visit_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("assessment", "home_visit_on")
