"""Change broadcast on the GUI thread (STYLE §16, after Anki's ``operation_did_execute``): the
vault announces what every commit changed, from whichever thread committed; ``ChangeHub``
gathers the announcements of one turn of the event loop into one ``ChangeSet`` and emits
``changed`` on the GUI thread. Screens connect to ``changed`` and refresh what concerns them;
no screen calls another screen's reload."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Signal

from models.changes import ChangeSet
from models.vault import Vault

#: How long announcements are gathered before screens hear of them: a sync storing many pages
#: or a burst of writes makes one refresh, not one per commit.
GATHER_MS = 50


class ChangeHub(QObject):
    """Emits ``changed(ChangeSet)`` on the GUI thread after writes to ``vault``."""

    changed = Signal(object)
    _arrived = Signal()

    def __init__(self, vault: Vault, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = vault
        self._lock = threading.Lock()
        self._pending: ChangeSet | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GATHER_MS)
        self._timer.timeout.connect(self._deliver)
        # Emitted from any thread; delivered queued to this object's (the GUI) thread.
        self._arrived.connect(self._timer.start)
        vault.changes.listen(self._heard)

    def _heard(self, changes: ChangeSet) -> None:
        with self._lock:
            self._pending = changes if self._pending is None else self._pending.merged(changes)
        self._arrived.emit()

    def _deliver(self) -> None:
        with self._lock:
            changes, self._pending = self._pending, None
        if changes:
            self.changed.emit(changes)

    def flush(self) -> None:
        """Deliver what has been gathered now (tests, and before a screen is shown)."""
        self._timer.stop()
        self._deliver()

    def close(self) -> None:
        """Stop listening (the vault is being locked)."""
        self._timer.stop()
        if self._vault is not None:
            self._vault.changes.forget(self._heard)
            self._vault = None
        with self._lock:
            self._pending = None
