"""Sync on the desktop: ``SyncController`` runs ``sync.client`` in the background (on a timer,
after unlock and on "Synkroniser nu"), ``SyncStatusBar`` shows online/offline, waiting changes
and the last successful sync, and ``SyncPanel`` lists conflicts and rejected changes for the
caseworker to settle. Nothing here deletes the outbox: only the server's answer does."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import error_text
from desktop.ops import Writes
from desktop.sync_views import (
    ConflictView,
    RejectedView,
    load_conflicts,
    load_quarantined,
    load_rejected,
)
from desktop.table_model import ROW_ROLE, RowTableModel, SortingProxy, keep_selection
from desktop.tasks import run_in_background
from desktop.widgets import ErrorLabel, log_refusal
from models import settings
from models.changes import ChangeSet
from models.errors import FeltmappeError
from models.vault import Vault
from sync.client import enrolment
from sync.client import state as sync_state
from sync.client.keys import LAST_ERROR_KEY, URL_KEY
from sync.client.replication import SyncClient, SyncReport
from sync.client.state import SyncStatus
from sync.client.transport import Connection
from sync.errors import DeviceRevoked, ServerUnreachable

log = logging.getLogger("feltmappe.sync.ui")

#: The first automatic sync after unlock, and how often the status bar re-reads the counts.
FIRST_SYNC_DELAY_MS = 3000
STATUS_REFRESH_MS = 3000

NOT_CONNECTED = "Gemt krypteret på denne computer · ikke forbundet til en central server"
ONLINE = "Forbundet"
OFFLINE = "Ingen forbindelse"
NEVER = "Aldrig synkroniseret"
REVOKED_TEXT = "Denne computer er spærret af administratoren. Sagsdata på computeren er slettet."
UPGRADE_TEXT = (
    "Den centrale server kræver en nyere version af Feltmappe. Dine ændringer er gemt på "
    "computeren og sendes, når programmet er opdateret."
)

# -- texts of the status bar ---------------------------------------------------------------


def pending_text(pending: int) -> str:
    if pending == 0:
        return "Ingen ændringer venter"
    return "1 ændring venter" if pending == 1 else f"{pending} ændringer venter"


def last_sync_text(last: datetime | None, now: datetime | None = None) -> str:
    """ "Sidst synkroniseret kl. 14:05" today, with the date ("3.11. kl. 14:05") otherwise."""
    if last is None:
        return NEVER
    local = last.astimezone()
    today = (now or datetime.now().astimezone()).date()
    if local.date() == today:
        return f"Sidst synkroniseret kl. {local:%H:%M}"
    return f"Sidst synkroniseret {local.day:02d}.{local.month:02d}. kl. {local:%H:%M}"


def problems_text(conflicts: int, rejected: int) -> str:
    parts = []
    if conflicts:
        parts.append("1 konflikt" if conflicts == 1 else f"{conflicts} konflikter")
    if rejected:
        parts.append("1 afvist ændring" if rejected == 1 else f"{rejected} afviste ændringer")
    return " · ".join(parts)


def sync_interval_ms(vault: Vault) -> int:
    """The minutes between automatic syncs, from the settings registry."""
    return settings.get(vault, settings.SYNC_INTERVAL_MINUTES) * 60_000


class _Cancelled(Exception):
    """Raised from the progress callback to end a sync early (the vault is being locked)."""


# -- the controller ------------------------------------------------------------------------


class SyncController(QObject):
    """Runs at most one sync at a time on the thread pool and keeps the status the screens show.

    The worker only calls ``sync.client``; its progress comes back through ``progress`` (a signal,
    so Qt queues it onto the GUI thread), its result through ``desktop.tasks``."""

    status_changed = Signal(object)  # SyncStatus
    running_changed = Signal(bool)
    progress = Signal(str, int, int)
    synced = Signal(object)  # SyncReport
    failed = Signal(object)  # the SyncError, after the status was updated
    revoked = Signal()

    def __init__(
        self,
        vault: Vault,
        parent: QObject | None = None,
        *,
        connection_for: Callable[[Vault], Connection] = enrolment.connection_for,
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self._writes = Writes(vault, self)  # the user's choices are written on the writer
        self.connection_for = connection_for  # tests put a slow or dead transport here
        self.running = False
        self.status: SyncStatus | None = None
        self.offline = False
        self._stopped = False
        self._cancel = False
        self._again = False
        self._auto = QTimer(self)
        self._auto.timeout.connect(self.sync_now)
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.timeout.connect(self.sync_now)
        self._poll = QTimer(self)
        self._poll.timeout.connect(self.refresh)

    # -- life --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the timers: the first sync shortly after unlock, then every few minutes."""
        # Offline until a sync succeeds, when the last one found no server (before a lock).
        self.offline = self._vault.setting(LAST_ERROR_KEY) == ServerUnreachable.code
        self.refresh()
        self._poll.start(STATUS_REFRESH_MS)
        self._auto.start(sync_interval_ms(self._vault))
        if self.connected:
            self._first.start(FIRST_SYNC_DELAY_MS)

    @property
    def interval_ms(self) -> int:
        return self._auto.interval()

    def set_interval_ms(self, ms: int) -> None:
        """A new interval between automatic syncs (the setting changed), counted from now."""
        if self._auto.isActive():
            self._auto.start(ms)
        else:
            self._auto.setInterval(ms)

    def stop(self) -> None:
        """Before the vault is locked: no new sync, and a running one ends at its next page
        (what was committed stays; the outbox is untouched). Wait with ``wait_for_background``."""
        self._stopped = True
        self._cancel = True
        for timer in (self._auto, self._first, self._poll):
            timer.stop()

    # -- status ------------------------------------------------------------------------

    def refresh(self) -> SyncStatus | None:
        """Re-read the counts (a few indexed counts: cheap enough for a timer)."""
        if self._stopped or not self._vault.is_open:
            return self.status
        try:
            self.status = sync_state.status(self._vault)
        except FeltmappeError as err:
            log_refusal(err)
            return self.status
        self.status_changed.emit(self.status)
        return self.status

    @property
    def connected(self) -> bool:
        return self.status is not None and self.status.connected

    # -- sync --------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """Start a sync in the background; False when one runs already or none can run."""
        if self._stopped or self.running:
            if self.running:
                self._again = True  # a change made meanwhile (a resolved conflict) goes too
            return False
        if not enrolment.is_connected(self._vault):
            self.refresh()
            return False
        self.running = True
        self._cancel = False
        self._again = False
        self.running_changed.emit(True)
        vault, connection_for = self._vault, self.connection_for

        def work() -> SyncReport:
            conn = connection_for(vault)
            try:
                return SyncClient(vault, conn, progress=self._report_progress).sync()
            finally:
                conn.close()

        run_in_background(work, self._done, self._error)
        return True

    def _report_progress(self, phase: str, done: int, total: int) -> None:
        # On the worker thread: only a signal (queued to the GUI thread) and a flag.
        if self._cancel:
            raise _Cancelled()
        self.progress.emit(phase, done, total)

    def _finish(self) -> bool:
        """Common end of a sync; False when the controller was stopped meanwhile."""
        if self._stopped:
            return False
        self.running = False
        self.running_changed.emit(False)
        return True

    def _done(self, report: SyncReport) -> None:
        if not self._finish():
            return
        self.offline = False
        log.info(
            "synced: %d pushed, %d pulled, %d conflicts, %d rejected",
            report.pushed,
            report.pulled,
            report.conflicts,
            report.rejected,
        )
        self.refresh()
        self.synced.emit(report)
        if self._again:
            QTimer.singleShot(0, self.sync_now)

    def _error(self, exc: BaseException) -> None:
        if not self._finish():
            return
        if isinstance(exc, DeviceRevoked):
            log.warning("the central store has revoked this device")
            self.stop()
            self.revoked.emit()
            return
        if isinstance(exc, ServerUnreachable):
            log.info("sync: the central store did not answer")
            self.offline = True
        elif isinstance(exc, FeltmappeError):
            log_refusal(exc)
        else:
            log.error("sync failed: %s", type(exc).__name__)
        self.refresh()
        self.failed.emit(exc)

    # -- the user's choices ------------------------------------------------------------

    def resolve(
        self,
        conflict_ids: Sequence[str],
        choice: str,
        on_done: Callable[[], object],
        on_error: Callable[[FeltmappeError], object],
    ) -> None:
        """Settle conflicts on the vault's writer (the GUI thread does not wait for a sync
        storing a page), then sync the choice."""
        vault, ids = self._vault, list(conflict_ids)

        def job() -> None:
            for conflict_id in ids:
                sync_state.resolve(vault, conflict_id, choice)

        self._writes.call(job, lambda _: self._changed(on_done), on_error)

    def retry(
        self,
        seqs: Sequence[int],
        on_done: Callable[[], object],
        on_error: Callable[[FeltmappeError], object],
    ) -> None:
        """Send rejected changes again (queued on the writer), then sync."""
        vault, chosen = self._vault, list(seqs)
        self._writes.call(
            lambda: sync_state.retry(vault, chosen), lambda _: self._changed(on_done), on_error
        )

    def _changed(self, then: Callable[[], object]) -> None:
        self.refresh()
        self.sync_now()
        then()

    def discard(self, seqs: Sequence[int], on_done: Callable[[BaseException | None], None]) -> None:
        """Throw rejected changes away (asks the server for its rows, so in the background)."""
        vault, connection_for = self._vault, self.connection_for

        def work() -> None:
            conn = connection_for(vault)
            try:
                SyncClient(vault, conn).discard(seqs)
            finally:
                conn.close()

        def done(_result: object) -> None:
            if not self._stopped:
                self.refresh()
                on_done(None)

        def failed(exc: BaseException) -> None:
            if self._stopped:
                return
            if isinstance(exc, DeviceRevoked):
                self.stop()
                self.revoked.emit()
                return
            if isinstance(exc, ServerUnreachable):
                self.offline = True
            self.refresh()
            on_done(exc)

        run_in_background(work, done, failed)


