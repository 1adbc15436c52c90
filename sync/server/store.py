"""The central store's logic, independent of HTTP: ``Store`` is the accounts
(``sync.server.accounts``) and the replication (``sync.server.replication``, applying pushes in
``sync.server.apply``) on one database (``sync.server.db``)."""

from __future__ import annotations

from sync.server.accounts import Accounts
from sync.server.apply import Apply, Mutation, Page, Rec, Result
from sync.server.db import (
    Database,
    DeviceRevoked,
    Principal,
    Seq,
    StoreError,
    TooManyAttempts,
    Unauthorized,
    database_url,
    make_engine,
    now,
    token_hash,
)
from sync.server.replication import Replication

__all__ = [
    "Apply",
    "Database",
    "DeviceRevoked",
    "Mutation",
    "Page",
    "Principal",
    "Rec",
    "Result",
    "Seq",
    "Store",
    "StoreError",
    "TooManyAttempts",
    "Unauthorized",
    "database_url",
    "make_engine",
    "now",
    "token_hash",
]


class Store(Accounts, Replication):
    """The central store on one database (a SQLite file or PostgreSQL)."""

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        from sync.server import migrations

        engine = make_engine(url)
        if migrate:
            with engine.connect() as conn:
                migrations.upgrade(conn)
                conn.commit()
        if engine.dialect.name == "sqlite":
            # Fresh statistics, so the planner reads pull pages by the sequence index.
            # PostgreSQL's autovacuum keeps its own; SQLite's are only made when asked.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        return cls(engine)
