"""From start to the case list and back: first run, unlock, demo, lock, the case summary and
the crash dialog, driven the way a user drives them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, Qt, QTimer, QtMsgType, QTranslator
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.app import DEMO_PASSPHRASE, qt_message_handler
from desktop.case_list import CASE_ROLE, Column
from desktop.case_summary import CaseSummaryDialog
from desktop.crash import build_report, current_dialog, excepthook, show_crash
from desktop.first_run import FirstRunDialog
from desktop.logsetup import setup_logging
from desktop.main_window import MainWindow
from desktop.messages import error_text
from models import services
from models.errors import VaultCorrupt
from models.keyfile import KdfParams
from models.profile import DB_FILE, KEY_FILE, profile_exists
from models.vault import Vault
from models.vocabulary import AuditAction
from tests.conftest import PASSPHRASE
from tests.gui.conftest import ASSIGNEE, MOTHER, NAMES, fill, visible_texts
from tests.gui.harness import type_and_enter

WRONG = "Forkert adgangsfrase. Prøv igen."


def table_names(window: MainWindow) -> list[str]:
    assert window.case_list is not None
    proxy = window.case_list.proxy
    return sorted(proxy.index(r, Column.BARN).data() for r in range(proxy.rowCount()))


# -- unlock --------------------------------------------------------------------------------


def test_wrong_then_right_passphrase_opens_the_case_list(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    dialog = h.unlock_dialog()
    assert dialog.windowTitle() == "Lås Feltmappe op"
    assert not dialog.error.isVisible()

    type_and_enter(qtbot, dialog, "forkert-frase-helt-sikkert")
    assert dialog.error.isVisible()
    assert dialog.error.text() == WRONG
    assert dialog.passphrase.text() == ""
    assert QApplication.focusWidget() is dialog.passphrase
    assert h.controller.window is None

    type_and_enter(qtbot, dialog, PASSPHRASE)
    window = h.window
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Feltmappe"
    assert table_names(window) == sorted(NAMES)
    assert not dialog.isVisible()
    assert window.count_label.text() == f"{len(NAMES)} sager"
    assert window.user_label.text().startswith("Bruger: ")
    assert h.quits == 0


def test_demo_profile_shows_its_passphrase_on_the_unlock_screen(
    harness_for, demo_dir: Path
) -> None:
    Vault.create(demo_dir, DEMO_PASSPHRASE, kdf=KdfParams.fast()).close()
    h = harness_for(demo_dir)  # the demo profile is recognised by its path
    h.controller.start()
    dialog = h.unlock_dialog()
    assert dialog.findChild(QLabel, "demo_hint") is not None
    assert DEMO_PASSPHRASE in " ".join(visible_texts())


def test_ordinary_profile_shows_no_passphrase_hint(harness_for, locked: Path) -> None:
    h = harness_for(locked)
    h.controller.start()
    h.unlock_dialog()
    assert DEMO_PASSPHRASE not in " ".join(visible_texts())


def test_damaged_key_file_is_reported_and_left_untouched(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    key = locked / KEY_FILE
    key.write_bytes(b"not a key file")
    before = {p.name: p.read_bytes() for p in (key, locked / DB_FILE)}
    h = harness_for(locked)
    h.controller.start()
    dialog = h.unlock_dialog()
    type_and_enter(qtbot, dialog, PASSPHRASE)
    assert dialog.error.text() == error_text(VaultCorrupt(what="key_file"))
    assert dialog.error.text().endswith("Filen er ikke ændret.")
    assert h.controller.window is None
    assert {p.name: p.read_bytes() for p in (key, locked / DB_FILE)} == before


def test_closing_the_unlock_dialog_quits(qtbot: QtBot, harness_for, locked: Path) -> None:
    h = harness_for(locked)
    h.controller.start()
    dialog = h.unlock_dialog()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert h.quits == 1


# -- lock ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["action", "shortcut"])
def test_lock_hides_every_child_name_and_asks_again(
    qtbot: QtBot, harness_for, locked: Path, how: str
) -> None:
    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    qtbot.waitExposed(window)
    window.activateWindow()
    vault = h.controller.vault
    assert vault is not None
    # Open a case summary too: it must go with the lock.
    summary = window.show_case(window.case_list.proxy.index(0, 0).data(CASE_ROLE).case_id)
    assert summary is not None
    qtbot.waitExposed(summary)
    shown = " ".join(visible_texts())
    assert all(name in shown for name in NAMES)

    if how == "action":
        window.lock_action.trigger()
    else:
        # Pressed where the user is: in the open case summary.
        summary.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is summary)
        qtbot.keyClick(summary, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    dialog = h.unlock_dialog()
    assert dialog.isVisible()
    shown = " ".join(visible_texts())
    for name in [*NAMES, MOTHER, ASSIGNEE]:
        assert name not in shown
    assert not vault.is_open
    assert h.controller.vault is None
    assert h.controller.window is None
    assert not window.isVisible()
    assert window.case_list is None
    assert h.quits == 0

    # Unlocking again brings the case list back.
    type_and_enter(qtbot, dialog, PASSPHRASE)
    assert table_names(h.window) == sorted(NAMES)


# -- case summary ----------------------------------------------------------------------------


def test_opening_a_case_shows_parties_and_is_logged(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    qtbot.waitExposed(window)
    window.activateWindow()
    case_list = window.case_list
    assert case_list is not None
    qtbot.keyClicks(case_list.search, "anna")
    qtbot.keyClick(case_list.search, Qt.Key.Key_Return)
    dialogs = window.findChildren(CaseSummaryDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitExposed(dialog)
    texts = visible_texts()
    assert "Anna Jensen" in texts
    assert MOTHER in texts
    assert "Forælder" in texts  # with custody: one concept, the flag (column "Ja")
    assert "Barn" in texts
    case_id = dialog.summary.case_id
    vault = h.controller.vault
    assert vault is not None
    with vault.session() as s:
        actions = [e.action for e in services.audit_log(s, case_id)]
    assert actions.count(AuditAction.VIST) == 1


# -- first run -------------------------------------------------------------------------------


def fill_first_run(
    qtbot: QtBot, dialog: FirstRunDialog, name: str, initials: str, first: str, second: str
) -> None:
    for field, text in (
        (dialog.name, name),
        (dialog.initials, initials),
        (dialog.passphrase, first),
        (dialog.repeat, second),
    ):
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)


def test_first_run_refuses_then_creates_the_profile(
    qtbot: QtBot, harness_for, profile: Path
) -> None:
    h = harness_for(profile)
    h.controller.start()
    dialog = h.first_run_dialog()
    assert dialog.windowTitle() == "Opret ny profil"

    fill_first_run(qtbot, dialog, "", "MR", PASSPHRASE, PASSPHRASE)
    assert dialog.error.text() == "Navn: Feltet skal udfyldes."

    fill_first_run(qtbot, dialog, "Mette Rådgiver", "MR", PASSPHRASE, PASSPHRASE + "x")
    assert dialog.error.isVisible()
    assert dialog.error.text() == "De to adgangsfraser er ikke ens."

    fill_first_run(qtbot, dialog, "Mette Rådgiver", "MR", "sommer2024", "sommer2024")
    assert dialog.error.text().startswith("Adgangsfrasen er ikke stærk nok.")
    assert "mindst 10 tegn" not in dialog.error.text()
    fill_first_run(qtbot, dialog, "Mette Rådgiver", "MR", "kort", "kort")
    assert "Adgangsfrasen skal være på mindst 10 tegn." in dialog.error.text()
    assert not profile_exists(profile)
    assert h.controller.window is None

    fill_first_run(qtbot, dialog, "Mette Rådgiver", "mr", PASSPHRASE, PASSPHRASE)
    assert profile_exists(profile)
    window = h.window
    qtbot.waitExposed(window)
    assert window.user_label.text() == "Bruger: Mette Rådgiver"
    assert window.count_label.text() == "0 sager"
    vault = h.controller.vault
    assert vault is not None
    assert vault.user == "mr"
    assert vault.setting("initials") == "MR"
    assert not dialog.isVisible()


def test_first_run_strength_hint_follows_typing(qtbot: QtBot, harness_for, profile: Path) -> None:
    h = harness_for(profile)
    h.controller.start()
    dialog = h.first_run_dialog()
    qtbot.keyClicks(dialog.passphrase, "abc")
    assert dialog.strength.text() == "Styrke: for kort (mindst 10 tegn)"
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, "aaaaaaaaaaaa")
    assert dialog.strength.text() in ("Styrke: Meget svag", "Styrke: Svag")
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    assert dialog.strength.text() in ("Styrke: God", "Styrke: Stærk")


def test_first_run_open_demo_switches_to_the_demo_profile(
    qtbot: QtBot, harness_for, profile: Path, demo_dir: Path
) -> None:
    # An existing demo profile: no generator needed to test the switch.
    with Vault.create(demo_dir, DEMO_PASSPHRASE, kdf=KdfParams.fast()) as demo_vault:
        fill(demo_vault)
    h = harness_for(profile)
    h.controller.start()
    first_run = h.first_run_dialog()
    qtbot.mouseClick(first_run.demo_button, Qt.MouseButton.LeftButton)
    assert h.quits == 0
    assert not profile_exists(profile)
    dialog = h.unlock_dialog()
    assert DEMO_PASSPHRASE in " ".join(visible_texts())
    type_and_enter(qtbot, dialog, DEMO_PASSPHRASE)
    assert table_names(h.window) == sorted(NAMES)
    assert h.controller.profile == demo_dir


# -- demo ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_start_creates_a_60_case_vault_and_opens_it(
    qtbot: QtBot, harness_for, demo_dir: Path
) -> None:
    pytest.importorskip("models.demo")
    h = harness_for(demo_dir, demo=True)
    h.controller.start()
    window = h.window
    qtbot.waitExposed(window)
    assert window.case_list is not None
    assert window.case_list.model.rowCount() == 60
    assert window.count_label.text() == "60 sager"
    assert profile_exists(demo_dir)
    # Locked and opened again, the same vault opens with the demo passphrase.
    window.lock_action.trigger()
    type_and_enter(qtbot, h.unlock_dialog(), DEMO_PASSPHRASE)
    assert h.window.case_list is not None
    assert h.window.case_list.model.rowCount() == 60


# -- crash -----------------------------------------------------------------------------------


def _explode(name: str) -> None:
    raise ValueError(f"kunne ikke gemme {name} 010315-4321")


def test_crash_report_has_no_case_data_and_can_be_copied(qtbot: QtBot) -> None:
    try:
        _explode("Anna Jensen")
    except ValueError as exc:
        report = build_report(exc)
        again = build_report(exc)
    assert "builtins.ValueError" in report
    assert "Fejlkode: F-" in report
    assert "test_app_flow.py" in report
    assert "_explode" in report
    assert "Anna" not in report
    assert "010315" not in report
    assert report == again

    dialog = show_crash(report)
    qtbot.waitExposed(dialog)
    assert show_crash(report) is dialog  # one dialog, more reports
    assert dialog.report.toPlainText().count("Fejlkode:") == 2
    dialog.copy_report()
    assert QGuiApplication.clipboard().text() == dialog.report.toPlainText()
    dialog.reject()
    assert current_dialog() is None


def test_uncaught_exception_reaches_the_crash_dialog_without_case_data(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        _explode("Anna Jensen")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR, logger="feltmappe.crash"):
            excepthook(type(exc), exc, exc.__traceback__)
    dialog = current_dialog()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Uventet fejl i Feltmappe"
    text = dialog.report.toPlainText()
    assert "ValueError" in text
    assert "Anna" not in text
    assert "010315" not in text
    assert "Anna" not in caplog.text
    assert "Fejlkode: F-" in caplog.text
    dialog.reject()
    assert current_dialog() is None


# -- run_gui ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_gui_opens_the_demo_and_quits_from_the_menu(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, demo_dir: Path
) -> None:
    pytest.importorskip("models.demo")
    import desktop.app

    installed: list[str] = []
    # pytest-qt owns Qt's message handler and the excepthook during tests; record instead.
    monkeypatch.setattr(desktop.app, "qInstallMessageHandler", lambda h: installed.append("qt"))
    monkeypatch.setattr(desktop.app, "install_excepthook", lambda: installed.append("hook"))
    monkeypatch.setattr(desktop.app, "demo_profile_dir", lambda: demo_dir)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    seen: list[MainWindow] = []

    def quit_from_menu() -> None:
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(50, quit_from_menu)
            return
        seen.extend(windows)
        windows[0].quit_action.trigger()

    QTimer.singleShot(0, quit_from_menu)
    try:
        assert desktop.app.run_gui(None, demo=True) == 0
    finally:
        for translator in app.findChildren(QTranslator):
            app.removeTranslator(translator)
            translator.deleteLater()
        app.setQuitOnLastWindowClosed(True)
        setup_logging(None)
        for w in seen:
            w.drop_case_widgets()
            w.deleteLater()
    assert installed == ["qt", "hook"]
    assert profile_exists(demo_dir)
    assert seen[0].windowTitle() == "Feltmappe"
    assert (demo_dir / "logs" / "feltmappe.log").exists()


def test_qt_messages_go_to_the_feltmappe_qt_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="feltmappe.qt"):
        qt_message_handler(QtMsgType.QtWarningMsg, QMessageLogContext(), "100% fejl 010315-4321")
    (record,) = [r for r in caplog.records if r.name == "feltmappe.qt"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "[qt] 100% fejl 010315-4321"


# -- journal and "I dag" in the main window ----------------------------------------------------


def test_draft_typed_in_the_case_journal_survives_lock(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    """Write while talking, press Ctrl+L before autosave fires: the draft is saved before the
    key is dropped, and it is there after unlocking."""
    from desktop.journal import JournalWidget

    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    qtbot.waitExposed(window)
    assert window.tabs.tabText(1) == "I &dag"
    case_id = window.case_list.proxy.index(0, 0).data(CASE_ROLE).case_id
    dialog = window.show_case(case_id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.tabs.tabText(1) == "&Journal"
    dialog.tabs.setCurrentIndex(1)
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    text = "Mor fortæller om morgenerne, som er blevet lettere."
    qtbot.keyClicks(journal.body, text)
    window.lock_action.trigger()
    assert h.controller.vault is None

    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    vault = h.controller.vault
    assert vault is not None
    with vault.session() as s:
        bodies = [n.body for n in services.notes_for_case(s, case_id)]
    assert text in bodies


def test_a_case_opens_with_every_screen_of_the_case(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    qtbot.waitExposed(window)
    case_id = window.case_list.proxy.index(0, 0).data(CASE_ROLE).case_id
    dialog = window.show_case(case_id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    tabs = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    assert tabs == ["Overblik", "Journal", "Personer", "Hjemmebesøg", "Tidslinje", "Skemaer"]
    for i in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(i)
        assert dialog.tabs.currentWidget().isVisible()


def test_i_dag_opens_the_case_where_the_deadline_is_met(
    qtbot: QtBot, harness_for, locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    qtbot.waitExposed(window)
    case_id = window.case_list.proxy.index(0, 0).data(CASE_ROLE).case_id
    assert window.today is not None
    window.today.deadline_activated.emit(case_id, "hjemmebesoeg_undersoegelse", "")
    dialogs = window.findChildren(CaseSummaryDialog)
    assert dialogs[-1].tabs.tabText(dialogs[-1].tabs.currentIndex()).replace("&", "") == (
        "Hjemmebesøg"
    )
    # A deadline met by finalising a form: the case's forms ("Skemaer").
    window.today.deadline_activated.emit(case_id, "underretning_24_timer", "")
    dialogs = window.findChildren(CaseSummaryDialog)
    assert dialogs[-1].tabs.tabText(dialogs[-1].tabs.currentIndex()) == "S&kemaer"
    window.today.deadline_activated.emit(case_id, "teamkoordinator_8_uger", "")
    dialogs = window.findChildren(CaseSummaryDialog)
    assert dialogs[-1].tabs.currentIndex() == 0
