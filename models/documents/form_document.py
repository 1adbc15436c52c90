"""A form as a document (issue 13): the same definition the app fills (resources/forms/) and
the answers stored with it, printed in the version they were given in. Every visible question
with its answer ("Ikke besvaret" when empty); a blank template (no case answers, room to write
by hand) for a form sent out to be filled, as the statusudtalelse to a school or daycare."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.deadlines.calendar import local_date
from models.documents.pdf import (
    DocumentInfo,
    Styles,
    answer_block,
    build_pdf,
    danish_date,
    facts_table,
    text,
)
from models.errors import NotFound
from models.forms import Form, default_library, load_form
from models.forms.answers import visible_fields
from models.forms.display import display_answer
from models.forms.service import open_answers
from models.schema import Assessment, Case, Notification, Person

#: The room left under a question of a blank template, by field type (long texts get more).
_BLANK_LINES = {"long_text": 7, "group": 7}
BLANK_RULE = "_" * 74


def _head(session: Session, case: Case, form: Form, styles: Styles) -> list[Flowable]:
    child = session.get(Person, case.child_id)
    story: list[Flowable] = [text(form.title, styles.title)]
    story.append(
        facts_table(
            [
                ("Barn/ung", child.full_name if child is not None else ""),
                ("Sagsnummer", case.case_number),
                ("Lovgrundlag", form.legal_basis),
            ],
            styles,
        )
    )
    if form.description:
        story.append(Spacer(1, 3 * mm))
        story.append(text(form.description, styles.help))
    return story


def form_story(form: Form, answers: dict[str, Any], styles: Styles) -> list[Flowable]:
    """Every section the answers show, with every visible question and its answer."""
    ics = default_library().ics
    shown = visible_fields(form, answers)
    story: list[Flowable] = []
    for section in form.sections:
        fields = [f for f in section.fields if f.id in shown]
        if not fields:
            continue
        blocks = [
            answer_block(f.label, display_answer(f, answers.get(f.id), ics), styles) for f in fields
        ]
        # A heading never ends a page: it goes with its first question.
        story.append(KeepTogether([text(section.title, styles.heading), blocks[0]]))
        story.extend(blocks[1:])
    return story


def blank_story(form: Form, styles: Styles) -> list[Flowable]:
    """Every section and question with its help text and lines to write on."""
    story: list[Flowable] = []
    for section in form.sections:
        story.append(text(section.title, styles.heading))
        if section.help:
            story.append(text(section.help, styles.help))
        for fld in section.fields:
            story.append(text(fld.label, styles.label))
            if fld.help:
                story.append(text(fld.help, styles.help))
            for _ in range(_BLANK_LINES.get(str(fld.type), 2)):
                story.append(text(BLANK_RULE, styles.small))
            story.append(Spacer(1, 2 * mm))
    return story


def answered_form_pdf(session: Session, row: Notification | Assessment) -> bytes:
    """The row's form with its answers, in the form's version they were given in. Raises
    ``CorruptAnswers``/``FormNotFound`` for this document alone."""
    form, answers = open_answers(row)
    if form is None:
        raise NotFound(table=row.__tablename__, row_id=row.id, reason="no_answers")
    case = services.get(session, Case, row.case_id or "")
    styles = Styles()
    story = _head(session, case, form, styles) + form_story(form, answers, styles)
    child = session.get(Person, case.child_id)
    info = DocumentInfo(
        title=form.title,
        case_number=case.case_number,
        form_id=form.id,
        form_version=form.version,
        subject=child.full_name if child is not None else "",
    )
    return build_pdf(info, story)


def blank_form_pdf(session: Session, case_id: str, form_id: str) -> bytes:
    """A blank template of the newest version of ``form_id`` for the case (its number and the
    child's name in the head, no answers)."""
    form = load_form(form_id)
    case = services.get(session, Case, case_id)
    styles = Styles()
    story = [*_head(session, case, form, styles), Spacer(1, 4 * mm), *blank_story(form, styles)]
    info = DocumentInfo(
        title=form.title,
        case_number=case.case_number,
        form_id=form.id,
        form_version=form.version,
    )
    return build_pdf(info, story)


def answered_notifications(session: Session, case_id: str) -> list[Notification]:
    """The case's underretninger that hold form answers, oldest first."""
    query = select(Notification).where(
        Notification.case_id == case_id,
        Notification.deleted_at.is_(None),
        Notification.form_id.is_not(None),
    )
    return list(session.scalars(query.order_by(Notification.received_at)))


def answered_assessments(session: Session, case_id: str) -> list[Assessment]:
    """The case's undersøgelser that hold form answers, oldest first."""
    query = select(Assessment).where(
        Assessment.case_id == case_id,
        Assessment.deleted_at.is_(None),
        Assessment.form_id.is_not(None),
    )
    return list(session.scalars(query.order_by(Assessment.started_on)))


def row_label(row: Notification | Assessment) -> str:
    if isinstance(row, Notification):
        day = local_date(row.received_at) if row.received_at else None
        return " · ".join(p for p in (danish_date(day) if day else "", row.notifier_name) if p)
    return f"påbegyndt {danish_date(row.started_on)}"
