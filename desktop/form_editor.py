"""One opened form of a case (``FormEditor``): the one renderer (``desktop.form_view``) with
"Gem", which saves the answers, and "Afslut", which finalises them (refused with the Danish list
of what is missing), both on the vault's writer (``models.forms.service``); what is typed is kept
as a draft (``desktop.drafts``) and comes back, in the same section, after a lock, a crash or a
restart. Also what the case's forms are (``load_lines``) and how one is opened (``open_form``):
a row without answers starts from its own columns; damaged answers or an unknown form are that
form's error alone."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.display import format_date
from desktop.drafts import DraftKeeper
from desktop.form_fields import EditorContext, Party
from desktop.form_view import FormView
from desktop.messages import error_text
from desktop.ops import Writes
from desktop.widgets import ErrorLabel, ask_to_confirm, log_refusal
from models import services
from models.drafts import draft_key, load_draft
from models.errors import FeltmappeError
from models.forms import (
    CorruptAnswers,
    Form,
    FormIncomplete,
    FormLibrary,
    FormNotFound,
    FormNotStored,
    missing_for_finalise,
)
from models.forms.prefill import answers_from_row
from models.forms.service import (
    AnswerRow,
    case_party_ids,
    finalise,
    is_finalised,
    open_answers,
    save_answers,
)
from models.schema import Assessment, Meeting, Notification, Screening
from models.vault import Vault
from models.vocabulary import PARTY_ROLE_LABELS, MeetingKind, NotifierKind, PartyRole

log = logging.getLogger("feltmappe.forms")
_DK = ZoneInfo("Europe/Copenhagen")

#: The draft editor's name: drafts are kept as "form:<row id>".
DRAFT_EDITOR = "form"
EMPTY = (
    "Sagen har ingen skemaer endnu (underretninger, indledende vurderinger, børnefaglige "
    "undersøgelser, børnesamtaler og hjemmebesøg)."
)
NOT_STARTED = "Ikke påbegyndt"
IN_PROGRESS = "Under udfyldelse"
CANNOT_OPEN = "Kan ikke åbnes"
SAVED = "Skemaet er gemt."
SAVED_TO_CORRECT = "Skemaet er gemt – ret de røde felter, før det kan afsluttes."
FINALISED = "Skemaet er afsluttet."
REFUSED = "Skemaet kan ikke afsluttes endnu. Mangler eller skal rettes:\n"
CONFIRM_FINALISE = (
    "Når skemaet er afsluttet, kan svarene ikke længere ændres{still}. Afslut skemaet?"
)

#: The tables whose rows hold form answers, with what the list calls a row without a form.
TABLES: dict[str, tuple[type[AnswerRow], str]] = {
    "notification": (Notification, "Underretning"),
    "screening": (Screening, "Indledende vurdering"),
    "assessment": (Assessment, "Børnefaglig undersøgelse"),
    "meeting": (Meeting, "Møde"),
}


@dataclass(frozen=True)
class FormLine:
    """One line of the case's forms, copied out of the session."""

    table: str
    row_id: str
    title: str
    day: date | None
    status: str
    error: str = ""
    finalised: bool = False


@dataclass(frozen=True)
class OpenedForm:
    """What the editor shows: the form (in the version the answers were written to), the
    answers (or the row's columns as a start), whether it is finalised, and the parties."""

    line: FormLine
    form: Form
    answers: Mapping[str, Any]
    finalised: bool
    finalised_text: str
    parties: tuple[Party, ...]


def refusal_text(form: Form, refusal: FormIncomplete) -> str:
    """ "Skemaet kan ikke afsluttes endnu …" with one line per missing answer ("Afsnit: felt")
    and per wrong one ("Afsnit: felt: what is wrong"), named as the form names them."""
    lines = [m.text for m in refusal.missing]
    for problem in refusal.problems:
        try:
            fld, section = form.field(problem.field), form.section_of(problem.field)
        except KeyError:
            lines.append(problem.text)
            continue
        where = f"{section.title}: {fld.label}"
        if problem.item is not None:
            where += f", nr. {problem.item + 1}"
            sub = next((f for f in fld.fields if f.id == problem.sub_field), None)
            where += f": {sub.label}" if sub is not None else ""
        # "Er forældrene orienteret?: Skriv …" reads badly: a question is followed by a space.
        lines.append(f"{where}{' ' if where.endswith('?') else ': '}{problem.text}")
    return REFUSED + "\n".join(f"  {line}" for line in lines)


