"""Starting the desktop app: the QApplication (Danish), Qt's messages into Python logging, the
crash dialog, and the path from start to an unlocked main window: first run, unlock or demo.
``AppController`` owns the open vault; locking (Ctrl+L or after an idle time) drops it together
with every case widget, and unlocking returns to the cases that were open."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QObject,
    Qt,
    QTimer,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop import memory, preload
from desktop.crash import (
    app_version,
    install_excepthook,
    offer_native_crash,
    start_native_crash_log,
    stop_native_crash_log,
)
from desktop.geometry import load_geometry, save_geometry
from desktop.idle import IdleWatcher
from desktop.logsetup import setup_logging
from desktop.tasks import wait_for_background
from desktop.unlock import UnlockDialog
from desktop.widgets import show_error, wait_cursor
from desktop.zoom import TextSize
from models import settings
from models.errors import FeltmappeError
from models.profile import (
    DEMO_PASSPHRASE,
    default_profile_dir,
    demo_profile_dir,
    profile_exists,
)

if TYPE_CHECKING:
    from desktop.first_run import FirstRunDialog
    from desktop.main_window import MainWindow
    from models.keyfile import KdfParams
    from models.vault import Vault

# Only what the first screen needs is imported before it is shown: the vault (SQLAlchemy,
# Alembic), the main window and the sync client are imported while the passphrase is typed
# (``desktop.preload``), starting this long after the screen's first paint.
WARM_UP_DELAY_MS = 100
#: After a lock, the closed cases' objects are collected this long after (see ``memory``).
RELEASE_DELAY_MS = 500
#: How long a thread running Python keeps the GIL from another that waits for it.
GIL_SWITCH_INTERVAL_S = 0.001

log = logging.getLogger("feltmappe.app")
qt_log = logging.getLogger("feltmappe.qt")

DEMO_CASES = 60
DEMO_USER = "demo.raadgiver"
DEMO_DISPLAY_NAME = "Demo Rådgiver"

#: How long locking or quitting waits for background work (a sync ends at its next page, but
#: one request may take up to the connection's timeout).
BACKGROUND_WAIT_MS = 45_000

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own warnings, into the ``feltmappe.qt`` logger."""
    level = _QT_LEVELS.get(mode, logging.WARNING)
    category = context.category if context.category and context.category != "default" else "qt"
    # Qt's text goes into the message (the log filter still masks CPR-like numbers in it).
    qt_log.log(level, f"[{category}] {message}")


def create_demo_vault(
    profile: Path, *, cases: int = DEMO_CASES, kdf: KdfParams | None = None
) -> Vault:
    """A new demo profile with invented cases, locked with ``DEMO_PASSPHRASE``."""
    preload.finish()
    from models import demo
    from models.vault import Vault

    vault = Vault.create(
        profile, DEMO_PASSPHRASE, user=DEMO_USER, display_name=DEMO_DISPLAY_NAME, kdf=kdf
    )
    try:
        demo.generate(vault, cases=cases)
    except BaseException:
        vault.close()
        raise
    return vault


def auto_lock_ms(vault: Vault) -> int:
    """The idle time before auto-lock, from the settings registry (a missing, malformed or out
    of range value gives the default: auto-lock cannot be switched off)."""
    return settings.get(vault, settings.AUTO_LOCK_MINUTES) * 60_000


@dataclass(frozen=True)
class OpenCase:
    """Where the user was in one open case when the app locked: ids and a tab index only, so no
    case text stays in memory while locked."""

    case_id: str
    tab: int
    note_id: str | None


