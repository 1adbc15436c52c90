"""What the "Synkronisering" tab lists, as plain rows (Qt-free, read from the vault): conflicts to
settle, changes the store refused, and rows received that this version could not keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from desktop import messages
from models.schema import Case, CaseParty, Person, User
from models.vault import Vault
from models.vocabulary import FIELD_LABELS, TABLE_LABELS
from sync import answers
from sync.client import state as sync_state

OPS = {"insert": "Ny", "update": "Ændret", "delete": "Slettet"}


def field_label(name: str) -> str:
    """A column's Danish name; one question of a form's answers: "svar: <spørgsmål>"."""
    question = answers.question_of(name)
    if question is not None:
        return f"svar: {question.replace('_', ' ')}"
    return FIELD_LABELS.get(name, name)


def reason_text(code: str) -> str:
    """Why the server rejected a change, in Danish."""
    return messages.sync_reason_text(code)


@dataclass(frozen=True)
class ConflictView:
    conflict_id: str
    case: str
    what: str
    field: str
    mine: str
    theirs: str
    detected: datetime


@dataclass(frozen=True)
class RejectedView:
    seq: int
    case: str
    what: str
    change: str
    reason: str


@dataclass(frozen=True)
class QuarantineView:
    case: str
    what: str
    fields: str
    state: str


#: What a row held out of the vault is, to the caseworker: the case is missing information.
QUARANTINE_STATE = "Mangler oplysninger"


def _value(value: Any, limit: int = 120) -> str:
    if value is None or value == "":
        return "(tom)"
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who(value: str, user: str, names: dict[str, str]) -> str:
    """The value with who wrote it: the colleague's name, not the username."""
    if not user:
        return value
    return f"{value} ({names.get(user, user)})"


def _display_names(vault: Vault) -> dict[str, str]:
    with vault.reading() as s:
        local = {u: n for u, n in s.execute(select(User.username, User.display_name)) if n}
    return {**local, **sync_state.display_names(vault)}


def _case_numbers(vault: Vault, ids: set[str]) -> dict[str, str]:
    """Each case as the caseworker knows it: its number and the child's name."""
    if not ids:
        return {}
    with vault.reading() as s:
        rows = s.execute(
            select(Case.id, Case.case_number, Person.first_name, Person.last_name)
            .join(Person, Person.id == Case.child_id)
            .where(Case.id.in_(ids))
        ).all()
    found = {cid: f"{number} · {first} {last}".strip() for cid, number, first, last in rows}
    # A case removed from the laptop (its assignment ended) is named as it was known.
    kept = sync_state.case_labels(vault)
    return {**{cid: kept[cid] for cid in ids if cid in kept}, **found}


def _person_cases(vault: Vault, ids: set[str]) -> dict[str, str]:
    """The case numbers that name each person (as child or party), joined."""
    if not ids:
        return {}
    found: dict[str, set[str]] = {}
    with vault.reading() as s:
        for pid, number in s.execute(
            select(Case.child_id, Case.case_number).where(Case.child_id.in_(ids))
        ):
            found.setdefault(pid, set()).add(number)
        for pid, number in s.execute(
            select(CaseParty.person_id, Case.case_number)
            .join(Case, Case.id == CaseParty.case_id)
            .where(CaseParty.person_id.in_(ids))
        ):
            found.setdefault(pid, set()).add(number)
    return {pid: ", ".join(sorted(numbers)) for pid, numbers in found.items()}


def load_conflicts(vault: Vault) -> list[ConflictView]:
    found = sync_state.conflicts(vault)
    numbers = _case_numbers(vault, {c.case_id for c in found if c.case_id})
    names = _display_names(vault)
    return [
        ConflictView(
            conflict_id=c.id,
            case=numbers.get(c.case_id or "", "–"),
            what=TABLE_LABELS.get(c.table_name, c.table_name),
            field=field_label(c.field),
            mine=_who(_value(c.client_value), c.client_user, names),
            theirs=_who(_value(c.server_value), c.server_user, names),
            detected=c.detected_at,
        )
        for c in found
    ]


def load_rejected(vault: Vault) -> list[RejectedView]:
    found = sync_state.rejected(vault)
    numbers = _case_numbers(vault, {e.case_id for e in found if e.case_id})
    views = []
    for e in found:
        fields = ", ".join(
            sorted(field_label(k) for k in e.changes if k not in ("id", "case_id", "rev"))
        )
        change = OPS.get(e.op, e.op) + (f": {fields}" if fields and e.op == "update" else "")
        views.append(
            RejectedView(
                seq=e.seq,
                case=numbers.get(e.case_id or "", "–"),
                what=TABLE_LABELS.get(e.table, e.table),
                change=change,
                reason=reason_text(e.reason),
            )
        )
    return views


def load_quarantined(vault: Vault) -> list[QuarantineView]:
    found = sync_state.quarantined(vault)
    numbers = _case_numbers(vault, {str(q["case_id"]) for q in found if q.get("case_id")})
    persons = _person_cases(vault, {q["id"] for q in found if not q.get("case_id")})
    return [
        QuarantineView(
            case=numbers.get(str(q.get("case_id") or ""), "") or persons.get(q["id"], "–"),
            what=TABLE_LABELS.get(str(q["table"]), str(q["table"])),
            fields=", ".join(sorted(field_label(str(f)) for f in q.get("fields", []))),
            state=QUARANTINE_STATE,
        )
        for q in found
    ]
