"""The first stages: underretning (a notification arrives), vurdering (screened within 24
hours, a receipt to a professional notifier) and underretningsmøde (the dialogue meeting)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models.demo import texts
from models.demo.answers import FormAnswersBuilder
from models.demo.common import dk
from models.schema import Notification
from models.vocabulary import MeetingKind, NoteKind, NotifierKind, NotifierSector, ScreeningOutcome

Notifier = tuple[NotifierKind, NotifierSector | None]


class NotificationBuilder(FormAnswersBuilder):
    def notifier_for(self, professional: bool) -> Notifier:
        """The first notifier not yet seen in this run that fits the child, else a likely one."""
        fits = self.fitting_notifiers()
        if professional:
            fits = [f for f in fits if f[0] is NotifierKind.FAGPERSON]
        for pending in self.ctx.pending_notifiers:
            if pending in fits:
                self.ctx.pending_notifiers.remove(pending)
                return pending
        return self.rng.choice(fits)

    def fitting_notifiers(self) -> list[Notifier]:
        f, b = NotifierKind.FAGPERSON, NotifierKind.BORGER
        if self.unborn:
            return [(f, NotifierSector.SUNDHED)]
        out: list[Notifier] = [
            (f, NotifierSector.SUNDHED),
            (f, NotifierSector.POLITI),
            (f, NotifierSector.SOCIALFORVALTNING),
            (b, NotifierSector.FAMILIE),
            (b, NotifierSector.NABO),
            (NotifierKind.ANONYM, None),
        ]
        if 1 <= self.age <= 5:
            out += [(f, NotifierSector.DAGTILBUD)] * 3
        if 6 <= self.age <= 17:
            out += [(f, NotifierSector.SKOLE)] * 4 + [(f, NotifierSector.ANDEN)]
        return out

    def organisation_of(self, sector: NotifierSector | None) -> str:
        """Where a professional notifier who is not among the child's own professionals works."""
        r = self.rng
        if sector in (NotifierSector.SKOLE, NotifierSector.DAGTILBUD):
            return self.inst
        if sector is NotifierSector.SUNDHED:
            return r.choice(self.ctx.clinics)
        if sector is NotifierSector.POLITI:
            return r.choice(texts.texts("places.police"))
        if sector is NotifierSector.SOCIALFORVALTNING:
            return r.choice(texts.texts("places.social_services"))
        if sector in (NotifierSector.ANDEN, None):
            return r.choice(texts.texts("places.other_services"))
        return ""

    def notification(
        self,
        received: datetime,
        *,
        assessed: bool = True,
        outcome: ScreeningOutcome | None = ScreeningOutcome.UNDERSOEGELSE,
        receipt: bool = True,
        new_colleague: bool = False,
        professional: bool = False,
    ) -> Notification:
        r = self.rng
        kind, sector = self.notifier_for(professional)
        name = org = ""
        if self.unborn:
            text = texts.text("underretning.unborn_health")
            org = self.inst
            name = self.professionals[0].person.full_name if self.professionals else ""
        else:
            text = r.choice(texts.texts(f"underretning.by_sector.{sector or 'anonym'}"))
            if sector is NotifierSector.SUNDHED and self.age <= 1:
                text = texts.text("underretning.small_child_health")
        if kind is NotifierKind.FAGPERSON and not self.unborn:
            same = [
                m
                for m in self.professionals
                if sector in (NotifierSector.SKOLE, NotifierSector.DAGTILBUD)
                and m.organisation == self.inst
            ]
            if same:
                name, org = same[0].person.full_name, same[0].organisation
            else:
                name = self.ctx.name()
                org = self.organisation_of(sector)
        elif kind is NotifierKind.BORGER:
            name = self.ctx.name()
            org = texts.text("places.private_notifier")
        summary = self.fmt(
            text,
            fravaer=str(r.randint(12, 35)),
            termin=dk(self.child.person.expected_date or self.today),
        )
        assessed_at = received + timedelta(hours=r.randint(2, 22)) if assessed else None
        if assessed_at is not None:
            assessed_at = min(assessed_at, self.ctx.anchor)
        got = received.date()
        receipt_on = None
        if kind is NotifierKind.FAGPERSON and receipt:
            receipt_on = min(got + timedelta(days=r.randint(1, 5)), self.today)
        feedback_on = None
        if receipt_on is not None and outcome is not None and assessed:
            feedback_on = min(receipt_on + timedelta(days=r.randint(0, 10)), self.today)
        colleague = ""
        if new_colleague:
            others = [s for s in self.ctx.caseworkers if s.user_id != self.worker.user_id]
            colleague = r.choice(others).name if others else ""
        decision = ""
        if assessed and outcome is not None:
            decision = texts.text(f"underretning.outcomes.{outcome.value}")
        n = Notification(
            id=self.ctx.uid(),
            case_id=self.case_id,
            received_at=received,
            notifier_kind=kind,
            notifier_sector=sector,
            notifier_name=name,
            notifier_organisation=org,
            summary=summary,
            concerns_abuse=any(m in summary for m in texts.texts("underretning.abuse_markers")),
            assessed_at=assessed_at,
            outcome=outcome if assessed else None,
            assessed_with_new_colleague=colleague or None,
            receipt_sent_on=receipt_on,
            feedback_sent_on=feedback_on,
            decision=decision,
        )
        self.add(n)
        if kind is NotifierKind.FAGPERSON:
            sender = self.say(
                "underretning.received.professional", underretter=name, organisation=org
            )
        elif kind is NotifierKind.ANONYM:
            sender = texts.text("underretning.received.anonymous")
        else:
            sender = texts.text("underretning.received.citizen")
        # A citizen most often calls; professionals and the web form write.
        by_phone = kind is NotifierKind.BORGER or "telefon" in summary
        self.note(
            got,
            texts.text("underretning.received.title"),
            self.say("underretning.received.body", afsender=sender, resume=summary),
            kind=NoteKind.TELEFON if by_phone else NoteKind.SKRIFTLIG,
            after=received,
        )
        if assessed_at is not None:
            lead = (
                self.rng.choice(self.ctx.leads).name
                if self.ctx.leads
                else texts.text("underretning.assessed.lead_fallback")
            )
            self.note(
                assessed_at.date(),
                texts.text("underretning.assessed.title"),
                self.say(
                    "underretning.assessed.body",
                    teamleder=lead,
                    ikke_akut=texts.text("underretning.assessed.not_acute")
                    if outcome is not ScreeningOutcome.AKUT
                    else "",
                    afgoerelse=n.decision,
                ),
                after=assessed_at,
            )
        meet_day = got + timedelta(days=r.randint(4, 13))
        if (
            assessed
            and outcome is not ScreeningOutcome.SAMMENLAGT
            and meet_day < self.today - timedelta(days=1)
            and r.random() < 0.85
        ):
            # Most get the local standard's dialogue meeting within 14 days.
            self.meeting(
                MeetingKind.UNDERRETNINGSMOEDE,
                meet_day,
                notes=texts.text("underretning.dialogue.notes"),
                attendees=[self.attendee(m) for m in self.parents()[:2]],
                location=texts.text("underretning.dialogue.location"),
            )
        if receipt_on is not None:
            self.note(
                receipt_on,
                texts.text("underretning.receipt.title"),
                self.say("underretning.receipt.body", underretter=name, organisation=org),
                kind=NoteKind.SKRIFTLIG,
            )
        self.notification_answers(n, by_phone=by_phone)
        return n

    def earlier_notifications(self, before: date, count: int) -> None:
        """Older notifications that led to no support (for "most underretninger, no support")."""
        for _ in range(count):
            d = before - timedelta(days=self.rng.randint(60, 900))
            if self.born is not None and d <= self.born:
                continue
            self.notification(
                self.ctx.ts(d),
                outcome=self.rng.choice(
                    (ScreeningOutcome.RAAD_OG_VEJLEDNING, ScreeningOutcome.INGEN_FORANSTALTNING)
                ),
            )

    # -- stages ---------------------------------------------------------------------

    def stage_underretning(self) -> None:
        r = self.rng
        hours = {0: r.randint(50, 60), 1: r.randint(3, 10)}.get(self.variant, r.randint(2, 70))
        received = self.ctx.anchor - timedelta(hours=hours)
        assessed = self.variant > 1 and hours > 20 and r.random() < 0.6
        first = received.date()
        if r.random() < 0.3 and not self.unborn:
            self.earlier_notifications(first, r.randint(1, 3))
        self.open_case(
            min(
                [first]
                + [
                    n.received_at.date()
                    for n in self.rows
                    if isinstance(n, Notification) and n.received_at is not None
                ]
            )
        )
        self.notification(
            received,
            assessed=assessed,
            outcome=r.choice((ScreeningOutcome.UNDERSOEGELSE, ScreeningOutcome.RAAD_OG_VEJLEDNING)),
            receipt=assessed,
        )

    def stage_vurdering(self) -> None:
        r = self.rng
        days = 9 if self.variant == 0 else r.randint(1, 8)
        received = self.ctx.ts(self.ctx.ago(days))
        self.open_case(received.date())
        # Variant 0: a professional's notification nine days ago, still without a receipt.
        self.notification(
            received,
            outcome=None,
            receipt=self.variant != 0 and r.random() < 0.7,
            professional=self.variant == 0,
        )
        self.note(
            received.date() + timedelta(days=1),
            self.say("underretning.phone_call.title"),
            self.say("underretning.phone_call.body"),
            kind=NoteKind.TELEFON,
        )

    def stage_underretningsmoede(self) -> None:
        r = self.rng
        received = self.ctx.ts(self.ctx.ago(r.randint(5, 25)))
        self.open_case(received.date())
        n = self.notification(
            received,
            outcome=ScreeningOutcome.UNDERSOEGELSE
            if r.random() < 0.4
            else ScreeningOutcome.RAAD_OG_VEJLEDNING,
        )
        notifier = n.notifier_name or texts.text("underretning.meeting.notifier_fallback")
        if n.notifier_organisation:
            notifier += f" ({n.notifier_organisation})"
        notes = self.say("underretning.meeting.notes", underretter=notifier)
        held = self.variant != 0 and r.random() < 0.5
        d = self.ctx.ago(r.randint(0, 3)) if held else self.today + timedelta(days=r.randint(1, 10))
        d = max(d, received.date())
        self.meeting(
            MeetingKind.UNDERRETNINGSMOEDE,
            d,
            planned=not held,
            notes=notes if held else "",
            location=texts.text("underretning.meeting.location"),
            attendees=[self.attendee(None)] + [self.attendee(p) for p in self.parents()],
        )
        if held:
            self.note(d, texts.text("underretning.meeting.title"), notes, kind=NoteKind.MOEDE)
