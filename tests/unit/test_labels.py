"""Every table and every column a caseworker can meet in a message (a conflict, a refused
change, a form error) has a Danish name: no code name reaches the screen."""

from __future__ import annotations

from sqlalchemy import inspect

from models.schema import SYNCED_TABLES
from models.vocabulary import FIELD_LABELS, TABLE_LABELS


def test_every_synced_table_and_column_has_a_danish_name() -> None:
    missing = []
    for cls in SYNCED_TABLES:
        table = cls.__tablename__  # type: ignore[attr-defined]
        if table not in TABLE_LABELS:
            missing.append(table)
        missing += [f"{table}.{c.key}" for c in inspect(cls).columns if c.key not in FIELD_LABELS]
    assert missing == []
