"""The indledende vurdering (vault 0011) travels like every case row, over real HTTP on SQLite
and PostgreSQL: made on one laptop, it reaches a colleague's; their answers to different
questions merge, the same question answered differently is a conflict of that question, and
the decision (finalising) arrives with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from models import services
from models.forms import load_form
from models.forms.service import save_answers
from models.schema import Notification, Screening
from models.vocabulary import NotifierKind, ScreeningOutcome
from sync.client import state as sync_state
from sync.server.store import Store
from tests.sync.harness import Laptop

Make = Callable[[str, str], Laptop]


def _shared_screening(anna: Laptop, bo: Laptop, store: Store) -> str:
    with anna.vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
        note = services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                notifier_kind=NotifierKind.FAGPERSON,
            ),
        )
        row = services.add(s, Screening(case_id=case.id, notification_id=note.id, answers={}))
        save_answers(
            s, row, {"grundlag": "Underretningen fra skolen."}, form=load_form("screening")
        )
        case_id, row_id = case.id, row.id
    anna.sync()
    store.assign(case_id, "bo")
    bo.sync()
    return row_id


def _answer(lap: Laptop, row_id: str, **given: object) -> None:
    with lap.vault.session() as s:
        row = services.get(s, Screening, row_id)
        save_answers(s, row, {**row.answers, **given}, form=load_form("screening"))


def _row(lap: Laptop, row_id: str) -> Screening:
    with lap.vault.reading() as s:
        row = services.get(s, Screening, row_id)
        s.expunge(row)
        return row


def test_a_screening_reaches_a_colleague_and_answers_merge(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    row_id = _shared_screening(anna, bo, store)
    got = _row(bo, row_id)
    assert (got.form_id, got.answers) == ("screening", {"grundlag": "Underretningen fra skolen."})

    _answer(anna, row_id, i_fare={"value": False})
    _answer(bo, row_id, udfald="undersoegelse", akut={"value": False})
    assert anna.sync().conflicts == 0
    assert bo.sync().conflicts == 0
    anna.sync()
    for lap in (anna, bo):
        row = _row(lap, row_id)
        assert row.answers == {
            "grundlag": "Underretningen fra skolen.",
            "i_fare": {"value": False},
            "udfald": "undersoegelse",
            "akut": {"value": False},
        }
        assert row.outcome == ScreeningOutcome.UNDERSOEGELSE
        assert sync_state.conflicts(lap.vault) == []


def test_the_same_question_answered_differently_is_a_conflict(laptop: Make, store: Store) -> None:
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    row_id = _shared_screening(anna, bo, store)
    _answer(anna, row_id, begrundelse="Skolen er bekymret.")
    _answer(bo, row_id, begrundelse="Mor har selv bedt om hjælp.")
    assert anna.sync().conflicts == 0
    assert bo.sync().conflicts == 1
    (conflict,) = sync_state.conflicts(bo.vault)
    assert conflict.table_name == "screening" and conflict.row_id == row_id
