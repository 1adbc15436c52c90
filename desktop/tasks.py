"""One helper for background work (STYLE §6): ``run_in_background(op, on_done, on_error)`` runs
``op`` on Qt's thread pool and delivers its result (or its exception) on the GUI thread through a
signal. Workers never touch widgets; screens never create threads themselves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("feltmappe.tasks")

_running: set[_Relay] = set()


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it, Qt queues the call across."""

    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, op: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._op = op
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._op()
        except Exception as exc:
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


def run_in_background(
    op: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """Run ``op`` off the GUI thread; ``on_done(result)`` or ``on_error(exc)`` runs on the GUI
    thread afterwards. An error without ``on_error`` is logged by type only (no case data)."""
    relay = _Relay()
    _running.add(relay)

    def finish(callback: Callable[[Any], None] | None, value: Any) -> None:
        _running.discard(relay)
        relay.deleteLater()
        if callback is not None:
            callback(value)
        elif isinstance(value, BaseException):
            log.error("background task failed: %s", type(value).__name__)

    relay.done.connect(lambda result: finish(on_done, result))
    relay.failed.connect(lambda exc: finish(on_error, exc))
    QThreadPool.globalInstance().start(_Task(op, relay))


def wait_for_background(msecs: int = 5000) -> bool:
    """Let running tasks finish (before the vault is locked or the app quits)."""
    return bool(QThreadPool.globalInstance().waitForDone(msecs))
