"""Hjemmebesøg during a børnefaglig undersøgelse (DOMAIN.md stage 5): register a visit that was
held (a ``Meeting`` of kind hjemmebesoeg, which fulfils the engine's "hjemmebesoeg_undersoegelse"
deadline), or document why none took place (``Assessment.no_home_visit_reason``, which excepts
it). The hjemmebesøg form (``models.forms.service``) does the same through a meeting's answers.
Every write goes through ``models.services``, so the outbox and the access log get theirs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.errors import ValidationError
from models.schema import Assessment, Meeting, utcnow
from models.vocabulary import AssessmentStatus, MeetingKind

HOME_VISIT_RULE = "hjemmebesoeg_undersoegelse"


def _attendees(present: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Attendee dicts {person_id, name, role} as the Meeting stores them; blank names dropped,
    one entry per person (a party ticked and typed again is one attendee)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in present:
        name = str(entry.get("name") or "").strip()
        if not name:
            continue
        person_id = entry.get("person_id") or None
        key = f"id:{person_id}" if person_id else f"name:{name.casefold()}"
        if key in seen:
            continue
        seen.add(key)
        role = str(entry.get("role") or "").strip()
        out.append({"person_id": person_id, "name": name, "role": role})
    return out


def register_home_visit(
    session: Session,
    case_id: str,
    *,
    held_on: datetime,
    present: list[dict[str, Any]],
    observations: str,
    location: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Record a hjemmebesøg that took place at ``held_on`` (aware). A visit in the future is
    refused: a planned visit is not a held one, and only a held one fulfils the deadline."""
    if held_on.tzinfo is None:
        raise ValueError("held_on must be an aware datetime")
    if held_on > (now or utcnow()):
        raise ValidationError("validation.future_date", table="meeting", field="held_at")
    case = services.find_case(session, case_id)
    return services.add(
        session,
        Meeting(
            case_id=case.id,
            kind=MeetingKind.HJEMMEBESOEG,
            held_at=held_on,
            planned_at=held_on,
            location=location.strip(),
            attendees=_attendees(present),
            notes=observations.strip(),
        ),
    )


def register_no_home_visit(session: Session, assessment_id: str, reason: str) -> Assessment:
    """Document why no hjemmebesøg took place during the undersøgelse (the reason is required;
    the engine then shows the deadline as excepted with it)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("validation.required", field="no_home_visit_reason")
    assessment = services.get(session, Assessment, assessment_id)
    return services.update(session, assessment, no_home_visit_reason=reason)


def document_no_home_visit(session: Session, case_id: str, reason: str) -> Assessment | None:
    """Document on the case's open undersøgelse (``current_assessment``) why no hjemmebesøg
    took place, as ``register_no_home_visit`` does; the hjemmebesøg form's "ikke gennemført"
    does this when it is finalised. None when the case has no open undersøgelse."""
    assessment = current_assessment(session, case_id)
    if assessment is None:
        return None
    return register_no_home_visit(session, assessment.id, reason)


def current_assessment(session: Session, case_id: str) -> Assessment | None:
    """The case's open børnefaglig undersøgelse (not completed), the latest started if several."""
    case = services.find_case(session, case_id)
    return session.scalar(
        select(Assessment)
        .where(
            Assessment.case_id == case.id,
            Assessment.deleted_at.is_(None),
            Assessment.completed_on.is_(None),
            Assessment.status != AssessmentStatus.AFSLUTTET,
        )
        .order_by(Assessment.started_on.desc(), Assessment.updated_at.desc())
        .limit(1)
    )