# -- the status bar ------------------------------------------------------------------------


class SyncStatusBar(QWidget):
    """Online/offline, waiting changes, the last sync, problems to settle, and a progress bar
    with the "Synkroniser nu" button. Lives in the main window's status bar."""

    problems_clicked = Signal()

    def __init__(
        self, controller: SyncController, sync_action: QAction, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self.state = QLabel(NOT_CONNECTED, self)
        self.state.setObjectName("sync_state")
        self.pending = QLabel(self)
        self.pending.setObjectName("sync_pending")
        self.last = QLabel(NEVER, self)
        self.last.setObjectName("sync_last")
        self.problems = QPushButton(self)
        self.problems.setObjectName("sync_problems")
        self.problems.setFlat(True)
        self.problems.setStyleSheet("color: #8a4b00; font-weight: bold;")  # amber on light grey
        self.problems.setToolTip("Vis konflikter og afviste ændringer")
        self.problems.clicked.connect(self.problems_clicked)
        self.problems.hide()
        self.bar = QProgressBar(self)
        self.bar.setObjectName("sync_progress")
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Synkronisering i gang")
        self.bar.hide()
        self.button = QToolButton(self)
        self.button.setDefaultAction(sync_action)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for label in (self.state, self.pending, self.last):
            label.setTextFormat(Qt.TextFormat.PlainText)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        for widget in (self.problems, self.state, self.pending, self.last, self.bar, self.button):
            layout.addWidget(widget)

        controller.status_changed.connect(self.show_status)
        controller.running_changed.connect(self._running)
        controller.progress.connect(self._progress)

    def show_status(self, status: SyncStatus) -> None:
        # A profile that was never connected has nothing "waiting": all is saved here, and a
        # count of thousands of changes would only alarm.
        self.pending.setVisible(status.connected)
        self.last.setVisible(status.connected)
        self.button.setVisible(status.connected)
        if not status.connected:
            self.state.setText(NOT_CONNECTED)
        else:
            self.state.setText(OFFLINE if self._controller.offline else ONLINE)
        self.state.setStyleSheet("color: #a30014;" if self.state.text() == OFFLINE else "")
        self.pending.setText(pending_text(status.pending))
        self.last.setText(last_sync_text(status.last_success))
        text = problems_text(status.conflicts, status.rejected)
        self.problems.setText(f"⚠ {text}" if text else "")
        self.problems.setVisible(bool(text))

    def _running(self, running: bool) -> None:
        if running:
            self.bar.setRange(0, 0)  # busy until the first progress report
        self.bar.setVisible(running)

    def _progress(self, _phase: str, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))


