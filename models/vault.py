"""The encrypted vault: one SQLCipher 4 database per user profile, under SQLAlchemy 2.x.

The database key is a random 256-bit data key (see ``models.keyfile``) given to SQLCipher as a
raw key, so SQLCipher's own PBKDF2 is skipped and unlocking costs one Argon2id derivation.
``PRAGMA key`` is the first statement on every connection; temp storage stays in memory."""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlcipher3
from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from models import migrations, settings, tracking
from models.changes import Announcer, ChangeSet
from models.errors import (
    DiskFull,
    PassphraseMismatch,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    VaultTooNew,
)
from models.keyfile import KdfParams, KeyFile, new_data_key
from models.passphrase import check_passphrase
from models.private_files import (
    make_private_dir,
    open_private,
    prepare_sqlite_file,
    tighten,
)
from models.profile import BACKUP_DIR, DB_FILE, KEY_FILE, SETTINGS_FILE
from models.schema import LocalSetting
from models.writer import SerialWriter

T = TypeVar("T")

log = logging.getLogger("feltmappe.vault")

CACHE_SIZE_KIB = 64 * 1024
# A -shm file that opening a database creates is 32 KiB; a -wal file it creates is empty.
_SHM_MAX = 32 * 1024


def _connect_fn(db_path: Path, data_key: bytes) -> Any:
    hex_key = data_key.hex()

    def connect() -> Any:
        conn = sqlcipher3.dbapi2.connect(str(db_path), check_same_thread=False)
        try:
            # The key must be the very first statement on the connection.
            conn.execute(f"PRAGMA key = \"x'{hex_key}'\"")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            # Durable commits: WAL with a sync on every commit (NORMAL could lose the last ones).
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()  # a wrong key or a foreign file: do not leak the open file
            raise
        return conn

    return connect


def make_engine(db_path: Path, data_key: bytes) -> Engine:
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=_connect_fn(db_path, data_key),
        module=sqlcipher3.dbapi2,
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver level; SQLAlchemy emits BEGIN itself (see "begin" below).
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front, so two writers queue (busy_timeout) instead of one
        # failing on lock upgrade; readers stay deferred and never block a writer in WAL mode.
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # checkpoint, VACUUM: must run outside a transaction
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("begin_immediate") else "BEGIN")

    return engine


