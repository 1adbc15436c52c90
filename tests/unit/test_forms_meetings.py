"""Form answers on meetings (vault 0008): the børnesamtale and the hjemmebesøg are stored,
finalised and seen by the deadline engine. A finalised børnesamtale meets the conversation with
the child after an underretning about abuse (§137 stk. 3); a finalised hjemmebesøg meets the
home-visit rule of the undersøgelse, and one that did not take place documents why, on the
meeting and on the undersøgelse (as ``models.home_visits`` does), which excepts the rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models import services
from models.deadlines import Deadline, DeadlineStatus
from models.deadlines.service import deadlines_for_case
from models.errors import ImmutableRecord
from models.forms import FormIncomplete, load_form
from models.forms.errors import OtherForm
from models.forms.service import finalise, form_of, is_finalised, open_answers, save_answers
from models.home_visits import HOME_VISIT_RULE
from models.schema import Assessment, ChangeEntry, Meeting, Notification
from models.vault import Vault
from models.vocabulary import MeetingKind, NotifierKind

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = date.today()
HELD = NOW - timedelta(hours=2)
CONVERSATION_RULE = "samtale_overgreb_137"


@dataclass(frozen=True)
class Built:
    case_id: str
    assessment_id: str


@pytest.fixture
def built(vault: Vault) -> Built:
    """A case with an underretning about abuse and an open undersøgelse."""
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm")
        case = services.create_case(s, child, opened_on=TODAY - timedelta(days=10))
        services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=NOW - timedelta(days=10),
                notifier_kind=NotifierKind.FAGPERSON,
                concerns_abuse=True,
            ),
        )
        assessment = services.add(
            s,
            Assessment(
                case_id=case.id,
                aware_on=TODAY - timedelta(days=10),
                started_on=TODAY - timedelta(days=5),
            ),
        )
        return Built(case.id, assessment.id)


def meeting(vault: Vault, built: Built, kind: MeetingKind) -> str:
    with vault.session() as s:
        return services.add(s, Meeting(case_id=built.case_id, kind=kind)).id


def deadline(vault: Vault, built: Built, rule: str) -> Deadline:
    with vault.reading() as s:
        found = deadlines_for_case(s, built.case_id, NOW)
    return next(d for d in found if d.rule == rule)


CONVERSATION: dict[str, Any] = {
    "tidspunkt": HELD.isoformat(),
    "sted": " Skolen ",
    "samtaleform": "samtale",
    "til_stede": [{"person_id": None, "name": "Lærer Hansen"}],
    "set_alene": {"value": True},
    "barnets_ord": "»Jeg er bange, når far råber.«",
    "barnets_oensker": "At bo hos mor.",
    "trivsel": 3,
    "vurdering": "Barnet fortæller åbent.",
}

VISIT: dict[str, Any] = {
    "holdt": {"value": True},
    "tidspunkt": HELD.isoformat(),
    "anmeldt": {"value": False},
    "til_stede": [{"person_id": None, "name": "Hanne Holm"}],
    "barnet_set": {"value": True},
    "barnet_alene": {"value": False, "reason": "Mor ville være med"},
    "hjemmet": "Ryddeligt.",
    "iagttagelser_ics": [{"dimension": "grundlaeggende_omsorg", "tekst": "Mad i køleskabet"}],
}


def test_a_boernesamtale_is_saved_finalised_and_meets_the_conversation_rule(
    vault: Vault, built: Built
) -> None:
    row_id = meeting(vault, built, MeetingKind.BOERNESAMTALE)
    form = load_form("boernesamtale")
    draft = {k: v for k, v in CONVERSATION.items() if k != "vurdering"}
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, draft, form=form)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        assert (row.form_id, row.form_version, row.answers) == ("boernesamtale", 1, draft)
        assert form_of(row) == form and open_answers(row) == (form, draft)
        assert (row.location, row.child_alone) == ("Skolen", True)
        assert row.held_at is None  # a draft is no conversation held
        assert s.scalar(select(ChangeEntry).where(ChangeEntry.row_id == row_id)) is not None
    assert deadline(vault, built, CONVERSATION_RULE).status != DeadlineStatus.OPFYLDT

    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        with pytest.raises(FormIncomplete) as err:
            finalise(s, row, now=NOW)
        assert [m.field for m in err.value.missing] == ["vurdering"]
        save_answers(s, row, CONVERSATION)
        finalise(s, row, now=NOW)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        assert row.held_at == HELD  # the time answered, not the time finalised
        assert is_finalised(form, row)
        with pytest.raises(ImmutableRecord):
            save_answers(s, row, {**CONVERSATION, "vurdering": "Ændret bagefter"})
        assert finalise(s, row) is row
    d = deadline(vault, built, CONVERSATION_RULE)
    assert (d.status, d.fulfilled_at) == (DeadlineStatus.OPFYLDT, HELD)


def test_a_held_hjemmebesoeg_meets_the_home_visit_rule(vault: Vault, built: Built) -> None:
    row_id = meeting(vault, built, MeetingKind.HJEMMEBESOEG)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, VISIT, form=load_form("hjemmebesoeg"))
        assert (row.held_at, row.child_alone) == (None, False)
    assert deadline(vault, built, HOME_VISIT_RULE).status != DeadlineStatus.OPFYLDT
    with vault.session() as s:
        finalise(s, services.get(s, Meeting, row_id), now=NOW)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        assert (row.held_at, row.child_alone, row.not_held_reason) == (HELD, False, "")
        assert services.get(s, Assessment, built.assessment_id).no_home_visit_reason == ""
    d = deadline(vault, built, HOME_VISIT_RULE)
    assert (d.status, d.fulfilled_at) == (DeadlineStatus.OPFYLDT, HELD)


def test_child_alone_is_set_only_where_the_form_says_so(vault: Vault, built: Built) -> None:
    row_id = meeting(vault, built, MeetingKind.HJEMMEBESOEG)
    not_seen = {
        **VISIT,
        "barnet_set": {"value": False, "reason": "Barnet var i skole"},
        "barnet_alene": {"value": True},  # hidden once the child was not seen: not copied
    }
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, not_seen, form=load_form("hjemmebesoeg"))
        finalise(s, row, now=NOW)
        assert (row.held_at, row.child_alone) == (HELD, None)


def test_a_hjemmebesoeg_not_held_documents_why_and_excepts_the_rule(
    vault: Vault, built: Built
) -> None:
    row_id = meeting(vault, built, MeetingKind.HJEMMEBESOEG)
    form = load_form("hjemmebesoeg")
    reason = "  Familien afviste besøget.  "
    answers = {"holdt": {"value": False}, "ikke_holdt_begrundelse": reason}
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, answers, form=form)
        # Saving does not say the visit was not held: only finalising does.
        assert row.not_held_reason == "" and not is_finalised(form, row)
        assert services.get(s, Assessment, built.assessment_id).no_home_visit_reason == ""
    assert deadline(vault, built, HOME_VISIT_RULE).status != DeadlineStatus.UNDTAGET

    with vault.session() as s:
        finalise(s, services.get(s, Meeting, row_id), now=NOW)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        assert (row.held_at, row.not_held_reason) == (None, "Familien afviste besøget.")
        assert is_finalised(form, row)
        assessment = services.get(s, Assessment, built.assessment_id)
        assert assessment.no_home_visit_reason == "Familien afviste besøget."
        with pytest.raises(ImmutableRecord):
            save_answers(s, row, {**answers, "aftaler": "Nyt besøg om en uge"})
        assert finalise(s, row) is row
    d = deadline(vault, built, HOME_VISIT_RULE)
    assert (d.status, d.reason) == (DeadlineStatus.UNDTAGET, "Familien afviste besøget.")


def test_a_hjemmebesoeg_not_held_without_an_open_undersoegelse(vault: Vault, built: Built) -> None:
    with vault.session() as s:
        services.update(s, services.get(s, Assessment, built.assessment_id), completed_on=TODAY)
    row_id = meeting(vault, built, MeetingKind.HJEMMEBESOEG)
    answers = {"holdt": {"value": False}, "ikke_holdt_begrundelse": "Familien er flyttet."}
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, answers, form=load_form("hjemmebesoeg"))
        finalise(s, row, now=NOW)
    with vault.session() as s:
        assert services.get(s, Meeting, row_id).not_held_reason == "Familien er flyttet."
        assert services.get(s, Assessment, built.assessment_id).no_home_visit_reason == ""


def test_a_meeting_form_is_kept_on_a_meeting_of_its_kind_only(vault: Vault, built: Built) -> None:
    row_id = meeting(vault, built, MeetingKind.NETVAERKSMOEDE)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        with pytest.raises(OtherForm):
            save_answers(s, row, VISIT, form=load_form("hjemmebesoeg"))
        assert (row.form_id, row.answers) == (None, {})
    row_id = meeting(vault, built, MeetingKind.HJEMMEBESOEG)
    with vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, VISIT, form=load_form("hjemmebesoeg"))
        with pytest.raises(OtherForm):
            save_answers(s, row, CONVERSATION, form=load_form("boernesamtale"))
