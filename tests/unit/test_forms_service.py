"""Saving and finalising form answers on their vault row: answers kept as typed, valid answers
copied to the row's columns, finalising refused with what is missing, and once finalised the
row's date is set (the 24-hour assessment, the undersøgelse's completion) and the form is
read-only except for its after-finalise sections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from desktop.messages import error_text
from models import services
from models.errors import ImmutableRecord
from models.forms import FormIncomplete, FormNotStored, load_form
from models.forms.service import case_party_ids, finalise, form_of, save_answers
from models.schema import Assessment, ChangeEntry, Notification
from models.vault import Vault
from models.vocabulary import AssessmentStatus, NotifierKind, ScreeningOutcome

NOW = datetime.now(UTC)
RECEIVED = (NOW - timedelta(hours=3)).replace(microsecond=0)


def notification(vault: Vault) -> tuple[str, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm")
        case = services.create_case(s, child, opened_on=date.today())
        row = services.add(s, Notification(case_id=case.id, notifier_kind=NotifierKind.ANONYM))
        return case.id, row.id


COMPLETE: dict[str, Any] = {
    "modtaget": RECEIVED.isoformat(),
    "modtaget_hvordan": "mail",
    "underretter_type": "fagperson",
    "omraade": "skole",
    "institution": "Bakkeskolen",
    "underretter_navn": "Lærer Hansen",
    "bekymring": "Åse kommer sulten i skole.",
    "bekymring_ics": [{"dimension": "grundlaeggende_omsorg", "tekst": "Sulten"}],
    "overgreb": {"value": False},
    "i_fare": {"value": False},
    "akut": {"value": False},
    "vurdering": "Ikke akut; underretningsmøde.",
    "udfald": "undersoegelse",
    "loebende_stoette": {"value": False},
}


def test_answers_are_saved_and_copied_to_the_rows_columns(vault: Vault) -> None:
    _, row_id = notification(vault)
    form = load_form("underretning")
    partial = {"modtaget": RECEIVED.isoformat(), "underretter_type": "fagperson", "omraade": "x"}
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        save_answers(s, row, partial, form=form)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        assert (row.form_id, row.form_version, row.answers) == ("underretning", 1, partial)
        assert row.received_at == RECEIVED
        assert row.notifier_kind == NotifierKind.FAGPERSON
        assert row.notifier_sector is None  # "x" is no sector: kept in the answers only
        assert form_of(row) == form
        assert row.assessed_at is None
        entries = s.scalars(select(ChangeEntry).where(ChangeEntry.row_id == row_id)).all()
        assert entries  # through the tracker: the outbox has it


def test_finalising_is_refused_with_what_is_missing(vault: Vault) -> None:
    _, row_id = notification(vault)
    answers = {k: v for k, v in COMPLETE.items() if k not in ("vurdering", "i_fare")}
    answers["akut"] = {"value": True}
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        save_answers(s, row, answers, form=load_form("underretning"))
        with pytest.raises(FormIncomplete) as err:
            finalise(s, row)
    assert [m.field for m in err.value.missing] == ["i_fare", "vurdering"]
    assert [p.field for p in err.value.problems] == ["akut"]
    text = error_text(err.value)
    assert "Vurdering inden 24 timer: Er barnet i fare?" in text
    assert "Vurdering inden 24 timer: Vurdering" in text


def test_finalising_meets_the_24_hour_assessment_and_locks_the_form(vault: Vault) -> None:
    case_id, row_id = notification(vault)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        save_answers(s, row, COMPLETE, form=load_form("underretning"))
        finalise(s, row, parties=case_party_ids(s, case_id), now=NOW)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        assert row.assessed_at == NOW
        assert row.outcome == ScreeningOutcome.UNDERSOEGELSE
        assert row.notifier_organisation == "Bakkeskolen"
        with pytest.raises(ImmutableRecord):
            save_answers(s, row, {**COMPLETE, "vurdering": "Ændret bagefter"})
        # The receipt to the professional notifier (§138) comes after the assessment.
        today = date.today().isoformat()
        save_answers(s, row, {**COMPLETE, "kvittering_sendt": today})
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        assert row.receipt_sent_on == date.today()
        assert row.assessed_at == NOW
        assert finalise(s, row) is row  # twice changes nothing


def test_finalising_an_undersoegelse_sets_completed_on_and_status(vault: Vault) -> None:
    form = load_form("undersoegelse")
    today = date.today()
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm")
        case = services.create_case(s, child, opened_on=today)
        row = services.add(s, Assessment(case_id=case.id, aware_on=today, started_on=today))
        answers: dict[str, Any] = {
            "kendskab": today.isoformat(),
            "startet": today.isoformat(),
            "simpel": {"value": True},
            "baggrund": "Underretning fra skolen",
            "kilder": "Skolen, sundhedsplejen",
            "samtale_holdt": {"value": False, "reason": "Barnet ville ikke"},
            "hjemmebesoeg_holdt": {"value": False},
            "intet_hjemmebesoeg": "Familien afviste besøg",
            "foraeldrenes_syn": "Mor er enig",
            "sammenfatning": "S",
            "analyse": "A",
            "konklusion": "K",
            "behov_for_stoette": {"value": False},
        }
        for field_id, fld in form.fields.items():
            if fld.ics is not None and fld.required:
                answers[field_id] = "Ingen"
        save_answers(s, row, answers, form=form)
        assert row.is_simple is True
        assert row.no_home_visit_reason == "Familien afviste besøg"
        finalise(s, row)
        assert row.completed_on is not None
        assert row.status == AssessmentStatus.AFSLUTTET


def test_a_form_without_answer_columns_is_refused(vault: Vault) -> None:
    _, row_id = notification(vault)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        # The statusudtalelse (a school's template) names no record: no place in the vault.
        with pytest.raises(FormNotStored):
            save_answers(s, row, {}, form=load_form("statusudtalelse"))


def test_a_form_for_another_kind_of_row_names_the_expected_and_the_found_form(
    vault: Vault,
) -> None:
    """A hjemmebesøg form offered for an underretning, and an undersøgelse's form id stored on
    an underretning: refused (saving, finalising, opening) with both forms named in Danish."""
    from models.forms import CorruptAnswers, OtherForm
    from models.forms.messages import error_text as form_error_text
    from models.forms.service import open_answers

    expected = "forventede skemaet »Underretning« til en underretning"
    _, row_id = notification(vault)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        with pytest.raises(OtherForm) as offered:
            save_answers(s, row, {}, form=load_form("hjemmebesoeg"))
        assert error_text(offered.value) == (
            f"Forkert skema: {expected}, men fandt skemaet »Hjemmebesøg«."
        )
        assert (row.form_id, row.answers) == (None, {})

        services.update(s, row, form_id="undersoegelse", form_version=1, answers={"baggrund": "x"})
        found = f"Forkert skema: {expected}, men fandt skemaet »Børnefaglig undersøgelse«."
        for attempt in (
            lambda: save_answers(s, row, {"baggrund": "y"}),
            lambda: finalise(s, row),
            lambda: open_answers(row),
        ):
            with pytest.raises(OtherForm) as err:
                attempt()
            assert error_text(err.value) == found
            assert form_error_text(err.value.code, err.value.params) == found
        assert row.answers == {"baggrund": "x"} and row.assessed_at is None
        # Opening it is an error of that form alone, as for damaged answers.
        with pytest.raises(CorruptAnswers):
            open_answers(row)


def test_answers_of_another_version_name_both_versions(vault: Vault) -> None:
    from models.forms import OtherForm

    _, row_id = notification(vault)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        services.update(s, row, form_id="underretning", form_version=7, answers={})
        with pytest.raises(OtherForm) as err:
            save_answers(s, row, {}, form=load_form("underretning"))
        assert error_text(err.value) == (
            "Forkert skema: forventede skemaet »Underretning« version 1, men posten indeholder "
            "allerede svar på skemaet »Underretning« version 7."
        )


def test_a_meeting_form_on_a_meeting_of_another_kind_names_both(vault: Vault) -> None:
    from models.forms import OtherForm
    from models.schema import Meeting
    from models.vocabulary import MeetingKind

    case_id, _ = notification(vault)
    with vault.session() as s:
        talk = services.add(s, Meeting(case_id=case_id, kind=MeetingKind.BOERNESAMTALE))
        network = services.add(s, Meeting(case_id=case_id, kind=MeetingKind.NETVAERKSMOEDE))
        with pytest.raises(OtherForm) as err:
            save_answers(s, talk, {}, form=load_form("hjemmebesoeg"))
        assert error_text(err.value) == (
            "Forkert skema: forventede skemaet »Børnesamtale« til en børnesamtale, men fandt "
            "skemaet »Hjemmebesøg«."
        )
        with pytest.raises(OtherForm) as none:
            save_answers(s, network, {}, form=load_form("hjemmebesoeg"))
        assert error_text(none.value) == (
            "Forkert skema: et netværksmøde udfyldes ikke i et skema, men her er skemaet "
            "»Hjemmebesøg«."
        )


def test_the_deadline_engine_sees_the_finalised_assessment(vault: Vault) -> None:
    from models.deadlines import DeadlineStatus
    from models.deadlines.service import deadlines_for_case

    case_id, row_id = notification(vault)

    def rule() -> Any:
        with vault.session() as s:
            found = deadlines_for_case(s, case_id, NOW)
        return next(d for d in found if d.rule == "underretning_24_timer")

    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        save_answers(s, row, COMPLETE, form=load_form("underretning"))
    assert rule().status != DeadlineStatus.OPFYLDT
    with vault.session() as s:
        finalise(s, services.get(s, Notification, row_id), now=NOW)
    assert rule().status == DeadlineStatus.OPFYLDT


def test_a_date_before_the_date_it_follows_is_kept_in_the_answers_only(vault: Vault) -> None:
    _, row_id = notification(vault)
    earlier = (RECEIVED - timedelta(days=1)).isoformat()
    answers = {"modtaget": RECEIVED.isoformat(), "vurderet": earlier}
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        save_answers(s, row, answers, form=load_form("underretning"))
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        assert row.answers == answers  # nothing typed is lost
        assert (row.received_at, row.assessed_at) == (RECEIVED, None)


def test_saving_never_finalises_even_with_the_finalised_date_answered(vault: Vault) -> None:
    _, row_id = notification(vault)
    answers = {**COMPLETE, "vurderet": NOW.isoformat()}
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        save_answers(s, row, {"vurderet": NOW.isoformat()}, form=load_form("underretning"))
        assert row.assessed_at is None
        save_answers(s, row, answers)
        assert row.assessed_at is None
        finalise(s, row, now=NOW + timedelta(hours=1))
        assert row.assessed_at == NOW  # the time answered, not the time finalised


def test_corrupt_or_unknown_answers_are_an_error_of_that_form_alone(vault: Vault) -> None:
    from models.forms import CorruptAnswers, FormNotFound
    from models.forms.service import open_answers

    _, row_id = notification(vault)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        assert open_answers(row) == (None, {})
        services.update(s, row, form_id="underretning", form_version=1, answers=["ødelagt"])
        with pytest.raises(CorruptAnswers) as err:
            open_answers(row)
        assert "beskadiget" in error_text(err.value)
        services.update(s, row, form_id="underretning", form_version=9, answers={})
        with pytest.raises(FormNotFound) as missing:
            open_answers(row)
        assert "underretning version 9" in error_text(missing.value)
        services.update(s, row, form_version=1, answers={"bekymring": "x"})
        form, answers = open_answers(row)
        assert form is not None and form.version == 1 and answers == {"bekymring": "x"}


def test_a_home_visit_answered_in_the_undersoegelse_meets_the_home_visit_deadline(
    vault: Vault,
) -> None:
    """ "Er der holdt hjemmebesøg?" ja, with its date, in the undersøgelse's form: the day goes to
    the row (``home_visit_on``) and the engine's home-visit deadline is met by it, as by a
    hjemmebesøg registered as a meeting."""
    from models.deadlines import DeadlineStatus
    from models.deadlines.service import deadlines_for_case

    started = date.today() - timedelta(days=10)
    visited = started + timedelta(days=3)
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm")
        case = services.create_case(s, child, opened_on=started)
        row = services.add(s, Assessment(case_id=case.id, aware_on=started, started_on=started))
        case_id, row_id = case.id, row.id

    def rule() -> Any:
        with vault.session() as s:
            found = deadlines_for_case(s, case_id, NOW)
        return next(d for d in found if d.rule == "hjemmebesoeg_undersoegelse")

    assert rule().status != DeadlineStatus.OPFYLDT
    answers = {"hjemmebesoeg_holdt": {"value": True}, "hjemmebesoeg_dato": visited.isoformat()}
    with vault.session() as s:
        save_answers(
            s, services.get(s, Assessment, row_id), answers, form=load_form("undersoegelse")
        )
    with vault.session() as s:
        assert services.get(s, Assessment, row_id).home_visit_on == visited
    met = rule()
    assert met.status == DeadlineStatus.OPFYLDT
    assert met.due_date is not None and met.fulfilled_at is not None


def test_an_indledende_vurdering_is_saved_and_decided_on_its_own_row(vault: Vault) -> None:
    """The screening form has a place of its own (vault 0011): its outcome goes to the row as
    it is answered, and finalising it is the decision (``decided_at``); refused until complete."""
    from models.schema import Screening
    from models.vocabulary import ScreeningOutcome

    case_id, notification_id = notification(vault)
    form = load_form("screening")
    answers: dict[str, Any] = {
        "grundlag": "Underretningen fra skolen og en samtale med mor.",
        "tidligere_underretninger": {"value": False},
        "i_fare": {"value": False},
        "akut": {"value": False},
        "udfald": "undersoegelse",
        "kendskab": date.today().isoformat(),
        "begrundelse": "Bekymringen for skolegangen skal belyses.",
    }
    with vault.session() as s:
        row = services.add(
            s, Screening(case_id=case_id, notification_id=notification_id, answers={})
        )
        save_answers(s, row, {"udfald": "undersoegelse"}, form=form)
        assert row.outcome == ScreeningOutcome.UNDERSOEGELSE
        with pytest.raises(FormIncomplete):
            finalise(s, row, form=form)
        assert row.decided_at is None
        for field_id, fld in form.fields.items():
            if fld.ics is not None and fld.required:
                answers[field_id] = "ikke_belyst"
        save_answers(s, row, answers, form=form)
        finalise(s, row, form=form, now=NOW)
        row_id = row.id
    with vault.session() as s:
        row = services.get(s, Screening, row_id)
        assert row.decided_at is not None and abs(row.decided_at - NOW) < timedelta(seconds=1)
        assert (row.form_id, row.form_version) == ("screening", 1)
        assert form_of(row) == form
        # Printed from its form ("feltmappe print --document screening", "Dokumenter…").
        from models.documents import Sender, make_document
        from tests.unit.test_form_documents import _text

        made = make_document(s, case_id, "screening", Sender("Rådgiver", ""))
        text = _text(made.pdf)
        assert "Indledende vurdering" in text and "Barnets sikkerhed" in text
        assert "Bekymringen for skolegangen skal belyses." in text


def test_the_screening_asks_for_the_day_of_awareness_only_when_an_undersoegelse_starts() -> None:
    """One decision, not two that can contradict each other: "Hvad sker der nu?" alone says
    whether a børnefaglig undersøgelse starts, and only then is the day the 4 months run from
    (Barnets Lov §20 stk. 3) asked for, and required."""
    from models.forms import default_library, missing_for_finalise

    form = load_form("screening")
    assert "undersoegelse" not in form.fields
    base: dict[str, Any] = {
        "grundlag": "Underretningen.",
        "tidligere_underretninger": {"value": False},
        "i_fare": {"value": False},
        "akut": {"value": False},
        "begrundelse": "B",
    }
    ics = default_library().ics
    advice = missing_for_finalise(form, {**base, "udfald": "raad_og_vejledning"}, ics=ics)
    assert advice == ([], [])
    missing, _ = missing_for_finalise(form, {**base, "udfald": "undersoegelse"}, ics=ics)
    assert [m.field for m in missing] == ["kendskab"]
