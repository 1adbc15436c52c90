"""The central store's SQLite file holds CPR numbers in plaintext: it and its -wal/-shm are 0600
whatever the umask, an existing loose file is tightened when the store opens it, and the default
database folder the admin tools make is 0700. POSIX only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from sync.server import admin
from sync.server.store import Store
from tests.sync.harness import PASSWORD

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_of(db: Path) -> list[Path]:
    return [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm"))]


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "url"])
def test_a_new_store_file_and_its_wal_are_private_after_writes(
    tmp_path: Path, as_url: bool
) -> None:
    db = tmp_path / "central.db"
    store = Store.open(f"sqlite:///{db}" if as_url else str(db))
    try:
        store.add_team("Team Syd")
        store.add_user("anna", PASSWORD, display_name="Anna Holm", team="Team Syd")
        assert db.with_name(db.name + "-wal").stat().st_size > 0  # the writes went through it
        for path in files_of(db):
            assert mode(path) == 0o600, path.name
    finally:
        store.close()
    assert mode(db) == 0o600


def test_an_existing_loose_store_file_is_tightened_on_open(tmp_path: Path) -> None:
    db = tmp_path / "central.db"
    Store.open(str(db)).close()
    db.chmod(0o644)
    folder_mode = mode(tmp_path)
    store = Store.open(str(db))
    try:
        store.add_team("Team Nord")
        for path in files_of(db):
            assert mode(path) == 0o600, path.name
    finally:
        store.close()
    assert mode(tmp_path) == folder_mode  # a folder the store did not make is left alone


def test_the_default_database_folder_is_made_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(admin.ENV_DB, raising=False)
    default = tmp_path / "data" / "feltmappe-server" / "central.db"
    monkeypatch.setattr(admin, "default_db", lambda: default)
    assert admin.database(None) == str(default)
    assert mode(default.parent) == 0o700
    assert mode(default.parent.parent) == 0o700
    store = Store.open(admin.database(None))
    try:
        store.add_team("Team Syd")
        for path in files_of(default):
            assert mode(path) == 0o600, path.name
    finally:
        store.close()


def test_a_store_in_a_missing_folder_makes_no_folder(tmp_path: Path) -> None:
    """The store makes the file private, but a folder that is not there is not its to make."""
    with pytest.raises(OperationalError):
        Store.open(str(tmp_path / "mangler" / "central.db"))
    assert not (tmp_path / "mangler").exists()
