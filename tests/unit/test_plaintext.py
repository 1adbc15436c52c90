"""Nothing plaintext on disk: after real work on a case (through the service layer, with logging
on), no byte of any file in the profile holds a name, a CPR number, an address or note text, in
UTF-8 or UTF-16, whether the WAL has been checkpointed or not. Nothing is written outside it."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desktop.logsetup import setup_logging
from models import services
from models.keyfile import KdfParams
from models.profile import DB_FILE, LOG_DIR
from models.schema import (
    Agreement,
    Assessment,
    Meeting,
    Notification,
    Plan,
    ScaleReading,
)
from models.vault import Vault, _backup
from models.vocabulary import (
    AgreementKind,
    AuditAction,
    MeetingKind,
    NotifierKind,
    PartyRole,
    PlanKind,
    RelationKind,
    RelationQuality,
    ScaleKind,
)
from tests.conftest import PASSPHRASE

NEW_PASSPHRASE = "blå-kajak-under-birketræ-42"

CPR = "240812-7913"  # 24 Aug 2012; fails modulus 11 (allowed, gives a warning)
CPR_DIGITS = CPR.replace("-", "")

# Every value is unique enough that a hit can only be a leak.
CHILD = ("Ysolde-Marigold", "Quennevigsen")
MOTHER = ("Brunhildur", "Vantaskogsdóttir")
FATHER = ("Osvaldino", "Ferreqvistø")
TEXTS = {
    "address": "Pindsvinestien 4711, 9999 Kragemøse",
    "phone": "71239854",
    "email": "ysolde.quennevig@eksempel.dk",
    "child_note": "Elsker heste og tegner QX-BARN-1187",
    "note_title": "Bekymring om natten QX-TITEL-4410",
    "note_body": "Moren fortalte om skrammer på armen QX-KROP-5521 og søvnløse nætter",
    "draft_edit": "Tilføjet efter opringning QX-RETTET-6034",
    "correction": "Rettelse: skrammerne var fra fodbold QX-RETTELSE-2290",
    "notifier": "Lærer Ingeborg Sprøjtesen",
    "notification": "Skolen underretter om blå mærker QX-UNDERRETNING-8841",
    "assessment": "Undersøgelsen viser QX-UNDERSOEGELSE-3157",
    "plan_purpose": "Formål QX-PLAN-3390: tryg skolegang og fritidsliv",
    "plan_goal": "Mål QX-MAAL-6621: møder i skole fire dage om ugen",
    "meeting_notes": "Mødenoter QX-MOEDE-7702: netværket aftalte weekendaflastning",
    "worry": "Bekymring QX-SOS-4418 om fars vrede",
    "action": "Mormor henter om fredagen QX-HANDLING-9051",
    "agreement": "Sikkerhedsplan QX-AFTALE-3311 ved konflikt",
    "relation": "Konflikt om samvær QX-RELATION-1206",
    "scale": "Barnet sagde QX-SKALA-8080 om skolen",
}


def needles() -> list[tuple[str, bytes]]:
    """(label, bytes) for every marker in every encoding a leak could have."""
    texts = {
        "cpr": CPR,
        "cpr_digits": CPR_DIGITS,
        **{f"name{i}": n for i, n in enumerate(CHILD + MOTHER + FATHER)},
        "child_full": " ".join(CHILD),
        **TEXTS,
    }
    out: list[tuple[str, bytes]] = []
    for label, value in texts.items():
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            try:
                out.append((f"{label}/{encoding}", value.encode(encoding)))
            except UnicodeEncodeError:
                continue
    return out


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def leaks(root: Path) -> list[str]:
    hits = []
    for path in files_under(root):
        data = path.read_bytes()
        hits += [f"{path.relative_to(root)}: {label}" for label, n in needles() if n in data]
    return hits


def write_case(vault: Vault) -> str:
    """A case full of markers, written and then viewed and changed the ways the app does."""
    now = datetime.now(UTC)
    with vault.session() as s:
        child, warnings = services.create_person(
            s,
            CHILD[0],
            CHILD[1],
            cpr=CPR,
            address=TEXTS["address"],
            phone=TEXTS["phone"],
            email=TEXTS["email"],
            note=TEXTS["child_note"],
        )
        assert warnings == ["cpr.modulus11"]
        mother, _ = services.create_person(s, *MOTHER, address=TEXTS["address"])
        father, _ = services.create_person(s, *FATHER)
        case = services.create_case(s, child, opened_on=date.today(), team="Team Nord")
        services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        services.add_party(s, case, father, PartyRole.FORAELDER)
        services.add_relation(
            s, case, father, child, RelationKind.FORAELDER_BARN, RelationQuality.KONFLIKT,
            note=TEXTS["relation"],
        )  # fmt: skip
        services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=now,
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_name=TEXTS["notifier"],
                summary=TEXTS["notification"],
                answers={"bekymring": TEXTS["notification"]},
            ),
        )
        services.add(
            s,
            Assessment(
                case_id=case.id,
                aware_on=date.today(),
                started_on=date.today(),
                summary=TEXTS["assessment"],
            ),
        )
        services.add(
            s,
            Plan(
                case_id=case.id,
                kind=PlanKind.HANDLEPLAN,
                purpose=TEXTS["plan_purpose"],
                goals=[{"text": TEXTS["plan_goal"], "ics": "udvikling"}],
            ),
        )
        meeting = services.add(
            s,
            Meeting(
                case_id=case.id,
                kind=MeetingKind.NETVAERKSMOEDE,
                held_at=now,
                attendees=[" ".join(MOTHER), " ".join(FATHER)],
                notes=TEXTS["meeting_notes"],
                signs_of_safety={"worries": [TEXTS["worry"]]},
                action_items=[{"text": TEXTS["action"]}],
            ),
        )
        services.add(
            s,
            ScaleReading(
                case_id=case.id,
                scale=ScaleKind.TRIVSELSLINEAL,
                value=4,
                rated_at=now,
                meeting_id=meeting.id,
                comment=TEXTS["scale"],
            ),
        )
        services.add(
            s,
            Agreement(
                case_id=case.id,
                kind=AgreementKind.SIKKERHEDSPLAN,
                text=TEXTS["agreement"],
                parties=[" ".join(MOTHER)],
            ),
        )
        services.add_note(s, case, TEXTS["note_title"], TEXTS["note_body"])
        case_id = case.id
    # Views and changes, each its own unit of work, as the screens do.
    with vault.session() as s:
        services.open_case(s, case_id)
        services.list_cases(s)
        services.case_parties(s, case_id)
        (note,) = services.notes_for_case(s, case_id)
        services.edit_draft(s, note, title=note.title, body=f"{note.body}\n{TEXTS['draft_edit']}")
    with vault.session() as s:
        (note,) = services.notes_for_case(s, case_id)
        services.finalise_note(s, note)
        services.record_access(s, case_id, AuditAction.VIST, "journal_note", note.id)
    with vault.session() as s:
        (note,) = services.notes_for_case(s, case_id)
        services.correct_note(s, note, "Rettelse", TEXTS["correction"])
        services.audit_log(s, case_id)
    logging.getLogger("feltmappe.test").info("viewed case %s", case_id)
    return case_id


def assert_really_stored(vault: Vault, case_id: str) -> None:
    """The markers are in the vault (so finding none on disk means they are encrypted)."""
    with vault.session() as s:
        rows = services.list_cases(s)
        assert [(r.case_id, r.child_name) for r in rows] == [(case_id, " ".join(CHILD))]
        assert rows[0].cpr in (CPR, CPR_DIGITS)
        bodies = [n.body for n in services.notes_for_case(s, case_id)]
    assert any(TEXTS["note_body"] in b for b in bodies)
    assert TEXTS["correction"] in bodies


@pytest.fixture
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process's temporary directory, pointed at an empty folder for the test."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for var in ("TMPDIR", "TEMP", "TMP", "SQLITE_TMPDIR"):
        monkeypatch.setenv(var, str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert tempfile.gettempdir() == str(tmp)
    yield tmp


@pytest.fixture
def logging_to(profile: Path) -> Iterator[Path]:
    path = setup_logging(profile)
    assert path is not None
    try:
        yield path
    finally:
        setup_logging(None)


def test_the_scanner_finds_plaintext_when_there_is_some(tmp_path: Path) -> None:
    # Control: a plain SQLite file in UTF-16 and a UTF-8 log line are found.
    with closing(sqlite3.connect(tmp_path / "plain.db")) as conn:
        conn.execute("PRAGMA encoding = 'UTF-16le'")
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (TEXTS["note_body"],))
        conn.commit()
    (tmp_path / "log.txt").write_text(f"cpr {CPR_DIGITS}\n", encoding="utf-8")
    found = leaks(tmp_path)
    assert "plain.db: note_body/utf-16-le" in found
    assert "log.txt: cpr_digits/utf-8" in found


def test_nothing_plaintext_on_disk_after_close(
    tmp_path: Path, profile: Path, private_tmpdir: Path, logging_to: Path
) -> None:
    with Vault.create(profile, PASSPHRASE, user="a.raadgiver", kdf=KdfParams.fast()) as vault:
        case_id = write_case(vault)
        assert_really_stored(vault, case_id)
        _backup(profile, vault.engine, "test")  # a backup copy holding the case
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    with Vault.open(profile, NEW_PASSPHRASE) as vault, vault.session() as s:
        services.open_case(s, case_id)
    logging.getLogger("feltmappe").handlers[0].flush()

    names = {str(p.relative_to(profile)) for p in files_under(profile)}
    assert DB_FILE in names
    assert f"{LOG_DIR}/feltmappe.log" in names
    assert any(n.startswith("backups/") for n in names)
    assert (profile / LOG_DIR / "feltmappe.log").stat().st_size > 0
    assert leaks(profile) == []
    # Nothing outside the profile: the temporary directory is empty, and the test's own folder
    # holds only the profile and that directory.
    assert list(private_tmpdir.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([profile.name, "tmp"])


def test_nothing_plaintext_on_disk_with_the_wal_not_checkpointed(
    tmp_path: Path, profile: Path, private_tmpdir: Path, logging_to: Path
) -> None:
    vault = Vault.create(profile, PASSPHRASE, user="a.raadgiver", kdf=KdfParams.fast())
    try:
        case_id = write_case(vault)
        assert_really_stored(vault, case_id)
        # Still open: the commits sit in the WAL (encrypted), not yet in the main file.
        wal = profile / f"{DB_FILE}-wal"
        assert wal.exists() and wal.stat().st_size > 0
        logging.getLogger("feltmappe").handlers[0].flush()
        assert leaks(profile) == []
        assert list(private_tmpdir.iterdir()) == []
    finally:
        vault.close()
    assert leaks(profile) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([profile.name, "tmp"])
