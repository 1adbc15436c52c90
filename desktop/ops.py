"""Writes a user asks for ("Gem", "Afslut notat", a deadline marked as met …) run on the vault's
writer thread, after Anki's ``CollectionOp``: the GUI thread hands the job over and hears of the
result later, on its own thread, so it never waits for SQLite's lock while a sync stores a page
(issue 11, "one writer"; decision 0007).

``Writes(vault, owner).run(job, on_done, on_error)`` runs ``job(session)`` in one transaction on
the writer and then calls ``on_done(result)`` or ``on_error(error)`` on the GUI thread, unless
``owner`` has been deleted or the vault locked in the meantime (then there is nobody to tell; a
failure is logged by its code). Jobs of one vault run in the order they were handed over, so a
save followed by "Afslut" finalises what was saved.

A screen built on a plain session factory instead of a ``Vault`` (a test's in-memory vault)
runs the job at once, and the callbacks are called before ``run`` returns."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from models.errors import FeltmappeError, VaultLocked
from models.vault import Vault
from models.writer import WriterClosed

log = logging.getLogger("feltmappe.ops")

T = TypeVar("T")
SessionFactory = Callable[[], AbstractContextManager[Session]]
OnError = Callable[[FeltmappeError], object]


class UnexpectedError(FeltmappeError):
    """A bug met while writing; the user is told that nothing was saved (the log has the type)."""

    code = "unexpected"


class _State:
    pending = 0  # handed-over writes not yet answered on the GUI thread
    relay: _Relay | None = None


_state = _State()


def pending() -> int:
    """How many handed-over writes have not yet been answered on the GUI thread."""
    return _state.pending


def idle() -> bool:
    return _state.pending == 0


class _Relay(QObject):
    """Lives on the GUI thread; the writer thread emits, Qt queues the call to the GUI thread."""

    answered = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.answered.connect(self._answer)

    @staticmethod
    def _answer(call: Callable[[], None]) -> None:
        _state.pending -= 1
        call()


def _the_relay() -> _Relay:
    relay = _state.relay
    if relay is None or not shiboken6.isValid(relay):
        relay = _state.relay = _Relay()
        app = QCoreApplication.instance()
        if app is not None:
            relay.moveToThread(app.thread())
    return relay


def _as_feltmappe_error(exc: BaseException) -> FeltmappeError:
    if isinstance(exc, FeltmappeError):
        return exc
    if isinstance(exc, WriterClosed):
        return VaultLocked()
    log.error("write failed: %s", type(exc).__name__, exc_info=exc)
    return UnexpectedError()


class Writes:
    """The writes of one screen (``owner``) to one vault."""

    def __init__(self, vault: Vault | SessionFactory, owner: QObject) -> None:
        self._vault = vault if isinstance(vault, Vault) else None
        self._sessions: SessionFactory = vault.session if isinstance(vault, Vault) else vault
        self._owner = owner

    def run(
        self,
        job: Callable[[Session], T],
        on_done: Callable[[T], object],
        on_error: OnError,
        *,
        busy: Sequence[QWidget] = (),
        **session_info: Any,
    ) -> None:
        """Hand ``job`` to the writer; ``on_done``/``on_error`` follow on the GUI thread. The
        ``busy`` widgets (the button that asked) are disabled until then: one click, one write.
        ``job`` runs on the writer thread: it must not touch a widget (read them before)."""
        vault = self._vault
        if vault is None:
            self._run_here(job, on_done, on_error, session_info)
            return

        def in_session() -> T:
            with vault.session(**session_info) as session:
                return job(session)

        self.call(in_session, on_done, on_error, busy=busy)

    def call(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], object],
        on_error: OnError,
        *,
        busy: Sequence[QWidget] = (),
    ) -> None:
        """As ``run``, for a job that opens its own sessions (the sync client's functions)."""
        vault = self._vault
        if vault is None:
            try:
                result = job()
            except Exception as exc:  # (turned into a message for the user)
                on_error(_as_feltmappe_error(exc))
                return
            on_done(result)
            return
        try:
            future = vault.writer.submit(job)
        except (WriterClosed, FeltmappeError) as exc:
            on_error(_as_feltmappe_error(exc))
            return
        _state.pending += 1
        relay = _the_relay()
        owner = self._owner
        disabled = [w for w in busy if w.isEnabled()]
        for widget in disabled:
            widget.setEnabled(False)

        def answer(done: Future[T]) -> None:
            for widget in disabled:
                if shiboken6.isValid(widget):
                    widget.setEnabled(True)
            exc = done.exception()
            if not shiboken6.isValid(owner) or not vault.is_open:
                if exc is not None:
                    log.warning("write failed after its screen closed: %s", _code(exc))
                return
            if exc is not None:
                on_error(_as_feltmappe_error(exc))
            else:
                on_done(done.result())

        # Called on the writer thread (or here, if the job already ran): Qt queues the answer.
        future.add_done_callback(lambda done: relay.answered.emit(lambda: answer(done)))

    def _run_here(
        self,
        job: Callable[[Session], T],
        on_done: Callable[[T], object],
        on_error: OnError,
        session_info: dict[str, Any],
    ) -> None:
        try:
            sessions = self._sessions(**session_info) if session_info else self._sessions()
            with sessions as session:
                result = job(session)
        except Exception as exc:  # (turned into a message for the user)
            on_error(_as_feltmappe_error(exc))
            return
        on_done(result)


def _code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, FeltmappeError) else type(exc).__name__
