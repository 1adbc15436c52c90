"""The børnefaglig undersøgelse (§20): home visits, conversations with the child, network
meetings after Signs of Safety, the assessment itself, and the history of a decided case."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from models.dates import add_months
from models.demo import texts
from models.demo.underretning import NotificationBuilder
from models.schema import Assessment, Meeting, ScaleReading
from models.vocabulary import AssessmentStatus, MeetingKind, NoteKind, ScaleKind

T = "undersoegelse"


class AssessmentBuilder(NotificationBuilder):
    def home_visit(self, d: date) -> Meeting:
        home = self.pick(f"{T}.home_visit.home_unborn" if self.unborn else f"{T}.home_visit.home")
        if self.unborn:
            child_part = self.say(f"{T}.home_visit.unborn")
        elif self.age >= 4:
            child_part = self.say(f"{T}.home_visit.child")
        else:
            child_part = self.say(f"{T}.home_visit.small_child")
        text = self.say(f"{T}.home_visit.text", hjemmet=home, barnet=child_part)
        m = self.meeting(
            MeetingKind.HJEMMEBESOEG,
            d,
            notes=text,
            location=texts.text(f"{T}.home_visit.location"),
            attendees=[self.attendee(None)] + [self.attendee(p) for p in self.parents()],
        )
        self.home_visit_answers(m, home=home, child_part=child_part)
        self.scales(m, self.level)
        self.note(
            d,
            texts.text(f"{T}.home_visit.title"),
            text,
            kind=NoteKind.HJEMMEBESOEG,
            after=m.held_at,
        )
        return m

    def child_conversation(self, d: date, where: str = "") -> Meeting | None:
        if self.age < 4:
            return None
        r = self.rng
        quote = r.choice(
            texts.texts(f"{T}.youth_quotes" if self.age >= 15 else f"{T}.child_quotes")
        )
        alone = r.random() < 0.85
        place = where or (
            self.inst if self.age <= 17 and self.inst else texts.text("places.town_hall")
        )
        present = (
            self.say(f"{T}.child_conversation.alone")
            if alone
            else self.say(
                f"{T}.child_conversation.with_parent", foraelder=self.parents()[0].label.lower()
            )
        )
        text = self.say(f"{T}.child_conversation.text", sted=place, tilstede=present, citat=quote)
        m = self.meeting(
            MeetingKind.BOERNESAMTALE,
            d,
            notes=text,
            location=place,
            attendees=[self.attendee(None), self.attendee(self.child)],
            child_alone=alone,
        )
        self.conversation_answers(m, quote=quote, alone=alone)
        title = self.say(
            f"{T}.child_conversation.title_adult"
            if self.age >= 18
            else f"{T}.child_conversation.title"
        )
        self.note(d, title, text, kind=NoteKind.BOERNESAMTALE, after=m.held_at)
        return m

    def network_meeting(self, d: date, level: float) -> Meeting:
        helper = self.resource or self.grandparent
        helper_name = helper.person.first_name if helper else self.w["mor"]
        mt = f"{T}.network_meeting"

        def all_of(key: str) -> list[str]:
            return [self.fmt(t, hjaelper=helper_name) for t in texts.texts(f"{mt}.{key}")]

        sos: dict[str, Any] = {
            "worries": all_of("worries"),
            "working_well": all_of("working_well"),
            "next_steps": all_of("next_steps"),
            "danger_statement": self.say(f"{mt}.danger_statement"),
            "safety_goal": self.say(f"{mt}.safety_goal"),
        }
        attendees = [self.attendee(None)] + [self.attendee(p) for p in self.parents()]
        attendees += [self.attendee(m) for m in (self.resource, self.grandparent) if m is not None]
        attendees += [self.attendee(p) for p in self.professionals[:1]]
        due = self.ctx.workday(d + timedelta(days=14))
        home, town_hall = texts.texts(f"{mt}.locations")
        m = self.meeting(
            MeetingKind.NETVAERKSMOEDE,
            d,
            notes=texts.text(f"{mt}.notes"),
            location=home if self.rng.random() < 0.4 else town_hall,
            attendees=attendees,
            sos=sos,
            actions=[
                {
                    "text": texts.text(f"{mt}.action_plan"),
                    "responsible": self.worker.name,
                    "due_on": due.isoformat(),
                },
                {
                    "text": texts.text(f"{mt}.action_calls"),
                    "responsible": helper_name,
                    "due_on": due.isoformat(),
                },
            ],
        )
        self.scales(m, level)
        if m.held_at is not None:
            self.late.append(
                ScaleReading(
                    id=self.ctx.uid(),
                    case_id=self.case_id,
                    scale=ScaleKind.SIKKERHEDSSKALA,
                    value=max(0, min(10, round(level))),
                    rated_by_role=None,
                    rated_by_person_id=None,
                    rated_at=m.held_at,
                    meeting_id=m.id,
                    comment="Rådgiverens vurdering på sikkerhedsskalaen",
                )
            )
        self.note(
            d,
            texts.text(f"{mt}.title"),
            m.notes + " " + sos["danger_statement"],
            kind=NoteKind.MOEDE,
            after=m.held_at,
        )
        return m

    def assessment(
        self,
        aware: date,
        *,
        done: date | None,
        status: AssessmentStatus | None = None,
        home_visit: bool = True,
    ) -> Assessment:
        r, at = self.rng, f"{T}.assessment"
        started = min(aware + timedelta(days=r.randint(1, 10)), self.today)
        sources = ", ".join(
            [
                self.say(f"{at}.source_conversation")
                if self.age >= 4
                else self.say(f"{at}.source_observation"),
                self.say(f"{at}.source_parents"),
            ]
            + [
                self.say(
                    f"{at}.source_professional",
                    fagperson=m.label.lower(),
                    organisation=m.organisation,
                )
                for m in self.professionals
            ]
            + [self.say(f"{at}.source_home_visit")]
        )
        reason = "" if home_visit else self.pick(f"{at}.no_home_visit")
        boy = self.child.person.sex == "M"
        summary = self.say(
            f"{at}.summary",
            udvikling=self.pick(
                f"{at}.development", dreng=texts.text(f"{at}.boy" if boy else f"{at}.girl")
            ),
            foraeldre=self.pick(f"{at}.parenting"),
            netvaerk=self.pick(f"{at}.network"),
        )
        conclusion = self.pick(f"{at}.conclusions") if done is not None else ""
        a = Assessment(
            id=self.ctx.uid(),
            case_id=self.case_id,
            aware_on=aware,
            started_on=started,
            status=status or (AssessmentStatus.AFSLUTTET if done else AssessmentStatus.IGANG),
            plan_text=self.say(f"{at}.plan_text", **self.then_words()),
            sources=sources[0].upper() + sources[1:] + ".",
            no_home_visit_reason=reason,
            summary=summary,
            conclusion=conclusion,
            completed_on=done,
        )
        self.add(a)
        self.note(started, texts.text(f"{at}.started_title"), a.plan_text)
        upto = done or self.today
        home = self.home_visit(self.between(started, upto)) if home_visit else None
        talk = self.child_conversation(self.between(started, upto))
        self.assessment_answers(a, home=home, talk=talk, done=done, upto=upto)
        if done is not None:
            self.note(
                done,
                texts.text(f"{at}.done_title"),
                self.say(f"{at}.done_body", resume=summary, konklusion=conclusion),
            )
        return a

    # -- stages ---------------------------------------------------------------------

    def stage_undersoegelse(self) -> None:
        r = self.rng
        # Days since the municipality became aware: 4.2 months (overdue), 3.9 (due soon), else less.
        days = {0: 128, 1: 118, 2: 137}.get(self.variant, r.randint(10, 100))
        if self.unborn:
            days = r.randint(10, 60)
        aware = self.ctx.ago(days)
        received = self.ctx.ts(aware)
        self.open_case(aware)
        self.notification(received)
        status = AssessmentStatus.FORELOEBIG if self.variant == 2 else AssessmentStatus.IGANG
        a = self.assessment(
            aware, done=None, status=status, home_visit=self.variant != 1 and r.random() < 0.8
        )
        if status is AssessmentStatus.FORELOEBIG:
            a.preliminary_on = add_months(aware, 4)
            self.preliminary_answer(a)
            self.note(
                a.preliminary_on,
                texts.text(f"{T}.preliminary.title"),
                texts.text(f"{T}.preliminary.body"),
            )
        if not self.unborn and r.random() < 0.5:
            self.network_meeting(self.between(a.started_on, self.today), r.uniform(3, 6))
        if self.variant == 0:  # the overdue undersøgelse was discussed with the team lead
            self.note(
                self.today,
                texts.text(f"{T}.sparring.title"),
                texts.text(f"{T}.sparring.body"),
                kind=NoteKind.SAMTALE,
            )

    def decided_history(self, decided: date) -> tuple[date, Assessment]:
        """Notification, a finished assessment and the decision on ``decided``."""
        r = self.rng
        done = decided - timedelta(days=r.randint(3, 20))
        aware = done - timedelta(days=r.randint(40, 115))
        if self.born is not None:
            aware = max(aware, self.born + timedelta(days=14))
        self.open_case(aware)
        self.notification(self.ctx.ts(aware))
        a = self.assessment(aware, done=max(done, aware + timedelta(days=20)))
        return aware, a
