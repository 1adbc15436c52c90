"""Acting on a deadline: mark it met by the row that met it, except it, acknowledge it, and
undo any of them. Each is a synced ``DeadlineAck`` row with author and time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models import services
from models.changes import ChangeSet
from models.deadlines.service import (
    acks_for,
    deadlines_for_case,
    except_deadline,
    meet_deadline,
    withdraw_ack,
)
from models.deadlines.types import DeadlineStatus
from models.errors import ValidationError
from models.schema import AuditEvent, ChangeEntry, DeadlineAck, Notification
from models.vault import Vault
from models.vocabulary import DeadlineAckKind, NotifierKind

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
RULE = "underretning_24_timer"


def _case_with_notification(vault: Vault) -> tuple[str, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Sofie", "Ærø", birth_date=date(2015, 3, 1))
        case = services.create_case(s, child, opened_on=date(2026, 11, 19))
        n = services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=NOW - timedelta(hours=30),
                notifier_kind=NotifierKind.FAGPERSON,
            ),
        )
        return case.id, n.id


def _deadline(vault: Vault, case_id: str, subject: str) -> DeadlineStatus:
    with vault.session() as s:
        found = [
            d
            for d in deadlines_for_case(s, case_id, NOW)
            if d.rule == RULE and d.subject_id == subject
        ]
    assert len(found) == 1
    return found[0].status


def test_a_deadline_is_met_by_a_note_and_the_mark_can_be_withdrawn(vault: Vault) -> None:
    case_id, n_id = _case_with_notification(vault)
    assert _deadline(vault, case_id, n_id) == DeadlineStatus.OVERSKREDET
    with vault.session() as s:
        note = services.add_note(
            s,
            services.find_case(s, case_id),
            "Vurdering",
            "Barnet er ikke i akut fare.",
            written_at=NOW - timedelta(hours=28),
        )
    heard: list[ChangeSet] = []
    vault.changes.listen(heard.append)
    with vault.session() as s:
        ack = meet_deadline(s, case_id, RULE, n_id, "journal_note", note.id, now=NOW)
        ack_id = ack.id
    assert heard and heard[-1].touches("deadline_ack") and case_id in heard[-1].case_ids
    with vault.session() as s:
        d = next(
            d
            for d in deadlines_for_case(s, case_id, NOW)
            if d.rule == RULE and d.subject_id == n_id
        )
        assert d.status == DeadlineStatus.OPFYLDT
        assert d.fulfilled_at == NOW - timedelta(hours=28)  # when the note was written
        assert "journalnotat" in d.fulfilled_by
        stored = s.get(DeadlineAck, ack_id)
        assert stored is not None and stored.updated_by == vault.user
        assert stored.kind == DeadlineAckKind.OPFYLDT
        # Synced: the outbox has it, and the access log says who did it.
        assert s.query(ChangeEntry).filter_by(row_id=ack_id).count() == 1
        assert s.query(AuditEvent).filter_by(entity_id=ack_id).count() == 1
    with vault.session() as s:
        withdraw_ack(s, ack_id)
    assert _deadline(vault, case_id, n_id) == DeadlineStatus.OVERSKREDET
    with vault.session() as s:
        assert acks_for(s, case_id, RULE, n_id) == []
        assert s.get(DeadlineAck, ack_id).deleted_at is not None  # type: ignore[union-attr]


def test_met_by_must_be_a_row_of_the_same_case(vault: Vault) -> None:
    case_id, n_id = _case_with_notification(vault)
    other_case, _ = _case_with_notification(vault)
    with vault.session() as s:
        foreign = services.add_note(s, services.find_case(s, other_case), "Andet", "Tekst")
    with vault.session() as s, pytest.raises(ValidationError) as err:
        meet_deadline(s, case_id, RULE, n_id, "journal_note", foreign.id, now=NOW)
    assert err.value.code == "deadline.met_by_missing"
    with vault.session() as s, pytest.raises(ValidationError) as err:
        meet_deadline(s, case_id, RULE, n_id, "audit_event", foreign.id, now=NOW)
    assert err.value.code == "deadline.met_by_unknown"
    assert _deadline(vault, case_id, n_id) == DeadlineStatus.OVERSKREDET


def test_an_exception_needs_a_reason_and_is_reversible(vault: Vault) -> None:
    case_id, n_id = _case_with_notification(vault)
    with vault.session() as s, pytest.raises(ValidationError):
        except_deadline(s, case_id, RULE, n_id, "  ", at=NOW)
    with vault.session() as s:
        ack = except_deadline(s, case_id, RULE, n_id, "Sagen er overgået til anden kommune", at=NOW)
        ack_id = ack.id
    assert _deadline(vault, case_id, n_id) == DeadlineStatus.UNDTAGET
    with vault.session() as s:
        withdraw_ack(s, ack_id)
    assert _deadline(vault, case_id, n_id) == DeadlineStatus.OVERSKREDET
