"""Saving and finalising form answers on their vault row (``Notification``, ``Screening``,
``Assessment`` or ``Meeting``, the tables with ``FormAnswers`` columns). Writes go through ``models.services`` like every
other write, so the tracker adds the outbox entry and the access log in the same
transaction; the desktop runs these functions on the writer (``models.writer``).

Saving keeps every answer (a draft may be incomplete or wrong: nothing typed is lost) and
copies the valid answers of fields with a ``column`` to the row, so the deadline engine sees
them. Finalising is refused with what is missing; when it succeeds it sets the form's
``finalised`` column (``Notification.assessed_at``: the 24-hour assessment is met;
``Screening.decided_at``: the indledende vurdering is decided;
``Assessment.completed_on``: the undersøgelse is done; ``Meeting.held_at``: the børnesamtale or
hjemmebesøg was held). A hjemmebesøg that did not take place is finalised by its reason
(``Meeting.not_held_reason``, ``records.FINALISED_INSTEAD``), which is also documented on the
case's open undersøgelse (``models.home_visits``), so the engine excepts the home-visit rule.
A finalised form is read-only, except its sections marked ``after_finalise`` (the receipt and
feedback to a notifier)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import services
from models.errors import ImmutableRecord
from models.forms.answers import missing_for_finalise, validate_answers, visible_fields
from models.forms.errors import (
    CorruptAnswers,
    FormIncomplete,
    FormNotStored,
    MisplacedAnswers,
    OtherForm,
)
from models.forms.records import (
    DATETIME_COLUMNS,
    FINALISED_INSTEAD,
    STORED_TABLES,
    column_value,
)
from models.forms.registry import FormLibrary, FormNotFound, default_library
from models.forms.types import Form
from models.home_visits import document_no_home_visit
from models.schema import Assessment, Meeting, Notification, Screening, utcnow
from models.validation import NOT_BEFORE
from models.vocabulary import AssessmentStatus, MeetingKind

_DK = ZoneInfo("Europe/Copenhagen")

#: A row that holds form answers.
AnswerRow = Notification | Screening | Assessment | Meeting

#: The meeting kinds that have a form of their own (the form's id is the kind's code): such a
#: form is kept on a meeting of that kind only, which is what the deadline engine reads.
_MEETING_FORMS = frozenset(kind.value for kind in MeetingKind)

#: What finalising sets besides the ``finalised`` column, per table.
_FINALISE_EXTRAS: dict[str, dict[str, Any]] = {
    "assessment": {"status": AssessmentStatus.AFSLUTTET},
}


def form_of(row: AnswerRow, library: FormLibrary | None = None) -> Form | None:
    """The form (in the version) the row's answers were written to, or None before any."""
    if row.form_id is None:
        return None
    return (library or default_library()).form(row.form_id, row.form_version)


def open_answers(
    row: AnswerRow, library: FormLibrary | None = None
) -> tuple[Form | None, dict[str, Any]]:
    """The form and answers of ``row``, for showing or printing them: ``(None, {})`` before
    any answers; ``FormNotFound`` for a form (version) this Feltmappe does not know and
    ``CorruptAnswers`` for answers that are not an object keyed by field ids, so the caller
    shows an error for this form alone."""
    answers = row.answers
    if answers is None:
        answers = {}
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        raise CorruptAnswers(table=row.__tablename__, row_id=row.id)
    if row.form_id is None:
        return None, dict(answers)
    library = library or default_library()
    form = form_of(row, library)
    if form is not None and not _fits(form, row):
        # An undersøgelse's form id on an underretning: never shown as if it belonged there.
        raise MisplacedAnswers(**_misfit(form, row, library))
    return form, dict(answers)


def _fits(form: Form, row: AnswerRow) -> bool:
    """Whether ``form`` is kept on rows like ``row``: its record's table, and for a meeting
    form (its id is a meeting kind's code) a meeting of that kind."""
    if form.record is None or form.record.table != row.__tablename__:
        return False
    # A hjemmebesøg form on a netværksmøde would never meet the home-visit rule.
    return not (isinstance(row, Meeting) and form.id in _MEETING_FORMS and row.kind != form.id)


