"""The deadline engine's value types: what a rule sees (``CaseFacts``) and what it returns
(``Deadline``). Plain frozen data; no database, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

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
)


class DeadlineStatus(StrEnum):
    """ok · snart (due within the "soon" window) · overskredet · opfyldt · undtaget (excepted
    with a documented reason) · mangler_oplysninger (an input is missing: nothing is guessed)."""

    OK = "ok"
    SNART = "snart"
    OVERSKREDET = "overskredet"
    OPFYLDT = "opfyldt"
    UNDTAGET = "undtaget"
    MANGLER = "mangler_oplysninger"


STATUS_LABELS: dict[DeadlineStatus, str] = {
    DeadlineStatus.OK: "I god tid",
    DeadlineStatus.SNART: "Snart",
    DeadlineStatus.OVERSKREDET: "Overskredet",
    DeadlineStatus.OPFYLDT: "Opfyldt",
    DeadlineStatus.UNDTAGET: "Undtaget",
    DeadlineStatus.MANGLER: "Mangler oplysninger",
}

#: Most urgent first (the order of lists and of the CLI).
STATUS_URGENCY: dict[DeadlineStatus, int] = {
    DeadlineStatus.OVERSKREDET: 0,
    DeadlineStatus.MANGLER: 1,
    DeadlineStatus.SNART: 2,
    DeadlineStatus.OK: 3,
    DeadlineStatus.UNDTAGET: 4,
    DeadlineStatus.OPFYLDT: 5,
}

#: Where a deadline without a due sorts within its status: last.
_NO_DUE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Deadline:
    """One deadline of one case. ``due`` is an aware datetime (for a day deadline: the end of
    that day in Danish time); ``due_date`` is the day shown to the user."""

    rule: str
    case_id: str
    subject_id: str | None
    title: str
    legal_basis: str
    trigger: datetime | None
    due: datetime | None
    status: DeadlineStatus
    fulfilled_by: str
    fulfilled_at: datetime | None = None
    missing: tuple[str, ...] = ()
    reason: str = ""
    acknowledged: bool = False

    @property
    def due_date(self) -> date | None:
        from models.deadlines.calendar import local_date

        return None if self.due is None else local_date(self.due)

    @property
    def is_open(self) -> bool:
        return self.status in (
            DeadlineStatus.OK,
            DeadlineStatus.SNART,
            DeadlineStatus.OVERSKREDET,
            DeadlineStatus.MANGLER,
        )

    def sort_key(self) -> tuple[int, datetime, str, str]:
        # Aware even without a due: an excepted "mangler oplysninger" deadline (no due) sorts
        # beside excepted ones that have one, and naive vs aware would not compare.
        return (STATUS_URGENCY[self.status], self.due or _NO_DUE, self.rule, self.subject_id or "")


@dataclass(frozen=True)
class CaseFacts:
    """Everything the rules may look at for one case: rows loaded by the service layer (or
    built by a test), tombstoned rows already left out."""

    case: Case
    child: Person
    parties: tuple[CaseParty, ...] = ()
    notifications: tuple[Notification, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    plans: tuple[Plan, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    acks: tuple[DeadlineAck, ...] = field(default=())
