"""A form as a document (issue 13): the same definition the app fills (resources/forms/) and
the answers stored with it, printed in the version they were given in. Every visible question
with its answer ("Ikke besvaret" when empty); a blank template (no case answers, room to write
by hand) for a form sent out to be filled, as the statusudtalelse to a school or daycare."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import services
from models.deadlines.calendar import local_date
from models.documents.pdf import (
    DocumentInfo,
    FillIn,
    ScaleBoxes,
    SignatureLines,
    Styles,
    TickRow,
    WritingLine,
    answer_parts,
    build_pdf,
    danish_date,
    facts_table,
    text,
    tick_list,
)
from models.errors import NotFound
from models.forms import (
    Field,
    FieldType,
    Form,
    FormLibrary,
    IcsTriangle,
    Section,
    YesNo,
    default_library,
    is_answered,
)
from models.forms.answers import visible_fields
from models.forms.display import display_answer
from models.forms.service import AnswerRow, open_answers
from models.schema import Assessment, Case, Meeting, Notification, Person, Screening
from models.vocabulary import MeetingKind

#: The lines left under a question of a blank template, by field type (long texts get more;
#: a long text of one ICS dimension fewer, as there are twenty dimensions).
_BLANK_LINES = {"long_text": 7, "group": 7}
_BLANK_LINES_PER_DIMENSION = 4
#: A scale longer than this gets lines to write the number on instead of a box per number.
_MOST_SCALE_BOXES = 20

#: A run of flowables kept on one page when it fits (a question and its answer; an ICS
#: dimension with its questions); the heading before it goes with it.
Chunk = list[Flowable]


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


def _section_title(section: Section, ics: IcsTriangle) -> str:
    """A section's heading; a section that goes through an ICS side is headed by the side's
    name in the ICS triangle (resources/forms/ics.toml)."""
    if section.ics_side is None:
        return section.title
    side = ics.side(section.ics_side).label
    return side if section.title == side else f"{section.title} ({side})"


def _by_dimension(fields: list[Field]) -> list[tuple[str | None, list[Field]]]:
    """The fields in form order, those of one ICS dimension together; a field of no
    dimension alone."""
    runs: list[tuple[str | None, list[Field]]] = []
    for fld in fields:
        if fld.ics is not None and runs and runs[-1][0] == fld.ics:
            runs[-1][1].append(fld)
        else:
            runs.append((fld.ics, [fld]))
    return runs


def _dimension_heads(
    dimension_id: str, section: Section, ics: IcsTriangle, styles: Styles
) -> list[Flowable]:
    """The name of an ICS dimension over its questions (with its side, when the section is
    not the side's own)."""
    dimension = ics.dimension(dimension_id)
    if section.ics_side == dimension.side:
        return [text(dimension.label, styles.subheading)]
    return [text(f"{ics.side(dimension.side).label}: {dimension.label}", styles.subheading)]


def _ics_group_chunks(
    fld: Field, answer: Any, ics: IcsTriangle, styles: Styles
) -> list[Chunk] | None:
    """A group whose items each name an ICS dimension (the underretning's "Bekymringen fordelt
    på ICS-dimensioner", the hjemmebesøg's "Iagttagelser …"): its items in the triangle's
    order under their side and dimension; None for any other field or answer."""
    dimension_field = next((f for f in fld.fields if f.type == FieldType.ICS_DIMENSION), None)
    if fld.type != FieldType.GROUP or dimension_field is None or not isinstance(answer, list):
        return None
    items = [item for item in answer if isinstance(item, Mapping)]
    if not items:
        return None
    order = {d.id: i for i, d in enumerate(ics.dimensions)}
    items.sort(key=lambda item: order.get(str(item.get(dimension_field.id)), len(order)))
    # The item's other fields: with one, the items are its answers alone; with several, each
    # answer goes under its own label.
    others = [sub for sub in fld.fields if sub is not dimension_field]
    chunks: list[Chunk] = []
    side = None
    for item in items:
        chunk: Chunk = []
        dimension_id = str(item.get(dimension_field.id) or "")
        if ics.has_dimension(dimension_id):
            dimension = ics.dimension(dimension_id)
            if dimension.side != side:
                side = dimension.side
                chunk.append(text(ics.side(side).label, styles.subheading))
            chunk.append(text(dimension.label, styles.label))
        else:
            side = None
            shown = display_answer(dimension_field, item.get(dimension_field.id), ics)
            chunk.append(text(f"{dimension_field.label}: {shown}", styles.label))
        for sub in others:
            if not is_answered(sub, item.get(sub.id)):
                continue
            if len(others) > 1:
                chunk.append(text(sub.label, styles.item_label))
            chunk.append(text(display_answer(sub, item.get(sub.id), ics), styles.body))
        chunk.append(Spacer(1, 1 * mm))
        chunks.append(chunk)
    head: Chunk = [text(fld.label, styles.label)]
    if len(others) == 1 and not fld.label.lower().startswith(others[0].label.lower()):
        # One answer per item: what it is said once, not before every item (and not at all
        # when the group's label says it: "Iagttagelser fordelt på …" of "Iagttagelse").
        head.append(text(others[0].label, styles.help))
    chunks[0][:0] = head
    return chunks


def form_story(
    form: Form, answers: dict[str, Any], styles: Styles, ics: IcsTriangle | None = None
) -> list[Flowable]:
    """Every section the answers show, with every visible question and its answer; the
    questions of an ICS side under the side's name, dimension by dimension."""
    ics = ics or default_library().ics
    shown = visible_fields(form, answers)
    story: list[Flowable] = []
    for section in form.sections:
        fields = [f for f in section.fields if f.id in shown]
        if not fields:
            continue
        chunks: list[Chunk] = []
        for dimension_id, run in _by_dimension(fields):
            if dimension_id is not None:
                chunk = _dimension_heads(dimension_id, section, ics, styles)
                for fld in run:
                    value = display_answer(fld, answers.get(fld.id), ics)
                    chunk += answer_parts(fld.label, value, styles)
                chunks.append(chunk)
                continue
            (fld,) = run
            grouped = _ics_group_chunks(fld, answers.get(fld.id), ics, styles)
            if grouped is not None:
                chunks += grouped
            else:
                value = display_answer(fld, answers.get(fld.id), ics)
                chunks.append(answer_parts(fld.label, value, styles))
        # A heading never ends a page: it goes with what follows it.
        chunks[0][:0] = [text(_section_title(section, ics), styles.heading)]
        story += [KeepTogether(chunk) for chunk in chunks]
    return story


def _blank_answer(fld: Field, styles: Styles) -> Chunk:
    """Where the answer to ``fld`` goes on paper: boxes to tick for a yes/no, a choice or a
    scale; lines to write on for text."""
    if fld.type == FieldType.YES_NO:
        chunk: Chunk = [TickRow(["Ja", "Nej"])]
        if fld.reason_when is not None:
            when = "ja" if fld.reason_when == YesNo.YES else "nej"
            reason = fld.reason_label[:1].lower() + fld.reason_label[1:]
            chunk += [text(f"Hvis {when}, {reason}", styles.help), WritingLine()]
            chunk.append(WritingLine())
        return chunk
    if fld.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and fld.choices:
        how = "Sæt ét kryds." if fld.type == FieldType.CHOICE else "Sæt gerne flere krydser."
        return [text(how, styles.help), tick_list([c.label for c in fld.choices], styles)]
    if fld.type == FieldType.SCALE and fld.maximum - fld.minimum <= _MOST_SCALE_BOXES:
        scale = ScaleBoxes(fld.minimum, fld.maximum, fld.low_label, fld.high_label)
        return [scale, Spacer(1, 2 * mm)]
    lines = _BLANK_LINES.get(str(fld.type), 2)
    if fld.ics is not None:
        lines = min(lines, _BLANK_LINES_PER_DIMENSION)
    return [WritingLine() for _ in range(lines)]


def _blank_field(fld: Field, styles: Styles) -> Chunk:
    chunk: Chunk
    if fld.type == FieldType.DATE:
        chunk = [FillIn(fld.label)]  # "Dato: ____", one short line
    elif fld.type == FieldType.DATETIME:
        chunk = [FillIn(fld.label, "Kl.")]
    else:
        chunk = [text(fld.label, styles.label)]
    if fld.help:
        chunk.append(text(fld.help, styles.help))
    if fld.type not in (FieldType.DATE, FieldType.DATETIME):
        chunk += _blank_answer(fld, styles)
    chunk.append(Spacer(1, 2 * mm))
    return chunk


def blank_story(form: Form, styles: Styles, ics: IcsTriangle | None = None) -> list[Flowable]:
    """Every section and question with its help text and lines to write on across the page;
    the questions of an ICS side under the side's name, dimension by dimension."""
    ics = ics or default_library().ics
    story: list[list[Chunk]] = []  # the chunks of each section
    for section in form.sections:
        heads: Chunk = [text(_section_title(section, ics), styles.heading)]
        if section.help:
            heads.append(text(section.help, styles.help))
        chunks: list[Chunk] = []
        for dimension_id, run in _by_dimension(list(section.fields)):
            chunk = (
                [] if dimension_id is None else _dimension_heads(dimension_id, section, ics, styles)
            )
            for fld in run:
                chunk += _blank_field(fld, styles)
            chunks.append(chunk)
        if not chunks:
            continue
        chunks[0][:0] = heads
        story.append(chunks)
    # Whoever fills the form in by hand signs it, under the last question (never alone on a
    # page of its own).
    if story:
        story[-1][-1] += [Spacer(1, 6 * mm), SignatureLines()]
    return [KeepTogether(chunk) for chunks in story for chunk in chunks]


def answered_form_pdf(
    session: Session, row: AnswerRow, library: FormLibrary | None = None
) -> bytes:
    """The row's form with its answers, in the form's version they were given in (read from
    ``library``, the packaged forms by default). Raises ``CorruptAnswers``/``FormNotFound`` for
    this document alone."""
    library = library or default_library()
    form, answers = open_answers(row, library)
    if form is None:
        raise NotFound(table=row.__tablename__, row_id=row.id, reason="no_answers")
    case = services.get(session, Case, row.case_id or "")
    styles = Styles()
    story = _head(session, case, form, styles) + form_story(form, answers, styles, library.ics)
    child = session.get(Person, case.child_id)
    info = DocumentInfo(
        title=form.title,
        case_number=case.case_number,
        form_id=form.id,
        form_version=form.version,
        subject=child.full_name if child is not None else "",
    )
    return build_pdf(info, story)


def blank_form_pdf(
    session: Session, case_id: str, form_id: str, library: FormLibrary | None = None
) -> bytes:
    """A blank template of the newest version of ``form_id`` (in ``library``, the packaged
    forms by default) for the case: its number and the child's name in the head, no answers."""
    library = library or default_library()
    form = library.form(form_id)
    case = services.get(session, Case, case_id)
    styles = Styles()
    story = [
        *_head(session, case, form, styles),
        Spacer(1, 4 * mm),
        *blank_story(form, styles, library.ics),
    ]
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


def answered_screenings(session: Session, case_id: str) -> list[Screening]:
    """The case's indledende vurderinger that hold form answers, oldest first (drafts last)."""
    query = select(Screening).where(
        Screening.case_id == case_id,
        Screening.deleted_at.is_(None),
        Screening.form_id.is_not(None),
    )
    rows = list(session.scalars(query))
    return sorted(rows, key=lambda r: (r.decided_at is None, r.decided_at or r.updated_at, r.id))


def answered_assessments(session: Session, case_id: str) -> list[Assessment]:
    """The case's undersøgelser that hold form answers, oldest first."""
    query = select(Assessment).where(
        Assessment.case_id == case_id,
        Assessment.deleted_at.is_(None),
        Assessment.form_id.is_not(None),
    )
    return list(session.scalars(query.order_by(Assessment.started_on)))


def answered_meetings(session: Session, case_id: str, kind: MeetingKind) -> list[Meeting]:
    """The case's meetings of ``kind`` (a børnesamtale, a hjemmebesøg) that hold form answers,
    oldest first (by when held, else planned)."""
    query = select(Meeting).where(
        Meeting.case_id == case_id,
        Meeting.deleted_at.is_(None),
        Meeting.kind == kind,
        Meeting.form_id.is_not(None),
    )
    rows = list(session.scalars(query))

    def when(m: Meeting) -> str:
        moment = m.held_at or m.planned_at
        return moment.isoformat() if moment is not None else ""

    return sorted(rows, key=lambda m: (when(m), m.id))


def row_label(row: AnswerRow) -> str:
    if isinstance(row, Notification):
        day = local_date(row.received_at) if row.received_at else None
        return " · ".join(p for p in (danish_date(day) if day else "", row.notifier_name) if p)
    if isinstance(row, Meeting):
        if row.held_at is not None:
            when = danish_date(local_date(row.held_at))
        elif row.planned_at is not None:
            when = f"planlagt {danish_date(local_date(row.planned_at))}"
        else:
            when = "kladde"
        return " · ".join(p for p in (when, row.location) if p)
    if isinstance(row, Assessment):
        return f"påbegyndt {danish_date(row.started_on)}"
    if isinstance(row, Screening):
        if row.decided_at is not None:
            return f"besluttet {danish_date(local_date(row.decided_at))}"
        return "kladde"
    return ""  # a kind of row with answers that has no label of its own here yet
