"""The encrypted vault: create, unlock, lock, wrong passphrase, damaged files, change of
passphrase (and a crash in the middle of it), and the SQLCipher settings of an open vault."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop.messages import error_text
from models import services
from models.errors import (
    PassphraseMismatch,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from models.keyfile import KdfParams, KeyFile
from models.profile import DB_FILE, KEY_FILE
from models.schema import Person
from models.vault import Vault, is_sqlite_plaintext
from tests.conftest import PASSPHRASE

NEW_PASSPHRASE = "blå-kajak-under-birketræ-42"
FAST = KdfParams.fast()
REPO = Path(__file__).resolve().parents[2]

Snapshot = dict[str, tuple[bytes, int]]


def snapshot(profile: Path) -> Snapshot:
    """Every file under the profile with its bytes and modification time."""
    return {
        str(p.relative_to(profile)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(profile.rglob("*"))
        if p.is_file()
    }


def make_vault(profile: Path, child: str = "Aske") -> str:
    """A closed vault holding one person; returns the person's id."""
    with Vault.create(profile, PASSPHRASE, kdf=FAST) as vault, vault.session() as s:
        person, _ = services.create_person(s, child, "Holm", birth_date=date(2015, 3, 1))
        return person.id


def first_name(profile: Path, passphrase: str, person_id: str) -> str:
    with Vault.open(profile, passphrase) as vault, vault.session() as s:
        return services.get(s, Person, person_id).first_name


# -- create ----------------------------------------------------------------------------------


def test_create_then_unlock_gives_back_the_data(profile: Path) -> None:
    person_id = make_vault(profile)
    assert sorted(p.name for p in profile.iterdir()) == [DB_FILE, KEY_FILE]
    assert first_name(profile, PASSPHRASE, person_id) == "Aske"


def test_create_stores_the_identity(profile: Path) -> None:
    with Vault.create(profile, PASSPHRASE, user="a.raadgiver", kdf=FAST) as vault:
        assert vault.user == "a.raadgiver"
        assert vault.device
        assert vault.setting("vault_id") == vault.vault_id
    with Vault.open(profile, PASSPHRASE) as vault:
        assert vault.user == "a.raadgiver"
        assert vault.vault_id == KeyFile.read(profile / KEY_FILE).vault_id


def test_create_with_mismatched_repeat_is_refused_and_makes_nothing(profile: Path) -> None:
    with pytest.raises(PassphraseMismatch) as exc:
        Vault.create(profile, PASSPHRASE, repeat=PASSPHRASE + "x", kdf=FAST)
    assert not profile.exists()
    assert "ikke ens" in error_text(exc.value)


@pytest.mark.parametrize(
    ("passphrase", "reason", "words"),
    [
        ("kort", "too_short", "mindst 10 tegn"),
        ("aaaaaaaaaaaaaaa", "too_few_distinct", "forskellige tegn"),
        (" grøn-cykel-hænger-lampe-7", "edge_whitespace", "mellemrum"),
        ("password123456", "too_guessable", "let at gætte"),
    ],
)
def test_create_with_weak_passphrase_is_refused_with_reasons(
    profile: Path, passphrase: str, reason: str, words: str
) -> None:
    with pytest.raises(WeakPassphrase) as exc:
        Vault.create(profile, passphrase, repeat=passphrase, kdf=FAST)
    assert reason in exc.value.params["reasons"]
    text = error_text(exc.value)
    assert text.startswith("Adgangsfrasen er ikke stærk nok.")
    assert words in text
    assert not profile.exists()


@pytest.mark.parametrize("keep", [[DB_FILE, KEY_FILE], [DB_FILE], [KEY_FILE]])
def test_create_over_an_existing_profile_is_refused_and_touches_nothing(
    profile: Path, keep: list[str]
) -> None:
    make_vault(profile)
    for name in {DB_FILE, KEY_FILE} - set(keep):
        (profile / name).unlink()
    before = snapshot(profile)
    with pytest.raises(VaultExists) as exc:
        Vault.create(profile, NEW_PASSPHRASE, repeat=NEW_PASSPHRASE, kdf=FAST)
    assert snapshot(profile) == before
    assert "findes allerede" in error_text(exc.value)


