"""The central store's database: engine and units of work (a writer holds the counter row to
commit, so sequence numbers follow commit order on SQLite and on PostgreSQL alike: a reader that
has seen ``seq`` N has seen every committed change below N), and the store's typed errors."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.errors import FeltmappeError
from sync.server.tables import (
    Counter,
)

log = logging.getLogger("feltmappe.server")


class StoreError(FeltmappeError):
    """An expected problem in the store (admin CLI input, login); ``code`` names it."""

    code = "store"


class Unauthorized(StoreError):
    code = "auth.invalid_token"


class DeviceRevoked(StoreError):
    code = "auth.device_revoked"


class TooManyAttempts(StoreError):
    """Too many refused logins for this user or address: ``retry_after`` seconds to wait."""

    code = "auth.too_many_attempts"


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso_utc(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash suffices (no guessing to slow down);
    # passwords, which people choose, get Argon2.
    return hashlib.sha256(token.encode()).hexdigest()


def database_url(url: str) -> str:
    """A database URL or a file path, as SQLAlchemy wants it (psycopg 3 for PostgreSQL)."""
    if "://" not in url:
        return f"sqlite:///{url}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        from pathlib import Path

        from models.private_files import prepare_sqlite_file

        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if path.parent.is_dir():  # else SQLite says it cannot open the file, as before
                # The file holds CPR numbers in plaintext: 0600 (and an existing one tightened)
                # before SQLite first opens it, since its -wal and -shm take the file's mode.
                prepare_sqlite_file(path)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=32,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
            dbapi_conn.execute("PRAGMA synchronous = FULL")
            dbapi_conn.execute("PRAGMA busy_timeout = 30000")

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # A writer takes SQLite's write lock up front: writers queue instead of failing.
            writer = conn.get_execution_options().get("writer")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True)


@dataclass
class Principal:
    """Who is calling: the device's user, role and team, and the cases they may read and write."""

    user_id: str
    username: str
    role: str
    team: str | None
    device_id: str
    cases: set[str] = field(default_factory=set)


class Database:
    """One database (a SQLite file or PostgreSQL) and its units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(engine.execution_options(writer=True), expire_on_commit=False)
        # SQLite has one writer at a time and waits for its lock by polling; writers of this
        # process queue on a lock instead, in order and without sleeping.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[tuple[Session, Seq]]:
        """A writing transaction holding the counter row until commit."""
        with self._write_lock, self._writer() as session, session.begin():
            counter = session.execute(
                select(Counter).where(Counter.name == "seq").with_for_update()
            ).scalar_one()
            seq = Seq(counter.value)
            yield session, seq
            if seq.value != counter.value:
                counter.value = seq.value


class Seq:
    """Sequence numbers handed out inside one writing transaction."""

    def __init__(self, value: int) -> None:
        self.value = value

    def next(self) -> int:
        self.value += 1
        return self.value
