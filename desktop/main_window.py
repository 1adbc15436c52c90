"""The main window: menus, status bar and the case list. Thin on purpose: screens get what they
need passed in, and locking or quitting is left to the application (``desktop.app``)."""

from __future__ import annotations

import json
import logging
import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from desktop import memory
from desktop.case_deadlines import vault_deadline_source
from desktop.case_forms import CaseFormsWidget
from desktop.case_list import CaseListWidget, count_text, vault_case_source
from desktop.case_summary import CaseSummaryDialog, load_case_summary
from desktop.changes import ChangeHub
from desktop.connect_dialog import ConnectDialog
from desktop.crash import app_version
from desktop.deadline_actions import DeadlineActions
from desktop.drafts import flush_all
from desktop.geometry import CASE_WINDOW, load_geometry, save_geometry
from desktop.home_visit import HomeVisitWidget
from desktop.journal import JournalWidget
from desktop.persons import PartiesWidget
from desktop.sync_panel import UPGRADE_TEXT, SyncController, SyncPanel, SyncStatusBar
from desktop.timeline import TimelineWidget
from desktop.today import TodayWidget, vault_today_source
from desktop.widgets import show_error
from desktop.zoom import TextSize
from models import settings
from models.errors import FeltmappeError
from models.vault import Vault
from sync.client.state import SyncStatus
from sync.errors import ServerUnreachable, UpgradeRequired

log = logging.getLogger("feltmappe.window")

#: The vault's local setting with the open cases (``desktop.app`` reads it after a restart).
OPEN_CASES_KEY = "ui.open_cases"

ABOUT_TEXT = (
    "<h3>Feltmappe {version}</h3>"
    "<p>Den krypterede feltmappe til rådgivere på børne- og ungeområdet.</p>"
    "<p>Sagerne gemmes krypteret på denne computer og kan bruges uden netforbindelse.</p>"
)


#: The case window's "Skemaer" tab: a deadline met by a form opens that form there.
FORM_TAB = 5
#: Which tab of the case window fulfils a deadline (0 = the overview with all deadlines).
DEADLINE_TABS = {
    "hjemmebesoeg_undersoegelse": 3,
    "teamkoordinator_8_uger": 0,
    "underretning_24_timer": FORM_TAB,
    "kvittering_underretter": FORM_TAB,
    "tilbagemelding_underretter": FORM_TAB,
    "undersoegelse_4_maaneder": FORM_TAB,
    "undersoegelse_simpel_6_uger": FORM_TAB,
}


