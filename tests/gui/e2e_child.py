"""Child process of the end-to-end test (not a test itself): the real app (``AppController``,
its dialogs and the main window) on a profile directory, driven with key clicks, offscreen.

    python tests/gui/e2e_child.py create PROFILE PASSPHRASE
    python tests/gui/e2e_child.py write PROFILE PASSPHRASE WRONG_PASSPHRASE SEARCH TEXT
    python tests/gui/e2e_child.py check PROFILE PASSPHRASE SEARCH

``create``: the first-run dialog makes the profile; a case for the child "Ilse Sørensen" is then
added through ``models.services`` (there is no screen for creating cases yet); quits cleanly.
``write``: a wrong passphrase (prints WRONG-OK once the Danish error is shown), then the right
one; searches, opens the case with Enter, types a journal note and prints SAVED once the widget
says "Gemt kl."; then keeps running until the parent kills it (SIGKILL).
``check``: unlocks, opens the case and the draft in its journal; prints the draft's body and
list text as JSON (``DRAFT {...}``); quits cleanly.

Every line the parent reads goes to stdout. A failure prints one ``ERROR ...`` line (no
traceback) and exits with code 1."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TypeVar

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import Qt, QTimer, qInstallMessageHandler
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import AppController, configure_app, qt_message_handler
from desktop.case_summary import CaseSummaryDialog
from desktop.first_run import FirstRunDialog
from desktop.journal import JournalWidget
from desktop.main_window import MainWindow
from desktop.unlock import UnlockDialog
from models import services
from models.keyfile import KdfParams

T = TypeVar("T", bound=QWidget)

WRONG = "Forkert adgangsfrase. Prøv igen."
CHILD_FIRST, CHILD_LAST = "Ilse", "Sørensen"
TIMEOUT_MS = 30_000
#: The child never outlives a parent that forgot it.
LIFETIME_MS = 120_000


class StepFailed(Exception):
    pass


def say(line: str) -> None:
    print(line, flush=True)


def fail(message: str) -> None:
    say(f"ERROR {message}")
    os._exit(1)


def excepthook(kind: type[BaseException], value: BaseException, _tb: TracebackType | None) -> None:
    fail(f"{kind.__name__}: {value}")


def wait_until(condition: Callable[[], bool], what: str, timeout_ms: int = TIMEOUT_MS) -> None:
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            raise StepFailed(f"timed out waiting for {what}")
        QTest.qWait(20)
        waited += 20


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise StepFailed(what)


def current_dialog(controller: AppController, kind: type[T]) -> T:
    wait_until(lambda: isinstance(controller.dialog, kind), kind.__name__)
    dialog = controller.dialog
    assert isinstance(dialog, kind)
    QTest.qWaitForWindowExposed(dialog)
    dialog.activateWindow()
    return dialog


def main_window(controller: AppController) -> MainWindow:
    wait_until(lambda: controller.window is not None, "the main window")
    window = controller.window
    assert window is not None
    QTest.qWaitForWindowExposed(window)
    return window


def type_and_enter(dialog: UnlockDialog, text: str) -> None:
    QTest.keyClicks(dialog.passphrase, text)
    QTest.keyClick(dialog.passphrase, Qt.Key.Key_Return)


def open_journal(window: MainWindow, search: str) -> JournalWidget:
    """Search the case list, open the only match with Enter and click the Journal tab."""
    case_list = window.case_list
    assert case_list is not None
    case_list.search.setFocus()
    QTest.keyClicks(case_list.search, search)
    expect(case_list.proxy.rowCount() == 1, f"{case_list.proxy.rowCount()} matches for search")
    QTest.keyClick(case_list.search, Qt.Key.Key_Return)

    def dialogs() -> list[CaseSummaryDialog]:
        return [d for d in window.findChildren(CaseSummaryDialog) if d.isVisible()]

    wait_until(lambda: len(dialogs()) == 1, "the case dialog")
    (dialog,) = dialogs()
    QTest.qWaitForWindowExposed(dialog)
    bar = dialog.tabs.tabBar()
    (index,) = [i for i in range(dialog.tabs.count()) if dialog.tabs.tabText(i) == "&Journal"]
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    expect(dialog.tabs.currentIndex() == index, "the Journal tab is not shown")
    journal = dialog.tabs.currentWidget()
    assert isinstance(journal, JournalWidget)
    return journal


# -- phases ------------------------------------------------------------------------------


def create(controller: AppController, passphrase: str) -> None:
    controller.start()
    dialog = current_dialog(controller, FirstRunDialog)
    QTest.keyClicks(dialog.name, "Birgit Rådgiver")
    QTest.keyClicks(dialog.initials, "BR")
    QTest.keyClicks(dialog.passphrase, passphrase)
    QTest.keyClicks(dialog.repeat, passphrase)
    QTest.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    window = main_window(controller)
    vault = controller.vault
    assert vault is not None
    # There is no screen for creating cases yet: the case goes in through the services.
    with vault.session() as s:
        child, _ = services.create_person(s, CHILD_FIRST, CHILD_LAST, birth_date=date(2016, 3, 4))
        services.create_case(s, child, opened_on=date(2024, 2, 1))
    say("CREATED")
    window.close()  # Afslut: the controller closes the vault and quits


def write(controller: AppController, passphrase: str, wrong: str, search: str, text: str) -> None:
    controller.start()
    dialog = current_dialog(controller, UnlockDialog)
    type_and_enter(dialog, wrong)
    expect(dialog.error.isVisible(), "no error after a wrong passphrase")
    expect(dialog.error.text() == WRONG, f"error text {dialog.error.text()!r}")
    expect(controller.window is None, "a wrong passphrase opened the vault")
    say("WRONG-OK")
    type_and_enter(dialog, passphrase)
    journal = open_journal(main_window(controller), search)
    QTest.keyClicks(journal.body, text)
    wait_until(lambda: journal.status.text().startswith("Gemt kl."), "the autosave")
    say("SAVED")
    # Back to the event loop: the app runs on until the parent kills it.


def check(controller: AppController, passphrase: str, search: str) -> None:
    controller.start()
    type_and_enter(current_dialog(controller, UnlockDialog), passphrase)
    window = main_window(controller)
    journal = open_journal(window, search)
    expect(journal.notes.count() == 1, f"{journal.notes.count()} notes in the journal")
    first = journal.notes.visualItemRect(journal.notes.item(0)).center()
    QTest.mouseClick(journal.notes.viewport(), Qt.MouseButton.LeftButton, pos=first)
    state = {
        "body": journal.body.toPlainText(),
        "list": journal.notes.item(0).text(),  # the click reloaded the list
        "read_only": journal.body.isReadOnly(),
        "status": journal.status.text(),
    }
    say("DRAFT " + json.dumps(state, ensure_ascii=True))
    window.close()


def main() -> int:
    phase, profile_arg, passphrase, *rest = sys.argv[1:]
    sys.excepthook = excepthook
    app = QApplication(sys.argv[:1])
    configure_app(app)  # as run_gui: Danish texts, the controller decides when to quit
    qInstallMessageHandler(qt_message_handler)
    profile = Path(profile_arg)
    controller = AppController(
        profile, demo_profile=profile.with_name("demo-ubrugt"), kdf=KdfParams.fast()
    )
    app.aboutToQuit.connect(controller.close_vault)
    steps: dict[str, Callable[[], None]] = {
        "create": lambda: create(controller, passphrase),
        "write": lambda: write(controller, passphrase, *rest),
        "check": lambda: check(controller, passphrase, *rest),
    }
    step = steps[phase]

    def run() -> None:
        try:
            step()
        except StepFailed as err:
            fail(str(err))

    QTimer.singleShot(0, run)
    QTimer.singleShot(LIFETIME_MS, lambda: fail("still running after the lifetime"))
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
