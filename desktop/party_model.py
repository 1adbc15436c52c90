"""The case's parties as a table (the "Personer" tab), on the app's one table-model base: one
``PartyRow`` copied out of the session per party, the columns a caseworker reads, the CPR number
masked unless "Vis CPR" was asked for that person (and logged)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from desktop.display import format_date
from desktop.table_model import ROW_ROLE, SORT_ROLE, RowTableModel
from models import services
from models.cpr import mask
from models.schema import Case
from models.vocabulary import PARTY_ROLE_LABELS, PartyRole

SessionFactory = Callable[[], AbstractContextManager[Session]]

#: The ``PartyRow`` behind a row.
PARTY_ROLE = ROW_ROLE
__all__ = ["HEADERS", "PARTY_ROLE", "SORT_ROLE", "Column", "PartyRow", "PartyTableModel"]

_ROLE_ORDER = {role: i for i, role in enumerate(PartyRole)}


class Column(IntEnum):
    NAVN = 0
    ROLLE = 1
    CPR = 2
    FORAELDREMYNDIGHED = 3
    PARTSRETTIGHEDER = 4
    KONTAKT = 5
    BEMAERKNING = 6


HEADERS: dict[Column, str] = {
    Column.NAVN: "Navn",
    Column.ROLLE: "Rolle",
    Column.CPR: "CPR",
    Column.FORAELDREMYNDIGHED: "Forældremyndighed",
    Column.PARTSRETTIGHEDER: "Partsrettigheder",
    Column.KONTAKT: "Kontakt",
    Column.BEMAERKNING: "Bemærkning",
}


@dataclass(frozen=True)
class PartyRow:
    """What the table shows of one party, copied out of the session."""

    party_id: str
    person_id: str
    name: str
    role: PartyRole
    cpr: str | None
    birth_date: date | None
    unborn: bool
    expected_date: date | None
    has_custody: bool
    party_rights: bool
    is_case_child: bool
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    note: str = ""  # the person's note
    party_note: str = ""  # the person's role in this case, in words ("Mor", "Klasselærer")

    @property
    def role_text(self) -> str:
        if self.role == PartyRole.FORAELDREMYNDIGHED:
            return PARTY_ROLE_LABELS[PartyRole.FORAELDER]  # custody is its own column
        return PARTY_ROLE_LABELS.get(self.role, str(self.role))

    @property
    def contact(self) -> str:
        address = " ".join(self.address.split())
        return " · ".join(p for p in (self.phone, self.email, address) if p)

    @property
    def note_text(self) -> str:
        return " · ".join(p for p in (self.party_note, self.note) if p)

    @property
    def cpr_text(self) -> str:
        """The masked CPR number; without one, what is known of the birth instead."""
        if self.cpr:
            return mask(self.cpr)
        if self.unborn:
            termin = format_date(self.expected_date)
            return f"Ufødt, termin {termin}" if termin else "Ufødt"
        if self.birth_date:
            return f"Intet CPR (født {format_date(self.birth_date)})"
        return "Intet CPR"


def load_parties(sessions: SessionFactory, case_id: str) -> list[PartyRow]:
    with sessions() as session:
        case = services.get(session, Case, case_id)
        return [
            PartyRow(
                party_id=party.id,
                person_id=person.id,
                name=person.full_name,
                role=party.role,
                cpr=person.cpr,
                birth_date=person.birth_date,
                unborn=person.unborn,
                expected_date=person.expected_date,
                has_custody=party.has_custody or party.role == PartyRole.FORAELDREMYNDIGHED,
                party_rights=party.party_rights,
                is_case_child=person.id == case.child_id,
                first_name=person.first_name,
                last_name=person.last_name,
                phone=person.phone,
                address=person.address,
                email=person.email,
                note=person.note,
                party_note=party.note,
            )
            for party, person in services.case_parties(session, case_id)
        ]


class PartyTableModel(RowTableModel[PartyRow]):
    """The case's parties; ``reload()`` reads them again."""

    columns = Column
    headers = HEADERS
    cell_roles: ClassVar[frozenset[int]] = frozenset({Qt.ItemDataRole.ToolTipRole})

    def __init__(self, sessions: SessionFactory, case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._sessions = sessions
        self.case_id = case_id
        #: Persons whose full CPR number the user asked to see ("Vis CPR", logged).
        self.revealed: set[str] = set()

    def reload(self) -> None:
        self.set_rows(load_parties(self._sessions, self.case_id))

    def party_row(self, row: int) -> PartyRow:
        return self.row_object(row)

    def is_case_child(self, party_id: str) -> bool:
        return any(r.party_id == party_id and r.is_case_child for r in self.rows)

    def display(self, row: PartyRow, column: Column) -> str:
        if column == Column.NAVN:
            return row.name
        if column == Column.ROLLE:
            return row.role_text
        if column == Column.CPR:
            return row.cpr if row.cpr and row.person_id in self.revealed else row.cpr_text
        if column == Column.FORAELDREMYNDIGHED:
            return "Ja" if row.has_custody else "Nej"
        if column == Column.KONTAKT:
            return row.contact
        if column == Column.BEMAERKNING:
            return row.note_text
        return "Ja" if row.party_rights else "Nej"

    def sort_value(self, row: PartyRow, column: Column) -> Any:
        if column == Column.ROLLE:
            # The child first, then the case's order of roles, then by name.
            return f"{0 if row.is_case_child else 1}{_ROLE_ORDER.get(row.role, 99):02d}{row.name}"
        if column == Column.CPR:
            return row.cpr or ""
        return super().sort_value(row, column)

    def cell_data(self, row: PartyRow, column: Column, role: int) -> Any:
        # (ToolTipRole, the only other role asked for)
        if column in (Column.KONTAKT, Column.BEMAERKNING):
            return self.display(row, column) or None  # the whole text of a cut cell
        if row.is_case_child:
            return "Barnet, som sagen handler om"
        return None
