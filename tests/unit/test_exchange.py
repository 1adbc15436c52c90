"""The case document: round trip between two vaults, the schema follows the model, and bad files
are refused with a path and Danish text while the vault stays untouched."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from desktop.messages import error_text
from models import exchange, services
from models.errors import ImportFailed
from models.keyfile import KdfParams
from models.schema import (
    CASE_TABLES,
    Agreement,
    Assessment,
    AuditEvent,
    Base,
    Case,
    ChangeEntry,
    DeadlineAck,
    FollowUp,
    Intervention,
    JournalNote,
    Meeting,
    Notification,
    Person,
    Plan,
    ScaleReading,
    Screening,
)
from models.vault import Vault
from models.vocabulary import (
    AgreementKind,
    AssessmentStatus,
    AuditAction,
    DeadlineAckKind,
    LegalBasis,
    MeetingKind,
    NotifierKind,
    NotifierSector,
    PartyRole,
    PlanKind,
    PlanStatus,
    RelationKind,
    RelationQuality,
    ScaleKind,
    ScreeningOutcome,
    StepStatus,
)
from tests.conftest import PASSPHRASE

T0 = datetime(2024, 3, 4, 8, 15, 30, 123456, tzinfo=UTC)


def build_case(vault: Vault, case_number: str = "2024-00001") -> str:
    """A case with a row in every case table, drafts and records, and a tombstone."""
    with vault.session() as s:
        child, _ = services.create_person(
            s, "Alma", "Jensen", cpr="010115-4001", address="Søndergade 1, 8000 Aarhus C"
        )
        mother, _ = services.create_person(s, "Birgitte", "Jensen", cpr="070485-1234")
        grandpa, _ = services.create_person(s, "Åge", "Holm", birth_date=date(1950, 6, 1))
        teacher, _ = services.create_person(s, "Lærer", "Nielsen", phone="12345678")
        case = services.create_case(
            s, child, opened_on=date(2024, 3, 1), case_number=case_number, team="Øst"
        )
        services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        services.add_party(s, case, grandpa, PartyRole.RESSOURCEPERSON, note="Henter fredag")
        gone = services.add_party(s, case, teacher, PartyRole.FAGPERSON)
        services.add_relation(s, case, mother, child, RelationKind.FORAELDER_BARN)
        rel = services.add_relation(
            s, case, grandpa, child, RelationKind.BEDSTEFORAELDER_BARNEBARN, RelationQuality.TAET
        )
        services.update(s, rel, pos_x=12.5, pos_y=-3.0)

        draft = services.add_note(s, case, "Kladde", "Ikke færdig", written_at=T0)
        record = services.add_note(s, case, "Hjemmebesøg", "Mor fortæller om … æøå")
        services.finalise_note(s, record)
        services.correct_note(s, record, "Rettelse", "Datoen var forkert")
        dropped = services.add_note(s, case, "Fejl", "Skrevet i forkert sag")
        services.soft_delete(s, dropped)

        services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=T0,
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_sector=NotifierSector.SKOLE,
                notifier_name="Skolen",
                summary="Barnet kommer sultent i skole",
                assessed_at=T0 + timedelta(hours=20),
                outcome=ScreeningOutcome.UNDERSOEGELSE,
                receipt_sent_on=date(2024, 3, 5),
                form_id="underretning",
                form_version=1,
                answers={"barnets_udvikling": "bekymring", "antal": 2},
            ),
        )
        services.add(
            s,
            Screening(
                case_id=case.id,
                outcome=ScreeningOutcome.UNDERSOEGELSE,
                decided_at=T0 + timedelta(hours=20),
                form_id="screening",
                form_version=1,
                answers={"grundlag": "Underretningen fra skolen", "i_fare": {"value": False}},
            ),
        )
        services.add(
            s,
            Assessment(
                case_id=case.id,
                aware_on=date(2024, 3, 4),
                started_on=date(2024, 3, 6),
                status=AssessmentStatus.FORELOEBIG,
                answers={"sundhed": {"tekst": "God", "skala": 7}},
            ),
        )
        plan = services.add(
            s,
            Plan(
                case_id=case.id,
                kind=PlanKind.BARNETS_PLAN,
                status=PlanStatus.GAELDENDE,
                purpose="Trivsel i skolen",
                goals=[
                    {"text": "Møder i skole hver dag", "ics": "uddannelse"},
                    {"text": "Spiser morgenmad", "ics": "sundhed"},
                ],
                review_on=date(2024, 9, 1),
            ),
        )
        services.add(
            s,
            FollowUp(
                case_id=case.id,
                plan_id=plan.id,
                due_on=date(2024, 6, 1),
                child_conversation=StepStatus.UDFOERT,
                child_conversation_on=date(2024, 5, 20),
                evidence={"child_conversation": {"note": "Samtale på skolen"}},
            ),
        )
        meeting = services.add(
            s,
            Meeting(
                case_id=case.id,
                kind=MeetingKind.NETVAERKSMOEDE,
                held_at=T0 + timedelta(days=10),
                attendees=[{"person_id": mother.id, "name": "Birgitte"}],
                child_alone=None,
                signs_of_safety={
                    "bekymringer": ["Manglende madpakke"],
                    "det_der_fungerer": ["Morfar henter"],
                    "hvad_skal_der_ske": [],
                },
                action_items=[{"what": "Ring til skolen", "who": "rådgiver"}],
            ),
        )
        services.add(
            s,
            ScaleReading(
                case_id=case.id,
                scale=ScaleKind.SIKKERHEDSSKALA,
                value=6,
                rated_by_role=PartyRole.FORAELDREMYNDIGHED,
                rated_by_person_id=mother.id,
                rated_at=T0 + timedelta(days=10),
                meeting_id=meeting.id,
            ),
        )
        services.add(
            s,
            ScaleReading(case_id=case.id, scale=ScaleKind.TRIVSELSLINEAL, value=4, rated_at=T0),
        )
        services.add(
            s,
            Intervention(
                case_id=case.id,
                title="Familiebehandling",
                legal_basis=LegalBasis.BL32,
                legal_reference="§32, stk. 1, nr. 3",
                staircase_step=2,
                start_on=date(2024, 4, 1),
            ),
        )
        services.add(
            s,
            Agreement(
                case_id=case.id,
                kind=AgreementKind.SIKKERHEDSPLAN,
                title="Sikkerhedsplan",
                text="Morfar henter om fredagen.",
                parties=[{"person_id": grandpa.id, "signed": True}],
                signed_on=date(2024, 3, 14),
            ),
        )
        services.add(
            s,
            DeadlineAck(
                case_id=case.id,
                rule="notification.receipt",
                kind=DeadlineAckKind.UNDTAGET,
                reason="Anonym underretning",
                acknowledged_at=T0,
            ),
        )
        services.edit_draft(s, draft, title="Kladde 2", body="Stadig ikke færdig")
        services.soft_delete(s, gone)
        return case.id


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.create(tmp_path / "b", PASSPHRASE, user="anden.raadgiver", kdf=KdfParams.fast())
    try:
        yield v
    finally:
        v.close()


@pytest.fixture
def case_id(vault: Vault) -> str:
    return build_case(vault)


@pytest.fixture
def doc(vault: Vault, case_id: str) -> dict[str, Any]:
    with vault.session() as s:
        return exchange.export_case(s, case_id)


def export(vault: Vault, ref: str) -> dict[str, Any]:
    with vault.session() as s:
        return exchange.export_case(s, ref)


def import_(vault: Vault, doc: Any) -> str:
    with vault.session(preserve_meta=True) as s:
        return exchange.import_case(s, doc)


def counts(vault: Vault) -> dict[str, int]:
    with vault.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def index_of(rows: list[dict[str, Any]], pred: Callable[[dict[str, Any]], bool]) -> int:
    return next(i for i, r in enumerate(rows) if pred(r))


# -- export -------------------------------------------------------------------------------


def test_export_has_every_case_table_and_the_referenced_persons(
    doc: dict[str, Any], case_id: str
) -> None:
    assert doc["format"] == "feltmappe-case"
    assert doc["version"] == 1
    assert doc["case"]["id"] == doc["case"]["case_id"] == case_id
    keys = {exchange.collection_key(cls) for cls in CASE_TABLES if cls is not Case}
    assert set(doc) == {"format", "version", "case", "persons"} | keys
    for key in keys:
        assert doc[key], f"{key} is empty in the rich case"
        assert [r["id"] for r in doc[key]] == sorted(r["id"] for r in doc[key])
        assert all(r["case_id"] == case_id for r in doc[key])
    assert len(doc["persons"]) == 4
    assert {p["case_id"] for p in doc["persons"]} == {None}
    # Tombstones travel, so a deletion is not undone on the other side.
    assert any(r["deleted_at"] for r in doc["journal_notes"])
    assert any(r["deleted_at"] for r in doc["case_parties"])
    # JSON-friendly values: aware ISO datetimes, ISO dates, enum codes.
    note = doc["notifications"][0]
    assert note["received_at"] == "2024-03-04T08:15:30.123456+00:00"
    assert note["receipt_sent_on"] == "2024-03-05"
    assert note["notifier_kind"] == "fagperson"
    assert doc["case"]["updated_at"].endswith("+00:00")
    assert list(doc["case"]) == sorted(doc["case"])
    json.dumps(doc, allow_nan=False)  # plain JSON, nothing else


def test_export_is_deterministic_and_audited(vault: Vault, case_id: str) -> None:
    first, second = export(vault, case_id), export(vault, "2024-00001")
    assert exchange.export_json(first) == exchange.export_json(second)
    text = exchange.export_json(first)
    assert "æøå" in text  # not escaped
    with vault.session() as s:
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.action == AuditAction.EKSPORTERET
            )
        ).all()
    assert len(events) == 2
    assert {e.user for e in events} == {"test.raadgiver"}


def test_exported_document_is_valid_against_the_schema(doc: dict[str, Any]) -> None:
    Draft202012Validator(exchange.load_schema()).validate(doc)


# -- the schema follows the model -------------------------------------------------------------


def test_committed_schema_matches_the_model() -> None:
    committed = (
        Path(exchange.__file__).parents[1] / "resources" / "schemas" / exchange.SCHEMA_FILE
    ).read_text(encoding="utf-8")
    assert committed == exchange.schema_text(exchange.case_schema()), (
        "resources/schemas/case.schema.json is stale: run python -m models.exchange --write-schema"
    )
    assert exchange.load_schema() == exchange.case_schema()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = exchange.case_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    note = schema["$defs"]["journal_note"]
    assert note["additionalProperties"] is False
    assert note["properties"]["finalised_at"]["type"] == ["string", "null"]
    assert note["properties"]["finalised_at"]["format"] == "date-time"
    assert note["properties"]["title"]["maxLength"] == 300
    assert "sikkerhedsskala" in schema["$defs"]["scale_reading"]["properties"]["scale"]["enum"]
    assert schema["$defs"]["plan"]["properties"]["goals"]["type"] == "array"
    assert schema["$defs"]["meeting"]["properties"]["signs_of_safety"]["type"] == "object"


# -- round trip ----------------------------------------------------------------------------


def test_round_trip_into_an_empty_vault_gives_the_same_document(
    doc: dict[str, Any], other: Vault, case_id: str
) -> None:
    text = exchange.export_json(doc)
    assert import_(other, exchange.parse_json(text)) == case_id
    again = export(other, case_id)
    assert again == doc
    assert exchange.export_json(again) == text

    with other.session() as s:
        # The tracker wrote the outbox and "importeret" events; metadata kept as in the file.
        changes = s.scalar(select(func.count()).select_from(ChangeEntry))
        imported = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.IMPORTERET)
        ).all()
        rows = sum(len(doc[k]) for k in doc if isinstance(doc[k], list)) + 1
        assert changes == rows
        assert len(imported) == rows - len(doc["persons"])
        assert {e.user for e in imported} == {"anden.raadgiver"}
        case = services.find_case(s, case_id)
        assert case.updated_by == "test.raadgiver"
        finalised = s.scalars(select(JournalNote).where(JournalNote.finalised_at.is_not(None)))
        assert len(finalised.all()) == 1


def test_a_person_already_in_the_vault_is_reused_when_identical(
    vault: Vault, other: Vault, case_id: str
) -> None:
    first = export(vault, case_id)
    import_(other, first)
    # A second case in vault A about a sibling, with the same mother.
    with vault.session() as s:
        mother = s.scalars(select(Person).where(Person.first_name == "Birgitte")).one()
        sibling, _ = services.create_person(s, "Bo", "Jensen", birth_date=date(2017, 2, 2))
        case2 = services.create_case(s, sibling, opened_on=date(2024, 5, 1))
        services.add_party(s, case2, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        case2_id = case2.id
    second = export(vault, case2_id)
    before = counts(other)
    import_(other, second)
    after = counts(other)
    assert after["person"] == before["person"] + 1  # only the sibling is new
    assert export(other, case2_id) == second


def test_a_different_person_with_the_same_id_is_a_problem(
    vault: Vault, other: Vault, case_id: str
) -> None:
    doc = export(vault, case_id)
    import_(other, doc)
    with vault.session() as s:
        child = s.get(Person, doc["case"]["child_id"])
        assert child is not None
        case2 = services.create_case(s, child, opened_on=date(2024, 5, 1))
        case2_id = case2.id
        services.update(s, child, phone="99999999")
    second = export(vault, case2_id)
    err = refused(other, second)
    i = index_of(second["persons"], lambda p: p["id"] == doc["case"]["child_id"])
    assert err.params["problems"][0][0] == f"/persons/{i}"
    assert "phone" in err.params["problems"][0][1]


# -- bad files ---------------------------------------------------------------------------


def refused(vault: Vault, doc: Any) -> ImportFailed:
    before = counts(vault)
    with pytest.raises(ImportFailed) as info:
        import_(vault, doc)
    assert counts(vault) == before, "a refused import must not leave rows behind"
    return info.value


def first_problem(err: ImportFailed) -> tuple[str, str]:
    problems = err.params["problems"]
    assert problems
    path, message = problems[0]
    text = error_text(err)
    assert text.startswith("Filen kan ikke importeres; intet er importeret.")
    assert (path or "(dokumentet)") in text
    assert message in text
    return path, message


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], tuple[str, str]]:
    def mutate(d: dict[str, Any]) -> tuple[str, str]:
        target = d
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
        return "/" + "/".join(str(p) for p in path), ""

    return mutate


def _finalised(d: dict[str, Any]) -> int:
    return index_of(d["journal_notes"], lambda r: r["finalised_at"] is not None)


def _drop_finalised_at(d: dict[str, Any]) -> tuple[str, str]:
    i = _finalised(d)
    del d["journal_notes"][i]["finalised_at"]
    return f"/journal_notes/{i}/finalised_at", "mangler feltet 'finalised_at'"


def _naive_finalised_at(d: dict[str, Any]) -> tuple[str, str]:
    i = _finalised(d)
    d["journal_notes"][i]["finalised_at"] = "2024-03-04T10:00:00"
    return f"/journal_notes/{i}/finalised_at", "ugyldigt tidspunkt"


def _dangling_person(d: dict[str, Any]) -> tuple[str, str]:
    d["relations"][0]["to_person_id"] = str(uuid.uuid4())
    return "/relations/0/to_person_id", "findes hverken i filen eller i Feltmappe"


def _dangling_correction(d: dict[str, Any]) -> tuple[str, str]:
    i = index_of(d["journal_notes"], lambda r: r["corrects_id"] is not None)
    d["journal_notes"][i]["corrects_id"] = str(uuid.uuid4())
    return f"/journal_notes/{i}/corrects_id", "ikke findes i filen"


def _missing_person(d: dict[str, Any]) -> tuple[str, str]:
    child = d["case"]["child_id"]
    d["persons"] = [p for p in d["persons"] if p["id"] != child]
    return "/case/child_id", "findes hverken i filen eller i Feltmappe"


def _foreign_row(d: dict[str, Any]) -> tuple[str, str]:
    d["plans"][0]["case_id"] = str(uuid.uuid4())
    return "/plans/0/case_id", "hører ikke til sagen"


def _duplicate_row(d: dict[str, Any]) -> tuple[str, str]:
    d["meetings"].append(copy.deepcopy(d["meetings"][0]))
    return f"/meetings/{len(d['meetings']) - 1}/id", "findes flere gange i filen"


def _unknown_field(d: dict[str, Any]) -> tuple[str, str]:
    d["agreements"][0]["colour"] = "blå"
    return "/agreements/0/colour", "ukendt felt 'colour'"


def _missing_table(d: dict[str, Any]) -> tuple[str, str]:
    del d["deadline_acks"]
    return "/deadline_acks", "mangler feltet 'deadline_acks'"


BAD_DOCS: dict[str, tuple[Callable[[dict[str, Any]], tuple[str, str]], str, str]] = {
    # name: (mutation, expected path (or "" to take the mutation's), words in the message)
    "wrong format marker": (_set("format", value="anki-deck"), "", "ikke en Feltmappe-sagsfil"),
    "newer version": (_set("version", value=2), "", "version 2"),
    "missing required field": (_drop_finalised_at, "", ""),
    "missing table": (_missing_table, "", ""),
    "wrong type": (_set("plans", 0, "version", value="to"), "", "skal være et heltal"),
    "null where required": (_set("case", "opened_on", value=None), "", "skal være tekst"),
    "unknown enum": (_set("case_parties", 0, "role", value="onkel"), "", "ukendt værdi 'onkel'"),
    "impossible date": (_set("case", "opened_on", value="2024-02-30"), "", "ugyldig dato"),
    "date in wrong shape": (_set("case", "opened_on", value="1/3/2024"), "", "ugyldig dato"),
    "datetime without zone": (_naive_finalised_at, "", ""),
    "number too large": (_set("plans", 0, "version", value=2**40), "", "må højst være 2147483647"),
    "negative revision": (_set("case", "rev", value=-1), "", "mindst 0"),
    "text too long": (_set("case", "case_number", value="x" * 41), "", "højst 40 tegn"),
    "unknown field": (_unknown_field, "", ""),
    "dangling person": (_dangling_person, "", ""),
    "person missing from file": (_missing_person, "", ""),
    "dangling row reference": (_dangling_correction, "", ""),
    "row of another case": (_foreign_row, "", ""),
    "duplicate row id": (_duplicate_row, "", ""),
    "received in the future": (
        _set("notifications", 0, "received_at", value="2099-01-01T08:00:00+00:00"),
        "",
        "ligger i fremtiden",
    ),
    "unborn child with a birth date to come": (
        _set("persons", 0, "birth_date", value="2099-01-01"),
        "",
        "ligger i fremtiden",
    ),
    "completed before it started": (
        _set("assessments", 0, "completed_on", value="2024-03-05"),
        "",
        "ligger før 'started_on'",
    ),
}


@pytest.mark.parametrize("name", list(BAD_DOCS))
def test_bad_file_is_refused_with_its_path(name: str, doc: dict[str, Any], other: Vault) -> None:
    mutate, path, words = BAD_DOCS[name]
    bad = copy.deepcopy(doc)
    want_path, want_words = mutate(bad)
    err = refused(other, bad)
    got_path, message = first_problem(err)
    assert got_path == (path or want_path)
    assert (words or want_words) in message
    # The original file still imports: nothing of the refused attempt is left in the way.
    import_(other, doc)


def test_not_a_json_object(other: Vault) -> None:
    for bad in ([1, 2], "tekst", None, 7):
        path, message = first_problem(refused(other, bad))
        assert path == ""
        assert "JSON-objekt" in message


def test_many_problems_are_capped(doc: dict[str, Any], other: Vault) -> None:
    bad = copy.deepcopy(doc)
    for note in bad["journal_notes"]:
        note["title"] = 1
        note["body"] = 2
        note["author"] = 3
        note["written_at"] = "i går"
    for party in bad["case_parties"]:
        party["role"] = "x"
        party["note"] = None
    err = refused(other, bad)
    assert len(err.params["problems"]) == exchange.MAX_PROBLEMS
    assert err.params["total"] > exchange.MAX_PROBLEMS
    more = err.params["total"] - 5  # the first five are shown
    assert f"… og {more} problem(er) mere" in error_text(err)
    # Paths come in document order, numerically: /case_parties/… before /journal_notes/….
    paths = [p for p, _ in err.params["problems"]]
    assert paths[0] == "/case_parties/0/note"


def test_case_already_in_the_vault_is_refused(vault: Vault, doc: dict[str, Any]) -> None:
    path, message = first_problem(refused(vault, doc))
    assert path == "/case/id"
    assert "findes allerede" in message


def test_same_case_number_under_another_id_is_refused(
    vault: Vault, doc: dict[str, Any], other: Vault
) -> None:
    with other.session() as s:
        child, _ = services.create_person(s, "Carl", "Berg")
        services.create_case(s, child, opened_on=date(2024, 1, 2), case_number="2024-00001")
    err = refused(other, doc)
    assert ("/case/case_number", err.params["problems"][0][1]) == err.params["problems"][0]
    assert "2024-00001" in err.params["problems"][0][1]


def test_rows_already_in_the_vault_under_another_case_are_refused(
    doc: dict[str, Any], other: Vault
) -> None:
    import_(other, doc)
    bad = copy.deepcopy(doc)
    bad["case"]["id"] = bad["case"]["case_id"] = str(uuid.uuid4())
    bad["case"]["case_number"] = "2024-00099"
    for key, rows in bad.items():
        if key not in ("persons", "case") and isinstance(rows, list):
            for row in rows:
                row["case_id"] = bad["case"]["id"]
    path, message = first_problem(refused(other, bad))
    assert path.endswith("/id")
    assert "findes allerede i Feltmappe" in message


def test_parse_json_reports_line_and_column() -> None:
    with pytest.raises(ImportFailed) as info:
        exchange.parse_json('{\n  "format": "feltmappe-case",\n  "version": \n}')
    path, message = info.value.params["problems"][0]
    assert path == ""
    assert "linje 4, kolonne 1" in message
    assert "forventede en værdi" in message
    assert "linje 4" in error_text(info.value)
    with pytest.raises(ImportFailed):
        exchange.parse_json('{"a": NaN}')
    with pytest.raises(ImportFailed):
        exchange.parse_json('{"a": ' + "9" * 5000 + "}")
    with pytest.raises(ImportFailed) as info:
        exchange.parse_json("[]")
    assert "JSON-objekt" in info.value.params["problems"][0][1]
    assert exchange.parse_json('{"a": "æ"}') == {"a": "æ"}


def test_check_schema_command_passes_on_the_committed_file() -> None:
    assert exchange.main(["--check-schema"]) == 0


# -- dates in the future ----------------------------------------------------------------------


def test_dates_that_may_lie_in_the_future_are_imported(doc: dict[str, Any], other: Vault) -> None:
    """docs/case-format.md: a planned meeting, an unborn child's expected date, an indsats'
    start and end, a review, a follow-up due and a hearing deadline may all lie ahead."""
    future = copy.deepcopy(doc)
    ahead = (datetime.now(UTC) + timedelta(days=30)).date()
    future["meetings"][0]["planned_at"] = f"{ahead + timedelta(days=3)}T09:00:00+00:00"
    child = next(p for p in future["persons"] if p["id"] == future["case"]["child_id"])
    child.update(unborn=True, birth_date=None, cpr=None, expected_date=str(ahead))
    future["interventions"][0].update(start_on=str(ahead), end_on=str(ahead + timedelta(days=90)))
    future["plans"][0]["review_on"] = str(ahead)
    future["follow_ups"][0].update(
        due_on=str(ahead),
        next_due_on=str(ahead + timedelta(days=180)),
        hearing_sent_on=str(ahead),
        hearing_deadline=str(ahead + timedelta(days=14)),
    )
    future["case"]["closed_on"] = str(ahead + timedelta(days=365))
    assert import_(other, future) == future["case"]["id"]
    assert export(other, future["case"]["id"]) == future


def _case_format_dates() -> tuple[set[tuple[str, str]], dict[tuple[str, str], tuple[str, str]]]:
    """The two tables of docs/case-format.md's "Dates in the future"."""
    import re

    text = (Path(__file__).parents[2] / "docs" / "case-format.md").read_text(encoding="utf-8")
    section = text.split("### Dates in the future", 1)[1].split("\n## ", 1)[0]
    never, order = section.split("A date may not lie before", 1)
    cell = r"`([a-z_]+)\.([a-z_]+)`"
    future = set(re.findall(rf"^\| {cell} \|", never, re.MULTILINE))
    before = {
        (t, f): (t2, f2)
        for t, f, t2, f2 in re.findall(rf"^\| {cell} \| {cell}", order, re.MULTILINE)
    }
    return future, before


