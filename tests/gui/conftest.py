"""Fixtures for the GUI tests: a vault with a handful of cases whose children have Danish
letters, CPR numbers of different decades of age, and one case assigned to a named user."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from models import services
from models.schema import User
from models.vault import Vault
from models.vocabulary import CaseStage, PartyRole
from tests.gui.harness import Harness

# Qt's offscreen platform says this whenever a window with a layout gets size constraints; it
# is a limitation of the headless platform, not of our code.
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise)\(\)"
GUI_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_DIR in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@dataclass(frozen=True)
class Child:
    first: str
    last: str
    cpr: str | None
    birth: date | None
    stage: CaseStage

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


CHILDREN = [
    Child("Anna", "Jensen", "010315-4321", None, CaseStage.UNDERRETNING),
    Child("Ørjan", "Bak", "121110-4345", None, CaseStage.UNDERSOEGELSE),
    Child("Åse", "Holm", "050520-4012", None, CaseStage.HANDLEPLAN),
    Child("Ægir", "Lund", None, date(2023, 6, 1), CaseStage.OPFOELGNING),
    Child("Zenia", "Ravn", "240299-1236", None, CaseStage.TILSYN),
]
NAMES = [c.name for c in CHILDREN]
ASSIGNEE = "Mette Rådgiver"
MOTHER = "Hanne Jensen"


@dataclass
class Filled:
    vault: Vault
    case_ids: dict[str, str]  # child name -> case id
    case_numbers: dict[str, str]


def fill(vault: Vault) -> Filled:
    case_ids: dict[str, str] = {}
    numbers: dict[str, str] = {}
    with vault.session() as s:
        user = services.add(s, User(username="mette.r", display_name=ASSIGNEE, initials="MR"))
        for i, c in enumerate(CHILDREN):
            child, _ = services.create_person(s, c.first, c.last, cpr=c.cpr, birth_date=c.birth)
            case = services.create_case(
                s,
                child,
                opened_on=date(2024, 1, 10 + i),
                stage=c.stage,
                assigned_to=user.id if i == 0 else None,
            )
            if i == 0:
                mother, _ = services.create_person(s, "Hanne", "Jensen", cpr="150885-2468")
                services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
            case_ids[c.name] = case.id
            numbers[c.name] = case.case_number
    return Filled(vault, case_ids, numbers)


@pytest.fixture
def filled(vault: Vault) -> Filled:
    return fill(vault)


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    return tmp_path / "demo"


def written(qtbot: QtBot, timeout: int = 5000) -> None:
    """Wait until every write handed to the vault's writer has been answered on the GUI thread
    (saves are asynchronous: ``desktop.ops``)."""
    from desktop import ops

    qtbot.waitUntil(ops.idle, timeout=timeout)


@pytest.fixture
def gui_thread_sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every ``Vault.session()`` opened on the GUI thread, by the function that opened it."""
    found: list[str] = []
    original = Vault.session

    def recording(self: Vault, **info: Any) -> AbstractContextManager[Session]:
        if threading.current_thread() is threading.main_thread():
            caller = inspect.stack()[2]
            found.append(f"{caller.filename.rsplit('/', 1)[-1]}:{caller.function}")
        return original(self, **info)

    monkeypatch.setattr(Vault, "session", recording)
    yield found


def visible_texts() -> list[str]:
    """Every piece of text a user could see right now: window titles, labels, fields and the
    cells and headers of every item view in every visible window."""
    texts: list[str] = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        texts.append(top.windowTitle())
        for w in [top, *top.findChildren(QWidget)]:
            if not w.isVisible():
                continue
            if isinstance(w, QLabel | QLineEdit):
                texts.append(w.text())
            if isinstance(w, QAbstractItemView) and w.model() is not None:
                model = w.model()
                for r in range(model.rowCount()):
                    for col in range(model.columnCount()):
                        texts.append(str(model.index(r, col).data() or ""))
    return texts


@pytest.fixture
def harness_for(qtbot: QtBot, demo_dir: Path) -> Iterator[Callable[..., Harness]]:
    """Makes harnesses (``make(profile, demo=…, idle_ms=…)``) and closes them after the test."""
    made: list[Harness] = []

    def make(profile: Path, **kwargs: Any) -> Harness:
        h = Harness(qtbot, profile, demo_dir, **kwargs)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


@pytest.fixture
def locked(filled: Filled) -> Path:
    """A profile with cases, locked (as after a restart)."""
    filled.vault.close()
    return filled.vault.profile
