"""The receipt to a professional who made an underretning (Barnets Lov § 138, stk. 1: the
municipality confirms the receipt within 6 hverdage), as a letter the caseworker prints or sends.
It names the child but no CPR number: the notifier needs to know which child, not more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy.orm import Session

from models import services
from models.deadlines.calendar import local_date
from models.documents.pdf import DocumentInfo, Styles, build_pdf, danish_date, facts_table, text
from models.errors import NotFound
from models.schema import Case, Notification, Person
from models.vocabulary import NotifierKind

TITLE = "Kvittering for modtaget underretning"


@dataclass(frozen=True)
class Sender:
    """Who signs: the caseworker and the municipality (from the profile's settings)."""

    name: str
    municipality: str


def _address(notification: Notification, styles: Styles) -> list[Flowable]:
    """The notifier's name and workplace at the top left, as a Danish letter is addressed;
    nothing when neither is known."""
    lines = [p for p in (notification.notifier_name, notification.notifier_organisation) if p]
    if not lines:
        return []
    return [text("\n".join(lines), styles.address), Spacer(1, 12 * mm)]


def receipt_pdf(
    session: Session, notification_id: str, sender: Sender, *, today: date | None = None
) -> bytes:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.deleted_at is not None:
        raise NotFound(table="notification", row_id=notification_id)
    if notification.notifier_kind != NotifierKind.FAGPERSON:
        raise NotFound(table="notification", row_id=notification_id, reason="not_professional")
    case = services.get(session, Case, notification.case_id or "")
    child = session.get(Person, case.child_id)
    child_name = child.full_name if child is not None else ""
    received = local_date(notification.received_at) if notification.received_at else None
    # A receipt sent earlier and printed again carries the day it was sent, not today.
    sent = notification.receipt_sent_on or today or date.today()
    styles = Styles()
    who = sender.municipality or "Kommunen"
    story: list[Flowable] = [
        *_address(notification, styles),
        text(TITLE, styles.title),
        facts_table(
            [
                ("Vedrørende", child_name),
                ("Modtaget", danish_date(received)),
                ("Sagsnummer", case.case_number),
                ("Dato", danish_date(sent)),
            ],
            styles,
        ),
        Spacer(1, 6 * mm),
        text(
            f"{who} bekræfter hermed, at vi den {danish_date(received)} har modtaget din "
            f"underretning om {child_name}."
            if received
            else f"{who} bekræfter hermed, at vi har modtaget din underretning om {child_name}.",
            styles.body,
        ),
        text(
            "Kvitteringen sendes efter Barnets Lov § 138, stk. 1. Som fagperson får du efter "
            "§ 138, stk. 2, besked om, hvorvidt der er iværksat en børnefaglig undersøgelse "
            "eller en indsats for barnet.",
            styles.body,
        ),
        text(
            "Din underretning indgår i kommunens vurdering af barnets forhold. Har du nye "
            "oplysninger om barnet, er du velkommen til at kontakte os med sagsnummeret.",
            styles.body,
        ),
        Spacer(1, 8 * mm),
        text("Med venlig hilsen", styles.body),
        text(sender.name, styles.body),
        text(who, styles.body),
    ]
    info = DocumentInfo(title=TITLE, case_number=case.case_number, subject=child_name)
    return build_pdf(info, story)
