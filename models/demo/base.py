"""The base of the case builder: collects one case's rows and offers what every stage uses
(notes, persons, parties, relations, meetings, ratings). The stages build on it, one module
each: family → underretning → undersoegelse → handleplan → opfoelgning → tilsyn."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from models import services
from models.cpr import parse_cpr
from models.demo import texts
from models.demo.common import EARLY, Ctx, Member
from models.schema import (
    Base,
    Case,
    CaseParty,
    DeadlineAck,
    Intervention,
    JournalNote,
    Meeting,
    Person,
    Relation,
    ScaleReading,
)
from models.vocabulary import (
    CaseStage,
    DeadlineAckKind,
    MeetingKind,
    NoteKind,
    PartyRole,
    RelationKind,
    RelationQuality,
    ScaleKind,
)


class BuilderBase:
    """Builds the rows of one demo case. Rows are collected in three phases, written in order,
    so foreign keys (persons before parties, plans before follow-ups …) always hold."""

    # Set by build_family (models.demo.family) before any stage runs.
    w: dict[str, str]
    age: int
    born: date | None
    inst: str
    child: Member
    mother: Member
    father: Member | None
    grandparent: Member | None
    resource: Member | None
    professionals: list[Member]
    # Set by open_case.
    case: Case
    opened: date

    def __init__(
        self,
        ctx: Ctx,
        stage: CaseStage,
        variant: int,
        *,
        unborn: bool = False,
        no_cpr: bool = False,
        correction: bool = False,
    ) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.fake = ctx.fake
        self.today = ctx.today
        self.stage = stage
        self.variant = variant
        self.unborn = unborn
        self.no_cpr = no_cpr
        self.correction = correction
        self.persons: list[Base] = []
        self.rows: list[Base] = []
        self.late: list[Base] = []
        self.notes: list[JournalNote] = []
        self.members: list[Member] = []
        self.meetings: list[Meeting] = []
        self.worker = self.rng.choice(ctx.caseworkers)
        self.case_id = ctx.uid()
        self.placement: Intervention | None = None
        self.placement_place = ""
        self.placed_now = False
        self.level = 4.0

    # -- helpers --------------------------------------------------------------------

    def add(self, row: Base) -> None:
        self.rows.append(row)

    def words(self, **extra: str) -> dict[str, str]:
        w = dict(self.w)
        w.update(extra)
        return w

    def fmt(self, text: str, **extra: str) -> str:
        """``text`` with the case's words ({navn}, {han} …) and ``extra`` filled in."""
        return text.format(**self.words(**extra))

    def say(self, path: str, **extra: str) -> str:
        """The text at ``path`` in resources/demo, filled in."""
        return self.fmt(texts.text(path), **extra)

    def pick(self, path: str, **extra: str) -> str:
        """One of the texts at ``path`` in resources/demo, drawn at random and filled in."""
        return self.fmt(self.rng.choice(texts.texts(path)), **extra)

    def note(
        self,
        d: date,
        title: str,
        body: str,
        *,
        kind: NoteKind = NoteKind.NOTAT,
        draft: bool = False,
        after: datetime | None = None,
    ) -> JournalNote:
        """A journal note on day ``d`` (or shortly ``after`` an event), finalised unless a draft."""
        if after is not None:
            written = min(after + timedelta(minutes=self.rng.randint(15, 150)), self.ctx.anchor)
        else:
            written = self.ctx.ts(self.ctx.workday(min(d, self.today)))
        final = (
            None
            if draft
            else min(written + timedelta(minutes=self.rng.randint(5, 90)), self.ctx.anchor)
        )
        note = JournalNote(
            id=self.ctx.uid(),
            case_id=self.case_id,
            title=title,
            body=body,
            author=self.worker.username,
            written_at=written,
            finalised_at=final,
            kind=kind,
        )
        self.notes.append(note)
        return note

    def person(
        self,
        first: str,
        last: str,
        born: date | None,
        sex: str | None,
        *,
        with_cpr: bool = True,
        mod11: bool = True,
        address: str = "",
        phone: str = "",
        email: str = "",
        note: str = "",
        unborn: bool = False,
        expected: date | None = None,
    ) -> Person:
        cpr: str | None = None
        if born is not None and sex is not None and with_cpr:
            parsed = parse_cpr(self.ctx.cpr(born, sex, mod11=mod11))
            cpr, born, sex = parsed.number, parsed.birth_date, parsed.sex
        person = Person(
            id=self.ctx.uid(),
            first_name=first or "Ufødt barn",
            last_name=last,
            cpr=cpr,
            birth_date=born,
            sex=sex,
            unborn=unborn,
            expected_date=expected,
            address=address,
            phone=phone,
            email=email,
            note=note,
        )
        self.persons.append(person)
        return person

    def member(
        self,
        person: Person,
        role: PartyRole,
        label: str,
        *,
        custody: bool = False,
        organisation: str = "",
    ) -> Member:
        m = Member(person, role, label, organisation, custody)
        self.members.append(m)
        note = f"{label}, {organisation}" if organisation else label
        self.add(
            CaseParty(
                id=self.ctx.uid(),
                case_id=self.case_id,
                person_id=person.id,
                role=role,
                has_custody=custody,
                party_rights=services.default_party_rights(role, has_custody=custody),
                note=note,
            )
        )
        return m

    def relate(
        self,
        a: Person,
        b: Person,
        kind: RelationKind,
        quality: RelationQuality | None,
        pos: tuple[float, float],
        note: str = "",
    ) -> None:
        self.add(
            Relation(
                id=self.ctx.uid(),
                case_id=self.case_id,
                from_person_id=a.id,
                to_person_id=b.id,
                kind=kind,
                quality=quality,
                note=note,
                pos_x=pos[0],
                pos_y=pos[1],
            )
        )

    def attendee(self, m: Member | None, *, role: str = "") -> dict[str, Any]:
        if m is None:
            return {"person_id": None, "name": self.worker.name, "role": role or "Rådgiver"}
        return {"person_id": m.person.id, "name": m.person.full_name, "role": role or m.label}

    def between(self, a: date, b: date) -> date:
        if b <= a:
            return a
        return a + timedelta(days=self.rng.randint(0, (b - a).days))

    def parents(self) -> list[Member]:
        return [m for m in (self.mother, self.father) if m is not None and m.custody] or [
            self.mother
        ]

    # -- meetings and scales --------------------------------------------------------

    def meeting(
        self,
        kind: MeetingKind,
        d: date,
        *,
        planned: bool = False,
        notes: str = "",
        attendees: Sequence[dict[str, Any]] = (),
        location: str = "",
        child_alone: bool | None = None,
        sos: dict[str, Any] | None = None,
        actions: Sequence[dict[str, Any]] = (),
        not_held_reason: str = "",
    ) -> Meeting:
        if not planned and d >= self.today:
            d = self.today - timedelta(days=1)
        d = self.ctx.workday(d)
        when = self.ctx.ts(d)
        m = Meeting(
            id=self.ctx.uid(),
            case_id=self.case_id,
            kind=kind,
            held_at=None if planned or not_held_reason else when,
            planned_at=when,
            location=location,
            attendees=list(attendees) or [self.attendee(None)],
            child_alone=child_alone,
            notes=notes,
            signs_of_safety=sos or {},
            action_items=list(actions),
            not_held_reason=not_held_reason,
        )
        self.add(m)
        if not planned and not not_held_reason:
            self.meetings.append(m)
        return m

    def scales(self, m: Meeting, level: float) -> None:
        """Trivselslineal by the child (from 5), a parent and the caseworker at a meeting."""
        at = m.held_at
        if at is None:
            return
        raters: list[tuple[PartyRole | None, str | None, str]] = []
        if self.age >= 5:
            raters.append((PartyRole.BARN, self.child.person.id, "Barnets egen vurdering"))
        parent = self.parents()[0]
        raters.append((parent.role, parent.person.id, f"{parent.label}s vurdering"))
        raters.append((None, None, "Rådgiverens vurdering"))
        for role, pid, comment in raters:
            value = round(level + self.rng.uniform(-1.5, 1.5) + (0.8 if role is not None else 0))
            self.late.append(
                ScaleReading(
                    id=self.ctx.uid(),
                    case_id=self.case_id,
                    scale=ScaleKind.TRIVSELSLINEAL,
                    value=max(0, min(10, value)),
                    rated_by_role=role,
                    rated_by_person_id=pid,
                    rated_at=at,
                    meeting_id=m.id,
                    comment=comment,
                )
            )

    # -- the case itself ------------------------------------------------------------

    def open_case(self, opened: date) -> None:
        if self.born is not None:
            opened = max(opened, self.born)
        self.opened = opened
        self.case = Case(
            id=self.case_id,
            case_id=self.case_id,
            case_number=self.ctx.case_number(opened),
            child_id=self.child.person.id,
            stage=self.stage,
            assigned_to=self.worker.user_id,
            team=self.worker.team,
            district=self.rng.choice(self.worker.districts),
            opened_on=opened,
        )
        self.rows.insert(0, self.case)

    def team_review(self) -> None:
        """Cases about 0–6-year-olds are reviewed by the teamkoordinator every 8 weeks (the 2019
        note); most demo cases have a recent review recorded, some are overdue."""
        small = self.unborn or (self.born is not None and self.age <= 6)
        if not small or self.stage is CaseStage.AFSLUTTET or self.rng.random() > 0.8:
            return
        day = max(self.opened, self.today - timedelta(days=self.rng.randint(3, 50)))
        self.add(
            DeadlineAck(
                id=self.ctx.uid(),
                case_id=self.case_id,
                rule="teamkoordinator_8_uger",
                subject_id=None,
                kind=DeadlineAckKind.KVITTERET,
                reason=texts.text("journal.team_review"),
                acknowledged_at=self.ctx.ts(day),
            )
        )

    def ensure_draft(self) -> None:
        """Early cases, and a share of the rest, have the newest note still as a draft."""
        want = (self.stage in EARLY and self.variant == 0) or self.rng.random() < 0.35
        if want and self.notes and self.stage is not CaseStage.AFSLUTTET:
            last = self.notes[-1]
            last.finalised_at = None
            last.body += texts.text("journal.draft_marker")
