"""Warm-up while the first screen waits for the passphrase: what "Lås op" and the main window
need is imported in the background, so neither the unlock screen nor the unlock waits for it.

The Qt-free modules (SQLAlchemy, Alembic, SQLCipher, the KDF, the schema, the deadline engine,
the sync client: most of the time) are imported on a thread; the screens (Qt widgets, which
make fonts, colours and Qt's enums when imported) follow on the GUI thread, one module per
event-loop turn. Then the collector is settled (``desktop.memory``). ``finish()`` waits for the
thread; call it before the GUI thread imports any of these modules itself (unlock, first run,
demo, quit), so that two threads never import at once.
See docs/decisions/0008-background-imports-and-gc-freeze.md."""

from __future__ import annotations

import importlib
import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal

from desktop import memory

log = logging.getLogger("feltmappe.preload")

#: Qt-free (``models`` and ``sync`` never import Qt): imported on the background thread.
BACKGROUND_MODULES = (
    "models.vault",
    "models.drafts",
    "models.services",
    "models.deadlines.service",
    "models.timeline",
    "models.home_visits",
    "sync.client.replication",
    "sync.client.state",
)
#: The screens after "Lås op", in the order they import each other: on the GUI thread.
SCREEN_MODULES = (
    "desktop.display",
    "desktop.table_model",
    "desktop.case_list",
    "desktop.today",
    "desktop.sync_panel",
    "desktop.journal",
    "desktop.persons",
    "desktop.home_visit",
    "desktop.timeline",
    "desktop.case_summary",
    "desktop.main_window",
)


class _Relay(QObject):
    """Lives on the GUI thread; the import thread's ``done`` is queued across to it."""

    done = Signal()


class _Preload:
    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        #: The unlock (or quitting) came first: the GUI thread imports what it needs itself.
        self.overtaken = False
        self.failed = False
        self.relay: _Relay | None = None

    def run(self, relay: _Relay) -> None:
        for name in BACKGROUND_MODULES:
            try:
                importlib.import_module(name)
            except Exception as exc:  # the GUI thread imports it again and reports it
                self.failed = True
                log.warning("preload stopped at %s: %s", name, type(exc).__name__)
                break
        relay.done.emit()

    def background_done(self) -> None:
        self.import_screens(list(SCREEN_MODULES))

    def import_screens(self, names: list[str]) -> None:
        if self.overtaken or self.failed:
            return
        if names:
            importlib.import_module(names.pop(0))
            QTimer.singleShot(0, lambda: self.import_screens(names))
            return
        # Everything alive now (modules, classes, Qt's wrappers) lives as long as the process.
        memory.settle(collect=True)


_state = _Preload()


def start() -> None:
    """Begin the warm-up (once per process; later calls do nothing)."""
    if _state.thread is not None:
        return
    relay = _state.relay = _Relay()
    relay.done.connect(_state.background_done)
    _state.thread = threading.Thread(
        target=_state.run, args=(relay,), name="feltmappe-preload", daemon=True
    )
    _state.thread.start()


def finish() -> None:
    """Wait until the background imports are done (they are needed now): after this the GUI
    thread may import anything. The warm-up's remaining GUI-thread steps are left out."""
    _state.overtaken = True
    if _state.thread is not None:
        _state.thread.join()
    # The modules are in: out of the collector's way before the unlock's work (O(1), no pause).
    memory.settle()


def running() -> bool:
    return _state.thread is not None and _state.thread.is_alive()