class AppController(QObject):
    """Start → first run / unlock / demo → main window; lock → unlock again; quit."""

    def __init__(
        self,
        profile: Path,
        *,
        demo: bool = False,
        demo_profile: Path | None = None,
        kdf: KdfParams | None = None,
        quit_app: Callable[[], None] | None = None,
        idle_ms: int | None = None,
    ) -> None:
        super().__init__()
        self.demo_profile = demo_profile or demo_profile_dir()
        self.profile = profile
        self.demo = demo or _same_path(profile, self.demo_profile)
        self.kdf = kdf
        self._quit_app = quit_app or QApplication.quit
        self.vault: Vault | None = None
        self.window: MainWindow | None = None
        self.dialog: QWidget | None = None
        self._geometry: bytes | None = load_geometry(profile)
        self._idle_ms = idle_ms  # overrides the vault's setting (tests)
        self.text_size = TextSize(profile if profile_exists(profile) else None, parent=self)
        self.idle = IdleWatcher(parent=self)
        self.idle.idle.connect(self._idle_lock)
        self._open_cases: list[OpenCase] = []
        # After a lock: what the closed cases left in reference cycles is collected.
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.timeout.connect(memory.release)

    # -- flow --------------------------------------------------------------------------

    def start(self) -> None:
        if self.demo and not profile_exists(self.profile):
            self._create_demo()
        elif profile_exists(self.profile):
            self.show_unlock()
        else:
            self.show_first_run()

    def show_unlock(self) -> UnlockDialog:
        setup_logging(self.profile)
        dialog = UnlockDialog(self.profile, demo_passphrase=DEMO_PASSPHRASE if self.demo else None)
        dialog.unlocked.connect(self._unlocked)
        dialog.rejected.connect(self.quit)
        self._set_dialog(dialog)
        return dialog

    def show_first_run(self) -> FirstRunDialog:
        preload.finish()
        from desktop.first_run import FirstRunDialog

        dialog = FirstRunDialog(self.profile, kdf=self.kdf)
        dialog.created.connect(self._unlocked)
        dialog.demo_requested.connect(self._switch_to_demo)
        dialog.rejected.connect(self.quit)
        self._set_dialog(dialog)
        return dialog

    def lock(self) -> None:
        """Drop every case widget and the vault's key, then ask for the passphrase again."""
        self._lock("locked by user")

    def _idle_lock(self) -> None:
        self._lock("locked after idle time")

    def _settings_changed(self, values: dict[str, object]) -> None:
        minutes = settings.AUTO_LOCK_MINUTES
        if minutes.key in values:  # counts at once, from now
            self.idle.set_timeout_ms(minutes.parse(values[minutes.key]) * 60_000)

    def _lock(self, message: str) -> None:
        self.idle.stop()
        if self.window is not None:
            self.window.stop_background()  # a running sync or deadline read ends soon
        # No task may use the vault while its key goes. The outbox stays as it is: what was
        # not pushed yet goes with the next sync after unlock.
        wait_for_background(BACKGROUND_WAIT_MS)
        if self.window is not None:
            self._geometry = bytes(self.window.saveGeometry().data())
            self._open_cases = open_cases(self.window)
            self._drop_window()
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        log.info(message)  # a literal: the log filter masks string arguments
        self.show_unlock()
        # Once the dropped widgets are deleted (deferred), while the passphrase is typed.
        self._release_timer.start(RELEASE_DELAY_MS)

    def _drop_window(self) -> None:
        if self.window is not None:
            self.window.drop_case_widgets()
            self.window.hide()
            self.window.deleteLater()
            self.window = None

    def _device_revoked(self) -> None:
        """The central store has revoked this device: close and wipe the vault, say so, and
        start over with the first-run screen."""
        self.idle.stop()
        if self.window is not None:
            self.window.stop_background()
        wait_for_background(BACKGROUND_WAIT_MS)
        self._open_cases = []
        self._drop_window()
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        from desktop.sync_panel import REVOKED_TEXT
        from sync.client import enrolment

        enrolment.wipe_profile(self.profile)
        log.warning("device revoked: the local vault was wiped")
        dialog = self.show_first_run()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Feltmappe",
            REVOKED_TEXT,
            QMessageBox.StandardButton.Ok,
            dialog,
        )
        box.setObjectName("revoked")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def quit(self) -> None:
        if self.window is not None:
            self._geometry = bytes(self.window.saveGeometry().data())
        save_geometry(self.profile, self._geometry)
        self.close_vault()
        self._quit_app()

    def close_vault(self) -> None:
        self.idle.stop()  # nothing left to lock
        preload.finish()  # no import may be under way while the interpreter ends
        if self.window is not None:
            self.window.stop_background()
            if self.vault is not None and self.vault.is_open:
                from desktop.drafts import flush_all

                flush_all()  # what was typed is kept before the key goes
        wait_for_background(BACKGROUND_WAIT_MS)
        if self.vault is not None:
            self.vault.close()
            self.vault = None

    # -- steps -------------------------------------------------------------------------

    def _set_dialog(self, dialog: QWidget) -> None:
        old, self.dialog = self.dialog, dialog
        dialog.show()
        if old is not None:
            old.deleteLater()
        # While the passphrase is typed (after the dialog's first paint).
        QTimer.singleShot(WARM_UP_DELAY_MS, preload.start)

    def _switch_to_demo(self) -> None:
        self.profile = self.demo_profile
        self.text_size.set_profile(self.profile)
        self._geometry = load_geometry(self.profile)
        self.demo = True
        self.start()

    def _create_demo(self) -> None:
        try:
            with wait_cursor():
                vault = create_demo_vault(self.profile, kdf=self.kdf)
        except FeltmappeError as err:
            box = show_error(None, err)
            box.finished.connect(self.quit)
            return
        setup_logging(self.profile)
        log.info("demo vault created with %d cases", DEMO_CASES)
        self._unlocked(vault)

    def _unlocked(self, vault: Vault) -> None:
        from desktop.main_window import MainWindow

        self._release_timer.stop()  # unlocked again before it ran: not now
        self.vault = vault
        setup_logging(self.profile)
        window = MainWindow(vault, demo=self.demo, text_size=self.text_size)
        window.lock_requested.connect(self.lock)
        window.quit_requested.connect(self.quit)
        window.device_revoked.connect(self._device_revoked)
        window.settings_changed.connect(self._settings_changed)
        if self._geometry is not None:
            window.restoreGeometry(self._geometry)
        else:
            window.resize(1200, 720)
        # Show the window before the dialog closes, so there is never no window at all.
        window.show()
        self.window = window
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self._reopen_cases(window)
        self.idle.set_timeout_ms(
            self._idle_ms if self._idle_ms is not None else auto_lock_ms(vault)
        )
        self.idle.start()

    def _reopen_cases(self, window: MainWindow) -> None:
        """Back to where the user was before the lock: the same cases, tabs and notes. Drafts
        come from the vault (the journals were saved before the lock)."""
        from desktop.journal import JournalWidget

        places, self._open_cases = self._open_cases, []
        if not places and self.vault is not None:
            # A fresh start (after quitting, or a crash): the cases open at the end.
            places = stored_open_cases(self.vault)
        for place in places:
            dialog = window.show_case(place.case_id)
            if dialog is None:  # gone or unreadable; show_case has said why
                continue
            if 0 <= place.tab < dialog.tabs.count():
                dialog.tabs.setCurrentIndex(place.tab)
            journal = dialog.findChild(JournalWidget)
            if journal is not None and place.note_id is not None:
                journal.open_note(place.note_id)
        if places:
            log.info("reopened %d case(s) after unlock", len(places))


