"""A case's timeline (tidslinje): everything that happened in the case, newest first, as plain
frozen values the case view can show. Built from the vault's rows; tombstoned rows are left out.

What counts as an event: underretninger (received, and assessed: the 24-hour assessment done),
meetings held (planned or cancelled ones are not events), finalised journal notes (a finalised
correction is marked as one; drafts are not records yet), decisions on interventions,
undersøgelser started / preliminarily assessed / completed, plans approved, follow-ups decided,
and prints and exports from the access log."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.schema import (
    Assessment,
    AuditEvent,
    DeadlineAck,
    FollowUp,
    Intervention,
    Meeting,
    Notification,
    Plan,
    Screening,
)
from models.vocabulary import (
    AUDIT_ACTION_LABELS,
    DEADLINE_ACK_KIND_LABELS,
    LEGAL_BASIS_LABELS,
    MEETING_KIND_LABELS,
    MET_BY_LABELS,
    NOTE_KIND_LABELS,
    NOTIFIER_KIND_LABELS,
    NOTIFIER_SECTOR_LABELS,
    PLAN_KIND_LABELS,
    SCREENING_OUTCOME_LABELS,
    TABLE_LABELS,
    AuditAction,
    DeadlineAckKind,
)

_DK = ZoneInfo("Europe/Copenhagen")

#: Longest detail text; the full text is in the row's own screen.
DETAIL_LENGTH = 120

# A CPR number in free text (DDMMYY-XXXX or ten digits): never shown in a timeline detail.
_CPR = re.compile(r"\b\d{6}-?\d{4}\b")


class TimelineKind(StrEnum):
    """What kind of event a timeline line is (stable codes, for icons, filters and tests)."""

    UNDERRETNING = "underretning"
    UNDERRETNING_VURDERET = "underretning_vurderet"
    INDLEDENDE_VURDERING = "indledende_vurdering"
    MOEDE = "moede"
    JOURNALNOTAT = "journalnotat"
    RETTELSE = "rettelse"
    AFGOERELSE = "afgoerelse"
    UNDERSOEGELSE_STARTET = "undersoegelse_startet"
    FORELOEBIG_VURDERING = "foreloebig_vurdering"
    UNDERSOEGELSE_AFSLUTTET = "undersoegelse_afsluttet"
    PLAN_GODKENDT = "plan_godkendt"
    OPFOELGNING_AFGJORT = "opfoelgning_afgjort"
    UDSKREVET = "udskrevet"
    EKSPORTERET = "eksporteret"
    FRIST = "frist"


@dataclass(frozen=True)
class TimelineEvent:
    """One line of the timeline. ``at`` is aware; ``all_day`` when only the day is known (a
    decision or approval date), so the view shows the date without a time. ``detail`` is short
    and never holds a CPR number."""

    at: datetime
    kind: TimelineKind
    title: str
    detail: str
    all_day: bool = False
    entity: str = ""
    entity_id: str | None = None
    #: The whole text behind the line (a note's body, a meeting's notes …) for the detail pane,
    #: with CPR numbers masked as in ``detail``.
    full: str = ""


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=_DK)


def short(text: str, limit: int = DETAIL_LENGTH) -> str:
    """One line of at most ``limit`` characters, with CPR numbers masked."""
    line = " ".join(_CPR.sub("••••••-••••", text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _live(session: Session, cls: type[Any], case_id: str) -> Sequence[Any]:
    return session.scalars(
        select(cls).where(cls.case_id == case_id, cls.deleted_at.is_(None))
    ).all()


def attendee_names(attendees: Iterable[Any]) -> list[str]:
    """The names of a meeting's attendees (dicts {person_id, name, role})."""
    names: list[str] = []
    for a in attendees:
        if isinstance(a, dict):
            name = str(a.get("name") or "").strip()
            if name:
                names.append(name)
    return names


