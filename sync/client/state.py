"""The sync state kept in the vault, as the sync panel shows it, and what the caseworker decides
there: changes the store refused (retry), conflicts (resolve), quarantined rows, the labels of
removed cases and colleagues' names. Nothing here talks to the store."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from models import exchange, settings
from models.schema import ChangeEntry, SyncConflict
from models.vault import Vault
from sync import answers
from sync import protocol as p
from sync.client.enrolment import is_connected
from sync.client.keys import (
    CASE_LABELS_KEY,
    LAST_ERROR_KEY,
    LAST_SUCCESS_KEY,
    NAMES_KEY,
    QUARANTINE_KEY,
)
from sync.errors import SyncError


@dataclass
class SyncStatus:
    connected: bool
    pending: int
    rejected: int
    conflicts: int
    last_success: datetime | None
    last_error: str


def status(vault: Vault) -> SyncStatus:
    with vault.reading() as s:
        counts = dict(
            s.execute(select(ChangeEntry.status, func.count()).group_by(ChangeEntry.status)).all()
        )
        conflicts = s.scalar(
            select(func.count())
            .select_from(SyncConflict)
            .where(SyncConflict.resolved_at.is_(None), SyncConflict.deleted_at.is_(None))
        )
    last = vault.setting(LAST_SUCCESS_KEY)
    return SyncStatus(
        connected=is_connected(vault),
        pending=int(counts.get("pending", 0)),
        rejected=int(counts.get("rejected", 0)),
        conflicts=int(conflicts or 0),
        last_success=datetime.fromisoformat(last) if last else None,
        last_error=vault.setting(LAST_ERROR_KEY),
    )


def retry(vault: Vault, seqs: Iterable[int]) -> None:
    """Send rejected changes again (with new mutation ids: the server remembers the old)."""
    with vault.session(sync_apply=True) as s:
        for entry in s.scalars(select(ChangeEntry).where(ChangeEntry.seq.in_(list(seqs)))):
            entry.status = "pending"
            entry.reason = ""
            entry.mutation_id = str(uuid.uuid4())


def rejected(vault: Vault) -> list[ChangeEntry]:
    with vault.reading() as s:
        return list(
            s.scalars(
                select(ChangeEntry)
                .where(ChangeEntry.status == "rejected")
                .order_by(ChangeEntry.seq)
            )
        )


def conflicts(vault: Vault, case_id: str | None = None) -> list[SyncConflict]:
    with vault.reading() as s:
        query = select(SyncConflict).where(
            SyncConflict.resolved_at.is_(None), SyncConflict.deleted_at.is_(None)
        )
        if case_id:
            query = query.where(SyncConflict.case_id == case_id)
        return list(s.scalars(query.order_by(SyncConflict.detected_at)))


def resolve(vault: Vault, conflict_id: str, choice: str) -> None:
    """Settle a conflict: ``choice`` "server" keeps the value the store has, "client" writes the
    other value. Both the choice and (for "client") the value go out with the next push."""
    if choice not in ("server", "client"):
        raise ValueError(choice)
    with vault.session() as s:
        conflict = s.get(SyncConflict, conflict_id)
        if conflict is None:
            raise SyncError("sync.conflict_unknown")
        if conflict.resolved_at is not None:
            return
        cls = p.TABLES.get(conflict.table_name)
        if choice == "client" and cls is not None:
            row = s.get(cls, conflict.row_id)
            question = answers.question_of(conflict.field)
            col = p.columns(conflict.table_name).get(conflict.field)
            if row is not None and question is not None:
                # One question of a form: only that answer changes.
                chosen = answers.with_answer(
                    getattr(row, answers.ANSWERS, None), question, conflict.client_value
                )
                setattr(row, answers.ANSWERS, chosen)
            elif row is not None and col is not None:
                setattr(row, conflict.field, exchange.to_python(col, conflict.client_value))
        conflict.resolved_at = datetime.now(UTC)
        conflict.resolution = choice
        conflict.resolved_by = vault.user


def quarantined(vault: Vault) -> list[dict[str, Any]]:
    """Rows received with values this version cannot store: ``{"id", "table", "case_id",
    "rev", "fields"}`` each. They stay out of the vault (the rest of their page was applied)
    until the store sends a version that can be stored."""
    held: dict[str, dict[str, Any]] = json.loads(vault.setting(QUARANTINE_KEY) or "{}")
    return [{"id": row_id, **info} for row_id, info in sorted(held.items())]


def display_names(vault: Vault) -> dict[str, str]:
    """Usernames → names: the colleagues the store named, and this laptop's own user."""
    try:
        names = json.loads(vault.setting(NAMES_KEY) or "{}")
    except ValueError:
        names = {}
    if not isinstance(names, dict):
        names = {}
    own = settings.get(vault, settings.DISPLAY_NAME)
    if vault.user and own:
        names[vault.user] = own
    return {str(k): str(v) for k, v in names.items()}


def case_labels(vault: Vault) -> dict[str, str]:
    """Labels of removed cases whose refused changes are still listed."""
    try:
        labels = json.loads(vault.setting(CASE_LABELS_KEY) or "{}")
    except ValueError:
        return {}
    return labels if isinstance(labels, dict) else {}
