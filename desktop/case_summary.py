"""The case window's overview (Overblik): the child, the open deadlines with their legal basis
and what can be done about each (met, excepted, acknowledged, undone), the running indsatser and
the parties with how to reach them. CPR numbers show only the birth-date part until "Vis CPR"
reveals one, which is logged. Opening the case goes through ``services.open_case``, so every
view is in the case's access log (logning); refreshing after a change is not a new view."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.deadline_actions import DeadlineActions
from desktop.display import deadline_foreground, deadline_tooltip, format_date
from desktop.messages import error_text
from desktop.ops import Writes
from desktop.widgets import ErrorLabel, show_error
from desktop.zoom import fit_header
from models import services
from models.changes import ChangeSet
from models.cpr import mask
from models.deadlines import STATUS_LABELS
from models.deadlines.calendar import DK
from models.deadlines.service import deadlines_for_case, standards_for
from models.deadlines.types import Deadline
from models.errors import FeltmappeError
from models.schema import Person
from models.vault import Vault
from models.vocabulary import PARTY_ROLE_LABELS, STAGE_LABELS, AuditAction, PartyRole
from models.writer import WriterClosed

log = logging.getLogger("feltmappe.case")


@dataclass(frozen=True)
class PartyLine:
    name: str
    role: str
    cpr: str  # as stored; shown masked until revealed
    custody: bool
    party_rights: bool
    person_id: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    note: str = ""

    @property
    def contact(self) -> str:
        return " · ".join(p for p in (self.phone, self.email, self.address) if p)


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    case_number: str
    child_name: str
    child_cpr: str
    child_birth_date: date | None
    stage: str
    opened_on: date
    parties: tuple[PartyLine, ...]
    deadlines: tuple[tuple[str, str, str, str], ...] = ()  # frist, hvad, status, hjemmel
    interventions: tuple[tuple[str, str, str, str], ...] = ()  # indsats, hjemmel, trin, start
    child_id: str = ""
    #: The deadlines behind ``deadlines`` (same order), then the closed ones (met, excepted).
    deadline_items: tuple[Deadline, ...] = ()
    closed_deadlines: tuple[Deadline, ...] = ()
    deadline_error: str = ""


def load_case_summary(vault: Vault, case_id: str, *, log_view: bool = True) -> CaseSummary:
    """Copy out what the overview shows. Opening the case is logged as "vist"; a refresh after
    a change (``log_view=False``) reads without logging a second view."""
    with vault.reading() as session:
        case = services.find_case(session, case_id)
        if log_view:
            log_case_view(vault, case.id)
        parties = services.case_parties(session, case.id)
        child = session.get(Person, case.child_id)
        role_order = {role: i for i, role in enumerate(PartyRole)}
        parties.sort(
            key=lambda pair: (role_order.get(PartyRole(pair[0].role), 99), pair[1].first_name)
        )
        lines = tuple(
            PartyLine(
                name=f"{p.first_name} {p.last_name}".strip(),
                role=_role_text(PartyRole(cp.role)),
                cpr=p.cpr or "",
                custody=cp.has_custody or cp.role == PartyRole.FORAELDREMYNDIGHED,
                party_rights=cp.party_rights,
                person_id=p.id,
                phone=p.phone,
                address=" ".join(p.address.split()),
                email=p.email,
                # The role in words ("Mor") and the person's own note, as in Personer.
                note=" · ".join(n for n in (cp.note.strip(), p.note.strip()) if n),
            )
            for cp, p in parties
        )
        found, problem = _deadlines(session, vault, case.id)
        open_ = tuple(d for d in found if d.is_open)
        closed = tuple(d for d in found if not d.is_open)
        running = tuple(
            (
                i.title,
                i.legal_reference or i.legal_basis.value,
                str(i.staircase_step),
                format_date(i.start_on),
            )
            for i in services.active_interventions(session, case.id, date.today())
        )
        return CaseSummary(
            deadlines=tuple(_deadline_line(d) for d in open_)
            or ((("", problem, "Mangler oplysninger", ""),) if problem else ()),
            deadline_items=open_,
            closed_deadlines=closed,
            deadline_error=problem,
            interventions=running,
            case_id=case.id,
            case_number=case.case_number,
            child_id=case.child_id,
            child_name=f"{child.first_name} {child.last_name}".strip() if child else "",
            child_cpr=(child.cpr or "") if child else "",
            child_birth_date=child.birth_date if child else None,
            stage=STAGE_LABELS[case.stage],
            opened_on=case.opened_on,
            parties=lines,
        )


def log_case_view(vault: Vault, case_id: str) -> None:
    """Write the "vist" access-log event on the vault's writer: the case is shown at once and
    the GUI thread does not wait for a sync storing a page."""

    def record() -> None:
        with vault.session() as session:
            services.record_access(session, case_id, AuditAction.VIST)

    def failed(done: Future[None]) -> None:
        exc = done.exception()
        if exc is not None:
            code = exc.code if isinstance(exc, FeltmappeError) else type(exc).__name__
            log.warning("case view not logged: %s", code)

    try:
        vault.writer.submit(record).add_done_callback(failed)
    except WriterClosed:
        log.warning("case view not logged: the vault is locked")


def _role_text(role: PartyRole) -> str:
    # One custody concept: the old role "forældremyndighedsindehaver" is a parent whose custody
    # shows in its own column, as for every parent with custody.
    if role == PartyRole.FORAELDREMYNDIGHED:
        role = PartyRole.FORAELDER
    return PARTY_ROLE_LABELS.get(role, str(role))


def _deadlines(session: Session, vault: Vault, case_id: str) -> tuple[list[Deadline], str]:
    """The case's deadlines from the engine, most urgent first; an impossible date or a bad
    settings file is shown as one line instead of hiding the case."""
    try:
        return deadlines_for_case(session, case_id, datetime.now(DK), standards_for(vault)), ""
    except FeltmappeError as err:
        return [], error_text(err)


def _deadline_line(d: Deadline) -> tuple[str, str, str, str]:
    return (
        format_date(d.due_date) if d.due_date else "",
        d.title + (f" (mangler: {', '.join(d.missing)})" if d.missing else ""),
        STATUS_LABELS[d.status]
        + (f" · {d.fulfilled_by}" if d.fulfilled_by and not d.is_open else ""),
        d.legal_basis,
    )


DEADLINE_HEADERS = ["Frist", "Hvad", "Status", "Hjemmel"]
INTERVENTION_HEADERS = ["Indsats", "Hjemmel", "Trin", "Start"]
PARTY_HEADERS = [
    "Navn",
    "Rolle",
    "CPR",
    "Kontakt",
    "Forældremyndighed",
    "Partsrettigheder",
    "Bemærkning",
]


class CaseSummaryDialog(QDialog):
    """The case window. With ``vault`` the overview is live: it follows changes
    (``on_changes``), acts on deadlines and reveals a CPR number on request."""

    def __init__(
        self, summary: CaseSummary, parent: QWidget | None = None, *, vault: Vault | None = None
    ) -> None:
        super().__init__(parent)
        self.summary = summary
        self._vault = vault
        self._writes = Writes(vault, self) if vault is not None else None
        self._revealed: set[str] = set()  # person ids whose CPR is shown in full
        self._shown_deadlines: tuple[Deadline, ...] = ()
        self.setWindowTitle(f"Sag {summary.case_number}")
        self.setMinimumSize(780, 540)
        self.resize(1100, 700)  # fits a 1366×768 laptop screen with the taskbar

        self.child = self._value(summary.child_name)
        self.child.setObjectName("child")
        font = self.child.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.child.setFont(font)

        self.number = self._value(summary.case_number)
        self.cpr = self._value("")
        self.cpr.setObjectName("child_cpr")
        self.show_cpr = QPushButton("Vis &CPR", self)
        self.show_cpr.setObjectName("show_cpr")
        self.show_cpr.setToolTip("Vis hele CPR-nummeret (visningen logges)")
        self.show_cpr.clicked.connect(lambda: self.reveal_cpr(self.summary.child_id))
        self.born = self._value("")
        self.stage = self._value("")
        self.opened = self._value("")
        cpr_row = QHBoxLayout()
        cpr_row.addWidget(self.cpr)
        cpr_row.addWidget(self.show_cpr)
        cpr_row.addStretch(1)
        facts = QFormLayout()
        facts.addRow("Sagsnummer:", self.number)
        facts.addRow("CPR-nummer:", cpr_row)
        facts.addRow("Fødselsdato:", self.born)
        facts.addRow("Fase:", self.stage)
        facts.addRow("Oprettet:", self.opened)

        self.parties = _table(PARTY_HEADERS, self)
        self.parties.setObjectName("parties")
        self.parties.setAccessibleName("Sagens parter")
        self.show_party_cpr = QPushButton("Vis CPR for valgt p&art", self)
        self.show_party_cpr.setObjectName("show_party_cpr")
        self.show_party_cpr.clicked.connect(self._reveal_selected_party)

        self.deadlines = _table(DEADLINE_HEADERS, self)
        self.deadlines.setObjectName("deadlines")
        self.deadlines.setAccessibleName("Frister")
        self.show_closed = QCheckBox("Vis også opfyldte og undtagne &frister", self)
        self.show_closed.setObjectName("show_closed")
        self.show_closed.toggled.connect(lambda _on: self._fill_deadlines())
        self.deadline_error = ErrorLabel(self)
        self.deadline_actions: DeadlineActions | None = None
        if vault is not None:
            self.deadline_actions = DeadlineActions(vault, self.current_deadline, self)
            self.deadlines.itemSelectionChanged.connect(self.deadline_actions.update_enabled)
        self.interventions = _table(INTERVENTION_HEADERS, self)
        self.interventions.setObjectName("interventions")

        buttons = QDialogButtonBox(self)
        self.documents_button: QPushButton | None = None
        if vault is not None:
            self.documents_button = QPushButton("Udskriv eller &gem som PDF…", self)
            self.documents_button.setToolTip("Udskriv eller gem sagens dokumenter som PDF")
            self.documents_button.clicked.connect(self.show_documents)
            buttons.addButton(self.documents_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("Luk", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)

        overview = QWidget(self)
        inner = QVBoxLayout(overview)
        inner.addLayout(facts)
        inner.addWidget(self._heading("Frister", overview))
        inner.addWidget(self.deadlines, 2)
        row = QHBoxLayout()
        row.addWidget(self.show_closed)
        row.addStretch(1)
        if self.deadline_actions is not None:
            row.addWidget(self.deadline_actions)
        inner.addLayout(row)
        inner.addWidget(self.deadline_error)
        inner.addWidget(self._heading("Aktive indsatser", overview))
        inner.addWidget(self.interventions, 1)
        inner.addWidget(self._heading("Parter i sagen", overview))
        inner.addWidget(self.parties, 2)
        party_row = QHBoxLayout()
        party_row.addStretch(1)
        party_row.addWidget(self.show_party_cpr)
        inner.addLayout(party_row)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(overview, "&Overblik")

        layout = QVBoxLayout(self)
        layout.addWidget(self.child)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._fill()

    # -- showing ---------------------------------------------------------------------------

    def _fill(self) -> None:
        s = self.summary
        self.setWindowTitle(f"Sag {s.case_number}")
        self.child.setText(s.child_name)
        self.number.setText(s.case_number)
        self.cpr.setText(self._cpr(s.child_id, s.child_cpr) or "–")
        self.show_cpr.setVisible(
            bool(s.child_cpr) and self._vault is not None and s.child_id not in self._revealed
        )
        self.born.setText(format_date(s.child_birth_date) or "–")
        self.stage.setText(s.stage)
        self.opened.setText(format_date(s.opened_on))
        self._fill_deadlines()
        _set_rows(self.interventions, s.interventions)
        _set_rows(
            self.parties,
            tuple(
                (
                    p.name,
                    p.role,
                    self._cpr(p.person_id, p.cpr),
                    p.contact,
                    "Ja" if p.custody else "",
                    "Ja" if p.party_rights else "",
                    p.note,
                )
                for p in s.parties
            ),
        )
        _fit_parties(self.parties)
        self.show_party_cpr.setVisible(self._vault is not None and any(p.cpr for p in s.parties))

    def _fill_deadlines(self) -> None:
        s = self.summary
        items = s.deadline_items + (s.closed_deadlines if self.show_closed.isChecked() else ())
        self._shown_deadlines = items
        if items or not s.deadline_error:
            _set_rows(self.deadlines, tuple(_deadline_line(d) for d in items))
            for r, d in enumerate(items):
                colour = deadline_foreground(d)
                for c in range(self.deadlines.columnCount()):
                    item = self.deadlines.item(r, c)
                    if item is None:
                        continue
                    item.setToolTip(deadline_tooltip(d))
                    if colour is not None and c == 2:
                        item.setForeground(colour)
        else:
            _set_rows(self.deadlines, s.deadlines)
        if self.deadline_actions is not None:
            self.deadline_actions.update_enabled()

    def _cpr(self, person_id: str, number: str) -> str:
        return number if person_id in self._revealed else mask(number)

    def current_deadline(self) -> Deadline | None:
        row = self.deadlines.currentRow()
        items = self._shown_deadlines
        if not self.deadlines.selectedItems() or not 0 <= row < len(items):
            return None
        return items[row]

    # -- live --------------------------------------------------------------------------------

    def on_changes(self, changes: ChangeSet) -> None:
        """A change to this case (here or from a sync): the overview reads it again (not
        logged as a new view), keeping the selected deadline."""
        if self._vault is None or not changes.touches_case(self.summary.case_id):
            return
        current = self.current_deadline()
        try:
            self.summary = load_case_summary(self._vault, self.summary.case_id, log_view=False)
        except FeltmappeError as err:
            self.deadline_error.show_error(err)
            return
        self._fill()
        if current is not None:
            key = (current.rule, current.subject_id)
            for r, d in enumerate(self._shown_deadlines):
                if (d.rule, d.subject_id) == key:
                    self.deadlines.selectRow(r)
                    break

    def reveal_cpr(self, person_id: str) -> None:
        """Show one person's full CPR number once the reveal is in the access log."""
        if self._writes is None or not person_id:
            return
        case_id = self.summary.case_id

        def shown(_: object) -> None:
            self._revealed.add(person_id)
            self._fill()

        self._writes.run(
            lambda session: services.reveal_cpr(session, case_id, person_id),
            shown,
            lambda err: show_error(self, err),
            busy=[self.show_cpr, self.show_party_cpr],
        )

    def show_documents(self) -> QDialog | None:
        """The case's documents: print or save as PDF (``desktop.documents``)."""
        if self._vault is None:
            return None
        from desktop.documents import DocumentsDialog

        dialog = DocumentsDialog(self._vault, self.summary.case_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _reveal_selected_party(self) -> None:
        row = self.parties.currentRow()
        if 0 <= row < len(self.summary.parties):
            self.reveal_cpr(self.summary.parties[row].person_id)

    # -- building ----------------------------------------------------------------------------

    def add_tab(self, title: str, widget: QWidget) -> int:
        """Another screen of the case (the journal …) beside the overview."""
        return self.tabs.addTab(widget, title)

    def _heading(self, text: str, parent: QWidget) -> QLabel:
        heading = QLabel(text, parent)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)
        return heading

    def _value(self, text: str) -> QLabel:
        # Plain text: a name is never interpreted as markup; selectable so it can be copied.
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label


