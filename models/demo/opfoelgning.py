"""Opfølgning (§95): the four-step follow-up runs (conversation with the child, meeting,
written plan, hearing) and their decisions, the agreements with the network (ressource-
personaftale, sikkerhedsplan), and tilsyn visits, which are a placed child's conversations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from models.dates import add_months
from models.demo import texts
from models.demo.common import dk
from models.demo.handleplan import PlanBuilder
from models.schema import Agreement, FollowUp, Meeting, Plan
from models.vocabulary import (
    AgreementKind,
    MeetingKind,
    NoteKind,
    PlanKind,
    PlanStatus,
    ScreeningOutcome,
    StepStatus,
)

T = "opfoelgning"


class FollowUpBuilder(PlanBuilder):
    def follow_ups(
        self, plan: Plan, start: date, every: int, *, current_due: date | None, level: float
    ) -> float:
        """Completed runs of the four-step opfølgning since ``start``, then the open one. Only
        the last few runs are recorded: older history stays in the previous case system (and
        a 5,000-case demo stays small). The last completed run makes a new plan version."""
        r = self.rng
        due = add_months(start, 3)
        recorded_from = add_months(self.today, -4 * every)
        last: FollowUp | None = None
        while due < self.today - timedelta(days=20) and (
            current_due is None or due < current_due - timedelta(days=20)
        ):
            level = min(9.5, level + r.uniform(-0.5, 1.2))
            if due >= recorded_from:
                last = self.follow_up(plan, due, done=True, level=level)
            due = add_months(due, every)
        if last is not None and last.written_plan_on is not None:
            revised = self.plan(
                plan.decision_on or start,
                approved=last.written_plan_on,
                kind=plan.kind,
                version=plan.version + 1,
            )
            plan.status = PlanStatus.ERSTATTET
            last.evidence = {**last.evidence, "written_plan": {"plan_id": revised.id}}
            plan = revised
        if add_months(start, 3) < recorded_from:
            self.note(
                recorded_from,
                texts.text(f"{T}.follow_up.earlier_title"),
                texts.text(f"{T}.follow_up.earlier_body"),
            )
        self.follow_up(plan, current_due or due, done=False, level=level)
        return level

    def follow_up(self, plan: Plan, due: date, *, done: bool, level: float) -> FollowUp:
        r, ft = self.rng, f"{T}.follow_up"
        done_, skipped, waiting = StepStatus.UDFOERT, StepStatus.SPRUNGET_OVER, StepStatus.AFVENTER
        evidence: dict[str, Any] = {}
        past = due <= self.today
        # How far an open run has come: nothing, the conversation, or also the meeting.
        reached = 4 if done else (r.choice((0, 1, 2)) if past else r.choice((0, 0, 1)))
        talk_on = self.ctx.workday(min(due - timedelta(days=r.randint(3, 14)), self.today))
        conv_status, conv_on = waiting, None
        if reached >= 1:
            m = (
                self.supervision(talk_on, level)
                if self.placed_now
                else self.child_conversation(talk_on)
            )
            if m is not None:
                conv_status = done_
                conv_on = m.held_at.date() if m.held_at else talk_on
                evidence["child_conversation"] = {"meeting_id": m.id, "text": m.notes[:200]}
            else:
                conv_status = skipped
                evidence["child_conversation"] = {"reason": self.say(f"{ft}.too_young")}
        meet_status, meet_on = waiting, None
        if reached >= 2:
            meet_on = self.ctx.workday(min(talk_on + timedelta(days=r.randint(1, 7)), self.today))
            scores = ", ".join(
                self.say(
                    f"{ft}.score", nr=str(i + 1), vurdering=r.choice(texts.texts(f"{ft}.scores"))
                )
                for i in range(len(plan.goals))
            )
            m = self.meeting(
                MeetingKind.HANDLEPLANSMOEDE,
                meet_on,
                notes=self.say(f"{ft}.meeting_notes", vurderinger=scores),
                location=texts.text(f"{ft}.meeting_location"),
                attendees=[self.attendee(None)]
                + [self.attendee(p) for p in self.parents()]
                + [self.attendee(p) for p in self.professionals[:1]],
            )
            self.scales(m, level)
            meet_on = m.held_at.date() if m.held_at else meet_on
            meet_status = done_
            evidence["meeting"] = {"meeting_id": m.id, "goal_scores": scores}
        plan_status, plan_on = waiting, None
        hearing, sent, deadline, comments = waiting, None, None, ""
        decided, decision, next_due = None, "", None
        if reached >= 4:
            plan_on = meet_on and min(meet_on + timedelta(days=r.randint(2, 10)), self.today)
            plan_status = done_
            evidence["written_plan"] = {"plan_id": plan.id}
            sent = plan_on
            if sent is not None:
                deadline = sent + timedelta(days=14)
            if r.random() < 0.1:
                hearing = skipped
                evidence["hearing"] = {"reason": texts.text(f"{ft}.hearing_waived")}
            else:
                hearing = done_
                comments = self.pick(f"{ft}.comments")
                evidence["hearing"] = {"comments_received_on": (deadline or self.today).isoformat()}
            decided = min((deadline or self.today) + timedelta(days=r.randint(0, 5)), self.today)
            weights = [int(w) for w in texts.get(f"{ft}.decision_weights")]
            decision = r.choices(texts.texts(f"{ft}.decisions"), weights=weights)[0]
            next_due = add_months(due, 3 if self.age <= 6 else 6)
            self.note(
                decided,
                texts.text(f"{ft}.done_title"),
                self.say(f"{ft}.done_body", afgoerelse=decision, naeste=dk(next_due)),
            )
        run = FollowUp(
            id=self.ctx.uid(),
            case_id=self.case_id,
            plan_id=plan.id,
            due_on=due,
            child_conversation=conv_status,
            child_conversation_on=conv_on,
            meeting=meet_status,
            meeting_on=meet_on,
            written_plan=plan_status,
            written_plan_on=plan_on,
            hearing=hearing,
            hearing_sent_on=sent if hearing is done_ else None,
            hearing_deadline=deadline if hearing is done_ else None,
            hearing_comments=comments,
            evidence=evidence,
            decided_on=decided,
            decision=decision,
            next_due_on=next_due,
        )
        self.late.append(run)
        return run

    def supervision(self, d: date, level: float) -> Meeting:
        """A tilsyn visit at the placement with a conversation with the child (§156, stk. 5)."""
        r, st = self.rng, "tilsyn.supervision"
        alone = r.random() < 0.8
        family = "familie" in self.placement_place.lower()
        talk = (
            self.say(f"{st}.alone")
            if alone
            else self.say(
                f"{st}.with_adult",
                voksen=texts.text(f"{st}.foster_adult" if family else f"{st}.staff_adult"),
            )
        )
        text = self.say(
            f"{st}.text",
            sted=self.placement_place or texts.text(f"{st}.place_fallback"),
            samtale=talk,
            udsagn=self.pick(f"{st}.says"),
            personale=texts.text(f"{st}.foster_staff" if family else f"{st}.staff"),
        )
        m = self.meeting(
            MeetingKind.TILSYNSBESOEG,
            d,
            notes=text,
            location=self.placement_place,
            attendees=[self.attendee(None), self.attendee(self.child)],
            child_alone=alone,
        )
        self.scales(m, level)
        self.note(d, texts.text(f"{st}.title"), text, kind=NoteKind.BOERNESAMTALE, after=m.held_at)
        return m

    def signed_by(self, members: list[tuple[Any, str]], signed: date) -> list[dict[str, Any]]:
        """Parties of an agreement: (member or None for the caseworker, role)."""
        return [
            {
                "person_id": m.person.id if m is not None else None,
                "name": m.person.full_name if m is not None else self.worker.name,
                "role": role,
                "signed_on": signed.isoformat(),
            }
            for m, role in members
        ]

    def resource_agreement(self, signed: date, followed: date | None) -> None:
        if self.resource is None:
            return
        rp, at = self.resource, f"{T}.resource_agreement"
        signers: list[tuple[Any, str]] = [
            (self.parents()[0], texts.text(f"{at}.role_custody")),
            (rp, texts.text(f"{at}.role_resource")),
            (None, texts.text(f"{at}.role_caseworker")),
        ]
        if self.age > 15:
            signers.append((self.child, texts.text(f"{at}.role_youth")))
        text = self.say(
            f"{at}.text",
            ressourceperson=rp.person.full_name,
            relation=rp.label.lower(),
            fornavn=rp.person.first_name,
        )
        self.add(
            Agreement(
                id=self.ctx.uid(),
                case_id=self.case_id,
                kind=AgreementKind.RESSOURCEPERSONAFTALE,
                title=self.say(f"{at}.title", ressourceperson=rp.person.full_name),
                text=text,
                parties=self.signed_by(signers, signed),
                signed_on=signed,
                last_follow_up_on=followed,
            )
        )
        self.note(signed, texts.text(f"{at}.note_title"), text)

    def safety_plan(self, signed: date) -> None:
        helper = self.resource or self.grandparent
        signers: list[tuple[Any, str]] = [
            (self.parents()[0], texts.text(f"{T}.resource_agreement.role_custody")),
            (None, texts.text(f"{T}.resource_agreement.role_caseworker")),
        ]
        if helper is not None:
            signers.append((helper, helper.label))
        self.add(
            Agreement(
                id=self.ctx.uid(),
                case_id=self.case_id,
                kind=AgreementKind.SIKKERHEDSPLAN,
                title=texts.text(f"{T}.safety_plan.title"),
                text=self.say(f"{T}.safety_plan.text"),
                parties=self.signed_by(signers, signed),
                signed_on=signed,
            )
        )

    # -- stage ----------------------------------------------------------------------

    def stage_opfoelgning(self) -> None:
        r = self.rng
        max_days = max(150, (self.today - (self.born or self.today)).days - 160)
        start = self.ctx.ago(r.randint(120, min(1100, max_days)))
        decided = start - timedelta(days=r.randint(0, 14))
        self.decided_history(decided)
        iv = self.intervention(decided, step=r.choice((2, 3, 3, 4, 4, 5)))
        iv.start_on = start
        every = 3 if self.age <= 6 else 6
        self.case.follow_up_every_months = every
        level = r.uniform(2.5, 5)
        plan = self.plan(
            decided, approved=min(decided + timedelta(days=r.randint(20, 70)), self.today)
        )
        current = {
            0: self.ctx.ago(r.randint(25, 40)),
            1: self.today + timedelta(days=r.randint(4, 9)),
        }.get(self.variant)
        if self.rng.random() < 0.6:
            self.network_meeting(self.between(start, self.today), level)
        level = self.follow_ups(plan, start, every, current_due=current, level=level)
        if self.age >= 16:
            self.plan(
                decided,
                approved=min(start + timedelta(days=30), self.today),
                kind=PlanKind.UNGEPLAN,
            )
        if self.resource is not None:
            signed = self.between(start, self.today - timedelta(days=30))
            followed = (
                None
                if self.variant == 0
                else (
                    signed + timedelta(days=90)
                    if signed + timedelta(days=90) <= self.today
                    else None
                )
            )
            self.resource_agreement(signed, followed)
        if r.random() < 0.3:
            self.safety_plan(self.between(start, self.today))
        for _ in range(r.choice((0, 0, 1, 2))):
            self.notification(
                self.ctx.ts(self.between(start, self.today - timedelta(days=1))),
                outcome=ScreeningOutcome.SAMMENLAGT,
                new_colleague=True,
            )
