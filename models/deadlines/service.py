"""Deadlines from the vault: loads the facts of many cases in a few queries, runs the engine,
and stores acknowledgements and exceptions (synced rows, never silent)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.deadlines.calendar import local_date
from models.deadlines.engine import as_of, check_facts, deadlines_of, invalid_dates
from models.deadlines.facts import PER_CASE, load_facts
from models.deadlines.rules import RULES
from models.deadlines.standards import Standards
from models.deadlines.types import CaseFacts, Deadline
from models.errors import ValidationError
from models.gc_pause import collector_paused
from models.schema import (
    Agreement,
    Assessment,
    DeadlineAck,
    JournalNote,
    Meeting,
    Notification,
    Plan,
    utcnow,
)
from models.vocabulary import DeadlineAckKind

log = logging.getLogger("feltmappe.deadlines")

#: What may be pointed at as having met a deadline, with the moment it happened.
MET_BY: dict[str, tuple[type[Any], Callable[[Any], datetime | None]]] = {
    "journal_note": (JournalNote, lambda n: n.written_at),
    "meeting": (Meeting, lambda m: m.held_at),
    "notification": (Notification, lambda n: n.assessed_at),
    "assessment": (Assessment, lambda a: _day_end(a.completed_on)),
    "plan": (Plan, lambda p: _day_end(p.approved_on)),
    "agreement": (Agreement, lambda a: _day_end(a.signed_on)),
}


def _day_end(day: date | None) -> datetime | None:
    from models.deadlines.calendar import end_of_day

    return None if day is None else end_of_day(day)


#: The tables whose rows the deadline engine reads: a change elsewhere moves no deadline.
DEADLINE_TABLES = frozenset(
    {"case", "person", *(cls.__tablename__ for cls, _record in PER_CASE.values())}
)


def deadlines_for_case(
    session: Session,
    case_id: str,
    now: datetime,
    standards: Standards | None = None,
    *,
    present: datetime | None = None,
) -> list[Deadline]:
    """One case's deadlines (by id or case number) at ``now``, most urgent first.

    ``present`` is the real moment (default: ``now``). A date after it is impossible (another
    device's wrong clock) and refused with the row and field named. Asked about an earlier
    moment, the answer is the deadlines as they stood then (``as_of``; none before the case was
    opened), not an error."""
    case = services.find_case(session, case_id)
    facts = load_facts(session, [case.id])[0]
    check_facts(facts, _checked_at(now, present))
    return sorted(_compute(facts, now, present, standards), key=Deadline.sort_key)


def all_deadlines(
    session: Session,
    now: datetime,
    standards: Standards | None = None,
    *,
    assigned_to: str | None = None,
    present: datetime | None = None,
) -> list[Deadline]:
    """Every deadline of every open case (or of one caseworker's cases) at ``now``, most urgent
    first; ``present`` as for ``deadlines_for_case``. A case with an impossible date (e.g.
    synced from a device with a wrong clock) shows one "mangler oplysninger" item naming the
    row and field instead of its deadlines."""
    checked_at = _checked_at(now, present)
    out: list[Deadline] = []
    with collector_paused():  # ~10 records and ~10 deadlines per case, none in a cycle
        for facts in load_facts(session, assigned_to=assigned_to):
            try:
                check_facts(facts, checked_at)
            except ValidationError as exc:
                # One case's bad row must not hide every other case's deadlines.
                out.append(invalid_dates(facts, exc))
                continue
            out.extend(_compute(facts, now, present, standards))
        return sorted(out, key=Deadline.sort_key)


def _checked_at(now: datetime, present: datetime | None) -> datetime:
    """The moment dates are judged impossible at: the present, or ``now`` if that is later."""
    return now if present is None else max(now, present)


def _compute(
    facts: CaseFacts, now: datetime, present: datetime | None, standards: Standards | None
) -> list[Deadline]:
    if present is not None and now < present:
        if facts.case.opened_on > local_date(now):
            return []  # the case had not been opened: it had no deadlines yet
        facts = as_of(facts, now)
    return deadlines_of(facts, now, standards)  # not sorted yet


def _ack(
    session: Session,
    case_id: str,
    rule: str,
    subject_id: str | None,
    kind: DeadlineAckKind,
    reason: str,
    at: datetime | None,
    **extra: Any,
) -> DeadlineAck:
    if rule not in RULES:
        raise ValidationError("deadline.unknown_rule", field="rule", rule=rule)
    case = services.find_case(session, case_id)
    return services.add(
        session,
        DeadlineAck(
            case_id=case.id,
            rule=rule,
            subject_id=subject_id,
            kind=kind,
            reason=reason.strip(),
            acknowledged_at=at or utcnow(),
            **extra,
        ),
    )


def acknowledge(
    session: Session,
    case_id: str,
    rule: str,
    subject_id: str | None = None,
    *,
    note: str = "",
    at: datetime | None = None,
) -> DeadlineAck:
    """Mark a deadline as seen (for the teamkoordinator review and ungestøtte: as done)."""
    return _ack(session, case_id, rule, subject_id, DeadlineAckKind.KVITTERET, note, at)


def meet_deadline(
    session: Session,
    case_id: str,
    rule: str,
    subject_id: str | None,
    met_by_table: str,
    met_by_id: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> DeadlineAck:
    """Mark a deadline met by a row of the same case that met it (a journal note, a meeting,
    a document). The ack's moment is when that row happened (not later than now), so the
    deadline reads as met then; who marked it and when is the row's ``updated_by/_at``."""
    if met_by_table not in MET_BY:
        raise ValidationError("deadline.met_by_unknown", field="met_by_table")
    cls, moment_of = MET_BY[met_by_table]
    case = services.find_case(session, case_id)
    row = session.get(cls, met_by_id)
    if row is None or row.deleted_at is not None or row.case_id != case.id:
        raise ValidationError("deadline.met_by_missing", field="met_by_id")
    now = now or utcnow()
    moment = moment_of(row) or now
    ack = _ack(
        session,
        case.id,
        rule,
        subject_id,
        DeadlineAckKind.OPFYLDT,
        note,
        min(moment, now),
        met_by_table=met_by_table,
        met_by_id=met_by_id,
    )
    log.info("deadline %s marked met (case %s)", rule, case.id)
    return ack


@dataclass(frozen=True)
class MetByCandidate:
    """A row of a case that may have met a deadline, for the user to point at."""

    table: str
    row_id: str
    what: str  # "journalnotat", "møde" …
    title: str
    moment: datetime | None


def met_by_candidates(session: Session, case_id: str) -> list[MetByCandidate]:
    """The case's journal notes and held meetings, newest first (what usually meets a
    deadline); bodies are not loaded."""
    from models.vocabulary import MEETING_KIND_LABELS, MET_BY_LABELS

    out: list[MetByCandidate] = []
    notes = session.execute(
        select(JournalNote.id, JournalNote.title, JournalNote.written_at).where(
            JournalNote.case_id == case_id, JournalNote.deleted_at.is_(None)
        )
    )
    for row_id, title, written_at in notes:
        out.append(
            MetByCandidate(
                "journal_note", row_id, MET_BY_LABELS["journal_note"], title or "", written_at
            )
        )
    meetings = session.execute(
        select(Meeting.id, Meeting.kind, Meeting.held_at).where(
            Meeting.case_id == case_id,
            Meeting.deleted_at.is_(None),
            Meeting.held_at.is_not(None),
        )
    )
    for row_id, kind, held_at in meetings:
        out.append(
            MetByCandidate(
                "meeting", row_id, MET_BY_LABELS["meeting"], MEETING_KIND_LABELS[kind], held_at
            )
        )
    return sorted(out, key=lambda c: (c.moment is not None, c.moment), reverse=True)


def withdraw_ack(session: Session, ack_id: str) -> DeadlineAck:
    """Undo an acknowledgement, exception or "met": the row is tombstoned (synced, kept in the
    access log), and the deadline is computed as if it had never been given."""
    ack = services.get(session, DeadlineAck, ack_id)
    services.soft_delete(session, ack)
    log.info("deadline %s: %s withdrawn (case %s)", ack.rule, ack.kind.value, ack.case_id)
    return ack


def acks_for(
    session: Session, case_id: str, rule: str, subject_id: str | None
) -> list[DeadlineAck]:
    """The live acknowledgements, exceptions and "met" marks of one deadline, oldest first."""
    query = select(DeadlineAck).where(
        DeadlineAck.case_id == case_id,
        DeadlineAck.rule == rule,
        DeadlineAck.deleted_at.is_(None),
    )
    rows = session.scalars(query).all()
    return sorted(
        (a for a in rows if (a.subject_id or None) == (subject_id or None)),
        key=lambda a: (a.acknowledged_at, a.id),
    )


def except_deadline(
    session: Session,
    case_id: str,
    rule: str,
    subject_id: str | None,
    reason: str,
    *,
    at: datetime | None = None,
) -> DeadlineAck:
    """Except a deadline; the documented reason is required and shown with it."""
    if not reason.strip():
        raise ValidationError("validation.required", field="reason")
    return _ack(session, case_id, rule, subject_id, DeadlineAckKind.UNDTAGET, reason, at)


USER_SETTINGS_FILE = "frister.toml"


def standards_for(vault: Any) -> Standards:
    """The vault's deadline settings: its municipality's file (local setting "municipality",
    default "standard") with the user's overrides from ``frister.toml`` in the profile."""
    from models import settings
    from models.deadlines.standards import load

    municipality = settings.get(vault, settings.MUNICIPALITY) or "standard"
    return load(municipality, vault.profile / USER_SETTINGS_FILE)


def my_deadlines(
    session: Session, now: datetime, standards: Standards | None, username: str
) -> list[Deadline]:
    """The deadlines of the cases assigned to ``username`` (the "I dag" screen's source)."""
    from models.schema import User

    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        return []
    return all_deadlines(session, now, standards, assigned_to=user_id)