def test_open_where_there_is_no_vault(profile: Path) -> None:
    with pytest.raises(VaultNotFound) as exc:
        Vault.open(profile, PASSPHRASE)
    assert "ingen Feltmappe-profil" in error_text(exc.value)


# -- unlock and lock -------------------------------------------------------------------------


def test_lock_drops_the_connection_and_refuses_work(vault: Vault) -> None:
    assert vault.is_open
    vault.close()
    assert not vault.is_open
    with pytest.raises(VaultLocked) as exc, vault.session():
        pass
    assert "låst" in error_text(exc.value)
    with pytest.raises(VaultLocked):
        _ = vault.engine
    with pytest.raises(VaultLocked):
        vault.setting("user")
    vault.close()  # twice is harmless


def test_lock_checkpoints_so_only_the_encrypted_files_remain(profile: Path) -> None:
    make_vault(profile)
    assert sorted(p.name for p in profile.iterdir()) == [DB_FILE, KEY_FILE]


def test_unlock_after_lock_returns_the_same_data(profile: Path) -> None:
    person_id = make_vault(profile, child="Liva")
    for _ in range(2):
        assert first_name(profile, PASSPHRASE, person_id) == "Liva"


def test_wrong_passphrase_touches_nothing(profile: Path) -> None:
    make_vault(profile)
    before = snapshot(profile)
    for wrong in ["forkert-frase-helt-sikkert", "", PASSPHRASE.upper(), PASSPHRASE + " "]:
        with pytest.raises(WrongPassphrase) as exc:
            Vault.open(profile, wrong)
        assert error_text(exc.value) == "Forkert adgangsfrase. Prøv igen."
    assert snapshot(profile) == before


def test_wrong_passphrase_while_the_vault_is_open_elsewhere_touches_nothing(
    vault: Vault, profile: Path
) -> None:
    with vault.session() as s:
        services.create_person(s, "Noa")
    before = snapshot(profile)
    with pytest.raises(WrongPassphrase):
        Vault.open(profile, NEW_PASSPHRASE)
    assert snapshot(profile) == before


# -- damaged or foreign files ----------------------------------------------------------------


def _random_db(profile: Path) -> None:
    (profile / DB_FILE).write_bytes(os.urandom(64 * 1024))


def _plain_sqlite_db(profile: Path) -> None:
    (profile / DB_FILE).unlink()
    with closing(sqlite3.connect(profile / DB_FILE)) as conn:
        conn.execute("CREATE TABLE person (first_name TEXT)")
        conn.execute("INSERT INTO person VALUES ('Aske')")
        conn.commit()
    assert is_sqlite_plaintext(profile / DB_FILE)


def _truncate(keep: Callable[[int], int]) -> Callable[[Path], None]:
    def mutate(profile: Path) -> None:
        data = (profile / DB_FILE).read_bytes()
        (profile / DB_FILE).write_bytes(data[: keep(len(data))])

    return mutate