#: The overview's parties: contact details get about this many characters before "…".
CONTACT_CHARS = 42
_CONTACT_COLUMN = PARTY_HEADERS.index("Kontakt")
_NOTE_COLUMN = PARTY_HEADERS.index("Bemærkning")


def _fit_parties(table: QTableWidget) -> None:
    """Every party column on screen: contact capped (whole in the tooltip, as the note), the
    note the last, stretched column; and room for two parties before the list scrolls."""
    metrics = table.fontMetrics()
    for r in range(table.rowCount()):
        for c in (_CONTACT_COLUMN, _NOTE_COLUMN):
            item = table.item(r, c)
            if item is not None and item.text():
                item.setToolTip(item.text())
    cap = max(
        metrics.averageCharWidth() * CONTACT_CHARS,
        metrics.horizontalAdvance(PARTY_HEADERS[_CONTACT_COLUMN]) + 28,
    )
    if table.columnWidth(_CONTACT_COLUMN) > cap:
        table.setColumnWidth(_CONTACT_COLUMN, cap)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    rows = min(max(table.rowCount(), 1), 2)
    table.setMinimumHeight(
        table.horizontalHeader().sizeHint().height()
        + rows * table.verticalHeader().defaultSectionSize()
        + table.horizontalScrollBar().sizeHint().height()
    )


def _table(headers: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _set_rows(table: QTableWidget, rows: tuple[tuple[str, ...], ...]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeColumnsToContents()
    fit_header(table.horizontalHeader())