class MainWindow(QMainWindow):
    lock_requested = Signal()
    quit_requested = Signal()
    #: The central store has revoked this device: the application wipes the vault.
    device_revoked = Signal()
    #: Settings changed in "Indstillinger" (key → typed value); the application applies its own.
    settings_changed = Signal(object)

    def __init__(
        self,
        vault: Vault,
        *,
        demo: bool = False,
        text_size: TextSize | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._vault = vault
        self._dropping = False
        #: Set when the vault is about to close: background reads end at their next step.
        self._stop = threading.Event()
        self.setWindowTitle("Feltmappe")
        #: What every write and every sync changed, for the screens that show it.
        self.changes = ChangeHub(vault, self)

        self.case_list: CaseListWidget | None = CaseListWidget(
            vault_case_source(vault),
            self,
            deadlines=vault_deadline_source(vault, stop=self._stop),
            background=True,
        )
        self.case_list.case_activated.connect(self.show_case)
        self.case_list.count_changed.connect(self._show_count)
        self.today: TodayWidget | None = TodayWidget(
            vault_today_source(vault, vault.user), self, background=True
        )
        self.today.deadline_activated.connect(self._open_deadline)
        self.today.set_actions(DeadlineActions(vault, self.today.current_deadline, self.today))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.case_list, "&Sager")
        self.tabs.addTab(self.today, "I &dag")
        self.setCentralWidget(self.tabs)

        self.sync = SyncController(vault, self)
        self.sync_action = QAction("S&ynkroniser nu", self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sync_action.setToolTip("Send dine ændringer og hent nye fra den centrale server (F5)")
        self.sync_action.triggered.connect(self.sync.sync_now)
        self.connect_action = QAction("&Forbind til central server…", self)
        self.connect_action.triggered.connect(self.show_connect)
        self.sync_panel: SyncPanel | None = SyncPanel(vault, self.sync, self.sync_action, self)
        self.sync_panel.connect_requested.connect(self.show_connect)
        self.tabs.addTab(self.sync_panel, "S&ynkronisering")
        self.show_sync_action = QAction("&Konflikter og afviste ændringer", self)
        self.show_sync_action.triggered.connect(self.show_sync_panel)
        self.sync.status_changed.connect(self._sync_status)
        self.sync.running_changed.connect(self._sync_running)
        self.sync.failed.connect(self._sync_failed)
        self.sync.revoked.connect(self.device_revoked)

        self.lock_action = QAction("&Lås", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock_requested)
        self.quit_action = QAction("&Afslut", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        self.about_action = QAction("&Om Feltmappe", self)
        self.about_action.triggered.connect(self.show_about)
        self.settings_action = QAction("&Indstillinger…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.show_settings)

        file_menu = self.menuBar().addMenu("&Filer")
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        sync_menu = self.menuBar().addMenu("Sy&nkronisering")
        sync_menu.addAction(self.sync_action)
        sync_menu.addAction(self.show_sync_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.connect_action)
        self.text_size = text_size
        view_menu = self.menuBar().addMenu("&Vis")
        self.bigger_action = self._text_action("&Større tekst", ("Ctrl++", "Ctrl+="), "bigger")
        self.smaller_action = self._text_action("&Mindre tekst", ("Ctrl+-",), "smaller")
        self.reset_text_action = self._text_action("&Normal tekststørrelse", ("Ctrl+0",), "reset")
        for action in (self.bigger_action, self.smaller_action, self.reset_text_action):
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Hjælp")
        help_menu.addAction(self.about_action)

        self._demo = demo
        self.user_label = QLabel(self._user_text(settings.get(vault, settings.DISPLAY_NAME)), self)
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("case_count")
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.count_label)
        self.sync_status = SyncStatusBar(self.sync, self.sync_action, self)
        self.sync_status.problems_clicked.connect(self.show_sync_panel)
        self.statusBar().addPermanentWidget(self.sync_status)

        for screen in (self.case_list, self.today, self.sync_panel):
            self.listen(screen)
        self.case_list.reload()
        # "I dag" is read after the list's deadlines (which wait for the list's first paint):
        # two loads at once would share the GIL with the first paint and with each other.
        self.case_list.deadlines_settled.connect(self._first_today_load)
        self.case_list.focus_search()
        self.sync.start()
        # What lives now lives for the session (modules, this window): out of the collector's
        # way, so no full collection of it pauses the list or a case window (desktop.memory).
        memory.settle()

    def _first_today_load(self) -> None:
        if self.case_list is not None:
            self.case_list.deadlines_settled.disconnect(self._first_today_load)
        if self.today is not None and not self._stop.is_set():
            self.today.reload()

    def listen(self, screen: QWidget | None) -> None:
        """Let ``screen`` hear of changes, if it shows vault data (it has ``on_changes``)."""
        if screen is None:
            return
        slot = getattr(screen, "on_changes", None)
        if slot is not None:
            self.changes.changed.connect(slot)

    def _text_action(self, text: str, keys: tuple[str, ...], method: str) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        # Works in the case windows too.
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if self.text_size is not None:
            action.triggered.connect(getattr(self.text_size, method))
        else:
            action.setEnabled(False)
        return action

    # -- slots -------------------------------------------------------------------------

    def show_case(self, case_id: str) -> CaseSummaryDialog | None:
        """Open the case's window, or bring forward the one already open (one per case)."""
        for open_dialog in self.findChildren(CaseSummaryDialog):
            if open_dialog.isVisible() and open_dialog.summary.case_id == case_id:
                open_dialog.raise_()
                open_dialog.activateWindow()
                return open_dialog
        try:
            summary = load_case_summary(self._vault, case_id)
        except FeltmappeError as err:
            show_error(self, err)
            return None
        dialog = CaseSummaryDialog(summary, self, vault=self._vault)
        dialog.add_tab("&Journal", JournalWidget(self._vault, case_id, parent=dialog))
        dialog.add_tab("&Personer", PartiesWidget(self._vault, case_id, parent=dialog))
        home_visit = HomeVisitWidget(self._vault, case_id, parent=dialog)
        timeline = TimelineWidget(self._vault, case_id, parent=dialog)
        dialog.add_tab("&Hjemmebesøg", home_visit)
        dialog.add_tab("&Tidslinje", timeline)
        # Alt+K: every other letter of "Skemaer" is taken on some tab; "Kvittér" (Overblik and
        # "I dag") has Alt+I instead, and the main window's "I dag" Alt+D.
        forms = CaseFormsWidget(self._vault, case_id, parent=dialog)
        dialog.add_tab("S&kemaer", forms)
        # Closed by the user, a form started by mistake goes again; closed by a lock, it stays.
        dialog.finished.connect(lambda *_: None if self._dropping else forms.leave())
        for screen in (dialog, *(dialog.tabs.widget(i) for i in range(dialog.tabs.count()))):
            self.listen(screen)
        dialog.finished.connect(self.remember_open_cases)
        dialog.tabs.currentChanged.connect(self.remember_open_cases)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # A case window is a work window: it can be maximised, and opens where the last was.
        dialog.setWindowFlags(
            dialog.windowFlags()
            | Qt.WindowType.WindowMaximizeButtonHint
            | Qt.WindowType.WindowMinimizeButtonHint
        )
        profile = self._vault.profile
        geometry = load_geometry(profile, CASE_WINDOW)
        if geometry is not None:
            dialog.restoreGeometry(geometry)
        dialog.finished.connect(
            lambda *_: save_geometry(profile, bytes(dialog.saveGeometry().data()), CASE_WINDOW)
        )
        # Not modal: the list stays usable, and Ctrl+L (an application shortcut) still locks.
        dialog.show()
        self.remember_open_cases()
        return dialog

    def remember_open_cases(self) -> None:
        """Keep which cases are open (ids and tabs) in the vault, for a restart after a crash."""
        if self._dropping or not self._vault.is_open:
            return
        places = [
            {"case_id": d.summary.case_id, "tab": d.tabs.currentIndex()}
            for d in self.findChildren(CaseSummaryDialog)
            if d.isVisible()
        ]
        vault, value = self._vault, json.dumps(places)
        try:
            # On the writer thread: the GUI does not wait for the vault.
            vault.writer.submit(lambda: vault.set_setting(OPEN_CASES_KEY, value))
        except FeltmappeError as err:
            log.warning("open cases not kept: %s", err.code)

    def _open_deadline(self, case_id: str, rule: str, subject_id: str) -> None:
        """Open the case where the deadline is dealt with: the screen that fulfils it, else the
        overview, which lists every open deadline with its legal basis."""
        dialog = self.show_case(case_id)
        if dialog is not None:
            dialog.tabs.setCurrentIndex(DEADLINE_TABS.get(rule, 0))
            forms = dialog.tabs.currentWidget()
            if isinstance(forms, CaseFormsWidget) and forms.select(subject_id):
                forms.open_row(subject_id)

    def show_settings(self) -> QDialog:
        from desktop.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self._vault, self.text_size, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._settings_saved)
        dialog.open()
        return dialog

    def _settings_saved(self, values: dict[str, object]) -> None:
        interval, name = settings.SYNC_INTERVAL_MINUTES, settings.DISPLAY_NAME
        if interval.key in values:
            self.sync.set_interval_ms(interval.parse(values[interval.key]) * 60_000)
        if name.key in values:
            self.user_label.setText(self._user_text(name.parse(values[name.key])))
        self.settings_changed.emit(values)

    def _user_text(self, name: str) -> str:
        who = f"Bruger: {name or self._vault.user or 'ukendt bruger'}"
        return who + (" · Demoprofil med opdigtede sager" if self._demo else "")

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Om Feltmappe")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(ABOUT_TEXT.format(version=app_version()))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _show_count(self, shown: int, total: int) -> None:
        self.count_label.setText(count_text(shown, total))

    # -- sync --------------------------------------------------------------------------

    def show_sync_panel(self) -> None:
        if self.sync_panel is not None:
            self.tabs.setCurrentWidget(self.sync_panel)

    def show_connect(self) -> ConnectDialog:
        dialog = ConnectDialog(self._vault, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.connected.connect(self._connected)
        dialog.open()
        return dialog

    def _connected(self) -> None:
        self.sync.offline = False
        self.sync.sync_now()

    def _sync_status(self, status: SyncStatus) -> None:
        self.sync_action.setEnabled(status.connected and not self.sync.running)
        self.show_sync_action.setEnabled(True)

    def _sync_running(self, running: bool) -> None:
        self.sync_action.setEnabled(not running and self.sync.connected)

    def _sync_failed(self, exc: BaseException) -> None:
        """Offline is quiet (the status bar says it, the timer tries again); the rest is told."""
        if isinstance(exc, ServerUnreachable):
            return
        if isinstance(exc, UpgradeRequired):
            box = QMessageBox(
                QMessageBox.Icon.Information,
                "Feltmappe",
                UPGRADE_TEXT,
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        elif isinstance(exc, FeltmappeError):
            show_error(self, exc)

    # -- locking -----------------------------------------------------------------------

    def stop_background(self) -> None:
        """Before the vault closes: no new sync, and a running sync or deadline read ends at
        its next page or chunk (the caller waits for it with ``wait_for_background``)."""
        self._stop.set()
        self.sync.stop()

    def drop_case_widgets(self) -> None:
        """Close every dialog and widget that shows case data (before the vault is locked)."""
        self.stop_background()
        self._dropping = True  # closing the case windows now is not the user closing them
        self.changes.close()
        for journal in self.findChildren(JournalWidget):
            journal.flush()  # the draft is saved before the key goes
        flush_all()  # and every other editor's draft
        for dialog in self.findChildren(QDialog):
            dialog.close()
            dialog.deleteLater()
        if self.case_list is not None:
            self.case_list.clear()
            self.case_list = None
        if self.today is not None:
            self.today.clear()
        self.today = None
        self.sync_panel = None
        central = self.takeCentralWidget()
        if central is not None:
            central.deleteLater()
        self.count_label.clear()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.quit_requested.emit()
        super().closeEvent(event)
