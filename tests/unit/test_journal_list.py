"""What the journal's list and the timeline read of a case's notes, without Qt: the note rows
(columns, oldest first, tombstones left out, the type kept), the users' names, and a note's
timeline event (its type and whole text, CPR masked; drafts are not events)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from models import services
from models.schema import Case, User
from models.timeline import TimelineKind, case_timeline
from models.vault import Vault
from models.vocabulary import NoteKind

NOW = datetime.now(UTC)


def make_case(vault: Vault) -> str:
    with vault.session() as s:
        child, _ = services.create_person(s, "Ida", "Nielsen", birth_date=date(2015, 3, 4))
        return services.create_case(s, child, opened_on=date(2024, 1, 10)).id


def test_note_rows_are_the_live_notes_oldest_first_with_their_type(vault: Vault) -> None:
    case_id = make_case(vault)
    with vault.session() as s:
        case = services.get(s, Case, case_id)
        late = services.add_note(s, case, "Senere", "B", written_at=NOW, kind=NoteKind.TELEFON)
        early = services.add_note(s, case, "Først", "A", written_at=NOW - timedelta(days=2))
        gone = services.add_note(s, case, "Slettet", "C", written_at=NOW - timedelta(days=1))
        services.soft_delete(s, gone)
        services.finalise_note(s, early)
        ids = (early.id, late.id)
    with vault.reading() as s:
        rows = services.note_rows(s, case_id)
    assert [r.note_id for r in rows] == list(ids)
    assert [r.kind for r in rows] == [NoteKind.NOTAT, NoteKind.TELEFON]
    assert rows[0].finalised_at is not None and rows[1].finalised_at is None
    assert rows[0].author == "test.raadgiver"
    assert rows[0].written_at.tzinfo is not None
    with vault.reading() as s:
        assert services.note_rows(s, "no-such-case") == []


def test_user_names_leave_out_deleted_and_nameless_users(vault: Vault) -> None:
    with vault.session() as s:
        services.add(s, User(username="mette.r", display_name="Mette Rådgiver"))
        services.add(s, User(username="uden.navn", display_name=""))
        old = services.add(s, User(username="gammel", display_name="Gammel Bruger"))
        services.soft_delete(s, old)
    with vault.reading() as s:
        assert services.user_names(s) == {"mette.r": "Mette Rådgiver"}


def test_a_finalised_notes_event_has_its_type_and_whole_text_with_cpr_masked(
    vault: Vault,
) -> None:
    case_id = make_case(vault)
    body = "Mor ringede om Ida (CPR 040315-1234). " + "Lang tekst. " * 30 + "Sidste sætning."
    with vault.session() as s:
        case = services.get(s, Case, case_id)
        note = services.add_note(s, case, "Opkald", body, kind=NoteKind.TELEFON)
        services.finalise_note(s, note)
        services.add_note(s, case, "Kladde", "Endnu ikke et notat.")
    with vault.reading() as s:
        events = [e for e in case_timeline(s, case_id) if e.entity == "journal_note"]
    assert len(events) == 1  # the draft is not a record yet
    event = events[0]
    assert event.kind is TimelineKind.JOURNALNOTAT
    assert event.full.startswith("Opkald (Telefonsamtale)")
    assert event.full.endswith("Sidste sætning.")
    assert "040315-1234" not in event.full and "040315-1234" not in event.detail
    assert len(event.detail) <= 120
