"""The outbox coalesces: changes to one row join its waiting entry until a push has been
attempted with it (``attempted``). An entry a push may have delivered is never changed again,
so its retry carries what was sent under its mutation id. Entries written before this version
may have been sent: they count as attempted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy), so the table's indexes stay as they are.
    op.add_column(
        "change_entry",
        sa.Column("attempted", sa.Boolean(), nullable=False, server_default="0"),
    )
    op.execute("UPDATE change_entry SET attempted = 1")


def downgrade() -> None:
    # (Waiting entries that were never sent hold no new values, see ``ChangeEntry``: an older
    # version cannot send them, so sync before going back.)
    op.drop_column("change_entry", "attempted")
