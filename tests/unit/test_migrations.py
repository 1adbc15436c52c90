"""Schema migrations: a vault made at the first schema is upgraded to head on unlock, after an
encrypted backup copy is taken; the data survives and the later protections apply to it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from models import migrations, services
from models.keyfile import KdfParams, KeyFile, new_data_key
from models.profile import BACKUP_DIR, DB_FILE, KEY_FILE
from models.schema import Case, JournalNote, Person
from models.vault import Vault, is_sqlite_plaintext, make_engine
from tests.conftest import PASSPHRASE

FIRST = "0001"
WHEN = "2026-01-05 10:00:00.000000"  # SQLAlchemy's storage format for DateTime on SQLite
IDS = {name: str(uuid.uuid4()) for name in ("vault", "device", "child", "case", "final", "draft")}

_SYNCED = "id, case_id, rev, updated_at, updated_by, deleted_at"


def _seed(engine: Engine) -> None:
    """Rows written with plain SQL, as version 0001 of the app would have left them."""
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO local_setting (key, value) VALUES (:k, :v)"),
            [
                {"k": "vault_id", "v": IDS["vault"]},
                {"k": "user", "v": "gammel.raadgiver"},
                {"k": "display_name", "v": "Gammel Rådgiver"},
                {"k": "device", "v": IDS["device"]},
            ],
        )
        conn.execute(
            text(
                "INSERT INTO person (first_name, last_name, cpr, birth_date, unborn, address, "
                f"phone, email, note, {_SYNCED}) VALUES ('Freja', 'Lund', '0103152344', "
                "'2015-03-01', 0, 'Skovvej 1', '', '', '', :id, NULL, 0, :at, 'u', NULL)"
            ),
            {"id": IDS["child"], "at": WHEN},
        )
        conn.execute(
            text(
                'INSERT INTO "case" (case_number, child_id, stage, team, district, opened_on, '
                f"{_SYNCED}) VALUES ('2026-00001', :child, 'underretning', '', '', "
                "'2026-01-05', :id, :id, 0, :at, 'u', NULL)"
            ),
            {"child": IDS["child"], "id": IDS["case"], "at": WHEN},
        )
        note_sql = text(
            "INSERT INTO journal_note (title, body, author, written_at, finalised_at, "
            f"corrects_id, {_SYNCED}) VALUES (:title, :body, 'u', :at, :final, NULL, :id, "
            ":case, 0, :at, 'u', NULL)"
        )
        conn.execute(
            note_sql,
            [
                {
                    "title": "Hjemmebesøg",
                    "body": "Afsluttet notat fra version 1.",
                    "at": WHEN,
                    "final": WHEN,
                    "id": IDS["final"],
                    "case": IDS["case"],
                },
                {
                    "title": "Kladde",
                    "body": "Endnu ikke afsluttet.",
                    "at": WHEN,
                    "final": None,
                    "id": IDS["draft"],
                    "case": IDS["case"],
                },
            ],
        )


@pytest.fixture
def old_vault(profile: Path) -> bytes:
    """A closed vault at the first schema revision; returns its data key."""
    profile.mkdir(parents=True)
    data_key = new_data_key()
    engine = make_engine(profile / DB_FILE, data_key)
    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, FIRST)
        _seed(engine)
        with engine.connect() as conn:
            assert migrations.current_revision(conn) == FIRST
    finally:
        engine.dispose()
    KeyFile.wrap(data_key, PASSPHRASE, IDS["vault"], KdfParams.fast()).write(profile / KEY_FILE)
    return data_key


def _revision(db: Path, data_key: bytes) -> str | None:
    engine = make_engine(db, data_key)
    try:
        with engine.connect() as conn:
            return migrations.current_revision(conn)
    finally:
        engine.dispose()


def _triggers(db: Path, data_key: bytes) -> set[str]:
    engine = make_engine(db, data_key)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            return {r[0] for r in rows}
    finally:
        engine.dispose()


def test_first_schema_is_not_head() -> None:
    # Otherwise the tests below would prove nothing.
    assert migrations.head_revision() != FIRST


def test_fresh_vault_is_at_head_without_a_backup(vault: Vault, profile: Path) -> None:
    with vault.engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.head_revision()
    assert not (profile / BACKUP_DIR).exists()


def test_unlock_upgrades_an_old_vault_after_a_backup(profile: Path, old_vault: bytes) -> None:
    data_key = old_vault
    assert not (profile / BACKUP_DIR).exists()
    with Vault.open(profile, PASSPHRASE) as vault:
        with vault.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.head_revision()
        # Identity and data from the first version are all there.
        assert vault.vault_id == IDS["vault"]
        assert vault.user == "gammel.raadgiver"
        assert vault.device == IDS["device"]
        assert vault.setting("display_name") == "Gammel Rådgiver"
        with vault.session() as s:
            child = services.get(s, Person, IDS["child"])
            assert (child.first_name, child.last_name, child.cpr) == ("Freja", "Lund", "0103152344")
            case = services.get(s, Case, IDS["case"])
            assert case.case_number == "2026-00001"
            assert case.child_id == child.id
            final = services.get(s, JournalNote, IDS["final"])
            assert final.body == "Afsluttet notat fra version 1."
            assert final.finalised_at is not None
            draft = services.get(s, JournalNote, IDS["draft"])
            assert draft.finalised_at is None
            notes = {n.id for n in services.notes_for_case(s, case.id)}
            assert notes == {IDS["final"], IDS["draft"]}
        assert vault.integrity_check() == []

    # The backup: one encrypted copy, opening with the same key, still at the first revision.
    backups = sorted((profile / BACKUP_DIR).iterdir())
    assert len(backups) == 1
    backup = backups[0]
    assert backup.name.startswith(f"vault-{FIRST}-") and backup.suffix == ".db"
    assert not is_sqlite_plaintext(backup)
    assert _revision(backup, data_key) == FIRST
    assert not _triggers(backup, data_key)
    engine = make_engine(backup, data_key)
    try:
        with engine.connect() as conn:
            body = conn.execute(
                text("SELECT body FROM journal_note WHERE id = :id"), {"id": IDS["final"]}
            ).scalar()
        assert body == "Afsluttet notat fra version 1."
    finally:
        engine.dispose()
    assert "journal_note_finalised_no_update" in _triggers(profile / DB_FILE, data_key)

    # Opening again takes no second backup: the vault is at head now.
    with Vault.open(profile, PASSPHRASE):
        pass
    assert sorted((profile / BACKUP_DIR).iterdir()) == backups


def test_after_upgrade_a_finalised_note_cannot_be_changed_by_sql(
    profile: Path, old_vault: bytes
) -> None:
    with Vault.open(profile, PASSPHRASE) as vault:
        with pytest.raises(DBAPIError, match="immutable"), vault.engine.begin() as conn:
            conn.execute(
                text("UPDATE journal_note SET body = 'ændret' WHERE id = :id"),
                {"id": IDS["final"]},
            )
        with pytest.raises(DBAPIError, match="immutable"), vault.engine.begin() as conn:
            conn.execute(text("DELETE FROM journal_note WHERE id = :id"), {"id": IDS["final"]})
        # A draft from the old version is still a draft: it may be edited and finalised.
        with vault.engine.begin() as conn:
            conn.execute(
                text("UPDATE journal_note SET body = 'Rettet kladde.' WHERE id = :id"),
                {"id": IDS["draft"]},
            )
        with vault.session() as s:
            note = services.get(s, JournalNote, IDS["draft"])
            services.finalise_note(s, note)
        with pytest.raises(DBAPIError, match="immutable"), vault.engine.begin() as conn:
            conn.execute(
                text("UPDATE journal_note SET title = 'x' WHERE id = :id"), {"id": IDS["draft"]}
            )
        with vault.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, body FROM journal_note")).all()
    bodies = {str(r[0]): str(r[1]) for r in rows}
    assert bodies == {
        IDS["final"]: "Afsluttet notat fra version 1.",
        IDS["draft"]: "Rettet kladde.",
    }


def test_the_backup_opens_as_a_vault_of_its_own(
    profile: Path, old_vault: bytes, tmp_path: Path
) -> None:
    """Restoring = putting the backup back as vault.db beside the key file."""
    with Vault.open(profile, PASSPHRASE):
        pass
    (backup,) = (profile / BACKUP_DIR).iterdir()
    restored = tmp_path / "gendannet"
    restored.mkdir()
    (restored / DB_FILE).write_bytes(backup.read_bytes())
    (restored / KEY_FILE).write_bytes((profile / KEY_FILE).read_bytes())
    with Vault.open(restored, PASSPHRASE) as vault:
        with vault.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.head_revision()
        with vault.session() as s:
            assert services.get(s, Person, IDS["child"]).first_name == "Freja"


def test_meetings_get_form_answers_columns_and_lose_them_on_downgrade(profile: Path) -> None:
    """Migration 0008: a meeting keeps form answers (børnesamtale, hjemmebesøg); a meeting from
    before has no form and an empty answers object, and going back to 0007 keeps the meeting."""
    from models.schema import Meeting

    profile.mkdir(parents=True)
    data_key = new_data_key()
    ids = {name: str(uuid.uuid4()) for name in ("vault", "device", "meeting")}
    engine = make_engine(profile / DB_FILE, data_key)

    def meeting_columns() -> set[str]:
        with engine.connect() as conn:
            return {str(r[1]) for r in conn.execute(text("PRAGMA table_info(meeting)"))}

    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, "0007")
            conn.execute(
                text("INSERT INTO local_setting (key, value) VALUES (:k, :v)"),
                [
                    {"k": "vault_id", "v": ids["vault"]},
                    {"k": "user", "v": "gammel.raadgiver"},
                    {"k": "device", "v": ids["device"]},
                ],
            )
            conn.execute(
                text(
                    "INSERT INTO meeting (kind, held_at, planned_at, location, attendees, "
                    "child_alone, notes, signs_of_safety, action_items, not_held_reason, "
                    f"{_SYNCED}) VALUES ('hjemmebesoeg', :at, :at, 'Hjemmet', '[]', NULL, "
                    "'Ryddeligt hjem.', '{}', '[]', '', :id, NULL, 0, :at, 'u', NULL)"
                ),
                {"id": ids["meeting"], "at": WHEN},
            )
        assert not {"form_id", "form_version", "answers"} & meeting_columns()
    finally:
        engine.dispose()
    KeyFile.wrap(data_key, PASSPHRASE, ids["vault"], KdfParams.fast()).write(profile / KEY_FILE)

    with Vault.open(profile, PASSPHRASE) as vault:
        with vault.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.head_revision()
        with vault.session() as s:
            old = services.get(s, Meeting, ids["meeting"])
            assert (old.form_id, old.form_version, old.answers) == (None, None, {})
            assert old.notes == "Ryddeligt hjem."
            services.update(
                s, old, form_id="hjemmebesoeg", form_version=1, answers={"holdt": {"value": True}}
            )
        with vault.reading() as s:
            assert s.get_one(Meeting, ids["meeting"]).answers == {"holdt": {"value": True}}
        assert vault.integrity_check() == []

    engine = make_engine(profile / DB_FILE, data_key)
    try:
        with engine.begin() as conn:
            migrations.VAULT.downgrade(conn, "0007")
        assert {"form_id", "form_version", "answers"}.isdisjoint(meeting_columns())
        with engine.connect() as conn:
            notes = conn.execute(
                text("SELECT notes FROM meeting WHERE id = :id"), {"id": ids["meeting"]}
            ).scalar()
        assert notes == "Ryddeligt hjem."
        with engine.begin() as conn:
            migrations.upgrade(conn)
        assert {"form_id", "form_version", "answers"} <= meeting_columns()
    finally:
        engine.dispose()