def form_for_row(row: AnswerRow, library: FormLibrary) -> Form | None:
    """The newest form a row without answers starts: a meeting's is the form of its kind
    (hjemmebesøg, børnesamtale; None for a kind without one), the others' their table's."""
    table = row.__tablename__
    for form in library.forms():
        if form.record is None or form.record.table != table:
            continue
        if not isinstance(row, Meeting) or form.id == row.kind:
            return form
    return None


def _day(row: AnswerRow) -> date | None:
    if isinstance(row, Notification):
        return row.received_at.astimezone(_DK).date() if row.received_at else None
    if isinstance(row, Meeting):
        moment = row.held_at or row.planned_at
        return moment.astimezone(_DK).date() if moment else None
    if isinstance(row, Screening):
        moment = row.decided_at or row.updated_at
        return moment.astimezone(_DK).date() if moment else None
    return row.started_on


def _finalised_text(form: Form, row: AnswerRow) -> str:
    column = form.record.finalised if form.record else None
    value = getattr(row, column, None) if column else None
    if isinstance(value, datetime):
        return f"Afsluttet {value.astimezone(_DK):%d.%m.%Y kl. %H.%M}"
    if isinstance(value, date):
        return f"Afsluttet {format_date(value)}"
    return "Afsluttet"


def _line(table: str, row: AnswerRow, library: FormLibrary) -> FormLine:
    kind = TABLES[table][1]
    try:
        form, _ = open_answers(row, library)
        form = form or form_for_row(row, library)
        if form is None:
            raise FormNotFound(table=table)
    except (CorruptAnswers, FormNotFound) as err:
        return FormLine(table, row.id, kind, _day(row), CANNOT_OPEN, error=error_text(err))
    if is_finalised(form, row):
        status = _finalised_text(form, row)
    else:
        status = IN_PROGRESS if row.form_id is not None else NOT_STARTED
    return FormLine(table, row.id, form.title, _day(row), status, finalised=is_finalised(form, row))


def load_lines(session: Session, case_id: str, library: FormLibrary) -> list[FormLine]:
    """The case's rows with form answers (or room for them), newest first."""
    lines: list[FormLine] = []
    for table, (cls, _) in TABLES.items():
        rows = session.scalars(
            select(cls).where(cls.case_id == case_id, cls.deleted_at.is_(None))
        ).all()
        lines += [
            _line(table, row, library)
            for row in rows
            # A meeting is a form only when its kind has one (or it holds answers already).
            if isinstance(row, cls)
            and (row.form_id is not None or form_for_row(row, library) is not None)
        ]
    lines.sort(key=lambda line: line.day or date.min, reverse=True)
    return lines


def new_form_row(session: Session, case_id: str, form: Form, now: datetime) -> str:
    """A new row of the case for ``form`` (the tab's "Ny underretning" …), its id. Runs on the
    writer. The row holds only what its table cannot be without; the rest is the form's:
    - an underretning gets the form at once (its answers empty): its columns are copied from the
      answers when saved, so no received time (and no 24-hour clock) before "Modtaget" is, and
      the notifier is anonymous (no receipt is owed) until "Underretter" is answered;
    - an undersøgelse starts today, aware since the case's newest underretning (today without
      one): the form opens with those dates, to be corrected;
    - a børnesamtale or hjemmebesøg is a meeting of that kind, dated now until it is held;
    - an indledende vurdering is made for the case's newest underretning (none without one)."""
    case = services.find_case(session, case_id)
    table = form.record.table if form.record else None
    row: AnswerRow
    if table == "notification":
        row = Notification(
            case_id=case.id,
            notifier_kind=NotifierKind.ANONYM,
            form_id=form.id,
            form_version=form.version,
            answers={},
        )
    elif table == "assessment":
        today = now.astimezone(_DK).date()
        # Aware since the newest underretning received after the case's last undersøgelse was
        # completed: one that an earlier undersøgelse answered does not start these 4 months.
        last_done = session.scalar(
            select(func.max(Assessment.completed_on)).where(
                Assessment.case_id == case.id, Assessment.deleted_at.is_(None)
            )
        )
        query = select(func.max(Notification.received_at)).where(
            Notification.case_id == case.id, Notification.deleted_at.is_(None)
        )
        if last_done is not None:
            after = datetime.combine(last_done, time.max, tzinfo=_DK).astimezone(UTC)
            query = query.where(Notification.received_at > after)
        received = session.scalar(query)
        if received is not None and received.tzinfo is None:
            received = received.replace(tzinfo=UTC)
        aware = min(received.astimezone(_DK).date(), today) if received else today
        row = Assessment(case_id=case.id, aware_on=aware, started_on=today)
    elif table == "screening":
        newest = session.scalar(
            select(Notification.id)
            .where(Notification.case_id == case.id, Notification.deleted_at.is_(None))
            .order_by(Notification.received_at.desc().nulls_last())
            .limit(1)
        )
        row = Screening(
            case_id=case.id,
            notification_id=newest,
            form_id=form.id,
            form_version=form.version,
            answers={},
        )
    elif table == "meeting" and form.id in {k.value for k in MeetingKind}:
        row = Meeting(case_id=case.id, kind=MeetingKind(form.id), planned_at=now)
    else:
        raise FormNotStored(form_id=form.id, table=table)
    return services.add(session, row).id


