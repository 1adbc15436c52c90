"""The vault's tables (SQLAlchemy 2.x declarative). Every synced row carries the sync metadata
of DESIGN.md: a client-born UUID ``id``, ``case_id`` (the sync partition), ``rev`` (the server's
revision, 0 until the server has it), ``updated_at``/``updated_by`` and a ``deleted_at`` tombstone.

Only the migrations in ``models/migrations`` create or change these tables in a vault."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models import vocabulary as v


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; naive UTC in the database (portable to PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Feltmappe stores aware UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _enum(cls: type[StrEnum]) -> SAEnum:
    # Stored as plain strings (no CHECK, no native enum) so a new value in a later version
    # never makes an old vault or the central store refuse a row; validation is in services.
    return SAEnum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Synced:
    """Sync metadata shared by every synced row."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class User(Synced, Base):
    """A user of the municipality (rådgiver, teamleder, admin). A global row (no case_id)."""

    __tablename__ = "user"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str] = mapped_column(String(10), default="")
    role: Mapped[v.UserRole] = mapped_column(_enum(v.UserRole), default=v.UserRole.RAADGIVER)
    team: Mapped[str] = mapped_column(String(100), default="")


class Person(Synced, Base):
    """A person (person). Global: a person can be a party in several cases. CPR is optional,
    and an unborn child has ``unborn`` set and an expected date instead of a birth date."""

    __tablename__ = "person"

    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200), default="")
    cpr: Mapped[str | None] = mapped_column(String(11), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    unborn: Mapped[bool] = mapped_column(Boolean, default=False)
    expected_date: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Case(Synced, Base):
    """A case (sag) about one child. ``case_id`` equals ``id``: the case is its own partition."""

    __tablename__ = "case"

    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    stage: Mapped[v.CaseStage] = mapped_column(_enum(v.CaseStage), default=v.CaseStage.UNDERRETNING)
    assigned_to: Mapped[str | None] = mapped_column(String(36))
    team: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # Barnets Lov §95 stk. 3: the case's own follow-up schedule, set at the first opfølgning.
    follow_up_every_months: Mapped[int | None] = mapped_column(Integer)


class CaseParty(Synced, Base):
    """A person's role in a case (sagspart), with party rights for partshøring."""

    __tablename__ = "case_party"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[v.PartyRole] = mapped_column(_enum(v.PartyRole))
    has_custody: Mapped[bool] = mapped_column(Boolean, default=False)
    party_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class Relation(Synced, Base):
    """A relation between two persons, drawn in the case's genogram and netværkskort."""

    __tablename__ = "relation"

    from_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    to_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[v.RelationKind] = mapped_column(_enum(v.RelationKind))
    quality: Mapped[v.RelationQuality | None] = mapped_column(_enum(v.RelationQuality))
    note: Mapped[str] = mapped_column(Text, default="")
    pos_x: Mapped[float | None] = mapped_column(Float)
    pos_y: Mapped[float | None] = mapped_column(Float)


class FormAnswers:
    """ICS form answers: JSON keyed by the form's field ids, with the form's id and version."""

    form_id: Mapped[str | None] = mapped_column(String(80))
    form_version: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notification(FormAnswers, Synced, Base):
    """An underretning: received, assessed within 24 hours, receipt to a professional notifier."""

    __tablename__ = "notification"

    received_at: Mapped[datetime | None]
    notifier_kind: Mapped[v.NotifierKind] = mapped_column(_enum(v.NotifierKind))
    notifier_sector: Mapped[v.NotifierSector | None] = mapped_column(_enum(v.NotifierSector))
    notifier_name: Mapped[str] = mapped_column(String(200), default="")
    notifier_organisation: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    concerns_abuse: Mapped[bool] = mapped_column(Boolean, default=False)
    assessed_at: Mapped[datetime | None]
    outcome: Mapped[v.ScreeningOutcome | None] = mapped_column(_enum(v.ScreeningOutcome))
    assessed_with_new_colleague: Mapped[str | None] = mapped_column(String(200))
    receipt_sent_on: Mapped[date | None] = mapped_column(Date)
    feedback_sent_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(Text, default="")


class Screening(FormAnswers, Synced, Base):
    """An indledende vurdering (screening, vault 0011): is the child in danger now, and does a
    børnefaglig undersøgelse start — triage per ICS side, in its form
    (resources/forms/screening.toml). Made for an underretning of the case (``notification_id``,
    none when it was made without one); ``decided_at`` is set when its form is finalised."""

    __tablename__ = "screening"

    notification_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[v.ScreeningOutcome | None] = mapped_column(_enum(v.ScreeningOutcome))
    decided_at: Mapped[datetime | None]


class Assessment(FormAnswers, Synced, Base):
    """A børnefaglig undersøgelse (Barnets Lov §20), structured by ICS."""

    __tablename__ = "assessment"

    # The day the municipality became aware the child may need support: §20 stk. 3 counts from it.
    aware_on: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date] = mapped_column(Date)
    status: Mapped[v.AssessmentStatus] = mapped_column(
        _enum(v.AssessmentStatus), default=v.AssessmentStatus.IGANG
    )
    plan_text: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[str] = mapped_column(Text, default="")
    no_home_visit_reason: Mapped[str] = mapped_column(Text, default="")
    # The day of the undersøgelse's hjemmebesøg as its form records it (vault 0009), when it is
    # not (also) registered as a meeting: the home-visit deadline is met by either.
    home_visit_on: Mapped[date | None] = mapped_column(Date)
    # A simple ("simpel") undersøgelse: the municipality's shorter local standard (6 weeks in
    # Slagelse) applies to it besides the law's 4 months.
    is_simple: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    preliminary_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[date | None] = mapped_column(Date)


