"""The deadlines of an underretning (Barnets Lov §§136–138 and local standards)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from models.deadlines.calendar import add_hours, local_date
from models.deadlines.rules.base import (
    Ctx,
    active_support,
    end_of_day,
    first_held_after,
    legal_workday,
    make,
    missing,
    start_of_day,
)
from models.deadlines.types import (
    Deadline,
)
from models.vocabulary import (
    MeetingKind,
    NotifierKind,
    ScreeningOutcome,
)

# -- underretning ----------------------------------------------------------------------


def notification_assessment(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §136 (old SEL §155): an underretning is assessed within 24 hours of its
    receipt (calendar hours, weekends and holidays included), so a child in danger is found at
    once. §§133–134 are the notifiers' duty to notify, not the municipality's deadline."""
    for n in c.facts.notifications:
        if n.received_at is None:
            yield missing(c, "underretning_24_timer", n.id, "modtagelsestidspunkt", "Vurdering")
            continue
        yield make(
            c,
            "underretning_24_timer",
            n.id,
            trigger=n.received_at,
            due=add_hours(n.received_at, c.std.notification_assessment_hours),
            done_at=n.assessed_at,
            fulfilled_by="Indledende vurdering registreret",
        )


def notifier_receipt(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §138 stk. 1 (old SEL §155 b stk. 1): a professional notifier (skærpet
    underretningspligt, §133) gets a receipt within 6 working days of receipt. Hverdage exclude
    weekends and Danish public holidays; the day of receipt does not count. A municipality's
    extra closing days (``closed_on_optional_holidays``) never move it later (``legal_workday``)."""
    for n in c.facts.notifications:
        if n.notifier_kind != NotifierKind.FAGPERSON:
            continue
        if n.received_at is None:
            yield missing(c, "kvittering_underretter", n.id, "modtagelsestidspunkt", "Kvittering")
            continue
        due_day = legal_workday(c, local_date(n.received_at), "notifier_receipt_workdays")
        yield make(
            c,
            "kvittering_underretter",
            n.id,
            trigger=n.received_at,
            due=end_of_day(due_day),
            done_at=None if n.receipt_sent_on is None else start_of_day(n.receipt_sent_on),
            fulfilled_by="Kvittering sendt til underretter",
        )


def notifier_feedback(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §138 stk. 2 (old SEL §155 b stk. 2): a professional notifier is told whether
    the underretning led to an undersøgelse or an indsats (or the child already has one). The
    law names no number of days: the period is a local standard (``notifier_feedback_days``,
    30 days by default, as the Halsnæs clarification of an underretning). Without the time of
    receipt nothing is guessed (the receipt deadline reports it missing)."""
    for n in c.facts.notifications:
        if n.notifier_kind != NotifierKind.FAGPERSON or n.received_at is None:
            continue
        yield make(
            c,
            "tilbagemelding_underretter",
            n.id,
            trigger=n.received_at,
            due=end_of_day(
                local_date(n.received_at) + timedelta(days=c.std.notifier_feedback_days)
            ),
            done_at=None if n.feedback_sent_on is None else start_of_day(n.feedback_sent_on),
            fulfilled_by="Tilbagemelding sendt til underretter",
        )


def notification_meeting(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Halsnæs): an underretningsmøde with the family and the notifier within
    14 days of receipt."""
    days = c.std.notification_meeting_days
    if days <= 0:
        return
    for n in c.facts.notifications:
        if n.received_at is None or n.outcome == ScreeningOutcome.SAMMENLAGT:
            continue
        yield make(
            c,
            "underretningsmoede_14_dage",
            n.id,
            trigger=n.received_at,
            due=end_of_day(local_date(n.received_at) + timedelta(days=days)),
            done_at=first_held_after(c, MeetingKind.UNDERRETNINGSMOEDE, n.received_at),
            fulfilled_by="Underretningsmøde holdt",
        )


def notification_clarification(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Halsnæs): an underretning is clarified within 30 days: closed with
    advice or no measure, merged, feedback given, or a børnefaglig undersøgelse started."""
    days = c.std.notification_clarification_days
    if days <= 0:
        return
    closing = (
        ScreeningOutcome.INGEN_FORANSTALTNING,
        ScreeningOutcome.RAAD_OG_VEJLEDNING,
        ScreeningOutcome.SAMMENLAGT,
    )
    for n in c.facts.notifications:
        if n.received_at is None:
            continue
        received = local_date(n.received_at)
        done: list[datetime] = []
        if n.outcome in closing and n.assessed_at is not None:
            done.append(n.assessed_at)
        if n.feedback_sent_on is not None:
            done.append(start_of_day(n.feedback_sent_on))
        done += [
            start_of_day(a.started_on) for a in c.facts.assessments if a.started_on >= received
        ]
        yield make(
            c,
            "underretning_afklaring_30_dage",
            n.id,
            trigger=n.received_at,
            due=end_of_day(received + timedelta(days=days)),
            done_at=min(done) if done else None,
            fulfilled_by="Afklaret: afsluttet, sammenlagt, tilbagemeldt eller undersøgelse startet",
        )


def new_notification_in_supported_case(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §137 stk. 1: a new underretning about a child who already has support or is
    placed is assessed together with at least one colleague who has not worked on the case."""
    for n in c.facts.notifications:
        if n.received_at is None:
            continue
        received = local_date(n.received_at)
        # "already has support": a §32/§46/§47 indsats begun before the day of receipt and still
        # active at receipt (one starting that day answers this underretning, it is not prior)
        if not any(i.start_on < received for i in active_support(c, received)):
            continue
        yield make(
            c,
            "ny_underretning_137",
            n.id,
            trigger=n.received_at,
            due=add_hours(n.received_at, c.std.notification_new_colleague_hours),
            done_at=n.assessed_at if n.assessed_with_new_colleague else None,
            fulfilled_by="Vurderet sammen med en kollega, der er ny i sagen",
        )


def abuse_child_conversation(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §137 stk. 3: when an underretning concerns abuse (overgreb), a conversation
    with the child is mandatory. The law says "snarest"; the number of days is a local standard."""
    for n in c.facts.notifications:
        if not n.concerns_abuse or n.received_at is None:
            continue
        yield make(
            c,
            "samtale_overgreb_137",
            n.id,
            trigger=n.received_at,
            due=end_of_day(
                local_date(n.received_at) + timedelta(days=c.std.abuse_child_conversation_days)
            ),
            done_at=first_held_after(c, MeetingKind.BOERNESAMTALE, n.received_at),
            fulfilled_by="Børnesamtale holdt",
        )