def discard_if_untouched(session: Session, table: str, row_id: str) -> bool:
    """Tombstone a row "Ny …" made (``new_form_row``) that was left with no answer saved and no
    draft kept: a click by mistake leaves no empty underretning behind (whose missing time of
    receipt would stand among the case's deadlines). Runs on the writer, after the editor's last
    draft was written. True if the row went."""
    row = services.get(session, TABLES[table][0], row_id)
    if row.deleted_at is not None or row.answers:
        return False
    if load_draft(session, draft_key(DRAFT_EDITOR, row_id)) is not None:
        return False
    services.soft_delete(session, row)
    return True


def load_parties(session: Session, case_id: str) -> tuple[Party, ...]:
    out: list[Party] = []
    for cp, person in services.case_parties(session, case_id):
        role = PartyRole(cp.role)
        shown = PartyRole.FORAELDER if role == PartyRole.FORAELDREMYNDIGHED else role
        name = f"{person.first_name} {person.last_name}".strip()
        out.append(Party(person.id, name, role.value, PARTY_ROLE_LABELS.get(shown, str(shown))))
    return tuple(out)


def open_form(session: Session, case_id: str, line: FormLine, library: FormLibrary) -> OpenedForm:
    """The form of ``line`` with its answers; a row without answers starts from its columns.
    ``CorruptAnswers`` / ``FormNotFound`` for that form alone."""
    cls = TABLES[line.table][0]
    row = services.get(session, cls, line.row_id)
    form, answers = open_answers(row, library)
    if form is None:
        form = form_for_row(row, library)
        if form is None:
            raise FormNotFound(table=line.table)
        answers = answers_from_row(form, row)
    done = is_finalised(form, row)
    fresh = _line(line.table, row, library)
    return OpenedForm(
        line=fresh,
        form=form,
        answers=answers,
        finalised=done,
        finalised_text=_finalised_text(form, row) if done else "",
        parties=load_parties(session, case_id),
    )