def _edit_key(edit: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def mutate(profile: Path) -> None:
        doc = json.loads((profile / KEY_FILE).read_text(encoding="utf-8"))
        edit(doc)
        (profile / KEY_FILE).write_text(json.dumps(doc, indent=2), encoding="utf-8")

    return mutate


def _set_kdf(field: str, value: object) -> Callable[[Path], None]:
    return _edit_key(lambda doc: doc["kdf"].__setitem__(field, value))


def _replace_in_key(old: str, new: str) -> Callable[[Path], None]:
    def mutate(profile: Path) -> None:
        text = (profile / KEY_FILE).read_text(encoding="utf-8")
        assert old in text
        (profile / KEY_FILE).write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def _key_to_directory(profile: Path) -> None:
    (profile / KEY_FILE).unlink()
    (profile / KEY_FILE).mkdir()


DAMAGE: dict[str, tuple[Callable[[Path], object], str, str]] = {
    # case: (mutation, VaultCorrupt's "what", words the Danish message must hold)
    "db_random_bytes": (_random_db, "database", "ikke en Feltmappe-database"),
    "db_plain_sqlite": (_plain_sqlite_db, "database", "ikke en Feltmappe-database"),
    "db_truncated_half": (_truncate(lambda n: n // 2), "database", "beskadiget"),
    "db_truncated_one_page": (_truncate(lambda n: 4096), "database", "beskadiget"),
    "db_truncated_last_byte": (_truncate(lambda n: n - 1), "database", "beskadiget"),
    "db_truncated_to_header": (_truncate(lambda n: 100), "database", "beskadiget"),
    "db_empty": (_truncate(lambda n: 0), "database", "beskadiget"),
    "db_missing": (lambda p: (p / DB_FILE).unlink(), "database_missing", "vault.db) mangler"),
    "key_missing": (lambda p: (p / KEY_FILE).unlink(), "key_missing", "vault.key) mangler"),
    "key_garbage": (
        lambda p: (p / KEY_FILE).write_bytes(os.urandom(300)),
        "key_file",
        "Nøglefilen",
    ),
    "key_empty": (lambda p: (p / KEY_FILE).write_bytes(b""), "key_file", "Nøglefilen"),
    "key_not_json": (
        lambda p: (p / KEY_FILE).write_text("vault key: hemmelig", encoding="utf-8"),
        "key_file",
        "Nøglefilen",
    ),
    "key_json_list": (
        lambda p: (p / KEY_FILE).write_text("[1, 2, 3]", encoding="utf-8"),
        "key_file",
        "Nøglefilen",
    ),
    "key_json_truncated": (
        lambda p: (p / KEY_FILE).write_bytes((p / KEY_FILE).read_bytes()[:120]),
        "key_file",
        "Nøglefilen",
    ),
    "key_json_field_removed": (_edit_key(lambda d: d.pop("wrap")), "key_file", "Nøglefilen"),
    "key_json_format_edited": (
        _edit_key(lambda d: d.__setitem__("format", "noget-andet")),
        "key_file",
        "Nøglefilen",
    ),
    "key_vault_id_edited": (
        _edit_key(lambda d: d.__setitem__("vault_id", "00000000-0000-0000-0000-000000000000")),
        "key_file",
        "Nøglefilen",
    ),
    "key_wrapped_key_edited": (
        _edit_key(lambda d: d["wrap"].__setitem__("key", "QUFBQQ==")),
        "key_file",
        "Nøglefilen",
    ),
    "key_checksum_edited": (
        _edit_key(lambda d: d.__setitem__("checksum", "0" * 64)),
        "key_file",
        "Nøglefilen",
    ),
    "kdf_time_cost_plausible": (_set_kdf("time_cost", 2), "key_file", "Nøglefilen"),
    "kdf_time_cost_zero": (_set_kdf("time_cost", 0), "key_file", "Nøglefilen"),
    "kdf_time_cost_negative": (_set_kdf("time_cost", -1), "key_file", "Nøglefilen"),
    "kdf_time_cost_text": (_set_kdf("time_cost", "tre"), "key_file", "Nøglefilen"),
    "kdf_memory_huge": (_set_kdf("memory_cost_kib", 2**40), "key_file", "Nøglefilen"),
    "kdf_parallelism_zero": (_set_kdf("parallelism", 0), "key_file", "Nøglefilen"),
    "kdf_salt_short": (_set_kdf("salt", "AAAA"), "key_file", "Nøglefilen"),
    "kdf_name_edited": (_set_kdf("name", "scrypt"), "key_file", "Nøglefilen"),
    "kdf_time_cost_nan": (_replace_in_key('"time_cost": 1', '"time_cost": NaN'), "key_file", ""),
    "key_is_a_directory": (
        _key_to_directory,
        "key_file",
        "Nøglefilen",
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_vault_is_corrupt_and_never_overwritten(profile: Path, case: str) -> None:
    mutate, what, words = DAMAGE[case]
    make_vault(profile)
    mutate(profile)
    before = snapshot(profile)
    with pytest.raises(VaultCorrupt) as exc:
        Vault.open(profile, PASSPHRASE)
    assert type(exc.value) is VaultCorrupt
    assert exc.value.params["what"] == what
    assert snapshot(profile) == before, "opening a damaged vault changed or added files"
    text = error_text(exc.value)
    assert words in text
    assert text.endswith("Filen er ikke ændret.")
    # Refused again on a second try: the first attempt left nothing that "repairs" it.
    with pytest.raises(VaultCorrupt):
        Vault.open(profile, PASSPHRASE)
    assert snapshot(profile) == before


def test_a_damaged_key_file_is_reported_before_the_passphrase_is_judged(profile: Path) -> None:
    make_vault(profile)
    _set_kdf("time_cost", 2)(profile)
    with pytest.raises(VaultCorrupt):
        Vault.open(profile, "forkert-frase-helt-sikkert")


def test_a_key_file_of_another_vault_is_corrupt_or_wrong_never_a_crash(tmp_path: Path) -> None:
    make_vault(tmp_path / "a")
    make_vault(tmp_path / "b")
    (tmp_path / "a" / KEY_FILE).write_bytes((tmp_path / "b" / KEY_FILE).read_bytes())
    before = snapshot(tmp_path / "a")
    with pytest.raises(VaultCorrupt):
        Vault.open(tmp_path / "a", PASSPHRASE)
    assert snapshot(tmp_path / "a") == before


def test_damage_to_any_page_is_found_never_a_crash(vault: Vault, profile: Path) -> None:
    """Damage each page in turn: unlocking refuses the vault as corrupt, or it opens and
    integrity_check() lists the problem. Never another exception, never a clean bill."""
    assert vault.integrity_check() == []
    with vault.session() as s:
        for i in range(60):
            services.create_person(s, f"Person {i}", note="x" * 500)
    vault.close()
    db = profile / DB_FILE
    original = db.read_bytes()
    page = 4096
    assert len(original) % page == 0
    outcomes = {"corrupt": 0, "reported": 0}
    for number in range(len(original) // page):
        damaged = bytearray(original)
        offset = number * page + 100
        damaged[offset : offset + 32] = bytes(b ^ 0xFF for b in damaged[offset : offset + 32])
        db.write_bytes(bytes(damaged))
        for sidecar in profile.glob(f"{DB_FILE}-*"):
            sidecar.unlink()
        before = snapshot(profile)
        try:
            reopened = Vault.open(profile, PASSPHRASE)
        except VaultCorrupt:
            assert snapshot(profile) == before
            outcomes["corrupt"] += 1
            continue
        with reopened:
            problems = reopened.integrity_check()
        assert problems, f"damage to page {number + 1} went unnoticed"
        assert all(isinstance(p, str) for p in problems)
        outcomes["reported"] += 1
    assert outcomes["corrupt"] and outcomes["reported"]


# -- change of passphrase --------------------------------------------------------------------


def test_change_passphrase_old_stops_working_new_works_data_intact(profile: Path) -> None:
    person_id = make_vault(profile, child="Ellie")
    with Vault.open(profile, PASSPHRASE) as vault:
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, repeat=NEW_PASSPHRASE)
        with vault.session() as s:  # the open vault keeps working
            assert services.get(s, Person, person_id).first_name == "Ellie"
    with pytest.raises(WrongPassphrase):
        Vault.open(profile, PASSPHRASE)
    assert first_name(profile, NEW_PASSPHRASE, person_id) == "Ellie"
    assert not (profile / (KEY_FILE + ".tmp")).exists()
    assert KeyFile.read(profile / KEY_FILE).params == FAST


@pytest.mark.parametrize(
    ("old", "new", "repeat", "error"),
    [
        ("forkert-frase-helt-sikkert", NEW_PASSPHRASE, NEW_PASSPHRASE, WrongPassphrase),
        (PASSPHRASE, NEW_PASSPHRASE, NEW_PASSPHRASE + "x", PassphraseMismatch),
        (PASSPHRASE, "kort", "kort", WeakPassphrase),
    ],
    ids=["wrong_old", "mismatch", "weak_new"],
)
def test_refused_change_of_passphrase_changes_nothing(
    profile: Path, old: str, new: str, repeat: str, error: type[Exception]
) -> None:
    person_id = make_vault(profile)
    before = snapshot(profile)
    with Vault.open(profile, PASSPHRASE) as vault:
        key_before = (profile / KEY_FILE).read_bytes()
        with pytest.raises(error):
            vault.change_passphrase(old, new, repeat=repeat)
        assert (profile / KEY_FILE).read_bytes() == key_before
    after = snapshot(profile)
    assert after[KEY_FILE] == before[KEY_FILE]
    assert sorted(after) == sorted(before)
    assert first_name(profile, PASSPHRASE, person_id) == "Aske"
    with pytest.raises(WrongPassphrase):
        Vault.open(profile, new)


def test_failed_rename_during_change_keeps_the_old_passphrase(
    profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person_id = make_vault(profile)
    with Vault.open(profile, PASSPHRASE) as vault:

        def broken_replace(self: Path, target: object) -> Path:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(Path, "replace", broken_replace)
        with pytest.raises(OSError, match="Input/output"):
            vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        monkeypatch.undo()
    assert not (profile / (KEY_FILE + ".tmp")).exists()
    assert first_name(profile, PASSPHRASE, person_id) == "Aske"
    with pytest.raises(WrongPassphrase):
        Vault.open(profile, NEW_PASSPHRASE)


# A child process that changes the passphrase and is killed (SIGKILL, no clean-up of any kind)
# at one point of the key file's atomic write.
_CRASH_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import models.keyfile
    from models.vault import Vault

    profile, old, new, point = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    vault = Vault.open(profile, old)

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "before_rename":
        Path.replace = die
    elif point == "after_rename":
        models.keyfile.fsync_dir = die
    vault.change_passphrase(old, new)
    print("completed", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize(
    ("point", "works"),
    [("before_rename", PASSPHRASE), ("after_rename", NEW_PASSPHRASE)],
    ids=["before_rename", "after_rename"],
)
def test_crash_during_change_leaves_one_working_passphrase(
    profile: Path, point: str, works: str
) -> None:
    person_id = make_vault(profile)
    proc = subprocess.run(
        [sys.executable, "-c", _CRASH_CHILD, str(profile), PASSPHRASE, NEW_PASSPHRASE, point],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "completed" not in proc.stdout
    if point == "before_rename":
        # The new key file was written in full, but never renamed into place.
        leftover = KeyFile.read(profile / (KEY_FILE + ".tmp"))
        assert leftover.unwrap(NEW_PASSPHRASE)
    other = NEW_PASSPHRASE if works == PASSPHRASE else PASSPHRASE
    assert first_name(profile, works, person_id) == "Aske"
    with pytest.raises(WrongPassphrase):
        Vault.open(profile, other)
    # The next change of passphrase succeeds and leaves no temporary file behind.
    with Vault.open(profile, works) as vault:
        vault.change_passphrase(works, other)
    assert not (profile / (KEY_FILE + ".tmp")).exists()
    assert first_name(profile, other, person_id) == "Aske"


@pytest.mark.parametrize("content", [b"", b"\x00" * 100, b'{"format": "feltmappe-vault-'])
def test_leftover_temporary_key_file_does_not_break_opening(profile: Path, content: bytes) -> None:
    person_id = make_vault(profile)
    (profile / (KEY_FILE + ".tmp")).write_bytes(content)
    assert first_name(profile, PASSPHRASE, person_id) == "Aske"
    with Vault.open(profile, PASSPHRASE) as vault:
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    assert not (profile / (KEY_FILE + ".tmp")).exists()
    assert first_name(profile, NEW_PASSPHRASE, person_id) == "Aske"


# -- SQLCipher settings ----------------------------------------------------------------------


def test_open_vault_pragmas(vault: Vault, profile: Path) -> None:
    # Several connections: every one of them gets the settings, not just the first.
    conns = [vault.engine.connect() for _ in range(3)]
    try:
        for conn in conns:

            def pragma(name: str, conn: object = conn) -> object:
                return conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # type: ignore[attr-defined]

            assert str(pragma("journal_mode")).lower() == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("temp_store") == 2  # MEMORY
            assert pragma("foreign_keys") == 1
            assert str(pragma("cipher_version")).startswith("4.")
    finally:
        for conn in conns:
            conn.close()
    db = profile / DB_FILE
    assert not is_sqlite_plaintext(db)
    assert not db.read_bytes().startswith(b"SQLite format 3")


def test_is_sqlite_plaintext_recognises_a_plain_database(tmp_path: Path) -> None:
    (tmp_path / DB_FILE).touch()
    _plain_sqlite_db(tmp_path)  # asserts is_sqlite_plaintext itself


def test_vault_from_a_newer_version_is_refused_untouched(profile: Path) -> None:
    from sqlalchemy import text

    from desktop.messages import error_text
    from models.errors import VaultTooNew

    v = Vault.create(profile, PASSPHRASE, user="u", kdf=KdfParams.fast())
    with v.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    v.close()
    before = {p.name: p.read_bytes() for p in profile.iterdir() if p.is_file()}
    with pytest.raises(VaultTooNew) as exc:
        Vault.open(profile, PASSPHRASE)
    assert "nyere version" in error_text(exc.value)
    after = {p.name: p.read_bytes() for p in profile.iterdir() if p.is_file()}
    assert before == after
    assert not (profile / "backups").exists()


def test_passphrase_unicode_normalisation(profile: Path) -> None:
    import unicodedata

    composed = "blå-æble-hæfteklamme-øre"
    Vault.create(profile, composed, user="u", kdf=KdfParams.fast()).close()
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    Vault.open(profile, decomposed).close()


def test_change_passphrase_on_locked_vault_is_refused(profile: Path) -> None:
    from models.errors import VaultLocked

    v = Vault.create(profile, PASSPHRASE, user="u", kdf=KdfParams.fast())
    v.close()
    with pytest.raises(VaultLocked):
        v.change_passphrase(PASSPHRASE, "en-helt-anden-lang-frase-9")
    Vault.open(profile, PASSPHRASE).close()


def test_close_checkpoints_the_wal_and_vacuum_runs(profile: Path) -> None:
    v = Vault.create(profile, PASSPHRASE, user="u", kdf=KdfParams.fast())
    with v.session() as s:
        child, _ = services.create_person(s, "Emma", "Hansen")
        case = services.create_case(s, child, opened_on=date(2026, 1, 5))
        for _ in range(50):
            services.add_note(s, case, "Notat", "tekst " * 200)
    wal = profile / "vault.db-wal"
    assert wal.stat().st_size > 0
    with v.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Maintenance that SQLite refuses inside a transaction runs on an AUTOCOMMIT connection.
        conn.exec_driver_sql("VACUUM")
        busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    assert busy == 0
    assert wal.stat().st_size == 0
    v.close()
    assert not wal.exists() or wal.stat().st_size == 0
