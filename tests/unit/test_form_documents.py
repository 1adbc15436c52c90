"""Forms as documents: an answered underretning and undersøgelse print from the same definition
and answers the app fills (every visible question, its answer, "Ikke besvaret" when empty), in
the version they were given in; the statusudtalelse prints as a blank template without any
case answers; a row with damaged answers refuses its own document only."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from models import services
from models.documents import DOCUMENTS, Sender, make_document
from models.forms import FormNotFound, load_form
from models.forms.errors import CorruptAnswers
from models.forms.service import save_answers
from models.schema import Assessment, Notification
from models.vault import Vault
from models.vocabulary import NotifierKind
from tests.unit.test_forms_service import COMPLETE, notification

UNDERRETNING = load_form("underretning")
SENDER = Sender(name="Rådgiver Rasmussen", municipality="Slagelse Kommune")


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _answered(vault: Vault, answers: dict[str, Any]) -> tuple[str, str, str]:
    case_id, row_id = notification(vault)
    with vault.session() as s:
        save_answers(s, services.get(s, Notification, row_id), answers, form=UNDERRETNING)
        number = services.find_case(s, case_id).case_number
    return case_id, row_id, number


def test_an_answered_underretning_prints_its_questions_and_answers(vault: Vault) -> None:
    _case_id, row_id, number = _answered(vault, COMPLETE)
    with vault.reading() as s:
        made = make_document(s, number, "underretning", SENDER)
    assert made.row_id == row_id
    reader = PdfReader(io.BytesIO(made.pdf))
    words = " ".join(_text(made.pdf).split())
    assert "Underretning" in words and number in words and "Åse Holm" in words
    assert "Bakkeskolen" in words and "Åse kommer sulten i skole." in words
    assert "Underretterens navn" in words and "Lærer Hansen" in words
    assert "Skema underretning version 1" in words and "Fortroligt" in words
    assert "Side 1 af" in words
    assert reader.metadata is not None and number in (reader.metadata.title or "") + str(
        reader.metadata.subject or ""
    ) + str(reader.metadata.get("/Keywords", ""))


def test_an_unanswered_question_says_so_and_hidden_ones_are_left_out(vault: Vault) -> None:
    partial = {k: v for k, v in COMPLETE.items() if k != "vurdering"}
    partial["underretter_type"] = "anonym"
    _case_id, _row_id, number = _answered(vault, partial)
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, number, "underretning", SENDER).pdf).split())
    assert "Ikke besvaret" in words
    assert "Bakkeskolen" not in words  # the institution is asked only of a fagperson


def test_a_row_with_damaged_answers_refuses_its_document_only(vault: Vault) -> None:
    case_id, row_id, number = _answered(vault, COMPLETE)
    with vault.session() as s:
        other = services.add(s, Notification(case_id=case_id, notifier_kind=NotifierKind.ANONYM))
        save_answers(s, other, COMPLETE, form=UNDERRETNING)
        other_id = other.id
    with vault.engine.begin() as conn:
        conn.execute(update(Notification).where(Notification.id == row_id).values(answers=[1, 2]))
    with vault.reading() as s, pytest.raises(CorruptAnswers):
        make_document(s, number, "underretning", SENDER, row_id)
    with vault.reading() as s:
        assert "Bakkeskolen" in _text(
            make_document(s, number, "underretning", SENDER, other_id).pdf
        )
    with vault.engine.begin() as conn:
        conn.execute(
            update(Notification)
            .where(Notification.id == row_id)
            .values(answers=COMPLETE, form_version=99)  # a version this Feltmappe does not know
        )
    with vault.reading() as s, pytest.raises(FormNotFound):
        make_document(s, number, "underretning", SENDER, row_id)


def test_the_statusudtalelse_is_a_blank_template_without_answers(vault: Vault) -> None:
    case_id, _row_id, number = _answered(vault, COMPLETE)
    with vault.reading() as s:
        made = make_document(s, number, "statusudtalelse", SENDER)
    words = " ".join(_text(made.pdf).split())
    assert made.row_id == case_id
    assert "Statusudtalelse" in words and number in words
    assert "Skema statusudtalelse version" in words
    assert "Bakkeskolen" not in words and "sulten" not in words  # no case answers
    assert "____" in words  # room to write by hand


def test_an_undersoegelse_with_answers_prints(vault: Vault) -> None:
    case_id, _row_id = notification(vault)
    with vault.session() as s:
        row = services.add(
            s, Assessment(case_id=case_id, aware_on=date.today(), started_on=date.today())
        )
        form = load_form("undersoegelse")
        first = next(f for f in form.fields.values() if f.type == "long_text")
        save_answers(s, row, {first.id: "Barnet trives i skolen, siger læreren."}, form=form)
        number = services.find_case(s, case_id).case_number
    with vault.reading() as s:
        words = " ".join(_text(make_document(s, number, "undersoegelse", SENDER).pdf).split())
    assert "Børnefaglig undersøgelse" in words or "undersøgelse" in words.lower()
    assert "Barnet trives i skolen, siger læreren." in words
    assert first.label.split()[0] in words


def test_every_kind_is_listed() -> None:
    assert {"kvittering", "underretning", "undersoegelse", "statusudtalelse"} <= set(DOCUMENTS)


def test_the_document_benchmark_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.bench import bench_documents

    monkeypatch.setattr("sys.argv", ["bench", "--rounds", "1", "--paragraphs", "1"])
    bench_documents.main()
    out = capsys.readouterr().out
    assert "pages" in out and "median" in out
