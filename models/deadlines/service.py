"""Deadlines from the vault: loads the facts of many cases in a few queries, runs the engine,
and stores acknowledgements and exceptions (synced rows, never silent)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.deadlines.engine import check_facts, compute, invalid_dates
from models.deadlines.rules import RULES
from models.deadlines.standards import Standards
from models.deadlines.types import CaseFacts, Deadline
from models.errors import ValidationError
from models.schema import (
    Agreement,
    Assessment,
    Case,
    CaseParty,
    DeadlineAck,
    FollowUp,
    Intervention,
    Meeting,
    Notification,
    Person,
    Plan,
    utcnow,
)
from models.vocabulary import DeadlineAckKind

_PER_CASE: dict[str, type[Any]] = {
    "parties": CaseParty,
    "notifications": Notification,
    "assessments": Assessment,
    "plans": Plan,
    "follow_ups": FollowUp,
    "meetings": Meeting,
    "interventions": Intervention,
    "agreements": Agreement,
    "acks": DeadlineAck,
}


def load_facts(
    session: Session, case_ids: Sequence[str] | None = None, *, assigned_to: str | None = None
) -> list[CaseFacts]:
    """The facts of the given cases (default: every open case; or those assigned to a user)."""
    query = select(Case, Person).join(Person, Person.id == Case.child_id)
    query = query.where(Case.deleted_at.is_(None))
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    if assigned_to is not None:
        query = query.where(Case.assigned_to == assigned_to)
    pairs = session.execute(query.order_by(Case.case_number)).all()
    ids = [case.id for case, _ in pairs]
    grouped: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for name, cls in _PER_CASE.items():
        rows = (
            session.scalars(select(cls).where(cls.deleted_at.is_(None))).all()
            if (case_ids is None and assigned_to is None)
            else [
                row
                for chunk in _chunks(ids, 500)
                for row in session.scalars(
                    select(cls).where(cls.case_id.in_(chunk), cls.deleted_at.is_(None))
                )
            ]
        )
        for row in rows:
            grouped[row.case_id][name].append(row)
    return [
        CaseFacts(
            case=case,
            child=child,
            **{name: tuple(grouped[case.id][name]) for name in _PER_CASE},
        )
        for case, child in pairs
    ]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def deadlines_for_case(
    session: Session, case_id: str, now: datetime, standards: Standards | None = None
) -> list[Deadline]:
    """One case's deadlines (by id or case number), most urgent first."""
    case = services.find_case(session, case_id)
    facts = load_facts(session, [case.id])[0]
    check_facts(facts, now)
    return compute(facts, now, standards)


def all_deadlines(
    session: Session,
    now: datetime,
    standards: Standards | None = None,
    *,
    assigned_to: str | None = None,
) -> list[Deadline]:
    """Every deadline of every open case (or of one caseworker's cases), most urgent first. A
    case with an impossible date (e.g. synced from a device with a wrong clock) shows one
    "mangler oplysninger" item naming the row and field instead of its deadlines."""
    out: list[Deadline] = []
    for facts in load_facts(session, assigned_to=assigned_to):
        try:
            check_facts(facts, now)
        except ValidationError as exc:
            # One case's bad row must not hide every other case's deadlines.
            out.append(invalid_dates(facts, exc))
            continue
        out.extend(compute(facts, now, standards))
    return sorted(out, key=Deadline.sort_key)


def _ack(
    session: Session,
    case_id: str,
    rule: str,
    subject_id: str | None,
    kind: DeadlineAckKind,
    reason: str,
    at: datetime | None,
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
    from models.deadlines.standards import load

    municipality = vault.setting("municipality", "standard") or "standard"
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
