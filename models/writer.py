"""One writer to the vault (STYLE §7, after Anki's single DB worker): a single thread takes write
jobs from a queue and runs them one after another, each in its own transaction. The sync stores
its pages through it and the desktop sends its automatic writes (drafts, autosaves) to it, so two
writers never race for SQLite's lock and the GUI thread never waits for one: it hands the job
over and hears of the result later.

``run`` waits for the result (for background threads such as the sync, and for code already on
the writer thread, which runs the job inline instead of deadlocking); ``submit`` returns a
``Future`` at once."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger("feltmappe.writer")

T = TypeVar("T")

_STOP = object()


class WriterClosed(RuntimeError):
    """A job was handed to a writer that has been closed (the vault is locked)."""


class SerialWriter:
    def __init__(self, name: str = "feltmappe-writer") -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def on_writer_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """Queue ``job``; its result or exception arrives in the returned future."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise WriterClosed()
            self._jobs.put((job, future))
        return future

    def run(self, job: Callable[[], T], timeout: float | None = None) -> T:
        """Run ``job`` on the writer and wait for its result (inline when already there)."""
        if self.on_writer_thread:
            return job()
        return self.submit(job).result(timeout)

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every job queued so far has run."""
        if self.on_writer_thread:
            return
        with contextlib.suppress(WriterClosed):
            self.submit(lambda: None).result(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        """Run what is queued, then stop; later jobs raise ``WriterClosed``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(_STOP)
        if not self.on_writer_thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = job()
            except BaseException as exc:  # the caller gets it through the future
                future.set_exception(exc)
            else:
                future.set_result(result)
