"""The deadline engine's value types: what a rule sees (``CaseFacts``) and what it returns
(``Deadline``). Plain frozen data; no database, no clock.

A case's rows come as ORM objects (tests, a screen holding them) or as the records below, which
the loader (``models.deadlines.facts``) fills with a few Core queries: one field per column a
rule or the date check reads, named as the column, so a rule reads either the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from models.schema import (
    Agreement,
    Assessment,
    Case,
    DeadlineAck,
    FollowUp,
    Intervention,
    Meeting,
    Notification,
    Person,
    Plan,
)
from models.vocabulary import (
    AgreementKind,
    AssessmentStatus,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    NotifierKind,
    PlanKind,
    PlanStatus,
    ScreeningOutcome,
    StepStatus,
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


class Deadline(NamedTuple):
    """One deadline of one case. ``due`` is an aware datetime (for a day deadline: the end of
    that day in Danish time; the engine gives its moments in UTC, the screens show them in
    Danish time); ``due_date`` is the day shown to the user.

    A named tuple rather than a frozen dataclass: a 5,000-case vault has some 57,000 deadlines,
    and a frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) took three
    times as long to build them. Change one with ``_replace``."""

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
        # In UTC: aware datetimes of two zones compare through both offsets (slow when 50,000
        # deadlines are sorted); the order of the moments is the same.
        # (The engine's moments are in UTC already: then ``astimezone`` returns them as they are.)
        due = _NO_DUE if self.due is None else self.due.astimezone(UTC)
        return (STATUS_URGENCY[self.status], due, self.rule, self.subject_id or "")


# -- the records the loader fills (see the module docstring) --------------------------------
# ``__tablename__``: the table, as an ORM row has it, for the date check and its errors.


class CaseRecord(NamedTuple):
    """The case (sag) columns the rules read."""

    id: str
    case_number: str
    opened_on: date
    closed_on: date | None
    follow_up_every_months: int | None

    @property
    def __tablename__(self) -> str:
        return "case"


class ChildRecord(NamedTuple):
    """The child's person row."""

    id: str
    birth_date: date | None
    unborn: bool

    @property
    def __tablename__(self) -> str:
        return "person"


class NotificationRecord(NamedTuple):
    """An underretning."""

    case_id: str
    id: str
    received_at: datetime | None
    notifier_kind: NotifierKind
    concerns_abuse: bool
    assessed_at: datetime | None
    outcome: ScreeningOutcome | None
    assessed_with_new_colleague: str | None
    receipt_sent_on: date | None
    feedback_sent_on: date | None

    @property
    def __tablename__(self) -> str:
        return "notification"


class AssessmentRecord(NamedTuple):
    """A børnefaglig undersøgelse."""

    case_id: str
    id: str
    aware_on: date
    started_on: date
    status: AssessmentStatus
    no_home_visit_reason: str
    home_visit_on: date | None
    is_simple: bool
    preliminary_on: date | None
    completed_on: date | None

    @property
    def __tablename__(self) -> str:
        return "assessment"


class PlanRecord(NamedTuple):
    """Barnets plan, a handleplan or an ungeplan."""

    case_id: str
    id: str
    kind: PlanKind
    status: PlanStatus
    decision_on: date | None
    approved_on: date | None

    @property
    def __tablename__(self) -> str:
        return "plan"


class FollowUpRecord(NamedTuple):
    """An opfølgning."""

    case_id: str
    id: str
    child_conversation: StepStatus
    child_conversation_on: date | None
    meeting: StepStatus
    meeting_on: date | None
    written_plan: StepStatus
    written_plan_on: date | None
    hearing: StepStatus
    hearing_sent_on: date | None
    hearing_deadline: date | None
    evidence: dict[str, Any] | None
    decided_on: date | None
    next_due_on: date | None

    @property
    def __tablename__(self) -> str:
        return "follow_up"


class MeetingRecord(NamedTuple):
    """A meeting or visit (møde, hjemmebesøg, tilsynsbesøg, børnesamtale)."""

    case_id: str
    id: str
    kind: MeetingKind
    held_at: datetime | None
    child_alone: bool | None

    @property
    def __tablename__(self) -> str:
        return "meeting"


class InterventionRecord(NamedTuple):
    """An indsats."""

    case_id: str
    id: str
    title: str
    legal_basis: LegalBasis
    decided_on: date | None
    start_on: date
    end_on: date | None
    is_placement: bool
    assessed_on: date | None
    evaluated_on: date | None

    @property
    def __tablename__(self) -> str:
        return "intervention"


class AgreementRecord(NamedTuple):
    """An aftale (ressourcepersonaftale …)."""

    case_id: str
    id: str
    kind: AgreementKind
    signed_on: date | None
    last_follow_up_on: date | None

    @property
    def __tablename__(self) -> str:
        return "agreement"


class AckRecord(NamedTuple):
    """A stored acknowledgement, exception or "met" mark of a deadline."""

    case_id: str
    id: str
    rule: str
    subject_id: str | None
    kind: DeadlineAckKind
    reason: str
    acknowledged_at: datetime
    met_by_table: str | None

    @property
    def __tablename__(self) -> str:
        return "deadline_ack"


AnyCase = Case | CaseRecord
AnyChild = Person | ChildRecord
AnyNotification = Notification | NotificationRecord
AnyAssessment = Assessment | AssessmentRecord
AnyPlan = Plan | PlanRecord
AnyFollowUp = FollowUp | FollowUpRecord
AnyMeeting = Meeting | MeetingRecord
AnyIntervention = Intervention | InterventionRecord
AnyAgreement = Agreement | AgreementRecord
AnyAck = DeadlineAck | AckRecord


@dataclass(frozen=True)
class CaseFacts:
    """Everything the rules may look at for one case: rows loaded by the service layer (or
    built by a test), tombstoned rows already left out. The case's parties are not here: no
    rule reads them, and the loader reads only what a rule or the date check does."""

    case: AnyCase
    child: AnyChild
    notifications: tuple[AnyNotification, ...] = ()
    assessments: tuple[AnyAssessment, ...] = ()
    plans: tuple[AnyPlan, ...] = ()
    follow_ups: tuple[AnyFollowUp, ...] = ()
    meetings: tuple[AnyMeeting, ...] = ()
    interventions: tuple[AnyIntervention, ...] = ()
    agreements: tuple[AnyAgreement, ...] = ()
    acks: tuple[AnyAck, ...] = field(default=())