class Plan(Synced, Base):
    """Barnets plan / handleplan (Barnets Lov §91–92) or ungeplan (§108). Each version is a row;
    ``goals`` is a list of SMART goals, each tied to an ICS dimension."""

    __tablename__ = "plan"

    kind: Mapped[v.PlanKind] = mapped_column(_enum(v.PlanKind))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[v.PlanStatus] = mapped_column(_enum(v.PlanStatus), default=v.PlanStatus.KLADDE)
    decision_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[list[Any]] = mapped_column(default=list)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    review_on: Mapped[date | None] = mapped_column(Date)


class FollowUp(Synced, Base):
    """One run of the four-step opfølgning: samtale med barnet → handleplansmøde → skriftlig
    handleplan → partshøring, then afgørelse. Evidence and skip reasons per step in ``evidence``."""

    __tablename__ = "follow_up"

    plan_id: Mapped[str | None] = mapped_column(ForeignKey("plan.id"))
    due_on: Mapped[date] = mapped_column(Date)
    child_conversation: Mapped[v.StepStatus] = mapped_column(
        _enum(v.StepStatus), default=v.StepStatus.AFVENTER
    )
    child_conversation_on: Mapped[date | None] = mapped_column(Date)
    meeting: Mapped[v.StepStatus] = mapped_column(
        _enum(v.StepStatus), default=v.StepStatus.AFVENTER
    )
    meeting_on: Mapped[date | None] = mapped_column(Date)
    written_plan: Mapped[v.StepStatus] = mapped_column(
        _enum(v.StepStatus), default=v.StepStatus.AFVENTER
    )
    written_plan_on: Mapped[date | None] = mapped_column(Date)
    hearing: Mapped[v.StepStatus] = mapped_column(
        _enum(v.StepStatus), default=v.StepStatus.AFVENTER
    )
    hearing_sent_on: Mapped[date | None] = mapped_column(Date)
    hearing_deadline: Mapped[date | None] = mapped_column(Date)
    hearing_comments: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(Text, default="")
    next_due_on: Mapped[date | None] = mapped_column(Date)


