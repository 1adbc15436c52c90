"""Change tracking for every write through a vault session: stamps ``updated_at``/``updated_by``,
writes the sync outbox (``ChangeEntry``) and the access log (``AuditEvent``) in the same
transaction, refuses hard deletes and edits of finalised journal notes.

The outbox coalesces: a change joins the row's newest entry while no push has been attempted
with it, so a note saved at every pause in typing is one entry (the access log keeps an event
per save). See ``ChangeEntry`` for the format.

Hooked into SQLAlchemy's ``before_flush``, so a feature never has to remember to do it."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from models.errors import ImmutableRecord
from models.schema import (
    SYNCED_TABLES,
    AuditEvent,
    Case,
    ChangeEntry,
    JournalNote,
    Synced,
    new_id,
    utcnow,
)
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
    keys = (attr.key for attr in inspect(type(obj)).column_attrs)
    session.add(
        ChangeEntry(
            table=type(obj).__tablename__,  # type: ignore[attr-defined]
            row_id=obj.id,
            case_id=obj.case_id,
            op="insert",
            base_rev=obj.rev or 0,
            # Every field, its new value the row's own until the entry is sent (``freeze``).
            changes={k: [None] for k in keys if k not in META_FIELDS},
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
    _record(session, obj, {key: old for key, (old, _new) in changes.items()})
    _audit(session, obj, AuditAction.SLETTET if deleted else AuditAction.AENDRET)


def _open_entry(session: Session, table: str, row_id: str) -> ChangeEntry | None:
    """The row's newest outbox entry if a change may still join it: waiting, and never sent (a
    push that may have reached the store is retried with what it sent, under the same id)."""
    entry = session.scalars(
        select(ChangeEntry)
        .where(ChangeEntry.row_id == row_id)
        .order_by(ChangeEntry.seq.desc())
        .limit(1)
    ).first()
    if entry is None or entry.attempted or entry.status != "pending" or entry.table != table:
        return None
    return entry


def _record(session: Session, obj: Synced, olds: dict[str, Any]) -> None:
    """Put a change of ``obj`` (its fields' values before it, as JSON) in the outbox: into the
    row's open entry, keeping each field's earliest old value (a colleague's change since then
    must still be seen as a conflict), or else into a new entry."""
    table: str = type(obj).__tablename__  # type: ignore[attr-defined]
    entry = _open_entry(session, table, obj.id)
    if entry is None:
        entry = ChangeEntry(
            table=table,
            row_id=obj.id,
            case_id=obj.case_id,
            base_rev=_base_rev(session, obj),
            changes={},
        )
        session.add(entry)
    changes = dict(entry.changes)
    for key, old in olds.items():
        earlier = changes.get(key)
        changes[key] = [earlier[0] if earlier else old]
    entry.changes = changes
    if entry.op != "insert":
        # Created and then deleted before any push: still one insert (of the tombstone), as
        # the store knows no row to delete.
        deleted = "deleted_at" in changes and obj.deleted_at is not None
        entry.op = "delete" if deleted else "update"


def _base_rev(session: Session, obj: Synced) -> int:
    """The revision a new entry of ``obj`` is based on: the row's, unless an earlier entry of
    the row is still in the outbox (refused, or sent without an answer). A pull then kept that
    entry's values over the store's while it moved the row's revision on, so the row's revision
    no longer says the laptop saw every field as the store has it: the earliest such entry's
    base is taken, and the store compares old values instead of applying blindly (a colleague's
    value in between becomes a conflict, not a silent overwrite)."""
    earliest = session.scalar(
        select(func.min(ChangeEntry.base_rev)).where(ChangeEntry.row_id == obj.id)
    )
    rev = obj.rev or 0
    return rev if earliest is None else min(rev, earliest)


_CLASSES: dict[str, type[Synced]] = {
    cls.__tablename__: cls  # type: ignore[attr-defined]
    for cls in SYNCED_TABLES
}


def freeze(session: Session, entries: Iterable[ChangeEntry]) -> list[ChangeEntry]:
    """Write the row's current value into each field of ``entries`` that holds none ([old] →
    [old, new]): the push does it in the transaction that marks them attempted, and a row about
    to leave the laptop has its waiting changes frozen first. Returns the entries whose row is
    no longer on the laptop (nothing is known to send for them)."""
    by_table: dict[str, list[ChangeEntry]] = {}
    for entry in entries:
        if any(len(change) < 2 for change in entry.changes.values()):
            by_table.setdefault(entry.table, []).append(entry)
    gone: list[ChangeEntry] = []
    for table, group in by_table.items():
        cls = _CLASSES.get(table)
        if cls is None:
            gone.extend(group)
            continue
        rows: dict[str, dict[str, Any]] = {}
        ids = sorted({e.row_id for e in group})
        for start in range(0, len(ids), 500):
            query = select(cls).where(cls.id.in_(ids[start : start + 500]))
            rows.update((obj.id, row_values(obj)) for obj in session.scalars(query))
        for entry in group:
            values = rows.get(entry.row_id)
            if values is None:
                gone.append(entry)
                continue
            entry.changes = {
                key: change if len(change) > 1 else [change[0], values.get(key)]
                for key, change in entry.changes.items()
            }
    return gone


def mark_attempted(session: Session, entries: Sequence[ChangeEntry]) -> list[ChangeEntry]:
    """Make ``entries`` ready to send: new values written in, never changed again. Returns the
    entries to send; an entry whose row has left the laptop is dropped."""
    fresh = [e for e in entries if not e.attempted]
    gone = {e.seq for e in freeze(session, fresh)}
    for entry in fresh:
        if entry.seq in gone:
            session.delete(entry)
        else:
            entry.attempted = True
    return [e for e in entries if e.seq not in gone]


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
