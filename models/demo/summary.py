"""What a demo run wrote, for the command line: cases per stage, deadlines per status, rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from models.deadlines.types import STATUS_LABELS, DeadlineStatus
from models.vocabulary import STAGE_LABELS, TABLE_LABELS, CaseStage


@dataclass(frozen=True)
class DemoSummary:
    """What ``generate`` wrote: rows per table (by table name, including the outbox
    ``change_entry`` and the access log ``audit_event``), cases per stage and the deadlines
    by status at the moment of generation. No case data."""

    seed: int
    today: date
    cases: int
    tables: Mapping[str, int]
    stages: Mapping[CaseStage, int]
    #: Deadlines of the open cases by status at the moment of generation.
    deadlines: Mapping[DeadlineStatus, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary in Danish, one line each, for the command line."""
        out = [f"Sager: {self.cases} (frø {self.seed}, dato {self.today.isoformat()})"]
        out += [f"  {STAGE_LABELS[s]}: {self.stages.get(s, 0)}" for s in CaseStage]
        if self.deadlines:
            out.append("Frister:")
            out += [
                f"  {STATUS_LABELS[s]}: {self.deadlines.get(s, 0)}"
                for s in DeadlineStatus
                if s in self.deadlines
            ]
        out.append("Rækker:")
        out += [f"  {TABLE_LABELS.get(name, name)}: {n}" for name, n in sorted(self.tables.items())]
        return out