class Meeting(FormAnswers, Synced, Base):
    """A meeting (møde): netværksmøde, handleplansmøde, underretningsmøde, hjemmebesøg,
    børnesamtale or tilsynsbesøg, with attendees, notes and Signs of Safety columns. A
    børnesamtale or hjemmebesøg may be documented in its form (``FormAnswers``, vault 0008)."""

    __tablename__ = "meeting"

    kind: Mapped[v.MeetingKind] = mapped_column(_enum(v.MeetingKind))
    held_at: Mapped[datetime | None]
    planned_at: Mapped[datetime | None]
    location: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list[Any]] = mapped_column(default=list)
    child_alone: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text, default="")
    signs_of_safety: Mapped[dict[str, Any]] = mapped_column(default=dict)
    action_items: Mapped[list[Any]] = mapped_column(default=list)
    not_held_reason: Mapped[str] = mapped_column(Text, default="")


class JournalNote(Synced, Base):
    """A journal note (journalnotat). Editable while a draft; immutable once finalised (enforced
    by the service layer and by database triggers). A correction is a new note pointing back."""

    __tablename__ = "journal_note"

    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(80), default="")
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalised_at: Mapped[datetime | None]
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("journal_note.id"))
    kind: Mapped[v.NoteKind] = mapped_column(
        _enum(v.NoteKind), default=v.NoteKind.NOTAT, server_default=v.NoteKind.NOTAT.value
    )


class ScaleReading(Synced, Base):
    """A rating on the trivselslineal or the Signs of Safety scale, 0–10."""

    __tablename__ = "scale_reading"

    scale: Mapped[v.ScaleKind] = mapped_column(_enum(v.ScaleKind))
    value: Mapped[int] = mapped_column(Integer)
    rated_by_role: Mapped[v.PartyRole | None] = mapped_column(_enum(v.PartyRole))
    rated_by_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    rated_at: Mapped[datetime]
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meeting.id"))
    comment: Mapped[str] = mapped_column(Text, default="")


class Intervention(Synced, Base):
    """An indsats / foranstaltning with its legal basis and step on the indsatstrappe (1–6)."""

    __tablename__ = "intervention"

    title: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[v.LegalBasis] = mapped_column(_enum(v.LegalBasis))
    legal_reference: Mapped[str] = mapped_column(String(120), default="")
    staircase_step: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(200), default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    is_placement: Mapped[bool] = mapped_column(Boolean, default=False)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    evaluated_on: Mapped[date | None] = mapped_column(Date)


class Agreement(Synced, Base):
    """An aftale (ressourcepersonaftale, sikkerhedsplan, samarbejdsaftale) with its signatories."""

    __tablename__ = "agreement"

    kind: Mapped[v.AgreementKind] = mapped_column(_enum(v.AgreementKind))
    title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    parties: Mapped[list[Any]] = mapped_column(default=list)
    signed_on: Mapped[date | None] = mapped_column(Date)
    last_follow_up_on: Mapped[date | None] = mapped_column(Date)


class DeadlineAck(Synced, Base):
    """An acknowledged deadline, or a deadline excepted with a documented reason (frist)."""

    __tablename__ = "deadline_ack"

    rule: Mapped[str] = mapped_column(String(80))
    subject_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[v.DeadlineAckKind] = mapped_column(_enum(v.DeadlineAckKind))
    reason: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For kind "opfyldt": the row that met the deadline (a journal note, a meeting …).
    met_by_table: Mapped[str | None] = mapped_column(String(40), default=None)
    met_by_id: Mapped[str | None] = mapped_column(String(36), default=None)


class AuditEvent(Base):
    """Who viewed, changed, printed or exported which case, when (logning). Append-only
    (database triggers refuse UPDATE and DELETE); synced to the central store as it is."""

    __tablename__ = "audit_event"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[str] = mapped_column(String(80))
    device: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[v.AuditAction] = mapped_column(_enum(v.AuditAction))
    entity: Mapped[str] = mapped_column(String(40), default="case")
    entity_id: Mapped[str | None] = mapped_column(String(36))