def expected_form(row: AnswerRow, library: FormLibrary | None = None) -> Form | None:
    """The form rows like ``row`` are filled in (its newest version), or None when that kind
    of row has none (a netværksmøde)."""
    for form in (library or default_library()).forms():
        if form.record is not None and form.record.table in STORED_TABLES and _fits(form, row):
            return form
    return None


def _title(form_id: str, version: int | None, library: FormLibrary) -> str:
    """A form's title, in its version if known (else its newest, else its id)."""
    for wanted in (version, None):
        try:
            return library.form(form_id, wanted).title
        except FormNotFound:
            continue
    return form_id


def _misfit(found: Form, row: AnswerRow, library: FormLibrary) -> dict[str, Any]:
    """The parameters of ``OtherForm`` for ``found`` on a row it does not fit."""
    expected = expected_form(row, library)
    return {
        "form_id": found.id,
        "version": found.version,
        "found": found.title,
        "expected_id": expected.id if expected else None,
        "expected_version": expected.version if expected else None,
        "expected": expected.title if expected else "",
        "table": row.__tablename__,
        "kind": str(row.kind) if isinstance(row, Meeting) else None,
        "row_id": row.id,
        "reason": "record",
    }


def _check_record(form: Form, row: AnswerRow) -> None:
    table = row.__tablename__
    if form.record is None or form.record.table not in STORED_TABLES:
        raise FormNotStored(form_id=form.id, table=form.record.table if form.record else None)
    library = default_library()
    if not _fits(form, row):
        raise OtherForm(**_misfit(form, row, library))
    if row.form_id is not None and (row.form_id, row.form_version) != (form.id, form.version):
        raise OtherForm(
            form_id=row.form_id,
            version=row.form_version,
            found=_title(row.form_id, row.form_version, library),
            expected_id=form.id,
            expected_version=form.version,
            expected=form.title,
            table=table,
            kind=str(row.kind) if isinstance(row, Meeting) else None,
            row_id=row.id,
            reason="answers",
        )


def _finalised_instead(form: Form) -> str | None:
    """The column that finalises ``form`` instead of its ``finalised`` column
    (``records.FINALISED_INSTEAD``), when the form has a field for it; else None."""
    column = FINALISED_INSTEAD.get(form.record.table) if form.record else None
    if column is None or not any(f.column == column for f in form.fields.values()):
        return None
    return column


def is_finalised(form: Form, row: Any) -> bool:
    """Whether the row's form is finalised: its ``finalised`` column is set (or, for a
    hjemmebesøg that did not take place, its documented reason)."""
    record = form.record
    if record is None:
        return False
    columns = (record.finalised, _finalised_instead(form))
    return any(c is not None and getattr(row, c, None) not in (None, "") for c in columns)


