"""What a unit of work changed, announced to whoever listens (after Anki's ``OpChanges``): the
tables and the cases touched. The vault announces after every commit of a tracked session and
after every page the sync stores; screens refresh what concerns them. No Qt here: the desktop
turns announcements into a signal on the GUI thread (``desktop.changes``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger("feltmappe.changes")

#: Tables whose changes no screen shows (the outbox, the access log, local bookkeeping).
QUIET_TABLES = frozenset({"change_entry", "audit_event", "local_setting", "draft"})


@dataclass(frozen=True)
class ChangeSet:
    """``tables`` changed; ``case_ids`` are the cases whose rows changed (a person or user row
    has no case: look at ``tables``). ``from_sync`` when the rows came from the central store.
    ``everything`` when the extent is unknown (a vault replaced, a case removed by the sync)."""

    tables: frozenset[str] = frozenset()
    case_ids: frozenset[str] = frozenset()
    from_sync: bool = False
    everything: bool = False

    def touches(self, *tables: str) -> bool:
        return self.everything or not self.tables.isdisjoint(tables)

    def touches_case(self, case_id: str) -> bool:
        """True when rows of ``case_id`` changed, or persons (who may be its parties)."""
        return self.everything or case_id in self.case_ids or "person" in self.tables

    def __bool__(self) -> bool:
        return self.everything or bool(self.tables)

    def merged(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(
            self.tables | other.tables,
            self.case_ids | other.case_ids,
            self.from_sync or other.from_sync,
            self.everything or other.everything,
        )

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str | None]], *, from_sync: bool = False) -> ChangeSet:
        """From (table, case id) pairs; quiet tables are left out."""
        tables: set[str] = set()
        cases: set[str] = set()
        for table, case_id in rows:
            if table in QUIET_TABLES:
                continue
            tables.add(table)
            if case_id:
                cases.add(case_id)
        return cls(frozenset(tables), frozenset(cases), from_sync)


Listener = Callable[[ChangeSet], None]


class Announcer:
    """Listeners of one vault. ``announce`` runs on the thread that committed; a listener must
    be quick and thread-safe (the desktop's only queues a signal). A failing listener is
    logged by type and never undoes or blocks the write that was announced."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def forget(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def announce(self, changes: ChangeSet) -> None:
        if not changes:
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(changes)
            except Exception as exc:  # a screen's bug must not fail a write
                log.error("change listener failed: %s", type(exc).__name__)