def stored_open_cases(vault: Vault) -> list[OpenCase]:
    from desktop.main_window import OPEN_CASES_KEY
    from models.drafts import latest_unfinished_note

    try:
        raw = json.loads(vault.setting(OPEN_CASES_KEY) or "[]")
    except ValueError:
        return []
    places: list[OpenCase] = []
    with vault.reading() as s:
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, dict) and isinstance(item.get("case_id"), str):
                tab = item.get("tab")
                note = latest_unfinished_note(s, item["case_id"], vault.user)
                places.append(OpenCase(item["case_id"], tab if isinstance(tab, int) else 0, note))
    return places


def open_cases(window: MainWindow) -> list[OpenCase]:
    """The case dialogs open in ``window``, with each journal saved first (for its note id)."""
    from desktop.case_summary import CaseSummaryDialog
    from desktop.journal import JournalWidget

    places: list[OpenCase] = []
    for dialog in window.findChildren(CaseSummaryDialog):
        if not dialog.isVisible():
            continue
        journal = dialog.findChild(JournalWidget)
        note_id = None
        if journal is not None:
            journal.flush()
            note_id = journal.note_id
        places.append(OpenCase(dialog.summary.case_id, dialog.tabs.currentIndex(), note_id))
    return places


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


def configure_app(app: QApplication) -> None:
    """Name, Danish locale and Qt's own Danish texts (standard buttons, context menus), and
    the GIL's switch interval."""
    app.setApplicationName("Feltmappe")
    app.setApplicationVersion(app_version())
    QLocale.setDefault(QLocale(QLocale.Language.Danish, QLocale.Country.Denmark))
    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.Danish), "qtbase", "_", path):
        app.installTranslator(translator)
    # The controller decides when to quit (a dialog closing between two screens must not).
    app.setQuitOnLastWindowClosed(False)
    # Every cell Qt paints calls into Python, and each call waits for the GIL while a worker
    # (the deadline engine, a sync) runs Python: up to the switch interval each time. 1 ms
    # instead of 5 keeps the GUI responsive then (decision 0008).
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def run_gui(profile: Path | None = None, *, demo: bool = False) -> int:
    """Run the app on ``profile`` (default: the user's profile); returns the exit code."""
    profile = profile or (demo_profile_dir() if demo else default_profile_dir())
    setup_logging(profile if profile_exists(profile) else None)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    configure_app(app)
    qInstallMessageHandler(qt_message_handler)
    install_excepthook()
    previous_crash = start_native_crash_log(profile) if profile_exists(profile) else None
    controller = AppController(profile, demo=demo)
    app.aboutToQuit.connect(controller.close_vault)
    controller.start()
    # Kept referenced while the app runs (a parentless dialog dies with its last reference).
    crash_dialog = offer_native_crash(previous_crash) if previous_crash is not None else None
    log.info("started")
    code = int(app.exec())
    stop_native_crash_log()  # a clean exit leaves no crash file
    del crash_dialog
    return code


__all__ = ["DEMO_PASSPHRASE", "AppController", "create_demo_vault", "run_gui"]
