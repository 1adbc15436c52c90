"""Form answers merge question by question (issue 13), over real HTTP on SQLite and PostgreSQL:
two laptops answering different questions of the same form merge without a conflict; the same
question answered differently on both is a visible conflict of that question alone, with both
answers, settled by choosing one. The same for a meeting's form (a børnesamtale, vault 0008)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models import services
from models.forms import load_form
from models.forms.service import save_answers
from models.schema import Meeting, Notification
from models.vocabulary import MeetingKind, NotifierKind
from sync import answers
from sync.client import state as sync_state
from sync.server.store import Store
from tests.sync.harness import Laptop

Make = Callable[[str, str], Laptop]
FORM = {"form_id": "underretning", "form_version": 1}


def _shared_notification(anna: Laptop, bo: Laptop, store: Store) -> tuple[str, str]:
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        note = services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                notifier_kind=NotifierKind.FAGPERSON,
                answers={"modtaget_via": "telefon"},
                **FORM,
            ),
        )
        case_id, row_id = case.id, note.id
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()
    return case_id, row_id


def _answer(lap: Laptop, row_id: str, **given_answers: Any) -> None:
    with lap.vault.session() as s:
        row = services.get(s, Notification, row_id)
        row.answers = {**row.answers, **given_answers}


def _answers(lap: Laptop, row_id: str) -> dict[str, Any]:
    with lap.vault.reading() as s:
        return dict(services.get(s, Notification, row_id).answers)


def test_different_questions_answered_on_two_laptops_merge(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    _, row_id = _shared_notification(anna, bo, store)
    _answer(anna, row_id, barnet_i_fare="nej")
    _answer(bo, row_id, akut_handling="ingen", naeste_skridt="Samtale med skolen")
    assert anna.sync().conflicts == 0
    report = bo.sync()
    assert (report.conflicts, report.rejected) == (0, 0)
    anna.sync()
    expected = {
        "modtaget_via": "telefon",
        "barnet_i_fare": "nej",
        "akut_handling": "ingen",
        "naeste_skridt": "Samtale med skolen",
    }
    for lap in (anna, bo):
        assert _answers(lap, row_id) == expected
        assert sync_state.conflicts(lap.vault) == []
        assert sync_state.status(lap.vault).pending == 0


def test_the_same_question_answered_differently_is_a_conflict_of_that_question(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, row_id = _shared_notification(anna, bo, store)
    _answer(anna, row_id, barnet_i_fare="nej", akut_handling="ingen")
    _answer(bo, row_id, barnet_i_fare="ja", naeste_skridt="Politiet kontaktet")
    anna.sync()
    report = bo.sync()
    assert report.conflicts == 1
    # The rest merged; the disputed question keeps the stored answer until someone chooses.
    assert _answers(bo, row_id) == {
        "modtaget_via": "telefon",
        "barnet_i_fare": "nej",
        "akut_handling": "ingen",
        "naeste_skridt": "Politiet kontaktet",
    }
    (conflict,) = sync_state.conflicts(bo.vault)
    assert (conflict.table_name, conflict.row_id, conflict.field) == (
        "notification",
        row_id,
        "answers.barnet_i_fare",
    )
    assert (conflict.base_value, conflict.server_value, conflict.client_value) == (
        None,
        "nej",
        "ja",
    )
    assert conflict.case_id == case_id

    # Bo keeps his own answer: only that question changes, and it reaches Anna.
    sync_state.resolve(bo.vault, conflict.id, "client")
    assert bo.sync().conflicts == 0
    anna.sync()
    for lap in (anna, bo):
        assert _answers(lap, row_id)["barnet_i_fare"] == "ja"
        assert _answers(lap, row_id)["akut_handling"] == "ingen"
        assert [c for c in sync_state.conflicts(lap.vault) if c.resolved_at is None] == []


def test_an_answer_removed_on_one_side_is_removed(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    _, row_id = _shared_notification(anna, bo, store)
    with anna.vault.session() as s:
        row = services.get(s, Notification, row_id)
        row.answers = {}  # "modtaget_via" taken back
    _answer(bo, row_id, barnet_i_fare="nej")
    anna.sync()
    assert bo.sync().conflicts == 0
    anna.sync()
    for lap in (anna, bo):
        assert _answers(lap, row_id) == {"barnet_i_fare": "nej"}


# -- a meeting's form (vault 0008) -----------------------------------------------------------

TALK = {"tidspunkt": "2026-11-03T10:00:00+00:00", "samtaleform": "samtale"}


def _shared_boernesamtale(anna: Laptop, bo: Laptop, store: Store) -> tuple[str, str]:
    """A børnesamtale Anna began in its form, on both laptops."""
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        talk = services.add(s, Meeting(case_id=case.id, kind=MeetingKind.BOERNESAMTALE))
        save_answers(s, talk, TALK, form=load_form("boernesamtale"))
        case_id, row_id = case.id, talk.id
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()
    return case_id, row_id


def _answer_talk(lap: Laptop, row_id: str, **given_answers: Any) -> None:
    with lap.vault.session() as s:
        row = services.get(s, Meeting, row_id)
        save_answers(s, row, {**row.answers, **given_answers})


def _talk(lap: Laptop, row_id: str) -> Meeting:
    with lap.vault.reading() as s:
        return services.get(s, Meeting, row_id)


def test_two_laptops_answering_a_boernesamtale_merge(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    _, row_id = _shared_boernesamtale(anna, bo, store)
    assert (_talk(bo, row_id).form_id, _talk(bo, row_id).answers) == ("boernesamtale", TALK)
    _answer_talk(anna, row_id, sted="Skolen", barnets_ord="»Jeg kan lide min lærer.«")
    _answer_talk(bo, row_id, set_alene={"value": True}, barnets_oensker="Mere tid med far")
    assert anna.sync().conflicts == 0
    report = bo.sync()
    assert (report.conflicts, report.rejected) == (0, 0)
    anna.sync()
    expected = {
        **TALK,
        "sted": "Skolen",
        "barnets_ord": "»Jeg kan lide min lærer.«",
        "set_alene": {"value": True},
        "barnets_oensker": "Mere tid med far",
    }
    for lap in (anna, bo):
        talk = _talk(lap, row_id)
        assert (talk.form_id, talk.form_version, talk.answers) == ("boernesamtale", 1, expected)
        # The columns the answers fill came along (each laptop copied its own).
        assert (talk.location, talk.child_alone, talk.held_at) == ("Skolen", True, None)
        assert sync_state.conflicts(lap.vault) == []
        assert sync_state.status(lap.vault).pending == 0


def test_the_same_question_of_a_boernesamtale_answered_differently_is_a_conflict(
    laptop: Make, store: Store
) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    case_id, row_id = _shared_boernesamtale(anna, bo, store)
    _answer_talk(anna, row_id, barnets_ord="»Mor er sød.«", sted="Skolen")
    _answer_talk(bo, row_id, barnets_ord="»Mor råber.«", vurdering="Bekymrende")
    anna.sync()
    assert bo.sync().conflicts == 1
    assert _talk(bo, row_id).answers == {
        **TALK,
        "barnets_ord": "»Mor er sød.«",
        "sted": "Skolen",
        "vurdering": "Bekymrende",
    }
    (conflict,) = sync_state.conflicts(bo.vault)
    assert (conflict.table_name, conflict.row_id, conflict.field, conflict.case_id) == (
        "meeting",
        row_id,
        "answers.barnets_ord",
        case_id,
    )
    assert (conflict.base_value, conflict.server_value, conflict.client_value) == (
        None,
        "»Mor er sød.«",
        "»Mor råber.«",
    )
    sync_state.resolve(bo.vault, conflict.id, "client")
    assert bo.sync().conflicts == 0
    anna.sync()
    for lap in (anna, bo):
        assert _talk(lap, row_id).answers["barnets_ord"] == "»Mor råber.«"
        assert _talk(lap, row_id).answers["sted"] == "Skolen"
        assert [c for c in sync_state.conflicts(lap.vault) if c.resolved_at is None] == []


# -- the merge itself ------------------------------------------------------------------------

answer_values = st.one_of(st.none(), st.booleans(), st.integers(0, 10), st.text(max_size=5))
answer_maps = st.dictionaries(st.sampled_from("abcde"), answer_values, max_size=5)


@settings(deadline=None)  # (a loaded CI machine: no per-example time limit)
@given(answer_maps, answer_maps, answer_maps)
def test_merge_keeps_every_one_sided_change_and_flags_only_real_clashes(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> None:
    merged, clashes = answers.merge_answers(base, mine, theirs)
    for q in set(base) | set(mine) | set(theirs):
        was = base.get(q, answers.ABSENT)
        now = mine.get(q, answers.ABSENT)
        stored = theirs.get(q, answers.ABSENT)
        got = merged.get(q, answers.ABSENT)
        if q in clashes:
            assert was != now and stored not in (was, now)
            assert got == stored  # kept until someone chooses
        elif now == was:
            assert got == stored  # not changed here: the store's answer stands
        else:
            assert got == now  # changed here only (or to the same answer): this answer


def test_merge_of_unchanged_answers_is_the_stored_answers() -> None:
    stored = {"a": 1, "b": "x"}
    assert answers.merge_answers({"a": 1}, {"a": 1}, stored) == (stored, {})
    assert answers.question_of("answers.barnet_i_fare") == "barnet_i_fare"
    assert answers.question_of("district") is None
    assert answers.with_answer({"a": 1}, "a", None) == {}


def test_the_sync_panel_names_the_question() -> None:
    from desktop.sync_views import field_label

    assert field_label("answers.barnet_i_fare") == "svar: barnet i fare"
    assert field_label("answers") == "svar"
