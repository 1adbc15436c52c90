"""Files with case data, or the keys to it, are the user's alone (POSIX modes): the profile and its
folders 0700; the vault, its key, its -wal/-shm, backups, logs and exports 0600, whatever the
umask; a profile left loose by an older version is tightened when it is opened."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3

from desktop.logsetup import LOG_FILE, setup_logging
from models import demo, migrations, services
from models.keyfile import KdfParams, KeyFile, new_data_key
from models.private_files import (
    make_private_dir,
    open_private,
    prepare_sqlite_file,
    private_fd,
    tighten,
)
from models.profile import BACKUP_DIR, DB_FILE, KEY_FILE, LOG_DIR, SETTINGS_FILE, write_settings
from models.vault import Vault, make_engine
from tests.conftest import PASSPHRASE
from tests.unit.test_cli import run_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")

WARNING = (
    "Advarsel: filen er ikke krypteret og indeholder personoplysninger (CPR). Opbevar den "
    "sikkert, og slet den, når den ikke længere skal bruges."
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sidecar(db: Path, suffix: str) -> Path:
    return db.with_name(db.name + suffix)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The common default umask, under which files would otherwise be 0644 and folders 0755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# -- the helper -----------------------------------------------------------------------------


def test_private_dir_is_made_0700_with_its_missing_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    assert make_private_dir(target) == target
    for folder in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert mode(folder) == 0o700
    make_private_dir(target)  # again: nothing to do
    assert mode(target) == 0o700


def test_private_dir_leaves_an_existing_parent_alone(tmp_path: Path) -> None:
    parent = tmp_path / "shared"
    parent.mkdir(mode=0o755)
    parent.chmod(0o755)
    make_private_dir(parent / "profil")
    assert mode(parent) == 0o755
    assert mode(parent / "profil") == 0o700


def test_private_dir_even_under_a_strange_umask(tmp_path: Path) -> None:
    os.umask(0o277)  # restored by the fixture
    make_private_dir(tmp_path / "p")
    assert mode(tmp_path / "p") == 0o700


def test_an_existing_loose_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "profil"
    folder.mkdir()
    folder.chmod(0o755)
    make_private_dir(folder)
    assert mode(folder) == 0o700


def test_open_private_makes_0600_and_tightens_an_existing_file(tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    with open_private(new, "w", encoding="utf-8") as fh:
        fh.write("x")
    assert mode(new) == 0o600

    old = tmp_path / "old.txt"
    old.write_text("gammel")
    old.chmod(0o644)
    with open_private(old, "a", encoding="utf-8") as fh:
        assert mode(old) == 0o600  # before anything is written
        fh.write(" og ny")
    assert old.read_text() == "gammel og ny"
    assert mode(old) == 0o600


def test_private_fd_for_raw_writes(tmp_path: Path) -> None:
    path = tmp_path / "raw"
    path.write_bytes(b"")
    path.chmod(0o664)
    fd = private_fd(path, os.O_WRONLY | os.O_TRUNC)
    os.close(fd)
    assert mode(path) == 0o600


def test_tighten_never_widens_and_ignores_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "readonly"
    path.write_text("x")
    path.chmod(0o444)
    tighten(path)
    assert mode(path) == 0o400
    tighten(tmp_path / "missing")  # no error


def test_sqlite_gives_wal_and_shm_the_database_files_mode(tmp_path: Path) -> None:
    """Why the database file is made private before SQLCipher first opens it."""

    def wal_modes(db: Path) -> tuple[int, int, int]:
        conn = sqlcipher3.dbapi2.connect(str(db))
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("CREATE TABLE t (v TEXT)")
            conn.execute("INSERT INTO t VALUES ('x')")
            conn.commit()
            return mode(db), mode(sidecar(db, "-wal")), mode(sidecar(db, "-shm"))
        finally:
            conn.close()

    # Left to SQLite, everything follows the umask.
    assert wal_modes(tmp_path / "plain.db") == (0o644, 0o644, 0o644)
    prepared = tmp_path / "prepared.db"
    prepare_sqlite_file(prepared)
    assert prepared.stat().st_size == 0
    assert wal_modes(prepared) == (0o600, 0o600, 0o600)


# -- the vault --------------------------------------------------------------------------------


def test_a_new_vault_is_private_after_real_writes(tmp_path: Path) -> None:
    profile = tmp_path / "data" / "profil"
    with Vault.create(profile, PASSPHRASE, user="a", kdf=KdfParams.fast()) as vault:
        demo.generate(vault, cases=2, seed=3, today=date(2026, 11, 25))
        db = profile / DB_FILE
        assert sidecar(db, "-wal").stat().st_size > 0  # the writes went through the WAL
        for path in (db, sidecar(db, "-wal"), sidecar(db, "-shm"), profile / KEY_FILE):
            assert mode(path) == 0o600, path.name
        assert mode(profile) == 0o700
        assert mode(tmp_path / "data") == 0o700  # made by the app for the profile

        vault.change_passphrase(PASSPHRASE, PASSPHRASE + "-ny")
        assert mode(profile / KEY_FILE) == 0o600
    write_settings(profile, {"geometry": "x"})
    assert mode(profile / SETTINGS_FILE) == 0o600
    assert {p.name for p in profile.iterdir()} == {DB_FILE, KEY_FILE, SETTINGS_FILE}


def test_a_stale_loose_temp_file_does_not_loosen_the_key_file(tmp_path: Path) -> None:
    """A crash during a passphrase change can leave vault.key.tmp behind; the rename that
    finishes the next change keeps the temp file's mode."""
    profile = tmp_path / "profil"
    with Vault.create(profile, PASSPHRASE, user="a", kdf=KdfParams.fast()) as vault:
        tmp = profile / (KEY_FILE + ".tmp")
        tmp.write_text("halvt skrevet")
        tmp.chmod(0o644)
        vault.change_passphrase(PASSPHRASE, PASSPHRASE + "-ny")
    assert not tmp.exists()
    assert mode(profile / KEY_FILE) == 0o600


