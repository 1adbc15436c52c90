"""Placed children: tilsyn (two visits a year, §156, stk. 5), efterværn from 18 (§114), and the
closed case."""

from __future__ import annotations

from datetime import timedelta

from models.dates import add_months
from models.demo import texts
from models.demo.opfoelgning import FollowUpBuilder
from models.schema import Intervention
from models.vocabulary import LegalBasis, MeetingKind, NoteKind, PlanKind


class PlacementBuilder(FollowUpBuilder):
    def stage_tilsyn(self) -> None:
        r = self.rng
        max_days = max(200, (self.today - (self.born or self.today)).days - 200)
        start = self.ctx.ago(r.randint(200, min(2500, max_days)))
        decided = start - timedelta(days=r.randint(0, 10))
        self.decided_history(decided)
        self.intervention(decided, placement=True)
        if self.placement is not None:
            self.placement.start_on = start
        # Follow-up conversations with the child happen at tilsyn visits; the variant-0 case is
        # seen at the town hall instead and has had only one tilsyn visit this year (§156 stk. 5).
        self.placed_now = self.variant != 0
        every = 6
        self.case.follow_up_every_months = every
        level = r.uniform(3, 6)
        plan = self.plan(
            decided,
            approved=min(decided + timedelta(days=r.randint(10, 60)), self.today),
            kind=PlanKind.HANDLEPLAN if decided.year < 2024 else PlanKind.BARNETS_PLAN,
        )
        self.follow_ups(plan, start, every, current_due=None, level=level)
        if self.age >= 16:
            self.plan(
                decided,
                approved=min(
                    max(start, add_months(self.born or start, 16 * 12)) + timedelta(days=60),
                    self.today,
                ),
                kind=PlanKind.UNGEPLAN,
            )
        # §156 stk. 5: two tilsyn visits a year. The variant-0 case had only one this year.
        visits = 1 if self.variant == 0 else r.choice((2, 2, 3))
        for i in range(visits):
            d = self.ctx.ago(20 + i * r.randint(100, 160))
            if d > start:
                self.supervision(d, level)
        self.meeting(
            MeetingKind.TILSYNSBESOEG,
            self.today + timedelta(days=r.randint(5, 60)),
            planned=True,
            location=self.placement_place,
        )
        if self.resource is not None and r.random() < 0.5:
            self.resource_agreement(self.between(start, self.today), None)

    def stage_eftervaern(self) -> None:
        r, at = self.rng, "tilsyn.aftercare"
        born = self.born or self.today
        eighteen = add_months(born, 18 * 12)
        placed = eighteen - timedelta(days=r.randint(400, 1800))
        decided = placed - timedelta(days=r.randint(0, 10))
        self.decided_history(decided)
        self.intervention(decided, placement=True, end=eighteen - timedelta(days=1))
        if self.placement is not None:
            self.placement.start_on = placed
        ev_decided = eighteen - timedelta(days=r.randint(180, 240))
        kind = r.choice(texts.records(f"{at}.kinds"))
        title, step = str(kind["title"]), int(kind["step"])
        iv = Intervention(
            id=self.ctx.uid(),
            case_id=self.case_id,
            title=title,
            legal_basis=LegalBasis.BL114,
            legal_reference=texts.text(f"{at}.legal_reference"),
            staircase_step=step,
            provider=self.placement_place if step == 5 else texts.text(f"{at}.provider"),
            decided_on=ev_decided,
            start_on=eighteen,
            end_on=add_months(born, 23 * 12) - timedelta(days=1),
        )
        self.add(iv)
        self.note(
            ev_decided,
            texts.text(f"{at}.note_title"),
            self.say(f"{at}.note_body", indsats=title.lower()),
            kind=NoteKind.SKRIFTLIG,
        )
        plan = self.plan(
            ev_decided, approved=ev_decided + timedelta(days=30), kind=PlanKind.UNGEPLAN
        )
        self.case.follow_up_every_months = 6
        self.follow_ups(plan, eighteen, 6, current_due=None, level=r.uniform(5, 7))

    def stage_afsluttet(self) -> None:
        r = self.rng
        max_days = max(150, (self.today - (self.born or self.today)).days - 200)
        closed = self.ctx.ago(r.randint(10, min(400, max_days - 100)))
        start = closed - timedelta(days=r.randint(120, 600))
        if self.born is not None:
            start = max(start, self.born + timedelta(days=60))
        decided = start - timedelta(days=r.randint(0, 14))
        self.decided_history(decided)
        iv = self.intervention(decided, step=r.choice((2, 3, 3, 4)), end=closed)
        iv.start_on = start
        plan = self.plan(decided, approved=decided + timedelta(days=30))
        self.follow_up(plan, closed - timedelta(days=15), done=True, level=7.5)
        self.case.closed_on = closed
        self.note(closed, texts.text("tilsyn.closing.title"), self.say("tilsyn.closing.body"))
