"""Noticing that nobody is at the keyboard: an application-wide event filter restarts one
single-shot timer on every key, mouse, wheel or touch input; when it runs out, ``idle`` fires
(the app locks). Only a QTimer measures time; the wall clock is never read."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

#: Input that shows someone is using the app. Paint, timer and focus events are not input.
INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without user input, once per quiet spell; watches
    only between ``start()`` and ``stop()``."""

    idle = Signal()

    def __init__(self, timeout_ms: int = 5 * 60_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self._expired)
        self._app: QCoreApplication | None = None

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    @property
    def running(self) -> bool:
        return self._app is not None

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)
        if self.running:
            self._timer.start()

    def start(self) -> None:
        """Watch the application's input, counting from now."""
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("IdleWatcher needs a running QApplication")
        if self._app is None:
            app.installEventFilter(self)
            self._app = app
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # An event is filtered once per widget it propagates through; restarting is cheap.
        if event.type() in INPUT_EVENTS:
            self._timer.start()
        return False

    def _expired(self) -> None:
        if self.running:
            self.idle.emit()
