"""The garbage collector and the GUI: Python's full collections walk every object the process
holds (SQLAlchemy, Qt's wrappers, the case list), 100-250 ms on a laptop, and come at random,
for example while a case window opens. What lives for the whole session is moved out of their
way with ``gc.freeze()`` (as Instagram does after its start-up); locking gives it back, so case
objects caught in a reference cycle are collected with the key gone. Reference counting frees
frozen objects as always. See docs/decisions/0008-background-imports-and-gc-freeze.md."""

from __future__ import annotations

import gc


def settle(*, collect: bool = False) -> None:
    """What is alive now stays for the session: freeze it (``collect`` first drops the
    garbage, a pause only worth taking while nobody is waiting, e.g. during the passphrase)."""
    if collect:
        gc.collect()
    gc.freeze()


def release() -> None:
    """On lock: give the frozen objects back and collect, so nothing of the closed cases
    survives in a reference cycle; then freeze what is left (the modules)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
