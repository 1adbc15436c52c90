"""The demo's answers to the ICS forms (resources/forms/): the underretning with its 24-hour
assessment, the børnefaglig undersøgelse over all three sides of the triangle, the børnesamtale
and the hjemmebesøg, stored on their rows with the form's id and version as the app stores them.

The answers agree with the row: a field bound to a column (``column`` in the form) holds the
column's value, and a form is finalised exactly when the row says the work is done (the
notification assessed, the undersøgelse completed, the meeting held), so a finalised form is
complete and a draft is what was written so far. They are drawn from a random source of the
case's own (seeded by the case's id), so every other row of the demo is the same with or
without them."""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from models.deadlines.calendar import DK
from models.demo import texts
from models.demo.common import Member, dk
from models.demo.family import FamilyBuilder
from models.forms import FieldType, default_library
from models.forms.service import column_updates
from models.schema import Assessment, Meeting, Notification, Screening
from models.vocabulary import NotifierKind, ScreeningOutcome

F = "skemaer"

#: What the underretning's feedback to a professional says, by the screening's outcome.
_FEEDBACK = {
    ScreeningOutcome.AKUT: "indsats",
    ScreeningOutcome.UNDERSOEGELSE: "undersoegelse",
}

#: The share of ICS dimensions with a concern besides its resources (the rest say "Ingen.").
CONCERN_SHARE = 0.55


def moment(at: datetime) -> str:
    """A date-time answer: ISO 8601 in Danish time, with its offset (docs/forms.md)."""
    return at.astimezone(DK).isoformat()


def local_day(at: datetime) -> date:
    return at.astimezone(DK).date()


def yes(reason: str = "") -> dict[str, Any]:
    return {"value": True, "reason": reason} if reason else {"value": True}


def no(reason: str = "") -> dict[str, Any]:
    return {"value": False, "reason": reason} if reason else {"value": False}


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?«])\s+", text.strip()) if s]


