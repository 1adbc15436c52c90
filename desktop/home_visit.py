"""Hjemmebesøg of one case: register a visit (when, who was present, what was seen) or, during an
open børnefaglig undersøgelse, document why none took place; and show the engine's deadline
"hjemmebesoeg_undersoegelse" for that undersøgelse. Writes go through ``models.home_visits``;
a refused save keeps what was typed and says why in Danish."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.drafts import DraftKeeper, Submit
from desktop.ops import Writes
from desktop.widgets import ErrorLabel
from models import services
from models.changes import ChangeSet
from models.deadlines import STATUS_LABELS, Deadline
from models.deadlines.service import deadlines_for_case, standards_for
from models.deadlines.standards import Standards
from models.errors import FeltmappeError
from models.home_visits import (
    HOME_VISIT_RULE,
    current_assessment,
    register_home_visit,
    register_no_home_visit,
)
from models.vault import Vault
from models.vocabulary import PARTY_ROLE_LABELS, PartyRole

SessionFactory = Callable[[], AbstractContextManager[Session]]

PARTY_ROLE = Qt.ItemDataRole.UserRole + 1
NO_ASSESSMENT = (
    "Der er ingen igangværende børnefaglig undersøgelse. Et hjemmebesøg kan stadig registreres."
)
VISIT_SAVED = "Hjemmebesøget er gemt."
REASON_SAVED = "Begrundelsen er gemt."


@dataclass(frozen=True)
class PartyChoice:
    person_id: str
    name: str
    role: str  # Danish label


@dataclass(frozen=True)
class HomeVisitState:
    """What the screen shows, copied out of the session."""

    parties: tuple[PartyChoice, ...]
    assessment_id: str | None
    reason: str
    deadline: Deadline | None


def load_state(
    sessions: SessionFactory, case_id: str, now: datetime, standards: Standards | None
) -> HomeVisitState:
    with sessions() as session:
        parties = tuple(
            PartyChoice(p.id, p.full_name, _role_label(PartyRole(cp.role)))
            for cp, p in services.case_parties(session, case_id)
        )
        assessment = current_assessment(session, case_id)
        deadline = None
        if assessment is not None:
            deadline = next(
                (
                    d
                    for d in deadlines_for_case(session, case_id, now, standards)
                    if d.rule == HOME_VISIT_RULE and d.subject_id == assessment.id
                ),
                None,
            )
        return HomeVisitState(
            parties=parties,
            assessment_id=None if assessment is None else assessment.id,
            reason="" if assessment is None else assessment.no_home_visit_reason,
            deadline=deadline,
        )


def _role_label(role: PartyRole) -> str:
    """Custody is one flag: the old role "forældremyndighedsindehaver" reads as a parent."""
    if role == PartyRole.FORAELDREMYNDIGHED:
        role = PartyRole.FORAELDER
    return PARTY_ROLE_LABELS.get(role, str(role))


def status_text(deadline: Deadline | None) -> str:
    """ "Opfyldt · frist 30.09.2025", with the documented reason of an exception."""
    if deadline is None:
        return "Fristen for hjemmebesøg kan ikke beregnes for sagen."
    text = STATUS_LABELS[deadline.status]
    if deadline.due_date is not None:
        text += f" · frist {deadline.due_date:%d.%m.%Y}"
    if deadline.reason:
        text += f"\nBegrundelse: {deadline.reason}"
    if deadline.missing:
        text += f"\nMangler: {', '.join(deadline.missing)}"
    return text


def _now_to_minute() -> QDateTime:
    now = QDateTime.currentDateTime()
    now.setTime(now.time().addSecs(-now.time().second()))
    return now


class HomeVisitWidget(QWidget):
    """Register hjemmebesøg for one case. ``vault`` may be a ``Vault`` (its deadline settings
    are used) or a callable returning a session context (the law's defaults are used)."""

    #: Emitted after a visit or a reason was saved (the case view refreshes its timeline).
    saved = Signal()

    def __init__(
        self,
        vault: Vault | SessionFactory,
        case_id: str,
        *,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        submit: Submit | None = None
        if isinstance(vault, Vault):
            self._sessions: SessionFactory = vault.session
            # Screens read with sessions that never wait for the writer.
            self._reads: SessionFactory = vault.reading
            self._standards: Standards | None = standards_for(vault)
            submit = vault.writer.submit
        else:
            self._sessions = self._reads = vault
            self._standards = None
        self._writes = Writes(vault, self)  # saves run on the vault's writer thread
        self.case_id = case_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._state: HomeVisitState | None = None

        heading = QLabel("Hjemmebesøg", self)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)

        # -- the deadline --------------------------------------------------------------------
        self.status_title = QLabel("Frist for hjemmebesøg under undersøgelsen:", self)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        status_font = self.status.font()
        status_font.setBold(True)
        self.status.setFont(status_font)

        # -- a visit that took place -------------------------------------------------------
        self.visit_box = QGroupBox("Registrér hjemmebesøg", self)
        self.held = QDateTimeEdit(_now_to_minute(), self.visit_box)
        self.held.setObjectName("held")
        self.held.setAccessibleName("Dato og tid")
        self.held.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.held.setCalendarPopup(True)
        self.present = QListWidget(self.visit_box)
        self.present.setObjectName("present")
        self.present.setAccessibleName("Hvem var til stede")
        self.present.setMaximumHeight(150)
        self.others = QLineEdit(self.visit_box)
        self.others.setObjectName("others")
        self.others.setAccessibleName("Andre til stede")
        self.others.setPlaceholderText("Navne adskilt med komma, fx »morfar, tolk«")
        self.observations = QPlainTextEdit(self.visit_box)
        self.observations.setObjectName("observations")
        self.observations.setAccessibleName("Iagttagelser")
        self.observations.setPlaceholderText(
            "Hvad så og hørte du? Hjemmet, stemningen, barnets samspil med forældrene …"
        )
        self.save_visit_button = QPushButton("Gem hjemmebesøg", self.visit_box)
        self.save_visit_button.setObjectName("save_visit")
        self.save_visit_button.clicked.connect(self.save_visit)
        self.visit_error = ErrorLabel(self.visit_box)
        self.visit_error.setObjectName("visit_error")
        self.visit_done = QLabel(self.visit_box)
        self.visit_done.setObjectName("visit_done")

        form = QFormLayout()
        form.addRow(self._label("&Dato og tid", self.held), self.held)
        form.addRow(self._label("Hvem var til &stede", self.present), self.present)
        form.addRow(self._label("&Andre til stede", self.others), self.others)
        form.addRow(self._label("&Iagttagelser", self.observations), self.observations)
        visit_buttons = QHBoxLayout()
        visit_buttons.addWidget(self.visit_done, 1)
        visit_buttons.addWidget(self.save_visit_button)
        visit_layout = QVBoxLayout(self.visit_box)
        visit_layout.addLayout(form)
        visit_layout.addWidget(self.visit_error)
        visit_layout.addLayout(visit_buttons)

        # -- no visit, with the reason ----------------------------------------------------
        self.reason_box = QGroupBox("Hjemmebesøg fandt ikke sted", self)
        self.reason = QPlainTextEdit(self.reason_box)
        self.reason.setObjectName("reason")
        self.reason.setAccessibleName("Begrundelse")
        self.reason.setPlaceholderText("Hvorfor blev der ikke aflagt hjemmebesøg?")
        self.reason.setMaximumHeight(80)
        self.save_reason_button = QPushButton("Gem begrundelse", self.reason_box)
        self.save_reason_button.setObjectName("save_reason")
        self.save_reason_button.clicked.connect(self.save_reason)
        self.reason_error = ErrorLabel(self.reason_box)
        self.reason_error.setObjectName("reason_error")
        self.reason_done = QLabel(self.reason_box)
        self.reason_done.setObjectName("reason_done")
        reason_buttons = QHBoxLayout()
        reason_buttons.addWidget(self.reason_done, 1)
        reason_buttons.addWidget(self.save_reason_button)
        reason_layout = QVBoxLayout(self.reason_box)
        reason_layout.addWidget(self._label("&Begrundelse", self.reason))
        reason_layout.addWidget(self.reason)
        reason_layout.addWidget(self.reason_error)
        reason_layout.addLayout(reason_buttons)

        self.load_error = ErrorLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.status_title)
        layout.addWidget(self.status)
        layout.addWidget(self.load_error)
        layout.addWidget(self.visit_box, 1)
        layout.addWidget(self.reason_box)
        self.drafts: DraftKeeper | None = None
        self.refresh(parties=True)
        # What was typed and not saved comes back after a lock, a crash or a restart.
        self.drafts = DraftKeeper(
            self._sessions,
            "home_visit",
            case_id,
            {
                "held": self.held,
                "present": self.present,
                "others": self.others,
                "observations": self.observations,
                "reason": self.reason,
            },
            case_id=case_id,
            submit=submit,
            reads=self._reads,
            parent=self,
        )
        self.drafts.restore()

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    # -- loading ----------------------------------------------------------------------------

    def on_changes(self, changes: ChangeSet) -> None:
        """A change to this case (a sync, another window) may move the deadline or the parties;
        what is typed and ticked stays."""
        if changes.touches_case(self.case_id):
            self.refresh(parties=changes.touches("case_party", "person"))

    def refresh(self, *, parties: bool = False) -> None:
        """Reload the deadline (and, on ``parties``, the list of parties to tick)."""
        if self.drafts is not None:
            with self.drafts.quiet():
                self._refresh(parties)
        else:
            self._refresh(parties)

    def _refresh(self, parties: bool) -> None:
        try:
            state = load_state(self._reads, self.case_id, self._clock(), self._standards)
        except FeltmappeError as err:
            self.load_error.show_error(err, prefix="Hjemmebesøg kan ikke vises. ")
            return
        self.load_error.clear_error()
        self._state = state
        open_assessment = state.assessment_id is not None
        self.status_title.setVisible(open_assessment)
        self.status.setText(status_text(state.deadline) if open_assessment else NO_ASSESSMENT)
        self.reason_box.setVisible(open_assessment)
        if open_assessment and not self.reason.toPlainText().strip():
            self.reason.setPlainText(state.reason)
        if parties:
            ticked = {
                self.present.item(i).text()
                for i in range(self.present.count())
                if self.present.item(i).checkState() == Qt.CheckState.Checked
            }
            self.present.clear()
            for party in state.parties:
                item = QListWidgetItem(f"{party.name} ({party.role})")
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(
                    Qt.CheckState.Checked if item.text() in ticked else Qt.CheckState.Unchecked
                )
                item.setData(PARTY_ROLE, party)
                self.present.addItem(item)

    @property
    def assessment_id(self) -> str | None:
        return None if self._state is None else self._state.assessment_id

    # -- input ------------------------------------------------------------------------------

    def held_on(self) -> datetime:
        """The typed date and time, in the computer's time zone, as an aware datetime."""
        naive: datetime = self.held.dateTime().toPython()  # type: ignore[assignment]
        return naive.astimezone()

    def attendees(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row in range(self.present.count()):
            item = self.present.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                party: PartyChoice = item.data(PARTY_ROLE)
                out.append({"person_id": party.person_id, "name": party.name, "role": party.role})
        for name in self.others.text().split(","):
            if name.strip():
                out.append({"person_id": None, "name": name.strip(), "role": ""})
        return out

    # -- saving -----------------------------------------------------------------------------

    def save_visit(self) -> bool:
        """Hand the visit to the vault's writer; the form is emptied when it is written."""
        self.visit_done.clear()
        case_id, held_on, present = self.case_id, self.held_on(), self.attendees()
        observations, now = self.observations.toPlainText(), self._clock()

        def write(session: Session) -> None:
            register_home_visit(
                session,
                case_id,
                held_on=held_on,
                present=present,
                observations=observations,
                now=now,
            )

        def saved(_: None) -> None:
            self.visit_error.clear_error()
            assert self.drafts is not None
            with self.drafts.quiet():
                self.observations.clear()
                self.others.clear()
                for row in range(self.present.count()):
                    self.present.item(row).setCheckState(Qt.CheckState.Unchecked)
                self.held.setDateTime(_now_to_minute())
            self.drafts.rewrite()  # the visit is saved; a reason being typed stays a draft
            self.visit_done.setText(VISIT_SAVED)
            self.refresh()
            self.saved.emit()

        self._writes.run(
            write,
            saved,
            lambda err: self.visit_error.show_error(err, prefix="Hjemmebesøget er ikke gemt. "),
            busy=[self.save_visit_button],
        )
        return True

    def save_reason(self) -> bool:
        self.reason_done.clear()
        if self.assessment_id is None:
            return False
        assessment_id, reason = self.assessment_id, self.reason.toPlainText()

        def saved(_: object) -> None:
            self.reason_error.clear_error()
            if self.drafts is not None:
                self.drafts.rewrite()
            self.reason_done.setText(REASON_SAVED)
            self.refresh()
            self.saved.emit()

        self._writes.run(
            lambda session: register_no_home_visit(session, assessment_id, reason),
            saved,
            lambda err: self.reason_error.show_error(err, prefix="Begrundelsen er ikke gemt. "),
            busy=[self.save_reason_button],
        )
        return True
