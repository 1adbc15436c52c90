"""The deadline engine: a case's facts and "now" in, its deadlines out. Deterministic and pure;
the one source of every deadline the case list, the case view, "I dag", reports and the CLI show."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from models.deadlines.calendar import local_date
from models.deadlines.rules import ALL_RULES, Ctx
from models.deadlines.standards import Standards
from models.deadlines.types import AnyAck, CaseFacts, Deadline, DeadlineStatus
from models.errors import ValidationError
from models.validation import FUTURE_DATE, check_dates, date_problem
from models.vocabulary import MET_BY_LABELS, DeadlineAckKind


def compute(facts: CaseFacts, now: datetime, standards: Standards | None = None) -> list[Deadline]:
    """All deadlines of one case at ``now`` (aware), most urgent first. A closed case has none."""
    return sorted(deadlines_of(facts, now, standards), key=Deadline.sort_key)


_DEFAULT_STANDARDS = Standards()


def deadlines_of(
    facts: CaseFacts, now: datetime, standards: Standards | None = None
) -> list[Deadline]:
    """``compute`` in the rules' order, not sorted: for a caller that sorts the deadlines of
    many cases at once (a stable sort of them all gives the order of ``compute`` per case)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    case = facts.case
    if case.closed_on is not None and case.closed_on <= local_date(now):
        return []
    ctx = Ctx(facts, now, standards or _DEFAULT_STANDARDS)
    out = [d for rule in ALL_RULES for d in rule(ctx)]
    if not facts.acks:
        return out
    by_deadline: dict[tuple[str, str | None], list[AnyAck]] = {}
    for ack in facts.acks:
        if ack.acknowledged_at <= now:
            by_deadline.setdefault((ack.rule, ack.subject_id or None), []).append(ack)
    return [
        _apply_acks(d, mine) if (mine := by_deadline.get((d.rule, d.subject_id or None))) else d
        for d in out
    ]


def _apply_acks(d: Deadline, mine: list[AnyAck]) -> Deadline:
    """An exception (undtaget, with its documented reason) closes an open deadline; an
    acknowledgement only marks it seen. Neither is ever silent: both are stored rows.
    The vault returns rows in no promised order (and sync may insert them in any), so of
    several exceptions the latest gives the reason, whatever order they came in. ``mine``:
    the acks of this deadline (rule and subject) given by ``now``."""
    if any(ack.kind == DeadlineAckKind.KVITTERET for ack in mine):
        d = d._replace(acknowledged=True)
    met = [ack for ack in mine if ack.kind == DeadlineAckKind.OPFYLDT]
    first = min(met, key=lambda ack: (ack.acknowledged_at, ack.id)) if met else None
    # Met by whatever came first: the mark, or the row the rule itself looks for (so the moment
    # a deadline was met never moves when the rule's own row arrives later).
    if first is not None and (
        d.is_open
        or (
            d.status == DeadlineStatus.OPFYLDT
            and d.fulfilled_at is not None
            and first.acknowledged_at < d.fulfilled_at
        )
    ):
        what = MET_BY_LABELS.get(first.met_by_table or "", "registrering")
        d = d._replace(
            status=DeadlineStatus.OPFYLDT,
            fulfilled_at=first.acknowledged_at,
            fulfilled_by=f"Markeret opfyldt ved {what}",
            reason=first.reason,
        )
    exceptions = [ack for ack in mine if ack.kind == DeadlineAckKind.UNDTAGET]
    if exceptions and d.is_open:
        latest = max(exceptions, key=lambda ack: (ack.acknowledged_at, ack.id))
        d = d._replace(status=DeadlineStatus.UNDTAGET, reason=latest.reason)
    return d


def check_facts(facts: CaseFacts, now: datetime) -> None:
    """Impossible dates are bad input, not a deadline: refuse them with a clear error naming the
    row and field (end before start, something received or decided in the future)."""
    rows: list[object] = [
        *facts.notifications,
        *facts.assessments,
        *facts.interventions,
        *facts.follow_ups,
        *facts.agreements,
        facts.child,
    ]
    today = local_date(now)
    for row in rows:
        check_dates(row, now, today)


def as_of(facts: CaseFacts, now: datetime) -> CaseFacts:
    """The case as it stood at ``now``, a moment in the past: a notification received, an
    undersøgelse begun or an indsats decided after it had not happened yet, so it is left out
    (a moment before all of a case's events has none of their deadlines). What was done after
    ``now`` needs nothing here: every rule counts only what was done by ``now``. The dates are
    checked against the present first (``check_facts``), so an impossible one is not hidden."""

    def happened(row: object) -> bool:
        problem = date_problem(row, now)
        return problem is None or problem[0] != FUTURE_DATE

    return replace(
        facts,
        notifications=tuple(filter(happened, facts.notifications)),
        assessments=tuple(filter(happened, facts.assessments)),
        interventions=tuple(filter(happened, facts.interventions)),
    )


INVALID_DATES_RULE = "ugyldige_datoer"


def invalid_dates(facts: CaseFacts, error: ValidationError) -> Deadline:
    """What a list shows for a case whose dates are impossible: the case is not silently left
    out, and nothing is guessed; the row and field to correct are named."""
    p = error.params
    return Deadline(
        rule=INVALID_DATES_RULE,
        case_id=facts.case.id,
        subject_id=str(p.get("row_id") or "") or None,
        title="Umulig dato i sagen – fristerne kan ikke beregnes",
        legal_basis="Datakontrol",
        trigger=None,
        due=None,
        status=DeadlineStatus.MANGLER,
        fulfilled_by="Ret datoen",
        missing=(f"{p.get('table', '')}.{p.get('field', '')}: {error.code}",),
    )
