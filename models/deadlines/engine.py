"""The deadline engine: a case's facts and "now" in, its deadlines out. Deterministic and pure;
the one source of every deadline the case list, the case view, "I dag", reports and the CLI show."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from models.deadlines.calendar import local_date
from models.deadlines.rules import ALL_RULES, Ctx
from models.deadlines.standards import Standards
from models.deadlines.types import CaseFacts, Deadline, DeadlineStatus
from models.errors import ValidationError
from models.vocabulary import DeadlineAckKind


def compute(facts: CaseFacts, now: datetime, standards: Standards | None = None) -> list[Deadline]:
    """All deadlines of one case at ``now`` (aware), most urgent first. A closed case has none."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    case = facts.case
    if case.closed_on is not None and case.closed_on <= local_date(now):
        return []
    ctx = Ctx(facts, now, standards or Standards())
    out = [_apply_acks(d, facts, now) for rule in ALL_RULES for d in rule(ctx)]
    return sorted(out, key=Deadline.sort_key)


def _apply_acks(d: Deadline, facts: CaseFacts, now: datetime) -> Deadline:
    """An exception (undtaget, with its documented reason) closes an open deadline; an
    acknowledgement only marks it seen. Neither is ever silent: both are stored rows.
    The vault returns rows in no promised order (and sync may insert them in any), so of
    several exceptions the latest gives the reason, whatever order they came in."""
    mine = [
        ack
        for ack in facts.acks
        if ack.rule == d.rule
        and (ack.subject_id or None) == (d.subject_id or None)
        and ack.acknowledged_at <= now
    ]
    if any(ack.kind == DeadlineAckKind.KVITTERET for ack in mine):
        d = replace(d, acknowledged=True)
    exceptions = [ack for ack in mine if ack.kind == DeadlineAckKind.UNDTAGET]
    if exceptions and d.is_open:
        latest = max(exceptions, key=lambda ack: (ack.acknowledged_at, ack.id))
        d = replace(d, status=DeadlineStatus.UNDTAGET, reason=latest.reason)
    return d


def check_facts(facts: CaseFacts, now: datetime) -> None:
    """Impossible dates are bad input, not a deadline: refuse them with a clear error naming the
    row and field (end before start, something received or decided in the future)."""
    today = local_date(now)

    def bad(code: str, table: str, row_id: str, field: str) -> ValidationError:
        return ValidationError(code, table=table, row_id=row_id, field=field)

    for n in facts.notifications:
        if n.received_at is not None and n.received_at > now:
            raise bad("validation.future_date", "notification", n.id, "received_at")
        if n.received_at and n.assessed_at and n.assessed_at < n.received_at:
            raise bad("validation.end_before_start", "notification", n.id, "assessed_at")
        if n.received_at and n.receipt_sent_on and n.receipt_sent_on < local_date(n.received_at):
            raise bad("validation.end_before_start", "notification", n.id, "receipt_sent_on")
    for a in facts.assessments:
        if a.aware_on > today:
            raise bad("validation.future_date", "assessment", a.id, "aware_on")
        if a.started_on < a.aware_on:
            raise bad("validation.end_before_start", "assessment", a.id, "started_on")
        for field in ("completed_on", "preliminary_on"):
            value = getattr(a, field)
            if value is not None and value < a.started_on:
                raise bad("validation.end_before_start", "assessment", a.id, field)
    for i in facts.interventions:
        if i.end_on is not None and i.end_on < i.start_on:
            raise bad("validation.end_before_start", "intervention", i.id, "end_on")
        if i.decided_on is not None and i.decided_on > today:
            raise bad("validation.future_date", "intervention", i.id, "decided_on")
    for f in facts.follow_ups:
        if f.hearing_sent_on and f.hearing_deadline and f.hearing_deadline < f.hearing_sent_on:
            raise bad("validation.end_before_start", "follow_up", f.id, "hearing_deadline")
    for g in facts.agreements:
        if g.signed_on and g.last_follow_up_on and g.last_follow_up_on < g.signed_on:
            raise bad("validation.end_before_start", "agreement", g.id, "last_follow_up_on")
    born = facts.child.birth_date
    if born is not None and born > today:
        raise bad("validation.future_date", "person", facts.child.id, "birth_date")
