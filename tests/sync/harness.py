"""Sync test harness: a central store on SQLite or on PostgreSQL (a fresh schema per store),
a real server on 127.0.0.1 (port 0), and laptops (vaults) signed in to it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from models.keyfile import KdfParams
from models.vault import Vault
from sync.client import enrolment
from sync.client.replication import SyncClient, SyncReport
from sync.server.run import ServerThread
from sync.server.store import Store, database_url

PASSPHRASE = "grøn-cykel-hænger-lampe-7"
PASSWORD = "hemmelig-adgang-1"
PG_URL = os.environ.get("FELTMAPPE_TEST_PG_URL", "")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema; yields a URL whose connections use it. Dropped afterwards."""
    schema = f"test_sync_{uuid.uuid4().hex[:12]}"
    base = database_url(PG_URL)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def store_at(kind: str, tmp: Path) -> Iterator[Store]:
    if kind == "sqlite":
        store = Store.open(str(tmp / "central.db"))
        try:
            yield store
        finally:
            store.close()
        return
    with pg_schema() as url:
        store = Store.open(url)
        try:
            yield store
        finally:
            store.close()


@contextmanager
def running(store: Store, **kwargs: Any) -> Iterator[ServerThread]:
    with ServerThread(store, **kwargs) as server:
        yield server


class Laptop:
    """A caseworker's laptop: a vault signed in to the server as ``username``."""

    def __init__(
        self, tmp: Path, name: str, server_url: str, username: str, *, ca_file: str | None = None
    ) -> None:
        self.profile = tmp / name
        self.vault = Vault.create(self.profile, PASSPHRASE, user=username, kdf=KdfParams.fast())
        enrolment.connect(
            self.vault, server_url, username, PASSWORD, f"{name}s bærbare", ca_file=ca_file
        )
        self.conn = enrolment.connection_for(self.vault)

    def sync(self) -> SyncReport:
        return SyncClient(self.vault, self.conn).sync()

    def close(self) -> None:
        self.conn.close()
        if self.vault.is_open:
            self.vault.close()


def mutation(
    op: str, table: str, row_id: str, case_id: str | None, rev: int = 0, **values: Any
) -> dict[str, Any]:
    """One outbox entry as a client sends it (``[None, value]`` per field), for raw pushes."""
    return {
        "mutation_id": str(uuid.uuid4()),
        "table": table,
        "row_id": row_id,
        "case_id": case_id,
        "op": op,
        "base_rev": rev,
        "changes": {k: [None, v] for k, v in values.items()},
    }