def test_the_case_format_the_app_and_the_importer_agree_on_dates() -> None:
    """The dates docs/case-format.md says may not lie in the future (or before another) are the
    ones models/validation.py refuses: every date column of every table in the file is tried."""
    from sqlalchemy import Date, inspect

    from models.schema import UTCDateTime
    from models.validation import (
        END_BEFORE_START,
        FUTURE_DATE,
        NOT_BEFORE,
        NOT_IN_FUTURE,
        date_problem,
    )

    future, before = _case_format_dates()
    assert future == {(t, f) for t, fields in NOT_IN_FUTURE.items() for f in fields}
    assert before == {(t, f): (t, earlier) for (t, f), earlier in NOT_BEFORE.items()}

    def value(col: Any, day: date) -> Any:
        return (
            datetime.combine(day, datetime.min.time(), UTC)
            if isinstance(col.type, UTCDateTime)
            else day
        )

    now = datetime.now(UTC)
    refused_ahead: set[tuple[str, str]] = set()
    for cls in (Person, *CASE_TABLES):
        columns = inspect(cls).columns
        for col in columns:
            if not isinstance(col.type, Date | UTCDateTime) or col.key in (
                "updated_at",
                "deleted_at",
            ):
                continue
            row = cls(**{col.key: value(col, date(2999, 1, 1))})
            problem = date_problem(row, now)
            assert problem is None or problem == (FUTURE_DATE, col.key), (cls, col.key)
            if problem:
                refused_ahead.add((cls.__tablename__, col.key))
    assert refused_ahead == future
    for (table, later), earlier in NOT_BEFORE.items():
        cls = next(c for c in (Person, *CASE_TABLES) if c.__tablename__ == table)
        columns = inspect(cls).columns
        row = cls(
            **{
                earlier: value(columns[earlier], date(2024, 3, 10)),
                later: value(columns[later], date(2024, 3, 1)),
            }
        )
        assert date_problem(row, now) == (END_BEFORE_START, later), (table, later)