class FormAnswersBuilder(FamilyBuilder):
    @cached_property
    def frng(self) -> random.Random:
        """The case's own random source for its form answers."""
        return random.Random(f"forms:{self.case_id}")

    def fpick(self, path: str, **extra: str) -> str:
        """One of the texts at ``skemaer.<path>``, drawn from the forms' random source."""
        return self.fmt(self.frng.choice(texts.texts(f"{F}.{path}")), **extra)

    def fday(self, first: date, last: date) -> date:
        """A day from ``first`` to ``last``, drawn from the forms' random source."""
        return first + timedelta(days=self.frng.randint(0, max(0, (last - first).days)))

    def then_words(self) -> dict[str, str]:
        """Words for what happened during the undersøgelse: a young person now over 18 was at
        school then, not at today's place (a job centre …)."""
        if self.age < 18:
            return {}
        return {"inst": texts.text(f"{F}.undersoegelse.former_school")}

    def fsay(self, path: str, **extra: str) -> str:
        return self.say(f"{F}.{path}", **extra)

    def put_answers(
        self,
        row: Notification | Screening | Assessment | Meeting,
        form_id: str,
        answers: dict[str, Any],
    ) -> None:
        """Store ``answers`` on ``row`` as the app does; a column the form fills from them and
        the row left empty gets the answer's value (what saving the form would write)."""
        form = default_library().form(form_id)
        row.form_id, row.form_version, row.answers = form.id, form.version, answers
        for column, value in column_updates(form, answers).items():
            if getattr(row, column, None) in (None, ""):
                setattr(row, column, value)

    def someone(self, m: Member) -> dict[str, Any]:
        """A person answer: a party of the case."""
        return {"person_id": m.person.id, "name": m.person.full_name}

    # -- underretning -------------------------------------------------------------------

    def notification_answers(self, n: Notification, *, by_phone: bool) -> None:
        """The underretning as received, and its 24-hour assessment once it is made. A
        notification assessed with no outcome yet (the screening still under way) gets no
        answers: the form cannot be finalised without one, and the row says it is assessed."""
        if (n.assessed_at is not None and n.outcome is None) or n.received_at is None:
            return
        r, kind = self.frng, n.notifier_kind
        if by_phone:
            how = "telefon"
        elif kind is NotifierKind.FAGPERSON:
            how = r.choice(("skriftligt", "skriftligt", "mail"))
        else:
            how = "skriftligt"
        a: dict[str, Any] = {
            "modtaget": moment(n.received_at),
            "modtaget_hvordan": how,
            "underretter_type": kind.value,
        }
        if kind is NotifierKind.FAGPERSON and n.notifier_sector is not None:
            a["omraade"] = n.notifier_sector.value
            a["institution"] = n.notifier_organisation
        if kind is not NotifierKind.ANONYM and n.notifier_name:
            a["underretter_navn"] = n.notifier_name
        a["bekymring"] = n.summary
        a["bekymring_ics"] = self.concern_items(n)
        if r.random() < 0.5:
            a["ressourcer"] = self.fpick("underretning.resources")
        a["overgreb"] = yes() if n.concerns_abuse else no()
        told = r.random() < 0.6 and kind is not NotifierKind.ANONYM
        reasons = texts.texts(f"{F}.underretning.parents_not_told")
        a["foraeldre_orienteret"] = (
            yes()
            if told
            else no(reasons[-1] if kind is NotifierKind.ANONYM else r.choice(reasons[:-1]))
        )
        if n.assessed_at is not None and n.outcome is not None:
            acute = n.outcome is ScreeningOutcome.AKUT
            a["i_fare"] = yes(self.fsay("underretning.danger")) if acute else no()
            a["akut"] = yes(self.fsay("underretning.acute")) if acute else no()
            a["vurdering"] = n.decision
            a["udfald"] = n.outcome.value
            a["naeste_skridt"] = self.fsay(f"underretning.next_steps.{n.outcome.value}")
            a["vurderet"] = moment(n.assessed_at)
            colleague = n.assessed_with_new_colleague
            a["loebende_stoette"] = yes() if colleague else no()
            if colleague:
                a["ny_kollega"] = colleague
                a["genvurdering"] = self.fpick("underretning.reassessments")
            if n.concerns_abuse:
                a["samtale_ved_overgreb"] = (
                    yes() if self.age >= 4 else no(self.fsay("underretning.no_abuse_conversation"))
                )
        elif r.random() < 0.5:
            # Begun: the danger is the first thing the caseworker looks at.
            a["i_fare"] = no()
        if kind is NotifierKind.FAGPERSON and n.receipt_sent_on is not None:
            a["kvittering_sendt"] = n.receipt_sent_on.isoformat()
            if n.feedback_sent_on is not None and n.outcome is not None:
                a["tilbagemelding_sendt"] = n.feedback_sent_on.isoformat()
                a["tilbagemelding"] = _FEEDBACK.get(n.outcome, "ingen")
        self.put_answers(n, "underretning", a)
        if n.assessed_at is not None and n.outcome is not None:
            self.screening_answers(n, a)

    def screening_answers(self, n: Notification, underretning: dict[str, Any]) -> None:
        """The indledende vurdering of an assessed underretning, decided when it was assessed:
        what it rests on, the child's safety as the 24-hour assessment found it, each ICS side's
        dimensions graded (those the notifier named "nogen bekymring", the rest "ikke belyst"),
        and the outcome with its reasons (the underretning's decision)."""
        assert n.assessed_at is not None and n.outcome is not None
        form = default_library().form("screening")
        named = {item["dimension"] for item in underretning.get("bekymring_ics", [])}
        a: dict[str, Any] = {
            "grundlag": n.summary,
            "tidligere_underretninger": no(),
            "i_fare": underretning["i_fare"],
            "akut": underretning["akut"],
            "udfald": n.outcome.value,
            "begrundelse": n.decision or n.summary,
        }
        for field_id, fld in form.fields.items():
            if fld.ics is not None and fld.type is FieldType.CHOICE:
                a[field_id] = "nogen" if fld.ics in named else "ikke_belyst"
        if n.outcome is ScreeningOutcome.UNDERSOEGELSE:
            a["kendskab"] = local_day(n.received_at or n.assessed_at).isoformat()
        # Its id from the underretning's: the demo's other rows (and their ids, from the
        # demo's own random source) stay as they were without it.
        row = Screening(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"feltmappe-demo:screening:{n.id}")),
            case_id=n.case_id,
            notification_id=n.id,
            decided_at=n.assessed_at,
        )
        self.put_answers(row, "screening", a)
        self.add(row)

    def concern_items(self, n: Notification) -> list[dict[str, str]]:
        """The notifier's words filed under ICS dimensions, a few sentences to each."""
        key = "ufoedt" if self.unborn else (n.notifier_sector or "anonym")
        dims = list(texts.get(f"{F}.underretning.dimensions.{key}"))
        if n.concerns_abuse and "sikkerhed_beskyttelse" in dims:
            dims.remove("sikkerhed_beskyttelse")
            dims.insert(0, "sikkerhed_beskyttelse")
        said = sentences(n.summary) or [n.summary]
        count = max(1, min(len(dims), len(said), 3 if len(said) >= 4 else 2))
        size = -(-len(said) // count)
        return [
            {"dimension": dims[i], "tekst": " ".join(said[i * size : (i + 1) * size])}
            for i in range(count)
            if said[i * size : (i + 1) * size]
        ]

    # -- børnesamtale and hjemmebesøg ---------------------------------------------------

    def conversation_answers(self, m: Meeting, *, quote: str, alone: bool) -> None:
        """A held børnesamtale (finalised: the meeting was held)."""
        if m.held_at is None:
            return
        parent = self.parents()[0]
        a: dict[str, Any] = {
            "tidspunkt": moment(m.held_at),
            "sted": m.location,
            "samtaleform": "samtale",
            "til_stede": [] if alone else [self.someone(parent)],
            "set_alene": yes()
            if alone
            else no(self.fsay("boernesamtale.not_alone", foraelder=parent.label.lower())),
            "barnets_ord": quote,
            "barnets_oensker": self.fpick("boernesamtale.wishes"),
            "trivsel": max(0, min(10, round(self.level + self.frng.uniform(-1, 2.5)))),
            "vurdering": self.fpick("boernesamtale.assessments"),
        }
        if self.frng.random() < 0.6:
            a["barnets_syn_paa_maal"] = self.fpick("boernesamtale.goals_view")
        if not a["til_stede"]:
            del a["til_stede"]
        self.put_answers(m, "boernesamtale", a)

    def home_visit_answers(self, m: Meeting, *, home: str, child_part: str) -> None:
        """A held hjemmebesøg (finalised: the meeting was held); the child seen, and alone
        where age allows (the meeting's ``child_alone`` says the same)."""
        if m.held_at is None:
            return
        parents = self.parents()
        present = [self.someone(p) for p in parents]
        a: dict[str, Any] = {
            "holdt": yes(),
            "tidspunkt": moment(m.held_at),
            "anmeldt": yes(),
        }
        if self.unborn:
            a["barnet_set"] = no(self.fsay("hjemmebesoeg.unborn_not_seen"))
            m.child_alone = None
        else:
            present.append(self.someone(self.child))
            a["barnet_set"] = yes()
            alone = self.age >= 4 and self.frng.random() < 0.6
            if alone:
                a["barnet_alene"] = yes()
            elif self.age < 4:
                a["barnet_alene"] = no(self.fsay("hjemmebesoeg.small_not_alone"))
            else:
                a["barnet_alene"] = no(
                    self.fpick(
                        "hjemmebesoeg.not_alone",
                        foraelder=parents[0].label.lower(),
                        **self.then_words(),
                    )
                )
            m.child_alone = alone
        a["til_stede"] = present
        a["hjemmet"] = home
        a["samspil"] = child_part
        a["iagttagelser_ics"] = [
            {"dimension": "boligforhold", "tekst": home},
            {
                "dimension": "grundlaeggende_omsorg" if self.unborn else "foelelsesmaessig_varme",
                "tekst": child_part,
            },
        ]
        a["aftaler"] = self.fpick("hjemmebesoeg.agreements", **self.then_words())
        self.put_answers(m, "hjemmebesoeg", a)

    # -- børnefaglig undersøgelse -------------------------------------------------------

    def assessment_answers(
        self,
        a: Assessment,
        *,
        home: Meeting | None,
        talk: Meeting | None,
        done: date | None,
        upto: date,
    ) -> None:
        """The undersøgelse over all three sides of the triangle: finalised when it is done,
        else a draft with the dimensions described so far."""
        r, u = self.frng, f"{F}.undersoegelse"
        then = self.then_words()
        notes = [n for n in self.rows if isinstance(n, Notification) and n.received_at]
        ans: dict[str, Any] = {
            "kendskab": a.aware_on.isoformat(),
            "startet": a.started_on.isoformat(),
            "simpel": no(),
        }
        if notes:
            n = notes[-1]
            assert n.received_at is not None
            ans["baggrund"] = self.fsay(
                "undersoegelse.background", dato=dk(n.received_at.date()), resume=n.summary
            )
        ans["plan"] = a.plan_text
        ans["kilder"] = a.sources
        # A draft has the dimensions described so far: more the longer it has run.
        share = 1.0 if done is not None else min(0.9, 0.2 + (upto - a.started_on).days / 120)
        events: list[tuple[str, date]] = []
        if home is not None and home.held_at is not None:
            events.append((self.fsay("undersoegelse.sources.home_visit"), local_day(home.held_at)))
        if talk is not None and talk.held_at is not None:
            events.append(
                (self.fsay("undersoegelse.sources.conversation"), local_day(talk.held_at))
            )
        for side in default_library().ics.sides:
            for dim in side.dimensions:
                if r.random() >= share:
                    continue
                if side.id == "barnets_udvikling":
                    source = "child"
                    base = f"{u}.ics_unborn" if self.unborn else f"{u}.ics.{dim.id}"
                elif side.id == "foraeldrekompetencer":
                    source, base = "parents", f"{u}.ics.{dim.id}"
                else:
                    source, base = "network", f"{u}.ics.{dim.id}"
                words = {"termin": dk(self.child.person.expected_date or self.today)}
                if self.unborn and side.id == "barnets_udvikling":
                    resources = self.say(f"{base}.resources", **words)
                    concerns = self.say(f"{base}.concerns", **words)
                else:
                    resources = self.fmt(r.choice(texts.texts(f"{base}.resources")), **then)
                    concerns = (
                        self.fmt(r.choice(texts.texts(f"{base}.concerns")), **then)
                        if r.random() < CONCERN_SHARE
                        else texts.text(f"{u}.no_concerns")
                    )
                ans[f"{dim.id}_ressourcer"] = resources
                ans[f"{dim.id}_bekymringer"] = concerns
                if events and r.random() < 0.4:
                    kilde, day = r.choice(events)
                else:
                    kilde = self.fpick(f"undersoegelse.sources.{source}", **then)
                    day = self.fday(a.started_on, upto)
                ans[f"{dim.id}_kilde"] = kilde[:1].upper() + kilde[1:]
                ans[f"{dim.id}_dato"] = day.isoformat()
        if talk is not None and talk.held_at is not None:
            ans["samtale_holdt"] = yes()
            ans["samtale_dato"] = local_day(talk.held_at).isoformat()
            ans["barnets_syn"] = (talk.answers or {}).get("barnets_ord") or talk.notes
        elif self.unborn:
            ans["samtale_holdt"] = no(self.fsay("hjemmebesoeg.unborn_not_seen"))
        else:
            ans["samtale_holdt"] = no(self.fsay("undersoegelse.no_conversation", **then))
        if home is not None and home.held_at is not None:
            ans["hjemmebesoeg_holdt"] = yes()
            ans["hjemmebesoeg_dato"] = local_day(home.held_at).isoformat()
            ans["hjemmebesoeg_iagttagelser"] = home.notes
        elif a.no_home_visit_reason:
            ans["hjemmebesoeg_holdt"] = no()
            ans["intet_hjemmebesoeg"] = a.no_home_visit_reason
        ans["foraeldrenes_syn"] = self.fpick("undersoegelse.parents_view", **then)
        if r.random() < 0.7 or done is not None:
            ans["netvaerkets_syn"] = self.fpick("undersoegelse.network_view", **then)
        if a.summary:
            ans["sammenfatning"] = a.summary
        if done is not None:
            conclusions = texts.texts("undersoegelse.assessment.conclusions")
            which = conclusions.index(a.conclusion) if a.conclusion in conclusions else 0
            ans["analyse"] = self.fpick("undersoegelse.analyses", **then)
            ans["konklusion"] = a.conclusion
            ans["behov_for_stoette"] = yes()
            ans["anbefalet_indsats"] = self.fmt(texts.texts(f"{u}.recommendations")[which], **then)
            ans["afsluttet"] = done.isoformat()
        if a.preliminary_on is not None:
            ans["foreloebig_vurdering"] = a.preliminary_on.isoformat()
        self.put_answers(a, "undersoegelse", ans)

    def preliminary_answer(self, a: Assessment) -> None:
        """The foreløbig vurdering, once made, in the undersøgelse's answers too."""
        if a.preliminary_on is not None and a.form_id is not None:
            a.answers = {**a.answers, "foreloebig_vurdering": a.preliminary_on.isoformat()}
