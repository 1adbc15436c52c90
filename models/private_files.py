"""Files and folders that hold case data, or the keys to it, are the user's alone.

Everything the app writes into a profile (the vault and its key, backups, logs), an exported case
(plaintext, with CPR numbers) and the central store's SQLite file are made here: folders 0700,
files 0600, whatever the umask. An existing file or folder of the app's is tightened when it is
opened (group and other permissions removed; the owner's are never widened), so a profile made
by an older version, or copied with ``cp``, ends up private too.

SQLite creates a database's ``-wal``, ``-shm`` and ``-journal`` files with the database file's
permission bits, so the database file must be private before SQLite first opens it:
``prepare_sqlite_file`` does that.

POSIX only. On Windows the modes mean nothing (``os.chmod`` only sets the read-only flag): there
the files are created normally and the tightening is a no-op. The profile lives under the user's
own ``%LOCALAPPDATA%``/``%APPDATA%``, whose inherited ACL already gives access to that user (and
SYSTEM and the administrators) only."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("feltmappe.files")

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: The files SQLite keeps next to a database (WAL mode: -wal and -shm; rollback: -journal).
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
_GROUP_OTHER = 0o077
_POSIX = os.name == "posix"


def make_private_dir(path: Path) -> Path:
    """Make the folder ``path`` (and any missing parents) 0700, or tighten it if it exists.
    Existing parents are left as they are (a home folder, a shared drive)."""
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            tighten(folder)  # made by someone else in between
            continue
        if _POSIX:
            # mkdir's mode is filtered by the umask (a umask of 0o277 would leave 0o500).
            folder.chmod(PRIVATE_DIR_MODE)
    if not missing:
        tighten(path)
    return path


def private_fd(path: str | os.PathLike[str], flags: int) -> int:
    """``os.open`` for a private file: created 0600; an existing file is tightened before
    anything is written to it. Usable as ``open(..., opener=private_fd)``."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    if _POSIX:
        try:
            _tighten_fd(fd)
        except BaseException:
            os.close(fd)
            raise
    return fd


def open_private(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """``open()`` for a file only its owner may read: created 0600, an existing file tightened
    (a file of another user raises ``PermissionError`` rather than being written readable)."""
    return open(path, mode, encoding=encoding, errors=errors, opener=private_fd)


def tighten(path: Path) -> None:
    """Remove group and other permissions from an existing file or folder of the user's. A
    missing path is fine; another user's is left as it is, with a warning (it cannot be changed)."""
    if not _POSIX:
        return
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if not st.st_mode & _GROUP_OTHER:
        return
    if st.st_uid != os.geteuid():
        log.warning("%s belongs to another user; its permissions were left as they are", path.name)
        return
    path.chmod(stat.S_IMODE(st.st_mode) & ~_GROUP_OTHER)


def prepare_sqlite_file(db_path: Path) -> None:
    """Before SQLite opens ``db_path``: create it empty and 0600 if missing (SQLite takes an
    empty file for a new database), else tighten it; tighten its -wal/-shm/-journal too."""
    if db_path.exists():
        tighten(db_path)
    else:
        os.close(private_fd(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    for suffix in SQLITE_SIDECARS:
        tighten(db_path.with_name(db_path.name + suffix))


def _tighten_fd(fd: int) -> None:
    st = os.fstat(fd)
    if st.st_mode & _GROUP_OTHER and stat.S_ISREG(st.st_mode):
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & ~_GROUP_OTHER)


__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "SQLITE_SIDECARS",
    "make_private_dir",
    "open_private",
    "prepare_sqlite_file",
    "private_fd",
    "tighten",
]