# -- the panel: conflicts and rejected changes ---------------------------------------------


class ConflictColumn(IntEnum):
    SAG = 0
    HVAD = 1
    FELT = 2
    MIN = 3
    SERVER = 4


class RejectedColumn(IntEnum):
    SAG = 0
    HVAD = 1
    AENDRING = 2
    AARSAG = 3


class QuarantineColumn(IntEnum):
    SAG = 0
    HVAD = 1
    FELTER = 2
    STATUS = 3


class _ListModel(RowTableModel[Any]):
    """Rows of frozen views, one attribute per column (``attrs``); ``ROW_ROLE`` gives the view,
    the tooltip the whole of a cut text."""

    attrs: ClassVar[Mapping[Any, str]]
    text_tooltips = True
    keep_texts = True

    def display(self, row: Any, column: Any) -> str:
        return str(getattr(row, self.attrs[column]))


class ConflictModel(_ListModel):
    columns = ConflictColumn
    headers: ClassVar[Mapping[Any, str]] = {
        ConflictColumn.SAG: "Sag",
        ConflictColumn.HVAD: "Hvad",
        ConflictColumn.FELT: "Felt",
        ConflictColumn.MIN: "Din værdi",
        ConflictColumn.SERVER: "Serverens værdi",
    }
    attrs: ClassVar[Mapping[Any, str]] = {
        ConflictColumn.SAG: "case",
        ConflictColumn.HVAD: "what",
        ConflictColumn.FELT: "field",
        ConflictColumn.MIN: "mine",
        ConflictColumn.SERVER: "theirs",
    }