def _notifications(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for n in _live(session, Notification, case_id):
        if n.received_at is None:
            continue
        sender = NOTIFIER_KIND_LABELS.get(n.notifier_kind, str(n.notifier_kind))
        if n.notifier_sector is not None:
            sector = NOTIFIER_SECTOR_LABELS.get(n.notifier_sector, str(n.notifier_sector))
            sender = f"{sender} ({sector})"
        yield TimelineEvent(
            at=n.received_at,
            kind=TimelineKind.UNDERRETNING,
            title="Underretning modtaget",
            detail=short(_join(f"Fra {sender.lower()}", n.notifier_organisation, n.summary)),
            entity="notification",
            entity_id=n.id,
            full=_lines(
                f"Fra: {sender}",
                _join(n.notifier_name, n.notifier_organisation),
                n.summary,
                f"Beslutning: {n.decision}" if n.decision else "",
            ),
        )
        if n.assessed_at is not None:
            outcome = SCREENING_OUTCOME_LABELS.get(n.outcome, str(n.outcome)) if n.outcome else ""
            yield TimelineEvent(
                at=n.assessed_at,
                kind=TimelineKind.UNDERRETNING_VURDERET,
                title="Underretning vurderet",
                detail=short(_join(outcome, n.decision)),
                entity="notification",
                entity_id=n.id,
                full=_lines(outcome, n.decision),
            )


def _screenings(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for sc in _live(session, Screening, case_id):
        if sc.decided_at is None:
            continue  # a draft is not yet an event of the case
        outcome = SCREENING_OUTCOME_LABELS.get(sc.outcome, str(sc.outcome)) if sc.outcome else ""
        reason = str(sc.answers.get("begrundelse") or "") if isinstance(sc.answers, dict) else ""
        yield TimelineEvent(
            at=sc.decided_at,
            kind=TimelineKind.INDLEDENDE_VURDERING,
            title="Indledende vurdering afsluttet",
            detail=short(_join(outcome, reason)),
            entity="screening",
            entity_id=sc.id,
            full=_lines(outcome, reason),
        )


def _meetings(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for m in _live(session, Meeting, case_id):
        if m.held_at is None:
            continue
        names = attendee_names(m.attendees)
        present = f"Til stede: {', '.join(names)}" if names else ""
        yield TimelineEvent(
            at=m.held_at,
            kind=TimelineKind.MOEDE,
            title=MEETING_KIND_LABELS.get(m.kind, str(m.kind)),
            detail=short(_join(present, m.location, m.notes)),
            entity="meeting",
            entity_id=m.id,
            full=_lines(present, f"Sted: {m.location}" if m.location else "", m.notes),
        )


def _notes(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    notes = services.note_rows(session, case_id)  # columns, no ORM objects (500 notes)
    titles = {n.note_id: n.title for n in notes}
    for n in notes:
        if n.finalised_at is None:
            continue
        title = n.title or "(uden overskrift)"
        if n.corrects_id:
            original = titles.get(n.corrects_id) or "(uden overskrift)"
            yield TimelineEvent(
                at=n.finalised_at,
                kind=TimelineKind.RETTELSE,
                title="Rettelse til journalnotat",
                detail=short(f"{title} (retter »{original}«)"),
                entity="journal_note",
                entity_id=n.note_id,
                full=_lines(f"{title} (retter »{original}«)", n.body),
            )
        else:
            yield TimelineEvent(
                at=n.finalised_at,
                kind=TimelineKind.JOURNALNOTAT,
                title="Journalnotat",
                detail=short(title),
                entity="journal_note",
                entity_id=n.note_id,
                full=_lines(f"{title} ({NOTE_KIND_LABELS.get(n.kind, str(n.kind))})", n.body),
            )


def _decisions(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for i in _live(session, Intervention, case_id):
        if i.decided_on is None:
            continue
        basis = i.legal_reference or LEGAL_BASIS_LABELS.get(i.legal_basis, str(i.legal_basis))
        yield TimelineEvent(
            at=_start_of_day(i.decided_on),
            kind=TimelineKind.AFGOERELSE,
            title="Afgørelse om indsats",
            detail=short(_join(i.title, basis, i.provider)),
            all_day=True,
            entity="intervention",
            entity_id=i.id,
            full=_lines(i.title, basis, i.provider),
        )


def _assessments(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for a in _live(session, Assessment, case_id):
        yield TimelineEvent(
            at=_start_of_day(a.started_on),
            kind=TimelineKind.UNDERSOEGELSE_STARTET,
            title="Børnefaglig undersøgelse startet",
            detail=short(a.plan_text),
            all_day=True,
            entity="assessment",
            entity_id=a.id,
            full=_lines(a.plan_text),
        )
        if a.preliminary_on is not None:
            yield TimelineEvent(
                at=_start_of_day(a.preliminary_on),
                kind=TimelineKind.FORELOEBIG_VURDERING,
                title="Foreløbig vurdering af undersøgelsen",
                detail="",
                all_day=True,
                entity="assessment",
                entity_id=a.id,
            )
        if a.completed_on is not None:
            yield TimelineEvent(
                at=_start_of_day(a.completed_on),
                kind=TimelineKind.UNDERSOEGELSE_AFSLUTTET,
                title="Børnefaglig undersøgelse afsluttet",
                detail=short(a.conclusion or a.summary),
                all_day=True,
                entity="assessment",
                entity_id=a.id,
                full=_lines(a.summary, a.conclusion),
            )


def _plans(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for p in _live(session, Plan, case_id):
        if p.approved_on is None:
            continue
        yield TimelineEvent(
            at=_start_of_day(p.approved_on),
            kind=TimelineKind.PLAN_GODKENDT,
            title=f"{PLAN_KIND_LABELS.get(p.kind, str(p.kind))} godkendt",
            detail=short(_join(f"Version {p.version}", p.purpose)),
            all_day=True,
            entity="plan",
            entity_id=p.id,
            full=_lines(f"Version {p.version}", p.purpose),
        )


def _follow_ups(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    for f in _live(session, FollowUp, case_id):
        if f.decided_on is None:
            continue
        yield TimelineEvent(
            at=_start_of_day(f.decided_on),
            kind=TimelineKind.OPFOELGNING_AFGJORT,
            title="Opfølgning afgjort",
            detail=short(f.decision),
            all_day=True,
            entity="follow_up",
            entity_id=f.id,
            full=_lines(f.decision),
        )


_OUTPUT_ACTIONS = {
    AuditAction.UDSKREVET: TimelineKind.UDSKREVET,
    AuditAction.EKSPORTERET: TimelineKind.EKSPORTERET,
}


def _prints_and_exports(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action.in_(list(_OUTPUT_ACTIONS))
        )
    ).all()
    for e in events:
        what = "sagen" if e.entity == "case" else TABLE_LABELS.get(e.entity, e.entity)
        yield TimelineEvent(
            at=e.at,
            kind=_OUTPUT_ACTIONS[e.action],
            title=AUDIT_ACTION_LABELS[e.action],
            detail=short(_join(what.capitalize(), f"af {e.user}" if e.user else "")),
            entity=e.entity,
            entity_id=e.entity_id,
        )


def _deadline_marks(session: Session, case_id: str) -> Iterable[TimelineEvent]:
    """Deadlines marked met, excepted or acknowledged (a withdrawn mark is gone from here, and
    stays in the access log)."""
    from models.deadlines.rules import RULES

    for a in _live(session, DeadlineAck, case_id):
        rule = RULES.get(a.rule)
        name = rule[0] if rule is not None else a.rule
        what = DEADLINE_ACK_KIND_LABELS.get(a.kind, str(a.kind))
        if a.kind == DeadlineAckKind.OPFYLDT and a.met_by_table:
            what += f" ved {MET_BY_LABELS.get(a.met_by_table, a.met_by_table)}"
        who = f"af {a.updated_by}" if a.updated_by else ""
        yield TimelineEvent(
            at=a.acknowledged_at,
            kind=TimelineKind.FRIST,
            title=f"Frist {what.lower()}",
            detail=short(_join(name, a.reason, who)),
            entity="deadline_ack",
            entity_id=a.id,
            full=_lines(name, f"{what} {who}".strip(), a.reason),
        )


def _lines(*parts: str) -> str:
    text = "\n\n".join(p.strip() for p in parts if p and p.strip())
    return _CPR.sub("••••••-••••", text)


_SOURCES = (
    _notifications,
    _screenings,
    _assessments,
    _meetings,
    _decisions,
    _plans,
    _follow_ups,
    _notes,
    _deadline_marks,
    _prints_and_exports,
)


def case_timeline(session: Session, case_id: str) -> list[TimelineEvent]:
    """Every event of the case (by id or case number), **newest first** — the caseworker opens
    a case to see what happened lately. Events at the same moment keep a fixed order (the order
    of ``_SOURCES``, reversed), so the list does not shuffle between refreshes."""
    case = services.find_case(session, case_id)
    numbered = [
        (event.at, rank, event)
        for rank, source in enumerate(_SOURCES)
        for event in source(session, case.id)
    ]
    numbered.sort(key=lambda item: (item[0], item[1], item[2].title), reverse=True)
    return [event for _, _, event in numbered]