@pytest.fixture
def loose_old_profile(tmp_path: Path) -> Path:
    """A closed vault at the first schema revision, left world-readable as an older version (or
    a copy under a loose umask) would leave it, with a stale -wal/-shm and an earlier backup."""
    profile = tmp_path / "profil"
    profile.mkdir(mode=0o755)
    data_key = new_data_key()
    engine = make_engine(profile / DB_FILE, data_key)
    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, "0001")
    finally:
        engine.dispose()
    KeyFile.wrap(data_key, PASSPHRASE, "vault-id", KdfParams.fast()).write(profile / KEY_FILE)
    (profile / BACKUP_DIR).mkdir(mode=0o755)
    (profile / BACKUP_DIR / "vault-0000-20250101T000000Z.db").write_bytes(b"\0" * 16)
    (profile / SETTINGS_FILE).write_text("{}")
    db = profile / DB_FILE
    for suffix in ("-wal", "-shm"):
        sidecar(db, suffix).write_bytes(b"")  # empty: SQLite takes them as no WAL yet
    for path in (profile, profile / BACKUP_DIR):
        path.chmod(0o755)
    for path in (db, profile / KEY_FILE, profile / SETTINGS_FILE, *sidecar_files(profile)):
        path.chmod(0o644)
    (profile / BACKUP_DIR / "vault-0000-20250101T000000Z.db").chmod(0o644)
    return profile


def sidecar_files(profile: Path) -> list[Path]:
    return [sidecar(profile / DB_FILE, s) for s in ("-wal", "-shm")]


def test_opening_tightens_a_loose_profile_and_the_migration_backup_is_private(
    loose_old_profile: Path,
) -> None:
    profile = loose_old_profile
    assert mode(profile / DB_FILE) == 0o644
    with Vault.open(profile, PASSPHRASE) as vault:  # migrates, after a backup
        with vault.session() as session:
            assert services.list_cases(session) == []
        vault.set_setting("user", "b")  # a real write through the WAL
        assert mode(profile) == 0o700
        for path in (profile / DB_FILE, profile / KEY_FILE, profile / SETTINGS_FILE):
            assert mode(path) == 0o600, path.name
        for path in sidecar_files(profile):
            assert mode(path) == 0o600, path.name
    backups = profile / BACKUP_DIR
    assert mode(backups) == 0o700
    made = sorted(backups.iterdir())
    assert len(made) == 2  # the earlier one and the one taken before this migration
    for backup in made:
        assert mode(backup) == 0o600, backup.name