class ChangeEntry(Base):
    """The local outbox, written in the same transaction as each change. Not synced itself;
    sync drains it. ``changes`` maps each changed field to [old, new].

    Changes to one row are coalesced (``models.tracking``): until a push has been attempted
    with it, a row's newest entry takes every new change (the earliest old value stays, which
    conflict detection needs), and its fields hold [old] alone: the new value is the row's own,
    so the outbox keeps no second copy of a note typed over an hour. The push writes the new
    values in when it first sends the entry (``attempted``); from then on the entry never
    changes, since a push that may have reached the store is retried with the same id and
    content, and a later change makes a new entry."""

    __tablename__ = "change_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mutation_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    table: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(10))
    base_rev: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "pending" until the server answers; "rejected" keeps the entry (and the user's values)
    # out of the next push until the user retries or discards it. Applied entries are deleted.
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    reason: Mapped[str] = mapped_column(String(80), default="", server_default="")
    attempted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


#: While this local setting names a case, the finalised notes of that case may be deleted: the
#: sync removes a case from the laptop when its assignment has ended (migration 0004's trigger).
REMOVING_CASE_KEY = "sync.removing_case"
#: While this local setting is present, the sync stores the central store's version of rows; a
#: finalised note may then take the store's version (migration 0004's trigger).
SYNC_APPLYING_KEY = "sync.applying"


class SyncConflict(Synced, Base):
    """The same field changed on two devices (or by two people) since they last agreed. The
    central store keeps its value in the row and both values here, until a person chooses."""

    __tablename__ = "sync_conflict"

    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(80))
    base_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    client_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    client_user: Mapped[str] = mapped_column(String(80), default="")
    server_user: Mapped[str] = mapped_column(String(80), default="")
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str | None] = mapped_column(String(10), default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(80), default=None)


class Draft(Base):
    """What a user typed in an editor and has not saved yet, kept inside the encrypted vault so
    it survives lock, crash and restart. Local: never synced, never in the outbox. ``key``
    names the editor and what it edits (``"home_visit:<case id>"``); ``content`` is the
    editor's own JSON (field name → value)."""

    __tablename__ = "draft"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    editor: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class LocalSetting(Base):
    """Settings kept inside the encrypted vault (the profile's user, device id …)."""

    __tablename__ = "local_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


#: Tables whose rows belong to one case and travel with it (export, sync partition).
CASE_TABLES: tuple[type[Synced], ...] = (
    Case,
    CaseParty,
    Relation,
    Notification,
    Screening,
    Assessment,
    Plan,
    FollowUp,
    Meeting,
    JournalNote,
    ScaleReading,
    Intervention,
    Agreement,
    DeadlineAck,
)

SYNCED_TABLES: tuple[type[Synced], ...] = (User, Person, *CASE_TABLES, SyncConflict)


# -- what the deadline engine reads ---------------------------------------------------------------
# Covering indexes (vault 0010) of the columns ``models.deadlines.facts`` reads of every case's
# underretninger, undersøgelser and meetings not deleted: the rows carry texts and form answers
# over several pages each, so reading them to count deadlines read the whole table. The columns
# are the fields of the engine's records (``models.deadlines.types``); a test keeps them in step.
_NOT_DELETED = "deleted_at IS NULL"

Index(
    "ix_notification_deadline_facts",
    Notification.case_id,
    Notification.id,
    Notification.received_at,
    Notification.notifier_kind,
    Notification.concerns_abuse,
    Notification.assessed_at,
    Notification.outcome,
    Notification.assessed_with_new_colleague,
    Notification.receipt_sent_on,
    Notification.feedback_sent_on,
    sqlite_where=text(_NOT_DELETED),
)
Index(
    "ix_assessment_deadline_facts",
    Assessment.case_id,
    Assessment.id,
    Assessment.aware_on,
    Assessment.started_on,
    Assessment.status,
    Assessment.no_home_visit_reason,
    Assessment.home_visit_on,
    Assessment.is_simple,
    Assessment.preliminary_on,
    Assessment.completed_on,
    sqlite_where=text(_NOT_DELETED),
)
Index(
    "ix_meeting_deadline_facts",
    Meeting.case_id,
    Meeting.id,
    Meeting.kind,
    Meeting.held_at,
    Meeting.child_alone,
    sqlite_where=text(_NOT_DELETED),
)