def _probe(engine: Engine, db_path: Path) -> None:
    """Touch the database so a wrong key or a non-vault file fails here, before anything else.
    Also refuses a file shorter than its own header says (a truncated copy), which SQLite would
    otherwise open and only fail on when a query reaches the missing pages."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)
            page_count = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
            wal = db_path.with_name(db_path.name + "-wal")
            # Pages still in the WAL may legitimately lie beyond the end of the main file.
            if (not wal.exists() or wal.stat().st_size == 0) and (
                db_path.stat().st_size < page_size * page_count
            ):
                raise VaultCorrupt(what="database")
    except (SADatabaseError, OperationalError) as exc:
        engine.dispose()
        raise VaultCorrupt(what="database") from exc
    except BaseException:
        engine.dispose()
        raise


def _refuse_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a reading session does not write: use Vault.session()")


class Vault:
    """An unlocked vault. ``session()`` gives a tracked unit of work; ``close()`` locks it."""

    def __init__(self, profile: Path, engine: Engine, vault_id: str) -> None:
        self.profile = profile
        self.vault_id = vault_id
        self._engine: Engine | None = engine
        self._factory: sessionmaker[Session] = sessionmaker(
            engine.execution_options(begin_immediate=True), expire_on_commit=False
        )
        tracking.install(self._factory)
        # Reads: a deferred transaction, which in WAL mode never waits for a writer.
        self._read_factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
        event.listen(self._read_factory, "before_flush", _refuse_flush)
        #: Told what every committed unit of work changed (``models.changes``).
        self.changes = Announcer()
        #: The one writer thread (``models.writer``); made on first use.
        self._writer: SerialWriter | None = None
        self._writer_lock = threading.Lock()
        self.user = ""
        self.device = ""
        self._load_identity()

    # -- life cycle -----------------------------------------------------------------

    @classmethod
    def create(
        cls,
        profile: Path,
        passphrase: str,
        *,
        repeat: str | None = None,
        user: str = "",
        display_name: str = "",
        kdf: KdfParams | None = None,
    ) -> Vault:
        """Make a new, empty vault in ``profile``. Refuses to touch an existing one."""
        if repeat is not None and repeat != passphrase:
            raise PassphraseMismatch()
        check_passphrase(passphrase)
        db_path, key_path = profile / DB_FILE, profile / KEY_FILE
        if db_path.exists() or key_path.exists():
            raise VaultExists(path=str(profile))
        make_private_dir(profile)
        vault_id = str(uuid.uuid4())
        data_key = new_data_key()
        keyfile = KeyFile.wrap(data_key, passphrase, vault_id, kdf or KdfParams())
        # 0600 before SQLCipher first opens it: SQLite gives -wal and -shm the same mode.
        prepare_sqlite_file(db_path)
        engine = make_engine(db_path, data_key)
        try:
            _probe(engine, db_path)
            with engine.begin() as conn:
                migrations.upgrade(conn)
                conn.execute(
                    insert(LocalSetting),
                    [
                        {"key": "vault_id", "value": vault_id},
                        {"key": "user", "value": user},
                        {"key": settings.DISPLAY_NAME.key, "value": display_name},
                        {"key": "device", "value": str(uuid.uuid4())},
                    ],
                )
            keyfile.write(key_path)
        except BaseException as exc:
            # A half-made vault (a database without its key file) would block the next attempt
            # with VaultExists and could never be opened: remove what this call made.
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.errno == 28:
                raise DiskFull() from exc
            raise
        log.info("created vault %s", vault_id)
        return cls(profile, engine, vault_id)

    @classmethod
    def open(cls, profile: Path, passphrase: str) -> Vault:
        """Unlock the vault in ``profile``. A wrong passphrase raises ``WrongPassphrase`` and
        touches nothing; a damaged or foreign file raises ``VaultCorrupt`` and is left as it is."""
        db_path, key_path = profile / DB_FILE, profile / KEY_FILE
        if not key_path.exists():
            if db_path.exists():
                raise VaultCorrupt(what="key_missing")
            raise VaultNotFound(path=str(profile))
        if not db_path.exists():
            raise VaultCorrupt(what="database_missing")
        keyfile = KeyFile.read(key_path)
        data_key = keyfile.unwrap(passphrase)
        if db_path.is_file() and db_path.stat().st_size == 0:
            # SQLite would take an empty file for a new database and write a header into it.
            raise VaultCorrupt(what="database")
        _make_private(profile)
        sidecars = [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")]
        existed = [p.exists() for p in sidecars]
        engine = make_engine(db_path, data_key)
        try:
            _probe(engine, db_path)
            try:
                with engine.connect() as conn:
                    current = migrations.current_revision(conn)
            except (SADatabaseError, OperationalError) as exc:
                raise VaultCorrupt(what="database") from exc
            if current is None:
                raise VaultCorrupt(what="not_a_vault")
            if current != migrations.head_revision():
                if not migrations.is_known(current):
                    raise VaultTooNew(revision=current)
                backup = _backup(profile, engine, current)
                log.info("migrating vault from %s (backup %s)", current, backup.name)
                with engine.begin() as conn:
                    migrations.upgrade(conn)
            vault = cls(profile, engine, keyfile.vault_id)
        except (VaultCorrupt, SADatabaseError) as exc:
            engine.dispose()
            if isinstance(exc, OperationalError):  # locked, I/O error …: not damage
                raise
            # Leave a damaged profile as it was found: drop the empty WAL files opening made.
            for path, was_there in zip(sidecars, existed, strict=True):
                if not was_there and path.is_file() and path.stat().st_size <= _SHM_MAX:
                    path.unlink(missing_ok=True)
            if isinstance(exc, VaultCorrupt):
                raise
            # A damaged page that the probe did not touch (the local settings, a migration).
            raise VaultCorrupt(what="database") from exc
        except BaseException:
            engine.dispose()
            raise
        log.info("unlocked vault %s", keyfile.vault_id)
        return vault

    def change_passphrase(self, old: str, new: str, repeat: str | None = None) -> None:
        """Re-wrap the data key under ``new``. Atomic: one rename of the key file."""
        if self._engine is None:
            raise VaultLocked()
        key_path = self.profile / KEY_FILE
        keyfile = KeyFile.read(key_path)
        data_key = keyfile.unwrap(old)  # WrongPassphrase if old is wrong
        if repeat is not None and repeat != new:
            raise PassphraseMismatch()
        check_passphrase(new)
        KeyFile.wrap(data_key, new, keyfile.vault_id, keyfile.params).write(key_path)
        log.info("passphrase changed for vault %s", self.vault_id)

    @property
    def writer(self) -> SerialWriter:
        if self._engine is None:
            raise VaultLocked()
        with self._writer_lock:
            if self._writer is None:
                self._writer = SerialWriter()
            return self._writer

    def write(self, job: Callable[[], T]) -> T:
        """Run ``job`` (which opens its own sessions) on the writer thread and wait for it."""
        return self.writer.run(job)

    def close(self) -> None:
        """Lock: finish queued writes, checkpoint the WAL and drop every connection (and with
        them the key)."""
        if self._engine is None:
            return
        with self._writer_lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()  # what was handed over is written before the key goes
        try:
            _checkpoint(self._engine)
        except (SADatabaseError, OperationalError):
            log.warning("checkpoint at close failed", exc_info=True)
        self._engine.dispose()
        self._engine = None
        log.info("locked vault %s", self.vault_id)

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultLocked()
        return self._engine

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- work -----------------------------------------------------------------------

    @contextmanager
    def session(self, **info: Any) -> Iterator[Session]:
        """A unit of work: commits at the end, rolls back on error. ``info`` reaches the tracker
        (``preserve_meta`` for imports, ``sync_apply`` for rows that come from the server)."""
        if self._engine is None:
            raise VaultLocked()
        session = self._factory()
        session.info.update({"user": self.user, "device": self.device, **info})
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if "full" in str(exc.orig).lower():
                raise DiskFull() from exc
            raise
        except BaseException:
            session.rollback()
            raise
        else:
            changed = session.info.pop(tracking.CHANGED, None)
            if changed:
                self.changes.announce(
                    ChangeSet.of(changed, from_sync=bool(session.info.get("sync_apply")))
                )
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work for screens: it sees one consistent snapshot and never
        waits for a writer (a sync storing a page); anything added to it is refused."""
        if self._engine is None:
            raise VaultLocked()
        session = self._read_factory()
        session.info.update({"user": self.user, "device": self.device})
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was read: the rows stay
            # usable (detached) after the block, as with session().
            session.close()

    def integrity_check(self) -> list[str]:
        """SQLCipher's HMAC check of every page plus SQLite's structural check; [] when sound.
        A page so damaged that the check itself fails is reported, not raised."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            for pragma in ("cipher_integrity_check", "integrity_check"):
                try:
                    result = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
                except SADatabaseError as exc:
                    result = [f"{pragma}: {exc.orig}"]
                if result != ["ok"]:
                    problems.extend(result)
        return problems

    def setting(self, key: str, default: str = "") -> str:
        with self.engine.connect() as conn:
            value = conn.execute(select(LocalSetting.value).where(LocalSetting.key == key)).scalar()
        return default if value is None else str(value)

    def set_setting(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(LocalSetting(key=key, value=value))
        if key in ("user", "device"):
            self._load_identity()

    def _load_identity(self) -> None:
        self.user = self.setting("user")
        self.device = self.setting("device")


def _checkpoint(engine: Engine) -> None:
    # Outside any transaction (a checkpoint inside one cannot finish).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _make_private(profile: Path) -> None:
    """Tighten a profile made by an older version or copied with a loose umask: the folder
    0700, the key file, the database (and its -wal/-shm), the settings and the backups 0600."""
    make_private_dir(profile)
    tighten(profile / KEY_FILE)
    tighten(profile / SETTINGS_FILE)
    prepare_sqlite_file(profile / DB_FILE)
    backups = profile / BACKUP_DIR
    if backups.is_dir():
        make_private_dir(backups)
        for item in backups.iterdir():
            tighten(item)


def _backup(profile: Path, engine: Engine, revision: str) -> Path:
    """Copy the (still encrypted) database before a migration; the copy needs the same key."""
    backups = make_private_dir(profile / BACKUP_DIR)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"vault-{revision}-{stamp}.db"
    _checkpoint(engine)
    try:
        with (profile / DB_FILE).open("rb") as src, open_private(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except OSError as exc:
        target.unlink(missing_ok=True)
        if exc.errno == 28:
            raise DiskFull() from exc
        raise
    return target


def is_sqlite_plaintext(path: Path) -> bool:
    """True when ``path`` is an unencrypted SQLite file (a plain file starts with a magic header)."""
    with path.open("rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


__all__ = ["Vault", "is_sqlite_plaintext", "make_engine"]