class FormEditor(QWidget):
    """One opened form: the renderer with "Gem" and "Afslut", and its draft."""

    #: The answers changed (what the draft keeper listens to).
    draft_changed = Signal()
    #: Saved or finalised: the list shows the new status.
    saved = Signal()
    back = Signal()

    def __init__(
        self,
        vault: Vault | Callable[..., Any],
        case_id: str,
        opened: OpenedForm,
        *,
        library: FormLibrary,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.case_id = case_id
        self.opened = opened
        self._clock = clock or (lambda: datetime.now(UTC))
        self._writes = Writes(vault, self)
        self._library = library
        self._baseline: dict[str, Any] = dict(opened.answers)
        self._stored = opened.line.status != NOT_STARTED
        self._confirm: QMessageBox | None = None
        form = opened.form

        self.title = QLabel(self)
        self.title.setObjectName("form_title")
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.title.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("form_status")
        self.status.setWordWrap(True)
        ctx = EditorContext(opened.parties, library.ics)
        self.view = FormView(form, opened.answers, ctx, clock=self._clock, parent=self)
        self.view.changed.connect(self._changed)

        self.back_button = QPushButton("A&lle skemaer", self)
        self.back_button.setObjectName("back_to_forms")
        self.back_button.clicked.connect(self.back)
        self.save_button = QPushButton("G&em", self)
        self.save_button.setObjectName("save_form")
        self.save_button.setToolTip("Gem svarene (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.finalise_button = QPushButton("Afsl&ut skema", self)
        self.finalise_button.setObjectName("finalise_form")
        self.finalise_button.clicked.connect(self.ask_finalise)
        save_key = QShortcut(QKeySequence.StandardKey.Save, self)
        save_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_key.activated.connect(self.save)
        self.error = ErrorLabel(self)
        self.error.setObjectName("form_error")
        self.done = QLabel(self)
        self.done.setObjectName("form_done")

        head = QVBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.done, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.finalise_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.view.after_page = [self.save_button, self.finalise_button, self.back_button]
        self._show_state()

        self.drafts: DraftKeeper | None = None
        if isinstance(vault, Vault):
            self.drafts = DraftKeeper(
                vault.session,
                DRAFT_EDITOR,
                opened.line.row_id,
                {"form": self},
                case_id=case_id,
                submit=vault.writer.submit,
                reads=vault.reading,
                parent=self,
            )
            self.drafts.restore()

    # -- the draft (desktop.drafts.DraftField) ------------------------------------------------

    def draft_value(self) -> Any:
        return {"answers": self.view.answers(), "section": self.view.current_section()}

    def set_draft_value(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        answers = value.get("answers")
        if isinstance(answers, dict) and not self.opened.finalised:
            self.view.set_answers(answers)
        elif isinstance(answers, dict):
            # A finalised form: only what may still be filled in comes back.
            editable = self._after_finalise_fields()
            merged = dict(self.view.answers())
            merged.update({k: v for k, v in answers.items() if k in editable})
            self.view.set_answers(merged)
        section = value.get("section")
        if isinstance(section, str):
            self.view.show_section(section)

    def draft_typed(self, value: Any) -> bool:
        return isinstance(value, dict) and value.get("answers") != self._baseline

    def _changed(self) -> None:
        self.done.clear()
        self.draft_changed.emit()

    # -- state ----------------------------------------------------------------------------------

    def _still_open(self) -> str:
        """ " (undtagen »Kvittering og tilbagemelding«)": what can be filled in afterwards."""
        later = [s.title for s in self.opened.form.sections if s.after_finalise]
        return f" (undtagen »{'«, »'.join(later)}«)" if later else ""

    def _after_finalise_fields(self) -> set[str]:
        return {f.id for s in self.opened.form.sections if s.after_finalise for f in s.fields}

    def _show_state(self) -> None:
        opened, form = self.opened, self.opened.form
        when = f" · {format_date(opened.line.day)}" if opened.line.day else ""
        self.title.setText(f"{form.title}{when}")
        basis = f" · {form.legal_basis}" if form.legal_basis else ""
        if opened.finalised:
            still = self._still_open()
            self.status.setText(f"{opened.finalised_text}. Svarene kan ikke ændres{still}.{basis}")
        else:
            self.status.setText(f"{opened.line.status}{basis}")
        open_sections = {s.id for s in form.sections if s.after_finalise}
        self.view.set_read_only(opened.finalised, except_sections=open_sections)
        self.finalise_button.setVisible(not opened.finalised)
        shown = {p.section.id for p in self.view.progress() if p.visible}
        self.save_button.setVisible(not opened.finalised or bool(open_sections & shown))

    @property
    def finalised(self) -> bool:
        return self.opened.finalised

    def set_parties(self, parties: tuple[Party, ...]) -> None:
        """The case's parties changed while the form is open (``CaseFormsWidget.on_changes``)."""
        self.opened = replace(self.opened, parties=parties)
        self.view.set_parties(parties)

    # -- writing --------------------------------------------------------------------------------

    def _row_job(self, answers: dict[str, Any], *, finish: bool) -> Callable[[Session], OpenedForm]:
        cls = TABLES[self.opened.line.table][0]
        row_id, form, case_id, now = (
            self.opened.line.row_id,
            self.opened.form,
            self.case_id,
            self._clock(),
        )
        line, library = self.opened.line, self._library

        def job(session: Session) -> OpenedForm:
            row = services.get(session, cls, row_id)
            parties = case_party_ids(session, case_id)
            if answers != (row.answers or {}) or row.form_id is None:
                save_answers(session, row, answers, form=form, parties=parties, now=now)
            if finish:
                finalise(session, row, form=form, parties=parties, now=now)
            return open_form(session, case_id, line, library)

        return job

    def save(self) -> bool:
        """Hand the answers to the writer; the draft goes once they are written."""
        if self.opened.finalised and not self.save_button.isVisible():
            return False
        self.done.clear()
        answers = self.view.answers()

        def done(opened: OpenedForm) -> None:
            self.error.clear_error()
            self._saved(answers, opened)
            # Kept as typed (nothing is lost), but a wrong answer is said now, not at "Afslut".
            self.done.setText(SAVED_TO_CORRECT if self.view.show_problems_now() else SAVED)

        self._writes.run(
            self._row_job(answers, finish=False),
            done,
            lambda err: self.error.show_error(err, prefix="Skemaet er ikke gemt. "),
            busy=[self.save_button, self.finalise_button],
        )
        return True

    def _saved(self, answers: dict[str, Any], opened: OpenedForm) -> None:
        self._baseline = answers
        self._stored = True
        was_finalised = self.opened.finalised
        self.opened = OpenedForm(
            line=opened.line,
            form=self.opened.form,
            answers=answers,
            finalised=opened.finalised,
            finalised_text=opened.finalised_text,
            parties=self.opened.parties,
        )
        if self.drafts is not None:
            self.drafts.discard()
        if opened.finalised != was_finalised:
            self._show_state()
        else:
            self.status.setText(self.status.text() if opened.finalised else opened.line.status)
        self.saved.emit()

    def refusal(self) -> FormIncomplete | None:
        """What stops the answers from being finalised (None: nothing)."""
        missing, problems = missing_for_finalise(
            self.opened.form,
            self.view.answers(),
            parties={p.person_id for p in self.opened.parties},
            ics=self.view.ctx.ics,
            now=self._clock(),
        )
        return FormIncomplete(missing, problems) if missing or problems else None

    def ask_finalise(self) -> None:
        """Refused at once with what is missing; else asked, then finalised."""
        if self.opened.finalised or self._refused():
            return
        self._confirm = ask_to_confirm(
            self,
            "Afslut skema",
            CONFIRM_FINALISE.format(still=self._still_open()),
            "Afslut skema",
            name="confirm_finalise_form",
            on_answer=self._on_confirmed,
        )

    def _on_confirmed(self, yes: bool) -> None:
        self._confirm = None
        if yes:
            self.finalise()

    def _refused(self) -> bool:
        refusal = self.refusal()
        if refusal is None:
            return False
        self.done.clear()
        log_refusal(refusal)
        self.error.show_text(refusal_text(self.opened.form, refusal))
        self.view.show_missing(refusal.missing)
        return True

    def finalise(self) -> bool:
        """Save and finalise (no question asked): refused with what is missing."""
        if self.opened.finalised or self._refused():
            return False
        answers = self.view.answers()

        def done(opened: OpenedForm) -> None:
            self.error.clear_error()
            self._saved(answers, opened)
            self.done.setText(FINALISED)

        self._writes.run(
            self._row_job(answers, finish=True),
            done,
            self._finalise_failed,
            busy=[self.save_button, self.finalise_button],
        )
        return True

    def _finalise_failed(self, err: FeltmappeError) -> None:
        if isinstance(err, FormIncomplete):  # the parties changed meanwhile, say
            log_refusal(err)
            self.error.show_text(refusal_text(self.opened.form, err))
            self.view.show_missing(err.missing)
        else:
            self.error.show_error(err, prefix="Skemaet er ikke afsluttet. ")

    def flush(self) -> None:
        """Write the draft now (before the editor goes, or the case window closes)."""
        if self.drafts is not None and self.drafts.alive():
            self.drafts.flush()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt name)
        # Another tab, the case window closed: what was typed in the last seconds is kept.
        self.flush()
        super().hideEvent(event)
