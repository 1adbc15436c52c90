"""The central store's tables. Case data is kept generically, one JSON document per row, so
the store needs no migration when the desktop adds a column, and an old client's rows still fit.

Only the migrations in ``sync/server/migrations`` create or change these tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


class Counter(Base):
    """The global sequence. A writer locks this row for its whole transaction, so sequence numbers
    are handed out in commit order and a reader can never skip a committed change."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Record(Base):
    """One synced row: its current JSON document, the server's revision and sequence number."""

    __tablename__ = "record"
    __table_args__ = (
        Index("ix_record_seq", "seq", unique=True),
        Index("ix_record_case_seq", "case_id", "seq"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(36))
    rev: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)
    #: Characters of ``data``, so a pull page is bounded in size without reading documents.
    size: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(36))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class PersonLink(Base):
    """A person named by a row of a case: the person travels with that case."""

    __tablename__ = "person_link"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class AppliedMutation(Base):
    """Every mutation the store has answered, so a retried push is applied at most once."""

    __tablename__ = "applied_mutation"

    mutation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10))
    rev: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(80), default="")
    fields: Mapped[str] = mapped_column(Text, default="[]")
    at: Mapped[datetime] = mapped_column(DateTime)
    #: SHA-256 of what the mutation asked for: the same id with other content is not a retry.
    digest: Mapped[str | None] = mapped_column(String(64))


class Team(Base):
    __tablename__ = "team"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Assignment(Base):
    """A case assigned to a caseworker, from ``start`` until ``ended_at``."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_user_active", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(String(36))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class Device(Base):
    """A laptop with its own token (only its SHA-256 is kept). A revoked device is refused and
    told to wipe its vault."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    wipe_told_at: Mapped[datetime | None] = mapped_column(DateTime)


class CaseAudit(Base):
    """The access log of the devices (who viewed, changed, printed or exported which case)."""

    __tablename__ = "case_audit"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(80))
    device_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class AdminEvent(Base):
    """The store's own audit trail: users, teams, assignments, devices, logins, refusals."""

    __tablename__ = "admin_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")


class LoginThrottle(Base):
    """Refused logins counted per key (``user:<id>`` or ``addr:<address>``), and until when the
    key must wait before it may try again. Kept in the database: several store instances behind
    one load balancer share it."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(DateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)