# -- form answers on meetings (vault 0008) ------------------------------------------------


def test_a_meetings_form_answers_travel_in_the_case_file(
    vault: Vault, case_id: str, other: Vault
) -> None:
    """A børnesamtale documented in its form: the meeting's form id, version and answers are
    in the file, valid against the schema, and an import gives the same meeting back."""
    answers = {
        "sted": "Skolen",
        "samtaleform": "samtale",
        "set_alene": {"value": True},
        "barnets_ord": "»Jeg vil gerne bo hos mor.«",
        "trivsel": 4,
    }
    with vault.session() as s:
        talk = services.add(
            s,
            Meeting(
                case_id=case_id,
                kind=MeetingKind.BOERNESAMTALE,
                held_at=T0 + timedelta(days=3),
                location="Skolen",
                child_alone=True,
                form_id="boernesamtale",
                form_version=1,
                answers=answers,
            ),
        )
        talk_id = talk.id
    doc = export(vault, case_id)
    schema = exchange.load_schema()["$defs"]["meeting"]
    # Described, but not required: a file from before vault 0008 has no such keys.
    assert {"form_id", "form_version", "answers"} <= set(schema["properties"])
    assert not {"form_id", "form_version", "answers"} & set(schema["required"])
    assert schema["properties"]["answers"]["type"] == "object"
    Draft202012Validator(exchange.load_schema()).validate(doc)
    (row,) = [m for m in doc["meetings"] if m["id"] == talk_id]
    assert (row["form_id"], row["form_version"], row["answers"]) == ("boernesamtale", 1, answers)
    others = [m for m in doc["meetings"] if m["id"] != talk_id]
    assert others and all(
        (m["form_id"], m["form_version"], m["answers"]) == (None, None, {}) for m in others
    )

    assert import_(other, exchange.parse_json(exchange.export_json(doc))) == case_id
    with other.reading() as s:
        got = s.get_one(Meeting, talk_id)
        assert (got.form_id, got.form_version, got.answers) == ("boernesamtale", 1, answers)
    assert export(other, case_id) == doc

    bad = copy.deepcopy(doc)
    index = index_of(bad["meetings"], lambda m: m["id"] == talk_id)
    bad["meetings"][index]["answers"] = ["ikke", "et", "objekt"]
    path, message = first_problem(refused(other, bad))
    assert path == f"/meetings/{index}/answers"
    assert "objekt" in message


