"""Change tracking for every write through a vault session: stamps ``updated_at``/``updated_by``,
writes the sync outbox (``ChangeEntry``) and the access log (``AuditEvent``) in the same
transaction, refuses hard deletes and edits of finalised journal notes.

Hooked into SQLAlchemy's ``before_flush``, so a feature never has to remember to do it."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from models.errors import ImmutableRecord
from models.schema import AuditEvent, Case, ChangeEntry, JournalNote, Synced, new_id, utcnow
from models.validation import check_row
from models.vocabulary import AuditAction

#: Metadata the tracker maintains itself; a change to only these is not a user change.
META_FIELDS = frozenset({"updated_at", "updated_by", "rev"})


def jsonable(value: Any) -> Any:
    """A column value as JSON: dates as ISO text, enums as their code."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_values(obj: Synced) -> dict[str, Any]:
    mapper = inspect(type(obj))
    return {attr.key: jsonable(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def _audit(session: Session, obj: Synced, action: AuditAction) -> None:
    if obj.case_id is None:
        return
    session.add(
        AuditEvent(
            case_id=obj.case_id,
            user=session.info.get("user", ""),
            device=session.info.get("device", ""),
            action=action,
            entity=type(obj).__tablename__,  # type: ignore[attr-defined]
            entity_id=obj.id,
        )
    )


def _on_new(session: Session, obj: Synced, now: datetime, preserve: bool) -> None:
    if obj.id is None:
        obj.id = new_id()
    if isinstance(obj, Case) and obj.case_id is None:
        obj.case_id = obj.id
    if not preserve:
        obj.updated_at = now
        obj.updated_by = session.info.get("user", "")
    if session.info.get("sync_apply"):
        return
    values = row_values(obj)
    changes = {k: [None, val] for k, val in values.items() if k not in META_FIELDS}
    session.add(
        ChangeEntry(
            table=type(obj).__tablename__,  # type: ignore[attr-defined]
            row_id=obj.id,
            case_id=obj.case_id,
            op="insert",
            base_rev=obj.rev or 0,
            changes=changes,
        )
    )
    _audit(session, obj, AuditAction.IMPORTERET if preserve else AuditAction.OPRETTET)


def _persisted(session: Session, obj: Synced, keys: list[str]) -> dict[str, Any]:
    """The values of ``keys`` as the database holds them now (in this transaction)."""
    columns = inspect(type(obj)).columns
    found = (
        session.connection()
        .execute(select(*(columns[k] for k in keys)).where(columns["id"] == obj.id))
        .one_or_none()
    )
    return {} if found is None else dict(zip(keys, found, strict=True))


def _on_dirty(session: Session, obj: Synced, now: datetime, preserve: bool) -> None:
    state = inspect(obj)
    new_values: dict[str, Any] = {}
    old_values: dict[str, Any] = {}
    unloaded: list[str] = []
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes() or attr.key in META_FIELDS:
            continue
        new_values[attr.key] = hist.added[0] if hist.added else None
        if hist.deleted:
            old_values[attr.key] = hist.deleted[0]
        else:
            # Set while expired (after a rollback or refresh): SQLAlchemy did not load the old
            # value, so ask the database rather than report the old value as None.
            unloaded.append(attr.key)
    if not new_values:
        return
    is_note = isinstance(obj, JournalNote)
    fetch = unloaded + (["finalised_at"] if is_note else [])
    persisted = _persisted(session, obj, fetch) if fetch else {}
    for key in unloaded:
        old_values[key] = persisted.get(key)
    changes = {
        key: [jsonable(old_values[key]), jsonable(new)]
        for key, new in new_values.items()
        if old_values[key] != new
    }
    if not changes:
        return
    if is_note:
        # The database is asked too: an expired object has no finalised_at loaded, and the
        # service layer should refuse with ImmutableRecord before the trigger has to.
        hist = state.attrs["finalised_at"].history
        was_final = (
            persisted.get("finalised_at") is not None
            or bool(hist.deleted and hist.deleted[0] is not None)
            or bool(hist.unchanged and hist.unchanged[0] is not None)
        )
        if was_final:
            raise ImmutableRecord(table="journal_note", row_id=obj.id)
    if not preserve:
        obj.updated_at = now
        obj.updated_by = session.info.get("user", "")
    if session.info.get("sync_apply"):
        return
    deleted = "deleted_at" in changes and changes["deleted_at"][1] is not None
    session.add(
        ChangeEntry(
            table=type(obj).__tablename__,  # type: ignore[attr-defined]
            row_id=obj.id,
            case_id=obj.case_id,
            op="delete" if deleted else "update",
            base_rev=obj.rev or 0,
            changes=changes,
        )
    )
    _audit(session, obj, AuditAction.SLETTET if deleted else AuditAction.AENDRET)


#: ``session.info`` key: the (table, case id) pairs written in this unit of work, which the
#: vault announces after the commit (``models.changes``).
CHANGED = "changed"


def _note_changed(session: Session, obj: object) -> None:
    table = getattr(obj, "__tablename__", "")
    session.info.setdefault(CHANGED, set()).add((table, getattr(obj, "case_id", None)))


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        _note_changed(session, obj)
    now = utcnow()
    preserve = bool(session.info.get("preserve_meta"))
    for obj in session.deleted:
        if isinstance(obj, Synced | AuditEvent):
            raise ImmutableRecord("record.hard_delete", table=getattr(obj, "__tablename__", ""))
    # Rows from the server are stored as they are; everything typed or imported is checked.
    check_dates = not session.info.get("sync_apply")
    # A few minutes' grace: a laptop clock a little behind the notifier's is not an error.
    grace = now + timedelta(minutes=5)
    for obj in list(session.new):
        if isinstance(obj, Synced):
            if check_dates:
                check_row(obj, grace)
            _on_new(session, obj, now, preserve)
    for obj in list(session.dirty):
        if isinstance(obj, Synced):
            if check_dates and session.is_modified(obj):
                check_row(obj, grace)
            _on_dirty(session, obj, now, preserve)
        elif isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise ImmutableRecord(table="audit_event", row_id=obj.id)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _before_flush)
