"""The demo's form answers: every answer set it writes is valid for its form, agrees with the
row it is stored on, and is finalised exactly when the row says the work is done (then it is
complete); each demo case has answers where the forms apply, and one case has every document."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import demo
from models.deadlines.calendar import DK
from models.demo import texts
from models.documents import DOCUMENTS, Sender, make_document
from models.forms import default_library, missing_for_finalise, validate_answers
from models.forms.service import case_party_ids, column_updates, form_of, is_finalised
from models.keyfile import KdfParams
from models.schema import Assessment, Case, Meeting, Notification, Screening
from models.vault import Vault
from models.vocabulary import MeetingKind
from tests.conftest import PASSPHRASE

TODAY = date(2025, 6, 2)
ANCHOR = datetime.combine(TODAY, time(12, 0), DK).astimezone(UTC)

Row = Notification | Screening | Assessment | Meeting


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    v = Vault.create(
        tmp_path_factory.mktemp("demo_forms") / "profil",
        PASSPHRASE,
        user="test.raadgiver",
        kdf=KdfParams.fast(),
    )
    try:
        demo.generate(v, cases=60, seed=3, today=TODAY)
        yield v
    finally:
        v.close()


@pytest.fixture
def session(vault: Vault) -> Iterator[Session]:
    with vault.reading() as s:
        yield s


def _answered(session: Session) -> list[Row]:
    rows: list[Row] = []
    for table in (Notification, Screening, Assessment, Meeting):
        rows += session.scalars(select(table).where(table.form_id.is_not(None))).all()
    return rows


def test_every_answer_set_is_valid_for_its_form(session: Session) -> None:
    ics = default_library().ics
    rows = _answered(session)
    assert len(rows) > 100
    problems = {}
    for row in rows:
        form = form_of(row)
        assert form is not None
        found = validate_answers(
            form, row.answers, parties=case_party_ids(session, row.case_id), ics=ics, now=ANCHOR
        )
        if found:
            problems[(row.__tablename__, row.id)] = [f"{p.path}: {p.code}" for p in found]
    assert problems == {}


def test_a_finalised_form_is_complete_and_a_draft_is_not_finalised(session: Session) -> None:
    ics = default_library().ics
    states: Counter[tuple[str, bool]] = Counter()
    for row in _answered(session):
        form = form_of(row)
        assert form is not None
        done = is_finalised(form, row)
        states[(str(row.form_id), done)] += 1
        if done:
            missing, problems = missing_for_finalise(
                form, row.answers, parties=case_party_ids(session, row.case_id), ics=ics, now=ANCHOR
            )
            assert (missing, problems) == ([], []), (row.form_id, row.id)
    # Finalised where the case says the step is done, drafts where it is under way.
    assert states[("underretning", True)] and states[("underretning", False)]
    assert states[("undersoegelse", True)] and states[("undersoegelse", False)]
    assert states[("boernesamtale", True)] and states[("hjemmebesoeg", True)]
    assert states[("screening", True)]


def test_answers_agree_with_the_columns_of_their_row(session: Session) -> None:
    """A field bound to a column holds the column's value (what saving the form would write)."""
    wrong = []
    for row in _answered(session):
        form = form_of(row)
        assert form is not None
        for column, value in column_updates(form, row.answers, now=ANCHOR).items():
            if getattr(row, column) != value:
                wrong.append((row.form_id, row.id, column, getattr(row, column), value))
    assert wrong == []


def test_forms_are_answered_where_they_apply(session: Session) -> None:
    for a in session.scalars(select(Assessment)):
        assert a.form_id == "undersoegelse"
        # Finalised exactly when the undersøgelse is completed; all 20 dimensions then.
        if a.completed_on is not None:
            assert sum(k.endswith("_ressourcer") for k in a.answers) == 20
    for m in session.scalars(
        select(Meeting).where(
            Meeting.kind.in_((MeetingKind.BOERNESAMTALE, MeetingKind.HJEMMEBESOEG))
        )
    ):
        assert m.form_id == m.kind.value and m.held_at is not None
    for n in session.scalars(select(Notification)):
        # An underretning assessed with no outcome yet has no form answers (see models.demo.answers).
        assert (n.form_id == "underretning") is not (
            n.assessed_at is not None and n.outcome is None
        )
        assert (n.assessed_at is not None) is (n.form_id is None or "vurderet" in n.answers)


def test_every_dimension_named_in_the_texts_exists() -> None:
    ics = default_library().ics
    for dims in texts.get("skemaer.underretning.dimensions").values():
        assert all(ics.has_dimension(d) for d in dims), dims
    assert set(texts.get("skemaer.undersoegelse.ics")) == {d.id for d in ics.dimensions}
    assert len(texts.texts("skemaer.undersoegelse.recommendations")) == len(
        texts.texts("undersoegelse.assessment.conclusions")
    )


def test_a_demo_case_has_every_document(session: Session) -> None:
    """docs/screenshots/render_documents.py renders such a case."""
    complete = []
    for case in session.scalars(select(Case).order_by(Case.case_number)):
        if all(kind.candidates(session, case.id) for kind in DOCUMENTS.values()):
            complete.append(case)
    assert complete
    case = complete[0]
    for key, kind in DOCUMENTS.items():
        row_id = kind.candidates(session, case.id)[0].row_id
        made = make_document(session, case.case_number, key, Sender("Demo Rådgiver", ""), row_id)
        assert made.pdf.startswith(b"%PDF")


def test_the_same_seed_gives_the_same_answers(vault: Vault, tmp_path: Path) -> None:
    other = Vault.create(tmp_path / "igen", PASSPHRASE, user="test.raadgiver", kdf=KdfParams.fast())
    try:
        demo.generate(other, cases=60, seed=3, today=TODAY)
        with vault.reading() as s1, other.reading() as s2:
            first = sorted((r.id, r.form_id, r.answers) for r in _answered(s1))
            second = sorted((r.id, r.form_id, r.answers) for r in _answered(s2))
    finally:
        other.close()
    assert first == second
