"""A read-only summary of one case: the child and the parties with their roles. Loading it goes
through ``services.open_case``, so every view is in the case's access log (logning)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.display import format_date
from desktop.messages import error_text
from models import services
from models.deadlines import STATUS_LABELS
from models.deadlines.calendar import DK
from models.deadlines.service import deadlines_for_case, standards_for
from models.errors import FeltmappeError
from models.vault import Vault
from models.vocabulary import PARTY_ROLE_LABELS, STAGE_LABELS, PartyRole


@dataclass(frozen=True)
class PartyLine:
    name: str
    role: str
    cpr: str
    custody: bool
    party_rights: bool


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


def load_case_summary(vault: Vault, case_id: str) -> CaseSummary:
    """Open the case (logged as "vist") and copy out what the summary shows."""
    with vault.session() as session:
        case = services.open_case(session, case_id)
        parties = services.case_parties(session, case.id)
        child = next((p for cp, p in parties if p.id == case.child_id), None)
        role_order = {role: i for i, role in enumerate(PartyRole)}
        parties.sort(
            key=lambda pair: (role_order.get(PartyRole(pair[0].role), 99), pair[1].first_name)
        )
        lines = tuple(
            PartyLine(
                name=f"{p.first_name} {p.last_name}".strip(),
                role=PARTY_ROLE_LABELS.get(PartyRole(cp.role), str(cp.role)),
                cpr=p.cpr or "",
                custody=cp.has_custody,
                party_rights=cp.party_rights,
            )
            for cp, p in parties
        )
        deadlines = _deadline_lines(session, vault, case.id)
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
            deadlines=deadlines,
            interventions=running,
            case_id=case.id,
            case_number=case.case_number,
            child_name=f"{child.first_name} {child.last_name}".strip() if child else "",
            child_cpr=(child.cpr or "") if child else "",
            child_birth_date=child.birth_date if child else None,
            stage=STAGE_LABELS[case.stage],
            opened_on=case.opened_on,
            parties=lines,
        )


def _deadline_lines(
    session: Session, vault: Vault, case_id: str
) -> tuple[tuple[str, str, str, str], ...]:
    """The case's open deadlines from the engine, most urgent first; an impossible date or a bad
    settings file is shown as one line instead of hiding the case."""
    try:
        found = deadlines_for_case(session, case_id, datetime.now(DK), standards_for(vault))
    except FeltmappeError as err:
        return (("", error_text(err), "Mangler oplysninger", ""),)
    return tuple(
        (
            format_date(d.due_date) if d.due_date else "",
            d.title + (f" (mangler: {', '.join(d.missing)})" if d.missing else ""),
            STATUS_LABELS[d.status],
            d.legal_basis,
        )
        for d in found
        if d.is_open
    )


DEADLINE_HEADERS = ["Frist", "Hvad", "Status", "Hjemmel"]
INTERVENTION_HEADERS = ["Indsats", "Hjemmel", "Trin", "Start"]
PARTY_HEADERS = ["Navn", "Rolle", "CPR", "Forældremyndighed", "Partsrettigheder"]


class CaseSummaryDialog(QDialog):
    """Shows a ``CaseSummary``; read-only."""

    def __init__(self, summary: CaseSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = summary
        self.setWindowTitle(f"Sag {summary.case_number}")
        self.setMinimumSize(780, 540)
        self.resize(1100, 700)  # fits a 1366×768 laptop screen with the taskbar

        title = self._value(summary.child_name)
        title.setObjectName("child")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)

        facts = QFormLayout()
        facts.addRow("Sagsnummer:", self._value(summary.case_number))
        facts.addRow("CPR-nummer:", self._value(summary.child_cpr or "–"))
        facts.addRow("Fødselsdato:", self._value(format_date(summary.child_birth_date) or "–"))
        facts.addRow("Fase:", self._value(summary.stage))
        facts.addRow("Oprettet:", self._value(format_date(summary.opened_on)))

        self.parties = QTableWidget(len(summary.parties), len(PARTY_HEADERS), self)
        self.parties.setObjectName("parties")
        self.parties.setHorizontalHeaderLabels(PARTY_HEADERS)
        self.parties.verticalHeader().hide()
        self.parties.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.parties.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.parties.setAccessibleName("Sagens parter")
        for r, party in enumerate(summary.parties):
            values = [
                party.name,
                party.role,
                party.cpr,
                "Ja" if party.custody else "",
                "Ja" if party.party_rights else "",
            ]
            for c, value in enumerate(values):
                self.parties.setItem(r, c, QTableWidgetItem(value))
        self.parties.setWordWrap(False)
        self.parties.resizeColumnsToContents()
        self.parties.horizontalHeader().setStretchLastSection(True)

        buttons = QDialogButtonBox(self)
        close = buttons.addButton("Luk", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)

        overview = QWidget(self)
        inner = QVBoxLayout(overview)
        inner.addLayout(facts)
        self.deadlines = _read_only_table(DEADLINE_HEADERS, summary.deadlines, overview)
        self.deadlines.setObjectName("deadlines")
        self.interventions = _read_only_table(INTERVENTION_HEADERS, summary.interventions, overview)
        self.interventions.setObjectName("interventions")
        for label, table in (
            ("Åbne frister", self.deadlines),
            ("Aktive indsatser", self.interventions),
        ):
            heading = QLabel(label, overview)
            bold_font = heading.font()
            bold_font.setBold(True)
            heading.setFont(bold_font)
            inner.addWidget(heading)
            inner.addWidget(table, 1)
        parties_label = QLabel("Parter i sagen", overview)
        bold = parties_label.font()
        bold.setBold(True)
        parties_label.setFont(bold)
        inner.addWidget(parties_label)
        inner.addWidget(self.parties, 1)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(overview, "&Overblik")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def add_tab(self, title: str, widget: QWidget) -> int:
        """Another screen of the case (the journal …) beside the overview."""
        return self.tabs.addTab(widget, title)

    def _value(self, text: str) -> QLabel:
        # Plain text: a name is never interpreted as markup; selectable so it can be copied.
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label


def _read_only_table(
    headers: list[str], rows: tuple[tuple[str, ...], ...], parent: QWidget
) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(False)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return table
