"""The case documents Feltmappe prints (issue 13), by kind: what each is called, which row of
the case it is made from, and how. ``make_document`` is the one way in for the CLI
(``feltmappe print``) and the app ("Udskriv", "Gem som PDF"); it returns the PDF as bytes and
never writes a file. The caller logs the print or export (``log_document``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.deadlines.calendar import local_date
from models.documents.form_document import (
    answered_assessments,
    answered_form_pdf,
    answered_meetings,
    answered_notifications,
    answered_screenings,
    blank_form_pdf,
    row_label,
)
from models.documents.receipt import Sender, receipt_pdf
from models.errors import FeltmappeError, NotFound, ValidationError
from models.schema import Assessment, Case, Meeting, Notification, Screening
from models.vocabulary import AuditAction, MeetingKind, NotifierKind

__all__ = [
    "DOCUMENTS",
    "DocumentKind",
    "Made",
    "Sender",
    "log_document",
    "make_document",
    "sender_for",
]


@dataclass(frozen=True)
class Candidate:
    """A row of the case a document can be made from, as the user picks it."""

    row_id: str
    label: str


@dataclass(frozen=True)
class DocumentKind:
    key: str  # ASCII, for the command line
    title: str  # Danish
    #: The rows of a case this document can be made from.
    candidates: Callable[[Session, str], list[Candidate]]
    #: session, row id, sender → PDF bytes.
    make: Callable[[Session, str, Sender], bytes]


@dataclass(frozen=True)
class Made:
    pdf: bytes
    kind: DocumentKind
    case_id: str
    case_number: str
    row_id: str


def _professional_notifications(session: Session, case_id: str) -> list[Candidate]:
    rows = session.scalars(
        select(Notification)
        .where(
            Notification.case_id == case_id,
            Notification.deleted_at.is_(None),
            Notification.notifier_kind == NotifierKind.FAGPERSON,
        )
        .order_by(Notification.received_at)
    )
    return [
        Candidate(
            n.id,
            " · ".join(
                p
                for p in (
                    f"{local_date(n.received_at):%d.%m.%Y}" if n.received_at else "",
                    n.notifier_name,
                    n.notifier_organisation,
                )
                if p
            ),
        )
        for n in rows
    ]


def _notification_forms(session: Session, case_id: str) -> list[Candidate]:
    return [Candidate(n.id, row_label(n)) for n in answered_notifications(session, case_id)]


def _screening_forms(session: Session, case_id: str) -> list[Candidate]:
    return [Candidate(r.id, row_label(r)) for r in answered_screenings(session, case_id)]


def _assessment_forms(session: Session, case_id: str) -> list[Candidate]:
    return [Candidate(a.id, row_label(a)) for a in answered_assessments(session, case_id)]


def _child_conversation_forms(session: Session, case_id: str) -> list[Candidate]:
    rows = answered_meetings(session, case_id, MeetingKind.BOERNESAMTALE)
    return [Candidate(m.id, row_label(m)) for m in rows]


def _home_visit_forms(session: Session, case_id: str) -> list[Candidate]:
    rows = answered_meetings(session, case_id, MeetingKind.HJEMMEBESOEG)
    return [Candidate(m.id, row_label(m)) for m in rows]


def _the_case(session: Session, case_id: str) -> list[Candidate]:
    return [Candidate(case_id, "blank skabelon til fagpersonen")]


def _notification_pdf(session: Session, row_id: str, _sender: Sender) -> bytes:
    return answered_form_pdf(session, services.get(session, Notification, row_id))


def _screening_pdf(session: Session, row_id: str, _sender: Sender) -> bytes:
    return answered_form_pdf(session, services.get(session, Screening, row_id))


def _assessment_pdf(session: Session, row_id: str, _sender: Sender) -> bytes:
    return answered_form_pdf(session, services.get(session, Assessment, row_id))


def _meeting_pdf(session: Session, row_id: str, _sender: Sender) -> bytes:
    return answered_form_pdf(session, services.get(session, Meeting, row_id))


def _status_template_pdf(session: Session, case_id: str, _sender: Sender) -> bytes:
    return blank_form_pdf(session, case_id, "statusudtalelse")


DOCUMENTS: dict[str, DocumentKind] = {
    "kvittering": DocumentKind(
        "kvittering",
        "Kvittering til fagperson for modtaget underretning",
        _professional_notifications,
        receipt_pdf,
    ),
    "underretning": DocumentKind(
        "underretning",
        "Underretning med vurdering (skema)",
        _notification_forms,
        _notification_pdf,
    ),
    "screening": DocumentKind(
        "screening",
        "Indledende vurdering (skema)",
        _screening_forms,
        _screening_pdf,
    ),
    "undersoegelse": DocumentKind(
        "undersoegelse",
        "Børnefaglig undersøgelse (skema)",
        _assessment_forms,
        _assessment_pdf,
    ),
    "boernesamtale": DocumentKind(
        "boernesamtale",
        "Børnesamtale (skema)",
        _child_conversation_forms,
        _meeting_pdf,
    ),
    "hjemmebesoeg": DocumentKind(
        "hjemmebesoeg",
        "Hjemmebesøg (skema)",
        _home_visit_forms,
        _meeting_pdf,
    ),
    "statusudtalelse": DocumentKind(
        "statusudtalelse",
        "Statusudtalelse fra fagperson (blank skabelon)",
        _the_case,
        _status_template_pdf,
    ),
}


def sender_for(vault: Any) -> Sender:
    """Who signs a letter: the profile's name (or username) and its municipality's own name
    (the bundled default "Standard" is nobody's name: the letter then says "Kommunen")."""
    from models import settings
    from models.deadlines.standards import load

    name = settings.get(vault, settings.DISPLAY_NAME) or vault.user or ""
    try:
        municipality = load(settings.get(vault, settings.MUNICIPALITY)).municipality
    except FeltmappeError:  # a broken settings file must not stop a letter
        municipality = ""
    return Sender(name=name, municipality="" if municipality == "Standard" else municipality)


def make_document(
    session: Session, case_ref: str, kind_key: str, sender: Sender, row_id: str | None = None
) -> Made:
    """The document ``kind_key`` of the case ``case_ref`` (id or case number). Without
    ``row_id`` the case must have exactly one row to make it from; otherwise the refusal lists
    them (``document.choose``) so the user can name one."""
    kind = DOCUMENTS.get(kind_key)
    if kind is None:
        raise ValidationError("document.unknown", field="document", known=sorted(DOCUMENTS))
    case: Case = services.find_case(session, case_ref)
    candidates = kind.candidates(session, case.id)
    if row_id is None:
        if not candidates:
            raise NotFound("document.none", document=kind.title, case=case.case_number)
        if len(candidates) > 1:
            raise ValidationError(
                "document.choose",
                field="id",
                choices=[f"{c.row_id}  {c.label}" for c in candidates],
            )
        row_id = candidates[0].row_id
    elif row_id not in {c.row_id for c in candidates}:
        # Only a row of this case: an id of another case's row is not found here.
        raise NotFound("document.none", document=kind.title, case=case.case_number)
    return Made(kind.make(session, row_id, sender), kind, case.id, case.case_number, row_id)


def log_document(session: Session, made: Made, action: AuditAction) -> None:
    """The print (``UDSKREVET``) or export to a file (``EKSPORTERET``) in the case's access log."""
    services.record_access(
        session, made.case_id, action, entity=f"dokument:{made.kind.key}", entity_id=made.row_id
    )