def column_updates(
    form: Form,
    answers: Mapping[str, Any],
    *,
    parties: Collection[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The row's columns the answers fill: every shown field with a ``column`` whose answer is
    given and valid. Pure; an answer removed leaves its column as it was."""
    shown = visible_fields(form, answers)
    wrong = {p.field for p in validate_answers(form, answers, parties=parties, now=now)}
    out: dict[str, Any] = {}
    for fld in form.fields.values():
        answer = answers.get(fld.id)
        if fld.column is None or fld.id not in shown or fld.id in wrong:
            continue
        if answer is None or answer in ("", [], {}):
            continue
        out[fld.column] = column_value(fld, answer)
    return out


def finalise_updates(
    form: Form,
    answers: Mapping[str, Any],
    now: datetime,
    *,
    parties: Collection[str] | None = None,
) -> dict[str, Any]:
    """The columns finalising writes (pure): the answers' columns, the ``finalised`` column
    (its answer if the form has a field for it, else ``now``, or today in Denmark for a date
    column) and the table's own (an undersøgelse becomes "afsluttet"). ``FormIncomplete``
    when something is missing or wrong."""
    missing, problems = missing_for_finalise(form, answers, parties=parties, now=now)
    if missing or problems:
        raise FormIncomplete(missing, problems)
    updates = column_updates(form, answers, parties=parties, now=now)
    record = form.record
    if record is not None and record.finalised is not None:
        instead = _finalised_instead(form)
        if record.finalised not in updates and not (instead and updates.get(instead)):
            stamp: datetime | date = now
            if record.finalised not in DATETIME_COLUMNS:
                stamp = now.astimezone(_DK).date()
            updates[record.finalised] = stamp
        updates.update(_FINALISE_EXTRAS.get(record.table, {}))
    return updates


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(_DK).date()
    return value if isinstance(value, date) else None


def _possible(table: str, row: Any, updates: dict[str, Any]) -> dict[str, Any]:
    """``updates`` without the columns that would put a date before the date it may not lie
    before (``models.validation.NOT_BEFORE``): the tracker would refuse the whole save, and
    a draft's answers are never lost over one date (the answer stays, and is wrong)."""
    out = dict(updates)
    for (t, column), before in NOT_BEFORE.items():
        if t != table or (column not in out and before not in out):
            continue
        later = out.get(column, getattr(row, column, None))
        earlier = out.get(before, getattr(row, before, None))
        if later is None or earlier is None:
            continue
        both_moments = isinstance(later, datetime) and isinstance(earlier, datetime)
        wrong = (
            later < earlier if both_moments else (_day(later) or later) < (_day(earlier) or earlier)
        )
        if wrong:
            out.pop(column if column in out else before, None)
    return out


def _editable_after_finalise(form: Form) -> set[str]:
    return {f.id for s in form.sections if s.after_finalise for f in s.fields}


def save_answers(
    session: Session,
    row: AnswerRow,
    answers: Mapping[str, Any],
    *,
    form: Form | None = None,
    parties: Collection[str] | None = None,
    now: datetime | None = None,
) -> AnswerRow:
    """Store ``answers`` (the whole object, keyed by field id) on ``row`` with the form's id
    and version, and copy the valid answers to the row's columns (not the ``finalised``
    column, which only ``finalise`` sets). ``form`` defaults to the
    form the row was written to; a row with no answers yet needs it. A finalised form takes
    changes only in its ``after_finalise`` sections (``ImmutableRecord`` otherwise)."""
    form = form or form_of(row)
    if form is None:
        raise FormNotStored(table=row.__tablename__, row_id=row.id)
    _check_record(form, row)
    new = dict(answers)
    if is_finalised(form, row):
        old = row.answers or {}
        open_ids = _editable_after_finalise(form)
        changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        if changed - open_ids:
            raise ImmutableRecord(table=row.__tablename__, row_id=row.id)
    updates = column_updates(form, new, parties=parties, now=now or utcnow())
    if form.record and form.record.finalised:
        # Only finalising sets it: it is what says the form is done (and read-only).
        updates.pop(form.record.finalised, None)
    instead = _finalised_instead(form)
    if instead:
        updates.pop(instead, None)  # the same for the reason a visit did not take place
    updates = _possible(row.__tablename__, row, updates)
    return services.update(
        session, row, form_id=form.id, form_version=form.version, answers=new, **updates
    )


def finalise(
    session: Session,
    row: AnswerRow,
    *,
    form: Form | None = None,
    parties: Collection[str] | None = None,
    now: datetime | None = None,
) -> AnswerRow:
    """Finalise the row's form: refused with ``FormIncomplete`` (what is missing, what is
    wrong) until it is complete; then the row's columns are set (``finalise_updates``) and the
    deadline engine sees the work as done. Finalising twice changes nothing."""
    form = form or form_of(row)
    if form is None:
        raise FormNotStored(table=row.__tablename__, row_id=row.id)
    _check_record(form, row)
    if is_finalised(form, row):
        return row
    updates = finalise_updates(form, row.answers or {}, now or utcnow(), parties=parties)
    row = services.update(session, row, form_id=form.id, form_version=form.version, **updates)
    instead = _finalised_instead(form)
    reason = updates.get(instead) if instead else None
    if isinstance(row, Meeting) and row.kind == MeetingKind.HJEMMEBESOEG and reason and row.case_id:
        # "Ikke gennemført": the undersøgelse documents why, as the Hjemmebesøg tab does.
        document_no_home_visit(session, row.case_id, str(reason))
    return row


def case_party_ids(session: Session, case_id: str) -> set[str]:
    """The person ids a person field of the case's forms may pick."""
    return {person.id for _, person in services.case_parties(session, case_id)}