def test_a_wrong_passphrase_changes_nothing(loose_old_profile: Path) -> None:
    from models.errors import WrongPassphrase

    with pytest.raises(WrongPassphrase):
        Vault.open(loose_old_profile, "forkert-adgangsfrase-123")
    assert mode(loose_old_profile) == 0o755
    assert mode(loose_old_profile / DB_FILE) == 0o644


# -- logs -------------------------------------------------------------------------------------


def test_log_files_are_private_including_after_rotation(tmp_path: Path) -> None:
    profile = tmp_path / "profil"
    profile.mkdir()
    profile.chmod(0o755)
    logs = profile / LOG_DIR
    logs.mkdir()
    logs.chmod(0o755)
    (logs / LOG_FILE).write_text("gammel linje\n")
    (logs / f"{LOG_FILE}.1").write_text("ældre linje\n")
    for path in logs.iterdir():
        path.chmod(0o644)

    path = setup_logging(profile)
    try:
        assert path == logs / LOG_FILE
        assert mode(profile) == 0o700
        assert mode(logs) == 0o700
        assert mode(path) == 0o600
        assert mode(logs / f"{LOG_FILE}.1") == 0o600
        handler = logging.getLogger("feltmappe").handlers[0]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.maxBytes = 200
        for n in range(20):
            logging.getLogger("feltmappe.test").info("line %d of a test of rotation", n)
        rotated = sorted(logs.iterdir())
        assert len(rotated) >= 3  # the live file and at least two rotations
        for log_file in rotated:
            assert mode(log_file) == 0o600, log_file.name
    finally:
        setup_logging(None)


def test_logging_into_a_new_profile_makes_it_private(tmp_path: Path) -> None:
    profile = tmp_path / "ny"
    path = setup_logging(profile)
    try:
        assert path is not None
        logging.getLogger("feltmappe.test").info("started")
        assert mode(profile) == 0o700
        assert mode(profile / LOG_DIR) == 0o700
        assert mode(path) == 0o600
    finally:
        setup_logging(None)


# -- export -----------------------------------------------------------------------------------


@pytest.fixture
def case_vault(tmp_path: Path) -> tuple[Path, str]:
    profile = tmp_path / "profil"
    with Vault.create(profile, PASSPHRASE, user="a", kdf=KdfParams.fast()) as vault:
        demo.generate(vault, cases=2, seed=3, today=date(2026, 11, 25))
        with vault.session() as session:
            case_number = services.list_cases(session)[0].case_number
    return profile, case_number


def test_export_through_the_command_is_private_and_warns(
    case_vault: tuple[Path, str], tmp_path: Path
) -> None:
    profile, case_number = case_vault
    target = tmp_path / "sag.json"
    result = run_cli("export", "--profile", str(profile), "--case", case_number, "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert mode(target) == 0o600
    assert '"cpr"' in target.read_text(encoding="utf-8")  # what makes it sensitive
    assert WARNING in result.stderr
    assert "Sagen er eksporteret" in result.stdout
    # The command's own log file in the profile is private too.
    assert mode(profile / LOG_DIR / LOG_FILE) == 0o600

    # Overwriting an existing, world-readable file: tightened before the case is written.
    target.write_text("")
    target.chmod(0o644)
    result = run_cli(
        "export", "--profile", str(profile), "--case", case_number, "-o", str(target), "--force"
    )
    assert result.returncode == 0, result.stderr
    assert mode(target) == 0o600
    assert WARNING in result.stderr


def test_export_to_standard_output_warns_too(case_vault: tuple[Path, str]) -> None:
    profile, case_number = case_vault
    result = run_cli("export", "--profile", str(profile), "--case", case_number, "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("{")
    assert "Advarsel: udtrækket er ikke krypteret" in result.stderr
    assert "Advarsel" not in result.stdout
