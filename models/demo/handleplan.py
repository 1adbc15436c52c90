"""Afgørelse and handleplan: the decided support (the indsatstrappe, placements §46/§47), the
plan (handleplan / barnets plan / ungeplan) with SMART goals tied to ICS dimensions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from models.dates import add_months
from models.demo import texts
from models.demo.common import years_before
from models.demo.undersoegelse import AssessmentBuilder
from models.schema import Intervention, Plan
from models.vocabulary import (
    LegalBasis,
    MeetingKind,
    NoteKind,
    PartyRole,
    PlanKind,
    PlanStatus,
    RelationKind,
    RelationQuality,
)

T = "handleplan"


class PlanBuilder(AssessmentBuilder):
    def placement_for(
        self, decided: date, start: date, end: date | None, step: int | None
    ) -> Intervention:
        r = self.rng
        basis = LegalBasis.BL47 if r.random() < 0.25 else LegalBasis.BL46
        kind = r.choice(texts.records(f"{T}.placements"))
        place_word = r.choice(texts.texts("places.place_words"))
        kinship = (
            self.grandparent.label
            if self.grandparent
            else texts.text(f"{T}.placement.kinship_fallback")
        ).lower()
        foster_name = self.fake.last_name() if kind["kind"] == "pleje" else ""
        provider = str(kind["provider"]).format(
            slaegtning=kinship, efternavn=foster_name, sted=place_word
        )
        ref = texts.text(
            f"{T}.placement.without_consent"
            if basis is LegalBasis.BL47
            else f"{T}.placement.with_consent"
        )
        self.placement_place = provider
        if kind["kind"] == "pleje":
            for label, sex in zip(
                texts.texts(f"{T}.placement.foster_parents"), ("K", "M"), strict=True
            ):
                p = self.person(
                    self.ctx.first_name(sex),
                    provider.split()[-1],
                    years_before(self.today, r.randint(35, 60)) - timedelta(days=r.randint(0, 360)),
                    sex,
                    phone=self.fake.phone_number(),
                )
                self.member(p, PartyRole.PLEJEFAMILIE, label)
                self.relate(
                    p,
                    self.child.person,
                    RelationKind.ANDEN,
                    RelationQuality.TAET,
                    (0.0, -2.5 if sex == "K" else -3.0),
                )
        iv = Intervention(
            id=self.ctx.uid(),
            case_id=self.case_id,
            title=str(kind["title"]),
            legal_basis=basis,
            legal_reference=ref,
            staircase_step=step or int(kind["step"]),
            provider=provider,
            decided_on=decided,
            start_on=start,
            end_on=end,
            is_placement=True,
        )
        self.placement = iv
        return iv

    def intervention(
        self,
        decided: date,
        *,
        placement: bool = False,
        step: int | None = None,
        end: date | None = None,
    ) -> Intervention:
        r = self.rng
        start = min(decided + timedelta(days=r.randint(0, 14)), self.today + timedelta(days=10))
        if placement:
            iv = self.placement_for(decided, start, end, step)
        else:
            options = [
                s for s in texts.records(f"{T}.support") if step is None or s["step"] == step
            ]
            chosen = r.choice(options)
            iv = Intervention(
                id=self.ctx.uid(),
                case_id=self.case_id,
                title=str(chosen["title"]),
                legal_basis=LegalBasis(chosen["legal_basis"]),
                legal_reference=str(chosen["legal_reference"]),
                staircase_step=int(chosen["step"]),
                provider=str(chosen["provider"]),
                decided_on=decided,
                start_on=start,
                end_on=end,
                is_placement=False,
            )
        # Most indsatser get their 3-month assessment and one-year evaluation on time.
        iv.assessed_on = None
        review = start + timedelta(days=r.randint(55, 88))
        if review < self.today and (end is None or review <= end) and r.random() < 0.85:
            iv.assessed_on = review
        evaluation = start + timedelta(days=r.randint(320, 362))
        if evaluation < self.today and (end is None or evaluation <= end) and r.random() < 0.85:
            iv.evaluated_on = evaluation
        self.add(iv)
        views = self.say(f"{T}.decision.views" if self.age >= 4 else f"{T}.decision.views_small")
        self.note(
            decided,
            texts.text(f"{T}.decision.title"),
            self.say(
                f"{T}.decision.body",
                indsats=iv.title.lower(),
                hjemmel=iv.legal_reference,
                synspunkter=views,
            ),
            kind=NoteKind.SKRIFTLIG,
        )
        return iv

    def goals(self, base: date, n: int) -> list[dict[str, Any]]:
        age = max(self.age, 0)
        fitting = [g for g in texts.records(f"{T}.goals") if g["min_age"] <= age <= g["max_age"]]
        chosen = self.rng.sample(fitting, k=min(n, len(fitting)))
        return [
            {
                "id": self.ctx.uid(),
                "text": self.fmt(g["text"]),
                "ics_dimension": g["ics_dimension"],
                "measure": g["measure"],
                "due_on": add_months(base, self.rng.choice((3, 6, 6, 12))).isoformat(),
            }
            for g in chosen
        ]

    def plan(
        self,
        decided: date,
        *,
        approved: date | None,
        kind: PlanKind | None = None,
        version: int = 1,
        status: PlanStatus | None = None,
    ) -> Plan:
        if kind is None:
            kind = PlanKind.BARNETS_PLAN if decided.year >= 2024 else PlanKind.HANDLEPLAN
        base = approved or self.today
        purpose = self.pick(f"{T}.purposes")
        if kind is PlanKind.UNGEPLAN:
            purpose = self.say(f"{T}.youth_purpose")
        p = Plan(
            id=self.ctx.uid(),
            case_id=self.case_id,
            kind=kind,
            version=version,
            status=status or (PlanStatus.GAELDENDE if approved else PlanStatus.KLADDE),
            decision_on=decided,
            approved_on=approved,
            purpose=purpose,
            goals=self.goals(base, self.rng.randint(2, 4)),
            responsible=self.worker.name,
            review_on=add_months(base, 3 if self.age <= 6 else 6),
        )
        self.add(p)
        if approved is not None:
            label = texts.text(f"{T}.plan_labels.{kind.value}")
            self.note(
                approved,
                self.say(f"{T}.approved.title", plan=label),
                self.say(
                    f"{T}.approved.body",
                    plan=label,
                    version=str(version),
                    modtager=texts.text(
                        f"{T}.approved.to_youth" if self.age >= 18 else f"{T}.approved.to_parents"
                    ),
                    formaal=purpose,
                ),
                kind=NoteKind.SKRIFTLIG,
            )
        return p

    # -- stages ---------------------------------------------------------------------

    def stage_afgoerelse(self) -> None:
        r = self.rng
        decided = self.ctx.ago(r.randint(0, 25))
        self.decided_history(decided)
        self.intervention(decided, step=r.choice((2, 3, 3, 4)))
        if r.random() < 0.4:
            self.plan(decided, approved=None)

    def stage_handleplan(self) -> None:
        r = self.rng
        days = {0: 97, 1: 85}.get(self.variant, r.randint(25, 80))
        decided = self.ctx.ago(days)
        self.decided_history(decided)
        iv = self.intervention(decided, step=r.choice((3, 3, 4, 5)))
        approved = (
            None
            if self.variant in (0, 1) or r.random() < 0.4
            else min(decided + timedelta(days=r.randint(20, 60)), self.today)
        )
        self.plan(decided, approved=approved)
        if self.age >= 16:
            self.plan(decided, approved=None, kind=PlanKind.UNGEPLAN)
        self.meeting(
            MeetingKind.HANDLEPLANSMOEDE,
            self.today + timedelta(days=r.randint(2, 20)),
            planned=True,
            location=texts.text("places.town_hall"),
            attendees=[self.attendee(None)] + [self.attendee(p) for p in self.parents()],
        )
        if iv.start_on <= self.today:
            self.note(
                iv.start_on,
                texts.text(f"{T}.started.title"),
                self.say(f"{T}.started.body", indsats=iv.title, leverandoer=iv.provider),
            )
