"""Persons and parties in the service layer: every field of a person can be changed (checked as
when created; a text too long for its column is refused naming the field), the role of a party
must be chosen, custody is one concept (the flag), and "Vis CPR" is written to the access log.
Edits go through the tracker, so they leave an outbox entry; a person (who belongs to no one
case) is logged in the access log of the case it was changed from."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from models import services
from models.errors import NotFound, ValidationError
from models.schema import AuditEvent, Case, CaseParty, ChangeEntry, Person
from models.vault import Vault
from models.vocabulary import AuditAction, PartyRole


@pytest.fixture
def ids(vault: Vault) -> dict[str, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Ida", "Nielsen", cpr="040315-4012")
        case = services.create_case(s, child, opened_on=date(2024, 1, 10))
        mother, _ = services.create_person(s, "Hanne", "Nielsen", cpr="150885-2468")
        party = services.add_party(s, case, mother, PartyRole.FORAELDER)
        return {"case": case.id, "child": child.id, "mother": mother.id, "party": party.id}


def test_every_field_of_a_person_is_edited_and_tracked(vault: Vault, ids: dict[str, str]) -> None:
    with vault.session() as s:
        person = services.get(s, Person, ids["mother"])
        warnings = services.edit_person(
            s,
            person,
            first_name=" Hanne ",
            last_name="Holm",
            cpr="1508852468",
            phone="20 30 40 50",
            address="Skolevej 3\n4200 Slagelse",
            email="hanne@example.dk",
            note="Ring efter kl. 15",
        )
    assert warnings == ["cpr.modulus11"]  # allowed, said as a warning
    with vault.reading() as s:
        p = s.get(Person, ids["mother"])
        assert p is not None
        assert (p.first_name, p.last_name, p.cpr, p.birth_date, p.sex) == (
            "Hanne",
            "Holm",
            "150885-2468",
            date(1985, 8, 15),
            "K",
        )
        assert (p.phone, p.email, p.note) == (
            "20 30 40 50",
            "hanne@example.dk",
            "Ring efter kl. 15",
        )
        # Nothing was sent yet, so the edit joined the person's waiting insert (the outbox
        # coalesces); the push sends the row's values as they are now.
        entries = s.scalars(select(ChangeEntry).where(ChangeEntry.row_id == p.id)).all()
        assert [e.op for e in entries] == ["insert"], "the edit is in the outbox"
        assert {"last_name", "cpr", "note"} <= set(entries[0].changes)


def test_an_edit_is_checked_like_a_new_person(vault: Vault, ids: dict[str, str]) -> None:
    with vault.session() as s:
        person = services.get(s, Person, ids["mother"])
        with pytest.raises(ValidationError) as err:
            services.edit_person(s, person, first_name="  ")
        assert (err.value.code, err.value.params["field"]) == ("validation.required", "first_name")
        with pytest.raises(ValidationError):
            services.edit_person(s, person, first_name="Hanne", cpr="310285-1234")
        with pytest.raises(ValueError):
            services.edit_person(s, person, first_name="Hanne", sex="M")  # not an editable field


@pytest.mark.parametrize(("field", "length"), [("phone", 41), ("email", 201), ("note", 200_001)])
def test_a_text_too_long_for_its_column_is_refused_naming_the_field(
    vault: Vault, ids: dict[str, str], field: str, length: int
) -> None:
    with pytest.raises(ValidationError) as err, vault.session() as s:
        person = services.get(s, Person, ids["mother"])
        too_long: dict[str, Any] = {field: "x" * length}
        services.edit_person(s, person, first_name="Hanne", **too_long)
    assert err.value.code == "validation.too_long"
    assert err.value.params["field"] == field
    with vault.reading() as s:
        p = s.get(Person, ids["mother"])
        assert p is not None and getattr(p, field) == ""  # nothing was stored


def test_the_role_is_chosen_never_defaulted(vault: Vault, ids: dict[str, str]) -> None:
    for nothing in (None, ""):
        with pytest.raises(ValidationError) as err:
            services.party_role(nothing)
        assert (err.value.code, err.value.params["field"]) == ("validation.required", "role")
    assert services.party_role("tolk") is PartyRole.TOLK
    with vault.session() as s:
        case = services.get(s, Case, ids["case"])
        person, _ = services.create_person(s, "Ahmad", "Karimi")
        with pytest.raises(ValidationError):
            services.add_party(s, case, person, None)  # type: ignore[arg-type]
        tolk = services.add_party(s, case, person, PartyRole.TOLK, note=" arabisk ")
        assert (tolk.role, tolk.has_custody, tolk.party_rights, tolk.note) == (
            PartyRole.TOLK,
            False,
            False,
            "arabisk",
        )


def test_custody_is_one_concept_the_flag(vault: Vault, ids: dict[str, str]) -> None:
    with vault.session() as s:
        case = services.get(s, Case, ids["case"])
        father, _ = services.create_person(s, "Bo", "Nielsen")
        # The old role is written as a parent with custody (and so party rights).
        old = services.add_party(s, case, father, PartyRole.FORAELDREMYNDIGHED)
        assert (old.role, old.has_custody, old.party_rights) == (PartyRole.FORAELDER, True, True)

        party = services.get(s, CaseParty, ids["party"])
        assert (party.has_custody, party.party_rights) == (False, False)
        services.edit_party(s, party, role=PartyRole.FORAELDER, has_custody=True, note="Mor")
        assert (party.role, party.has_custody, party.party_rights, party.note) == (
            PartyRole.FORAELDER,
            True,
            True,
            "Mor",
        )
        # A custody holder keeps party rights even if asked otherwise.
        services.edit_party(
            s, party, role="foraeldremyndighedsindehaver", has_custody=False, party_rights=False
        )
        assert (party.role, party.has_custody, party.party_rights) == (
            PartyRole.FORAELDER,
            True,
            True,
        )
        # Without custody, party rights are what the caseworker says; the note stays.
        services.edit_party(
            s, party, role=PartyRole.BEDSTEFORAELDER, has_custody=False, party_rights=False
        )
        assert (party.role, party.has_custody, party.party_rights, party.note) == (
            PartyRole.BEDSTEFORAELDER,
            False,
            False,
            "Mor",
        )
        with pytest.raises(ValidationError) as err:
            services.edit_party(s, party, role=None, has_custody=False)
        assert err.value.params["field"] == "role"


def test_revealing_a_cpr_number_is_logged(vault: Vault, ids: dict[str, str]) -> None:
    with vault.session() as s:
        assert services.reveal_cpr(s, ids["case"], ids["mother"]) == "150885-2468"
    with vault.reading() as s:
        (event,) = s.scalars(
            select(AuditEvent).where(AuditEvent.entity == services.CPR_ENTITY)
        ).all()
        assert (event.action, event.entity_id, event.case_id, event.user) == (
            AuditAction.VIST,
            ids["mother"],
            ids["case"],
            vault.user,
        )


def test_a_party_and_its_person_are_edited_from_the_case(vault: Vault, ids: dict[str, str]) -> None:
    with vault.session() as s:
        party, person, warnings = services.edit_case_party(
            s,
            ids["case"],
            ids["party"],
            role=PartyRole.FORAELDER,
            has_custody=True,
            party_note="Mor",
            first_name="Hanne",
            last_name="Nielsen",
            cpr="150885-2468",
            phone="20 30 40 50",
        )
        assert (party.note, party.has_custody, person.phone, warnings) == (
            "Mor",
            True,
            "20 30 40 50",
            ["cpr.modulus11"],
        )
        # The case's child keeps its role whatever is asked.
        child_party = next(
            cp for cp, p in services.case_parties(s, ids["case"]) if p.id == ids["child"]
        )
        services.edit_case_party(
            s,
            ids["case"],
            child_party.id,
            role=PartyRole.TOLK,
            has_custody=False,
            first_name="Ida",
            last_name="Nielsen",
            cpr="040315-4012",
        )
        assert child_party.role is PartyRole.BARN
    with vault.reading() as s:
        # A person has no case of its own: the change is logged in the case it was made from.
        logged = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "person", AuditEvent.case_id == ids["case"]
            )
        ).all()
        assert [(e.action, e.entity_id) for e in logged] == [(AuditAction.AENDRET, ids["mother"])]


def test_a_party_of_another_case_is_not_edited(vault: Vault, ids: dict[str, str]) -> None:
    with vault.session() as s:
        other, _ = services.create_person(s, "Emil", "Berg")
        other_case = services.create_case(s, other, opened_on=date(2024, 2, 1))
        with pytest.raises(NotFound):
            services.edit_case_party(
                s,
                other_case.id,
                ids["party"],
                role=PartyRole.FORAELDER,
                has_custody=False,
                first_name="Hanne",
            )