class RejectedModel(_ListModel):
    columns = RejectedColumn
    headers: ClassVar[Mapping[Any, str]] = {
        RejectedColumn.SAG: "Sag",
        RejectedColumn.HVAD: "Hvad",
        RejectedColumn.AENDRING: "Ændring",
        RejectedColumn.AARSAG: "Årsag",
    }
    attrs: ClassVar[Mapping[Any, str]] = {
        RejectedColumn.SAG: "case",
        RejectedColumn.HVAD: "what",
        RejectedColumn.AENDRING: "change",
        RejectedColumn.AARSAG: "reason",
    }


class QuarantineModel(_ListModel):
    columns = QuarantineColumn
    headers: ClassVar[Mapping[Any, str]] = {
        QuarantineColumn.SAG: "Sag",
        QuarantineColumn.HVAD: "Hvad",
        QuarantineColumn.FELTER: "Ugyldige felter",
        QuarantineColumn.STATUS: "Status",
    }
    attrs: ClassVar[Mapping[Any, str]] = {
        QuarantineColumn.SAG: "case",
        QuarantineColumn.HVAD: "what",
        QuarantineColumn.FELTER: "fields",
        QuarantineColumn.STATUS: "state",
    }


def _table(model: _ListModel, name: str, parent: QWidget) -> tuple[QTableView, SortingProxy]:
    proxy = SortingProxy(parent)
    proxy.setSourceModel(model)
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return view, proxy


