"""The service layer: cases, parties, relations, lookups and the generic update."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desktop.messages import error_text
from models import services
from models.errors import NotFound, ValidationError
from models.schema import Case, CaseParty, Person
from models.vault import Vault
from models.vocabulary import CaseStage, PartyRole, RelationKind, RelationQuality


def new_child(vault: Vault, first: str = "Ida", birth: date = date(2015, 3, 4)) -> str:
    with vault.session() as s:
        child, _ = services.create_person(s, first, "Nielsen", birth_date=birth)
        return child.id


def new_case(vault: Vault, child_id: str, opened_on: date = date(2024, 1, 10)) -> Case:
    with vault.session() as s:
        return services.create_case(s, services.get(s, Person, child_id), opened_on=opened_on)


def test_create_case_makes_the_child_a_party_with_party_rights(vault: Vault) -> None:
    child_id = new_child(vault)
    case = new_case(vault, child_id)
    assert case.case_id == case.id
    assert case.child_id == child_id
    assert case.stage == CaseStage.UNDERRETNING
    with vault.session() as s:
        ((party, person),) = services.case_parties(s, case.id)
    assert person.id == child_id
    assert party.role == PartyRole.BARN
    assert party.party_rights
    assert party.case_id == case.id


def test_custody_holder_has_party_rights_and_a_network_person_not(vault: Vault) -> None:
    case = new_case(vault, new_child(vault))
    with vault.session() as s:
        case = services.get(s, Case, case.id)
        mother, _ = services.create_person(s, "Hanne", "Nielsen")
        friend, _ = services.create_person(s, "Bo", "Larsen")
        custody = services.add_party(
            s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True
        )
        network = services.add_party(s, case, friend, PartyRole.NETVAERKSPERSON)
        assert custody.party_rights
        assert not network.party_rights


def test_case_numbers_count_up_per_year(vault: Vault) -> None:
    child_id = new_child(vault)
    numbers = [
        new_case(vault, child_id, opened_on=d).case_number
        for d in (date(2023, 5, 1), date(2024, 1, 10), date(2024, 2, 1), date(2023, 12, 31))
    ]
    assert numbers == ["2023-00001", "2024-00001", "2024-00002", "2023-00002"]
    with vault.session() as s:
        assert services.next_case_number(s, 2024) == "2024-00003"
        assert services.next_case_number(s, 2025) == "2025-00001"


def test_next_case_number_is_free_when_numbers_have_gaps(vault: Vault) -> None:
    child_id = new_child(vault)
    with vault.session() as s:
        child = services.get(s, Person, child_id)
        # Numbers made elsewhere (another laptop, an import) leave gaps; a count would collide.
        services.create_case(s, child, opened_on=date(2024, 1, 1), case_number="2024-00002")
        assert services.next_case_number(s, 2024) == "2024-00003"
        services.create_case(s, child, opened_on=date(2024, 1, 1), case_number="2024-00007")
        services.create_case(s, child, opened_on=date(2024, 1, 1), case_number="2024-X")
        auto = services.create_case(s, child, opened_on=date(2024, 1, 2))
        assert auto.case_number == "2024-00008"
        assert services.next_case_number(s, 2024) == "2024-00009"


def test_tombstoned_case_keeps_its_number(vault: Vault) -> None:
    first = new_case(vault, new_child(vault))
    with vault.session() as s:
        services.soft_delete(s, services.get(s, Case, first.id))
        assert services.next_case_number(s, 2024) == "2024-00002"


def test_list_cases_shows_child_age_and_stage_and_skips_tombstones(vault: Vault) -> None:
    ida = new_case(vault, new_child(vault, "Ida", date(2015, 3, 4)))
    emil = new_case(vault, new_child(vault, "Emil", date(2010, 12, 24)))
    gone = new_case(vault, new_child(vault, "Bo", date(2012, 1, 1)))
    with vault.session() as s:
        services.update(s, services.get(s, Case, emil.id), stage=CaseStage.UNDERSOEGELSE)
        services.soft_delete(s, services.get(s, Case, gone.id))
    with vault.session() as s:
        rows = services.list_cases(s, today=date(2024, 3, 3))
    assert [r.case_id for r in rows] == [ida.id, emil.id]
    assert [r.child_name for r in rows] == ["Ida Nielsen", "Emil Nielsen"]
    assert [r.age for r in rows] == [8, 13]
    assert [r.stage for r in rows] == [CaseStage.UNDERRETNING, CaseStage.UNDERSOEGELSE]
    assert rows[0].case_number == ida.case_number
    assert rows[0].opened_on == date(2024, 1, 10)


def test_list_cases_for_an_unborn_child_has_no_age(vault: Vault) -> None:
    with vault.session() as s:
        baby, _ = services.create_person(s, "", unborn=True, expected_date=date(2030, 1, 1))
        services.create_case(s, baby, opened_on=date(2024, 1, 10))
    with vault.session() as s:
        (row,) = services.list_cases(s)
    assert row.age is None
    assert row.birth_date is None


def test_find_case_by_id_or_number(vault: Vault) -> None:
    case = new_case(vault, new_child(vault))
    with vault.session() as s:
        assert services.find_case(s, case.id).id == case.id
        assert services.find_case(s, case.case_number).id == case.id


def test_unknown_or_tombstoned_case_is_not_found(vault: Vault) -> None:
    case = new_case(vault, new_child(vault))
    with vault.session() as s:
        with pytest.raises(NotFound) as exc:
            services.find_case(s, "2099-00001")
        assert exc.value.params["row_id"] == "2099-00001"
        assert "2099-00001" in error_text(exc.value)
        with pytest.raises(NotFound):
            services.open_case(s, "no-such-id")
        with pytest.raises(NotFound):
            services.get(s, Person, "no-such-id")
        services.soft_delete(s, services.get(s, Case, case.id))
        with pytest.raises(NotFound):
            services.find_case(s, case.case_number)
        with pytest.raises(NotFound):
            services.get(s, Case, case.id)
        assert services.get(s, Case, case.id, include_deleted=True).id == case.id


def test_future_dates_are_refused(vault: Vault) -> None:
    tomorrow = date.today() + timedelta(days=1)
    child_id = new_child(vault)
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.create_case(s, services.get(s, Person, child_id), opened_on=tomorrow)
    assert exc.value.code == "validation.future_date"
    assert exc.value.params["field"] == "opened_on"
    assert error_text(exc.value) == "Datoen ligger i fremtiden."
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.create_person(s, "Ida", birth_date=tomorrow)
    assert exc.value.code == "validation.future_date"
    with vault.session() as s:
        assert s.scalars(select(Case)).all() == []
        assert len(s.scalars(select(Person)).all()) == 1


def test_person_needs_a_first_name(vault: Vault) -> None:
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.create_person(s, "   ", "Nielsen")
    assert exc.value.code == "validation.required"


def test_relations(vault: Vault) -> None:
    case = new_case(vault, new_child(vault))
    with vault.session() as s:
        case = services.get(s, Case, case.id)
        child = services.get(s, Person, case.child_id)
        mother, _ = services.create_person(s, "Hanne", "Nielsen")
        relation = services.add_relation(
            s, case, mother, child, RelationKind.FORAELDER_BARN, RelationQuality.TAET
        )
        assert relation.case_id == case.id
        assert (relation.from_person_id, relation.to_person_id) == (mother.id, child.id)
        with pytest.raises(ValidationError) as exc:
            services.add_relation(s, case, child, child, RelationKind.ANDEN)
        assert exc.value.code == "validation.relation_self"
        assert "sig selv" in error_text(exc.value)


@pytest.mark.parametrize("field", ["id", "case_id", "rev", "updated_at", "updated_by", "nickname"])
def test_update_refuses_unknown_and_managed_fields(vault: Vault, field: str) -> None:
    child_id = new_child(vault)
    with pytest.raises(ValidationError) as exc, vault.session() as s:
        services.update(s, services.get(s, Person, child_id), **{field: "x"})
    assert exc.value.code == "validation.unknown_field"
    assert exc.value.params["field"] == field
    with vault.session() as s:
        child = services.get(s, Person, child_id)
        assert child.rev == 0
        assert child.first_name == "Ida"


def test_update_changes_known_fields(vault: Vault) -> None:
    child_id = new_child(vault)
    with vault.session() as s:
        services.update(s, services.get(s, Person, child_id), phone="12345678", note="")
    with vault.session() as s:
        assert services.get(s, Person, child_id).phone == "12345678"


def test_parties_of_a_case_skip_tombstones(vault: Vault) -> None:
    case = new_case(vault, new_child(vault))
    with vault.session() as s:
        case = services.get(s, Case, case.id)
        aunt, _ = services.create_person(s, "Lis", "Hansen")
        party = services.add_party(s, case, aunt, PartyRole.RESSOURCEPERSON)
        assert len(services.case_parties(s, case.id)) == 2
        services.soft_delete(s, party)
        assert [p.role for p, _ in services.case_parties(s, case.id)] == [PartyRole.BARN]
        assert s.get(CaseParty, party.id) is not None
