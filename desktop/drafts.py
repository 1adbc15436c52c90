"""One draft store for every editor: a ``DraftKeeper`` watches an editor's fields and keeps what
was typed as an encrypted draft in the vault (``models.drafts``) a few seconds after the last
keystroke, and at once when the app locks or quits (``flush_all``). Opening the editor again,
after a lock, an auto-lock, a crash or a restart, brings the text back. The editor discards
the draft when it saves the real record."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QDateTime, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from sqlalchemy.orm import Session

from models.drafts import discard_draft, draft_key, load_draft, save_draft
from models.errors import FeltmappeError

log = logging.getLogger("feltmappe.drafts")

SessionFactory = Callable[[], AbstractContextManager[Session]]
#: Hands a write job to the vault's writer thread (``Vault.writer.submit``).
Submit = Callable[[Callable[[], None]], Future[None]]
#: A draft is written this long after the last change ("a few seconds").
DRAFT_DELAY_MS = 2000

_keepers: weakref.WeakSet[DraftKeeper] = weakref.WeakSet()


def flush_all() -> int:
    """Write every pending draft now (before the vault is locked or the app quits); returns how
    many were written."""
    return sum(1 for keeper in list(_keepers) if keeper.alive() and keeper.flush())


# -- reading and writing one field ---------------------------------------------------------------


@runtime_checkable
class DraftField(Protocol):
    """A field that keeps its own draft value (a whole form: ``desktop.case_forms``): a
    JSON-able ``draft_value``, put back by ``set_draft_value``; ``draft_typed`` says whether
    it holds work worth bringing back; its signal ``draft_changed`` says it changed."""

    def draft_value(self) -> Any: ...

    def set_draft_value(self, value: Any) -> None: ...

    def draft_typed(self, value: Any) -> bool: ...


def _log_failure(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None:
        code = exc.code if isinstance(exc, FeltmappeError) else type(exc).__name__
        log.warning("draft not saved: %s", code)


def _get(widget: QWidget) -> Any:
    if isinstance(widget, DraftField):
        return widget.draft_value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTime().toString(Qt.DateFormat.ISODate)
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QListWidget):
        return [
            widget.item(i).text()
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked
        ]
    raise TypeError(f"no draft support for {type(widget).__name__}")


def _set(widget: QWidget, value: Any) -> None:
    if isinstance(widget, DraftField):
        widget.set_draft_value(value)
    elif isinstance(widget, QLineEdit) and isinstance(value, str):
        widget.setText(value)
    elif isinstance(widget, QPlainTextEdit | QTextEdit) and isinstance(value, str):
        widget.setPlainText(value)
    elif isinstance(widget, QDateTimeEdit) and isinstance(value, str):
        moment = QDateTime.fromString(value, Qt.DateFormat.ISODate)
        if moment.isValid():
            widget.setDateTime(moment)
    elif isinstance(widget, QComboBox) and isinstance(value, str):
        index = widget.findText(value)
        if index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, QCheckBox) and isinstance(value, bool):
        widget.setChecked(value)
    elif isinstance(widget, QListWidget) and isinstance(value, list):
        for i in range(widget.count()):
            item = widget.item(i)
            checked = item.text() in value
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


def _typed(widget: QWidget, value: Any) -> bool:
    """True when the field holds something the user typed or ticked."""
    if isinstance(widget, DraftField):
        return widget.draft_typed(value)
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        return bool(str(value).strip())
    if isinstance(widget, QListWidget):
        return bool(value)
    return False


def _changed_signal(widget: QWidget) -> Any:
    if isinstance(widget, DraftField):
        return widget.draft_changed  # type: ignore[attr-defined]
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        return widget.textChanged
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTimeChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, QListWidget):
        return widget.itemChanged
    raise TypeError(f"no draft support for {type(widget).__name__}")


class DraftKeeper(QObject):
    """Keeps the fields of one editor as the draft ``<editor>:<subject>``."""

    #: A draft was written (or removed because every field was empty).
    saved = Signal()

    def __init__(
        self,
        sessions: SessionFactory,
        editor: str,
        subject: str,
        fields: Mapping[str, QWidget],
        *,
        case_id: str | None = None,
        delay_ms: int = DRAFT_DELAY_MS,
        submit: Submit | None = None,
        reads: SessionFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sessions = sessions
        self._reads = reads or sessions
        self._submit = submit
        self.key = draft_key(editor, subject)
        self._editor = editor
        self._case_id = case_id
        self._fields = dict(fields)
        self._dirty = False
        self._quiet = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.flush)
        for widget in self._fields.values():
            _changed_signal(widget).connect(self._changed)
        _keepers.add(self)

    def alive(self) -> bool:
        return shiboken6.isValid(self) and all(shiboken6.isValid(w) for w in self._fields.values())

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Changes made by the editor itself (clearing after a save) are not typing."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _changed(self, *_: object) -> None:
        if self._quiet:
            return
        self._dirty = True
        self._timer.start()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def restore(self) -> bool:
        """Put a kept draft back into the fields; True when there was one."""
        try:
            with self._reads() as s:
                content = load_draft(s, self.key)
        except FeltmappeError as err:
            log.warning("draft not read: %s", err.code)
            return False
        if not content:
            return False
        with self.quiet():
            for name, widget in self._fields.items():
                if name in content:
                    _set(widget, content[name])
        return True

    def flush(self) -> bool:
        """Write the draft now if anything was typed since the last write; False on failure
        (the text stays in the fields and the next change tries again)."""
        self._timer.stop()
        if not self._dirty or not self.alive():
            return False
        content = {name: _get(widget) for name, widget in self._fields.items()}
        if not any(_typed(w, content[n]) for n, w in self._fields.items()):
            content = {}  # a date or a choice alone is no work to bring back: no draft
        sessions, key, editor, case_id = self._sessions, self.key, self._editor, self._case_id

        def write() -> None:
            with sessions() as s:
                save_draft(s, key, editor, case_id, content)

        self._dirty = False
        if self._submit is not None:
            # The writer thread writes it; the GUI thread does not wait for the vault.
            try:
                future = self._submit(write)
            except Exception as exc:  # the vault is being locked: try again on the next key
                log.warning("draft not handed to the writer: %s", type(exc).__name__)
                self._dirty = True
                return False
            future.add_done_callback(_log_failure)
            self.saved.emit()
            return True
        try:
            write()
        except FeltmappeError as err:
            log.warning("draft not saved: %s", err.code)
            self._dirty = True
            return False
        self.saved.emit()
        return True

    def rewrite(self) -> bool:
        """Write the fields as they are now (after the editor saved part of them)."""
        self._dirty = True
        return self.flush()

    def discard(self) -> None:
        """The editor saved the real record: the draft is no longer needed."""
        self._timer.stop()
        self._dirty = False
        sessions, key = self._sessions, self.key

        def write() -> None:
            with sessions() as s:
                discard_draft(s, key)

        if self._submit is not None:
            # After the record's own write, on the writer: the GUI thread does not wait.
            try:
                self._submit(write).add_done_callback(_log_failure)
            except Exception as exc:  # the vault is being locked: the draft stays, harmless
                log.warning("draft not discarded: %s", type(exc).__name__)
            return
        try:
            write()
        except FeltmappeError as err:
            log.warning("draft not discarded: %s", err.code)
