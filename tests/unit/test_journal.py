"""Journal notes are records (DOMAIN.md): a draft can be edited, a finalised note never, neither
through the service layer nor by SQL; a correction is a new note that points at the old one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.messages import error_text
from models import services, tracking
from models.errors import ImmutableRecord, ValidationError
from models.schema import Case, ChangeEntry, JournalNote
from models.vault import Vault


def make_case(vault: Vault) -> str:
    with vault.session() as s:
        child, _ = services.create_person(s, "Ida", "Nielsen", birth_date=date(2015, 3, 4))
        return services.create_case(s, child, opened_on=date(2024, 1, 10)).id


def make_note(vault: Vault, case_id: str, *, final: bool) -> str:
    with vault.session() as s:
        case = services.get(s, Case, case_id)
        note = services.add_note(s, case, "Hjemmebesøg", "Mor og Ida var hjemme.")
        if final:
            services.finalise_note(s, note)
        return note.id


def row(vault: Vault, note_id: str) -> dict[str, Any]:
    with vault.engine.connect() as conn:
        found = conn.execute(
            text("SELECT * FROM journal_note WHERE id = :id"), {"id": note_id}
        ).mappings()
        return dict(found.one())


@pytest.fixture
def case_id(vault: Vault) -> str:
    return make_case(vault)


@pytest.fixture
def final_id(vault: Vault, case_id: str) -> str:
    return make_note(vault, case_id, final=True)


def test_draft_can_be_edited(vault: Vault, case_id: str) -> None:
    note_id = make_note(vault, case_id, final=False)
    with vault.session() as s:
        note = services.get(s, JournalNote, note_id)
        services.edit_draft(s, note, title=" Hjemmebesøg 2 ", body="Rettet tekst.")
    stored = row(vault, note_id)
    assert stored["title"] == "Hjemmebesøg 2"
    assert stored["body"] == "Rettet tekst."
    assert stored["finalised_at"] is None


def test_finalise_stamps_the_note(vault: Vault, final_id: str) -> None:
    with vault.session() as s:
        note = services.get(s, JournalNote, final_id)
        assert note.finalised_at is not None
        finalised_at = note.finalised_at
        # Finalising twice changes nothing.
        assert services.finalise_note(s, note).finalised_at == finalised_at


def _edit_draft(s: Session, note: JournalNote) -> None:
    services.edit_draft(s, note, title="Ændret", body="Ændret")


def _update(s: Session, note: JournalNote) -> None:
    services.update(s, note, body="Ændret")


def _setattr(s: Session, note: JournalNote) -> None:
    note.body = "Ændret"


def _unfinalise(s: Session, note: JournalNote) -> None:
    note.finalised_at = None
    note.body = "Ændret"


def _soft_delete(s: Session, note: JournalNote) -> None:
    services.soft_delete(s, note)


def _expired_then_set(s: Session, note: JournalNote) -> None:
    # An object whose attributes are not loaded (after expiry) still knows it is a record.
    s.expire(note)
    note.body = "Ændret"


@pytest.mark.parametrize(
    "change", [_edit_draft, _update, _setattr, _unfinalise, _soft_delete, _expired_then_set]
)
def test_finalised_note_cannot_be_changed_through_the_service_layer(
    vault: Vault, final_id: str, change: Callable[[Session, JournalNote], None]
) -> None:
    before = row(vault, final_id)
    with pytest.raises(ImmutableRecord) as exc, vault.session() as s:
        change(s, services.get(s, JournalNote, final_id))
    assert exc.value.code == "record.immutable"
    assert "kan ikke ændres" in error_text(exc.value)
    assert row(vault, final_id) == before


def test_finalised_note_cannot_be_hard_deleted_through_the_orm(vault: Vault, final_id: str) -> None:
    before = row(vault, final_id)
    with pytest.raises(ImmutableRecord) as exc, vault.session() as s:
        s.delete(services.get(s, JournalNote, final_id))
    assert exc.value.code == "record.hard_delete"
    assert row(vault, final_id) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_note SET body = 'Ændret' WHERE id = :id",
        "UPDATE journal_note SET finalised_at = NULL WHERE id = :id",
        "UPDATE journal_note SET deleted_at = '2024-01-01 00:00:00' WHERE id = :id",
        "DELETE FROM journal_note WHERE id = :id",
        "DELETE FROM journal_note",
    ],
)
def test_finalised_note_cannot_be_changed_by_sql(vault: Vault, final_id: str, sql: str) -> None:
    before = row(vault, final_id)
    with pytest.raises(IntegrityError, match="immutable"), vault.engine.begin() as conn:
        conn.execute(text(sql), {"id": final_id})
    assert row(vault, final_id) == before


def test_sync_may_stamp_the_revision_of_a_finalised_note(vault: Vault, final_id: str) -> None:
    with vault.engine.begin() as conn:
        conn.execute(text("UPDATE journal_note SET rev = 7 WHERE id = :id"), {"id": final_id})
    assert row(vault, final_id)["rev"] == 7


def test_draft_can_be_changed_and_deleted_by_sql(vault: Vault, case_id: str) -> None:
    note_id = make_note(vault, case_id, final=False)
    with vault.engine.begin() as conn:
        conn.execute(text("UPDATE journal_note SET body = 'x' WHERE id = :id"), {"id": note_id})
        conn.execute(text("DELETE FROM change_entry"))
        conn.execute(text("DELETE FROM journal_note WHERE id = :id"), {"id": note_id})


def test_correction_is_a_new_note_pointing_at_the_original(vault: Vault, final_id: str) -> None:
    before = row(vault, final_id)
    with vault.session() as s:
        original = services.get(s, JournalNote, final_id)
        correction = services.correct_note(s, original, "Rettelse", "Det var far, ikke mor.")
        correction_id = correction.id
    assert correction_id != final_id
    stored = row(vault, correction_id)
    assert stored["corrects_id"] == final_id
    assert stored["case_id"] == before["case_id"]
    assert stored["finalised_at"] is None
    assert stored["author"] == vault.user
    assert row(vault, final_id) == before
    with vault.session() as s:
        entries = s.scalars(select(ChangeEntry).where(ChangeEntry.row_id == correction_id)).all()
        # One new row, one outbox entry, born pointing at the original.
        assert [e.op for e in entries] == ["insert"]
        with s.no_autoflush:
            tracking.freeze(s, entries)  # the values as the push sends them
        assert entries[0].changes["corrects_id"] == [None, final_id]
        s.expunge(entries[0])
        notes = services.notes_for_case(s, before["case_id"])
        assert {n.id for n in notes} == {final_id, correction_id}


def test_correcting_a_draft_is_refused(vault: Vault, case_id: str) -> None:
    draft_id = make_note(vault, case_id, final=False)
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.correct_note(s, services.get(s, JournalNote, draft_id), "Rettelse", "Tekst")
    assert exc.value.code == "journal.correct_draft"
    assert "ret kladden direkte" in error_text(exc.value)
    with vault.session() as s:
        assert len(services.notes_for_case(s, case_id)) == 1


@pytest.mark.parametrize("body", ["", "   \n\t"])
def test_finalising_an_empty_note_is_refused(vault: Vault, case_id: str, body: str) -> None:
    with vault.session() as s:
        note = services.add_note(s, services.get(s, Case, case_id), "Tom", body)
        note_id = note.id
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.finalise_note(s, services.get(s, JournalNote, note_id))
    assert exc.value.code == "validation.required"
    assert row(vault, note_id)["finalised_at"] is None