class SyncPanel(QWidget):
    """The "Synkronisering" tab: status, "Synkroniser nu", and the conflicts and rejected
    changes with the caseworker's choices."""

    connect_requested = Signal()

    def __init__(
        self,
        vault: Vault,
        controller: SyncController,
        sync_action: QAction,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self._controller = controller
        self._confirm: QMessageBox | None = None

        self.summary = QLabel(self)
        self.summary.setObjectName("sync_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.sync_button = QToolButton(self)
        self.sync_button.setDefaultAction(sync_action)
        self.sync_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.connect_button = QPushButton("Forbind til central server…", self)
        self.connect_button.clicked.connect(self.connect_requested)
        self.error = ErrorLabel(self)

        self.conflict_model = ConflictModel(self)
        self.conflicts, self.conflict_proxy = _table(self.conflict_model, "conflicts", self)
        self.conflicts.setAccessibleName("Konflikter")
        self.keep_server = QPushButton("Behold serverens", self)
        self.keep_server.setObjectName("keep_server")
        self.keep_server.clicked.connect(lambda: self._resolve("server"))
        self.use_mine = QPushButton("Brug min", self)
        self.use_mine.setObjectName("use_mine")
        self.use_mine.clicked.connect(lambda: self._resolve("client"))

        self.rejected_model = RejectedModel(self)
        self.rejected, self.rejected_proxy = _table(self.rejected_model, "rejected", self)
        self.rejected.setAccessibleName("Afviste ændringer")
        self.retry_button = QPushButton("Prøv igen", self)
        self.retry_button.setObjectName("retry")
        self.retry_button.clicked.connect(self._retry)
        self.discard_button = QPushButton("Kassér…", self)
        self.discard_button.setObjectName("discard")
        self.discard_button.clicked.connect(self.ask_discard)

        self.quarantine_model = QuarantineModel(self)
        self.quarantine, _proxy = _table(self.quarantine_model, "quarantine", self)
        self.quarantine.setAccessibleName("Modtaget med fejl")

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.connect_button)
        top.addWidget(self.sync_button)

        conflict_box = QGroupBox("Konflikter", self)
        hint = QLabel(
            "Samme felt er ændret både her og på en anden computer. Vælg hvilken værdi der skal "
            "gælde; valget sendes ved næste synkronisering.",
            conflict_box,
        )
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.keep_server)
        row.addWidget(self.use_mine)
        box_layout = QVBoxLayout(conflict_box)
        box_layout.addWidget(hint)
        box_layout.addWidget(self.conflicts, 1)
        box_layout.addLayout(row)

        rejected_box = QGroupBox("Afviste ændringer", self)
        hint = QLabel(
            "Den centrale server har afvist disse ændringer. De er gemt her, indtil du sender "
            "dem igen eller kasserer dem (så gælder serverens version).",
            rejected_box,
        )
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.retry_button)
        row.addWidget(self.discard_button)
        box_layout = QVBoxLayout(rejected_box)
        box_layout.addWidget(hint)
        box_layout.addWidget(self.rejected, 1)
        box_layout.addLayout(row)

        # Shown only when the store sent something this version cannot keep.
        self.quarantine_box = QGroupBox("Modtaget med fejl", self)
        hint = QLabel(
            "Disse oplysninger fra den centrale server har værdier, som ikke kan gemmes her, så "
            "sagen mangler oplysninger. Resten af sagen er gemt. De hentes igen, når de er "
            "rettet på serveren; kontakt IT, hvis de bliver ved med at stå her.",
            self.quarantine_box,
        )
        hint.setWordWrap(True)
        box_layout = QVBoxLayout(self.quarantine_box)
        box_layout.addWidget(hint)
        box_layout.addWidget(self.quarantine, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(conflict_box, 1)
        layout.addWidget(rejected_box, 1)
        layout.addWidget(self.quarantine_box, 1)

        for view in (self.conflicts, self.rejected):
            view.selectionModel().selectionChanged.connect(self._update_buttons)
        controller.status_changed.connect(self._status_changed)
        controller.running_changed.connect(lambda _running: self._update_buttons())
        controller.synced.connect(lambda _report: self.reload())
        controller.failed.connect(self._failed)
        self._counts: tuple[int, int] = (-1, -1)
        self.reload()

    # -- showing -----------------------------------------------------------------------

    def on_changes(self, changes: ChangeSet) -> None:
        """A conflict settled (here or in a sync) or cases removed: the lists follow."""
        if changes.touches("sync_conflict"):
            self.reload()

    def reload(self) -> None:
        if not self._vault.is_open:
            return
        try:
            conflicts, rejected = load_conflicts(self._vault), load_rejected(self._vault)
            quarantined = load_quarantined(self._vault)
        except FeltmappeError as err:
            self.error.show_error(err)
            return
        # Read again after every sync and status change: what the caseworker selected stays.
        kept = [
            keep_selection(self.conflicts, lambda c: c.conflict_id),
            keep_selection(self.rejected, lambda r: r.seq),
            keep_selection(self.quarantine, lambda q: q),
        ]
        self.conflict_model.set_rows(conflicts)
        self.rejected_model.set_rows(rejected)
        self.quarantine_model.set_rows(quarantined)
        self.quarantine_box.setVisible(bool(quarantined))
        self._counts = (len(conflicts), len(rejected))
        for view in (self.conflicts, self.rejected, self.quarantine):
            view.resizeColumnsToContents()
            for col in range(view.model().columnCount()):
                view.setColumnWidth(col, min(view.columnWidth(col), 320))
        for restore in kept:
            restore()
        self._update_buttons()

    def _status_changed(self, status: SyncStatus) -> None:
        self.connect_button.setVisible(not status.connected)
        if not status.connected:
            self.summary.setText(
                "Computeren er ikke forbundet til en central server. Sagerne gemmes kun her."
            )
        else:
            url = self._vault.setting(URL_KEY)
            state = OFFLINE if self._controller.offline else ONLINE
            self.summary.setText(
                f"Forbundet til {url} ({state}). {pending_text(status.pending)}. "
                f"{last_sync_text(status.last_success)}."
            )
        if (status.conflicts, status.rejected) != self._counts:
            self.reload()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ServerUnreachable):
            self.error.show_text(
                "Den centrale server svarer ikke. Ændringerne er gemt på computeren og sendes, "
                "når der er forbindelse igen."
            )
        elif isinstance(exc, FeltmappeError):
            self.error.show_error(exc)

    @staticmethod
    def _selected(view: QTableView) -> list[Any]:
        """The views of the selected rows, in the list's order."""
        rows = sorted(view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [i.data(ROW_ROLE) for i in rows]

    def selected_conflicts(self) -> list[ConflictView]:
        return self._selected(self.conflicts)

    def selected_rejected(self) -> list[RejectedView]:
        return self._selected(self.rejected)

    def _update_buttons(self) -> None:
        has_conflict = bool(self.selected_conflicts())
        has_rejected = bool(self.selected_rejected())
        busy = self._controller.running
        self.keep_server.setEnabled(has_conflict)
        self.use_mine.setEnabled(has_conflict)
        self.retry_button.setEnabled(has_rejected and not busy)
        self.discard_button.setEnabled(has_rejected and not busy)

    # -- choices -----------------------------------------------------------------------

    def _resolve(self, choice: str) -> None:
        self.error.clear_error()
        ids = [c.conflict_id for c in self.selected_conflicts()]
        if ids:
            self._controller.resolve(ids, choice, self.reload, self._refused)

    def _retry(self) -> None:
        self.error.clear_error()
        seqs = [r.seq for r in self.selected_rejected()]
        if seqs:
            self._controller.retry(seqs, self.reload, self._refused)

    def _refused(self, err: FeltmappeError) -> None:
        self.error.show_error(err)
        self.reload()

    def ask_discard(self) -> QMessageBox | None:
        seqs = [r.seq for r in self.selected_rejected()]
        if not seqs:
            return None
        n = len(seqs)
        what = "den afviste ændring" if n == 1 else f"de {n} afviste ændringer"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Kassér ændringer",
            f"Vil du kassere {what}? Din version går tabt, og serverens version gælder.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        yes = box.addButton("Kassér", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Annuller", QMessageBox.ButtonRole.RejectRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._discard(seqs) if button is yes else None)
        self._confirm = box
        box.open()
        return box

    def _discard(self, seqs: list[int]) -> None:
        self.error.clear_error()
        self.discard_button.setEnabled(False)
        self.retry_button.setEnabled(False)

        def done(exc: BaseException | None) -> None:
            if isinstance(exc, ServerUnreachable):
                self.error.show_text(
                    "Den centrale server svarer ikke; ændringerne er ikke kasseret. Prøv igen, "
                    "når der er forbindelse."
                )
            elif isinstance(exc, FeltmappeError):
                self.error.show_text(error_text(exc))
            self.reload()

        self._controller.discard(seqs, done)
