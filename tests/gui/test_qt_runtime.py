"""Guards against known defects of the Qt binding itself (see docs/decisions/0005)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    with_args = Signal(str, int)


def test_signal_emit_keeps_python_bool_references() -> None:
    """PySide6 6.12.0 dropped a reference to True per emit and aborted the interpreter later."""
    emitter = _Emitter()
    received: list[object] = []
    emitter.with_args.connect(lambda *a: received.append(a))
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.plain.emit()
        emitter.with_args.emit("x", 1)
    # 400 emits: the defect shows as about -400; unrelated code may hold one or two more.
    assert abs(sys.getrefcount(True) - before) < 20
    assert len(received) == 200
