"""Drafts: what a user typed in an editor and has not saved yet, kept inside the encrypted vault
(table ``draft``, never synced) so it survives lock, auto-lock, a crash and a restart. One draft
per editor and subject, by key (``"home_visit:<case id>"``); its content is the editor's own JSON
of field name → value. Saving the real record discards the draft."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.errors import ValidationError
from models.schema import Draft, JournalNote, utcnow
from models.values import MAX_JSON_CHARS

Content = dict[str, Any]


@dataclass(frozen=True)
class DraftInfo:
    key: str
    case_id: str | None
    editor: str
    saved_at: datetime


def draft_key(editor: str, subject: str) -> str:
    return f"{editor}:{subject}"


def save_draft(
    session: Session, key: str, editor: str, case_id: str | None, content: Content
) -> None:
    """Keep ``content`` under ``key`` (replacing an older draft). An empty content (every
    field empty) removes the draft: there is nothing to bring back."""
    if not any(_filled(v) for v in content.values()):
        discard_draft(session, key)
        return
    if len(json.dumps(content, ensure_ascii=False)) > MAX_JSON_CHARS:
        raise ValidationError("validation.too_long", field="draft")
    row = session.get(Draft, key)
    if row is None:
        session.add(Draft(key=key, editor=editor, case_id=case_id, content=content))
    else:
        row.content = content
        row.saved_at = utcnow()


def load_draft(session: Session, key: str) -> Content | None:
    row = session.get(Draft, key)
    return dict(row.content) if row is not None and isinstance(row.content, dict) else None


def discard_draft(session: Session, key: str) -> None:
    session.execute(delete(Draft).where(Draft.key == key))


def drafts(session: Session, case_id: str | None = None) -> list[DraftInfo]:
    """The drafts kept (of one case, or all), newest first; contents not loaded."""
    query = select(Draft.key, Draft.case_id, Draft.editor, Draft.saved_at)
    if case_id is not None:
        query = query.where(Draft.case_id == case_id)
    rows = session.execute(query.order_by(Draft.saved_at.desc())).all()
    return [DraftInfo(*row) for row in rows]


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return False  # booleans, numbers, dates alone are no typed work worth bringing back


def latest_unfinished_note(session: Session, case_id: str, author: str) -> str | None:
    """The id of ``author``'s newest journal note of the case that is not finalised yet (a
    journal keeps its draft as that note: after a crash it is opened again)."""
    return session.scalar(
        select(JournalNote.id)
        .where(
            JournalNote.case_id == case_id,
            JournalNote.author == author,
            JournalNote.finalised_at.is_(None),
            JournalNote.deleted_at.is_(None),
        )
        .order_by(JournalNote.updated_at.desc())
        .limit(1)
    )
