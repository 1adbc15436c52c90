"""Row documents stored before a vault column existed get that column's default: a meeting's
form answers (vault 0008: ``form_id`` and ``form_version`` null, ``answers`` {}) and an
undersøgelse's ``is_simple`` (vault 0006: false). A laptop refuses (quarantines) a received row
without a value for a column that may not be null, so without this a laptop of the new version
would not take the meetings and undersøgelser the store kept from before.

The store's tables do not change (rows are JSON documents), and neither do the rows' revisions
and sequence numbers: a laptop that has such a row already holds the same defaults, which its
own migration gave it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import copy
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: table -> the keys its documents get when they lack them (the vault columns' defaults).
DEFAULTS: dict[str, dict[str, Any]] = {
    "assessment": {"is_simple": False},
    "meeting": {"form_id": None, "form_version": None, "answers": {}},
}
_BATCH = 1000

_record = sa.table(
    "record",
    sa.column("id", sa.String),
    sa.column("table_name", sa.String),
    sa.column("data", sa.Text),
    sa.column("size", sa.Integer),
)


def upgrade() -> None:
    conn = op.get_bind()
    write = (
        sa.update(_record)
        .where(_record.c.id == sa.bindparam("b_id"))
        .values(data=sa.bindparam("b_data"), size=sa.bindparam("b_size"))
    )
    for table, defaults in DEFAULTS.items():
        last = ""
        while True:
            rows = conn.execute(
                sa.select(_record.c.id, _record.c.data)
                .where(_record.c.table_name == table, _record.c.id > last)
                .order_by(_record.c.id)
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            changed: list[dict[str, Any]] = []
            for row_id, text in rows:
                data = json.loads(text)
                missing = {k: copy.deepcopy(v) for k, v in defaults.items() if k not in data}
                if missing:
                    data.update(missing)
                    # As the store writes documents (sync.server.apply): letters stay letters.
                    new = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                    changed.append({"b_id": row_id, "b_data": new, "b_size": len(new)})
            if changed:
                conn.execute(write, changed)
            last = rows[-1][0]


def downgrade() -> None:
    # The keys stay: the store of revision 0002 keeps what the laptops sent, and a laptop of an
    # older version takes only the columns it knows from a document.
    pass