# -- files from before a column was added ---------------------------------------------------

#: The keys a case file written before vault 0008 (form answers on meetings) lacks.
MEETING_FORM_KEYS = ("form_id", "form_version", "answers")


def _without(doc: dict[str, Any], table: str, keys: tuple[str, ...]) -> dict[str, Any]:
    old = copy.deepcopy(doc)
    for row in old[table]:
        for key in keys:
            del row[key]
    return old


@pytest.fixture
def before_0008(vault: Vault, case_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The case as an export made before vault 0008: meetings without their form keys (the
    export of that time, as text and parsed back, so nothing of today's objects is shared)."""
    assert doc["meetings"]
    return exchange.parse_json(exchange.export_json(_without(doc, "meetings", MEETING_FORM_KEYS)))


def test_an_export_from_before_meeting_answers_is_valid_against_the_schema(
    before_0008: dict[str, Any],
) -> None:
    Draft202012Validator(exchange.load_schema()).validate(before_0008)
    assert all(not set(MEETING_FORM_KEYS) & set(m) for m in before_0008["meetings"])


def test_an_export_from_before_meeting_answers_imports_with_no_answers(
    before_0008: dict[str, Any], doc: dict[str, Any], other: Vault, case_id: str
) -> None:
    kept = copy.deepcopy(before_0008)
    assert import_(other, before_0008) == case_id
    assert before_0008 == kept  # the caller's document is not changed
    with other.reading() as s:
        meetings = s.scalars(select(Meeting).where(Meeting.case_id == case_id)).all()
        assert len(meetings) == len(doc["meetings"])
        assert all((m.form_id, m.form_version, m.answers) == (None, None, {}) for m in meetings)
    # The same case as today's export of it (which had no meeting answers).
    assert export(other, case_id) == doc


def test_a_file_from_before_every_added_column_imports_with_their_defaults(
    doc: dict[str, Any], other: Vault, case_id: str
) -> None:
    """Journal note types and deadline met-by rows (0005), simple undersøgelser (0006) and
    meeting answers (0008): a file from before them all still imports, with the values the
    migrations gave existing rows."""
    old = copy.deepcopy(doc)
    for (table, column), _ in exchange.ADDED_COLUMNS.items():
        key = exchange.collection_key(next(c for c in CASE_TABLES if c.__tablename__ == table))
        assert old[key], key
        for row in old[key]:
            row.pop(column)
    Draft202012Validator(exchange.load_schema()).validate(old)
    import_(other, old)
    again = export(other, case_id)
    for (table, column), (_, default) in exchange.ADDED_COLUMNS.items():
        key = exchange.collection_key(next(c for c in CASE_TABLES if c.__tablename__ == table))
        assert all(r[column] == default for r in again[key]), (table, column)


def test_a_file_from_before_the_screening_table_imports_with_none(
    doc: dict[str, Any], other: Vault, case_id: str
) -> None:
    """Vault 0011 added the indledende vurdering (``screenings``): a file written before it has
    no such key, is valid against the schema and imports with no screening."""
    old = copy.deepcopy(doc)
    assert old.pop("screenings")
    Draft202012Validator(exchange.load_schema()).validate(old)
    import_(other, old)
    assert export(other, case_id)["screenings"] == []


def test_a_key_that_was_always_there_is_still_required(
    before_0008: dict[str, Any], other: Vault
) -> None:
    bad = _without(before_0008, "meetings", ("notes",))
    path, message = first_problem(refused(other, bad))
    assert path == "/meetings/0/notes"
    assert "mangler feltet 'notes'" in message
