"""Sync on the desktop against a real central store on 127.0.0.1: the status bar, "Synkroniser
nu", offline work that survives locking, conflicts and rejected changes settled in the panel, a
revoked device wiped, connecting, and typing that never waits for a sync."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop import sync_panel
from desktop.connect_dialog import BAD_URL, UNREACHABLE, ConnectDialog, connect_error_text
from desktop.first_run import FirstRunDialog
from desktop.journal import JournalWidget
from desktop.main_window import MainWindow
from desktop.messages import error_text
from desktop.sync_panel import (
    REVOKED_TEXT,
    UPGRADE_TEXT,
    ConflictModel,
    ConflictView,
    QuarantineModel,
    RejectedModel,
    RejectedView,
    last_sync_text,
    pending_text,
    problems_text,
)
from desktop.sync_views import QuarantineView
from models import services
from models.keyfile import KdfParams
from models.profile import DB_FILE, KEY_FILE
from models.schema import Case, JournalNote
from models.vault import Vault
from sync.client import enrolment
from sync.client.keys import CA_FILE_KEY, TOKEN_KEY, URL_KEY
from sync.client.replication import SyncClient
from sync.client.transport import Connection
from sync.errors import (
    BadCredentials,
    CaFileError,
    CertificateError,
    InsecureUrl,
    ServerRefused,
    SyncError,
    UpgradeRequired,
)
from sync.server.store import Store
from tests.gui.conftest import written
from tests.gui.harness import Harness, type_and_enter
from tests.sync.harness import PASSPHRASE, PASSWORD, Laptop, running, store_at
from tests.sync.pki import make_pki

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def quick_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    # The status bar re-reads often; no automatic first sync unless a test asks for one.
    monkeypatch.setattr(sync_panel, "STATUS_REFRESH_MS", 100)
    monkeypatch.setattr(sync_panel, "FIRST_SYNC_DELAY_MS", 10 * 60_000)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with store_at("sqlite", tmp_path) as s:
        s.add_user("anna", PASSWORD, display_name="Anna Holm")
        s.add_user("bo", PASSWORD, display_name="Bo Lund")
        yield s


@pytest.fixture
def server(store: Store) -> Iterator[Any]:
    with running(store) as srv:
        yield srv


@dataclass
class Desk:
    """Anna's laptop, driven through the GUI."""

    profile: Path
    device_id: str
    case_id: str
    note_ids: list[str]


def make_desk(tmp_path: Path, url: str, *, notes: int = 1, sync_first: bool = False) -> Desk:
    profile = tmp_path / "anna"
    vault = Vault.create(profile, PASSPHRASE, user="anna", kdf=KdfParams.fast())
    try:
        device_id = enrolment.connect(vault, url, "anna", PASSWORD, "Annas bærbare")
        with vault.session() as s:
            child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
            case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
            note_ids = [
                services.add_note(s, case, title=f"Notat {i}", body="Skolen ringede.").id
                for i in range(notes)
            ]
            case_id = case.id
        if sync_first:
            conn = enrolment.connection_for(vault)
            try:
                SyncClient(vault, conn).sync()
            finally:
                conn.close()
    finally:
        vault.close()
    return Desk(profile, device_id, case_id, note_ids)


@pytest.fixture
def open_app(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[[Path], Harness]]:
    made: list[Harness] = []

    def start(profile: Path) -> Harness:
        h = Harness(qtbot, profile, tmp_path / "demo")
        made.append(h)
        h.controller.start()
        type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
        qtbot.waitExposed(h.window)
        return h

    yield start
    for h in made:
        h.close()


def sync_and_wait(qtbot: QtBot, window: MainWindow) -> None:
    assert window.sync_action.isEnabled()
    window.sync_action.trigger()
    assert window.sync.running
    assert not window.sync_action.isEnabled()  # one sync at a time
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)


def edit_body(vault: Vault, note_id: str, body: str) -> None:
    with vault.session() as s:
        note = s.get(JournalNote, note_id)
        assert note is not None
        services.edit_draft(s, note, title=note.title, body=body)


def edit_district(vault: Vault, case_id: str, district: str) -> None:
    with vault.session() as s:
        services.update(s, services.get(s, Case, case_id), district=district)


def server_bodies(
    store: Store, tmp_path: Path, url: str, case_id: str, note_ids: list[str]
) -> list[str]:
    """What a colleague's laptop gets for the notes."""
    store.assign(case_id, "bo")
    bo = Laptop(tmp_path, "bo", url, "bo")
    try:
        bo.sync()
        with bo.vault.session() as s:
            notes = [s.get(JournalNote, note_id) for note_id in note_ids]
            return [note.body if note is not None else "" for note in notes]
    finally:
        bo.close()


def server_body(store: Store, tmp_path: Path, url: str, case_id: str, note_id: str) -> str:
    return server_bodies(store, tmp_path, url, case_id, [note_id])[0]


# -- texts ---------------------------------------------------------------------------------


def test_status_texts() -> None:
    assert pending_text(0) == "Ingen ændringer venter"
    assert pending_text(1) == "1 ændring venter"
    assert pending_text(7) == "7 ændringer venter"
    assert problems_text(2, 1) == "2 konflikter · 1 afvist ændring"
    assert problems_text(1, 3) == "1 konflikt · 3 afviste ændringer"
    assert problems_text(0, 0) == ""
    now = datetime(2026, 11, 26, 15, 0).astimezone()
    assert last_sync_text(None) == "Aldrig synkroniseret"
    earlier = now - timedelta(minutes=5)
    assert (
        last_sync_text(earlier.astimezone(UTC), now) == f"Sidst synkroniseret kl. {earlier:%H:%M}"
    )
    days_ago = now - timedelta(days=3)
    assert last_sync_text(days_ago, now) == (
        f"Sidst synkroniseret {days_ago:%d.%m.} kl. {days_ago:%H:%M}"
    )


def test_panel_models(qtmodeltester: Any) -> None:
    conflicts = ConflictModel()
    conflicts.set_rows(
        [
            ConflictView(
                "c1", "2026-0001", "journalnotater", "body", "a (anna)", "b (bo)", datetime.now()
            )
        ]
    )
    qtmodeltester.check(conflicts)
    rejected = RejectedModel()
    rejected.set_rows([RejectedView(1, "2026-0001", "sager", "Ændret: stage", "Ingen adgang")])
    qtmodeltester.check(rejected)
    quarantined = QuarantineModel()
    quarantined.set_rows([QuarantineView("2026-0001", "sager", "stage", "Venter")])
    quarantined.sort(0, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(quarantined)


# -- the status bar and "Synkroniser nu" ----------------------------------------------------


def test_status_bar_counts_a_typed_note_and_sync_now_sends_it(
    qtbot: QtBot, tmp_path: Path, server: Any, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    desk = make_desk(tmp_path, server.url)
    window = open_app(desk.profile).window
    bar = window.sync_status
    assert bar.state.text() == "Forbundet"
    assert bar.last.text() == "Aldrig synkroniseret"
    assert not bar.problems.isVisible()
    before = window.sync.status
    assert before is not None and before.pending > 0
    assert bar.pending.text() == pending_text(before.pending)

    # A note typed in the journal: the count grows on its own (the status bar polls).
    dialog = window.show_case(desk.case_id)
    assert dialog is not None
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    dialog.tabs.setCurrentIndex(1)
    journal.new_note()
    qtbot.keyClicks(journal.title, "Hjemmebesøg")
    qtbot.keyClicks(journal.body, "Mor og barn var hjemme.")
    assert journal.flush()
    qtbot.waitUntil(lambda: bar.pending.text() == pending_text(before.pending + 1), timeout=5000)

    sync_and_wait(qtbot, window)
    assert bar.pending.text() == "Ingen ændringer venter"
    assert bar.state.text() == "Forbundet"
    assert bar.last.text().startswith("Sidst synkroniseret kl. ")
    assert not bar.bar.isVisible()
    assert window.sync_action.isEnabled()
    assert journal.note_id is not None
    assert server_body(store, tmp_path, server.url, desk.case_id, journal.note_id) == (
        "Mor og barn var hjemme."
    )


def test_first_sync_runs_shortly_after_unlock(
    qtbot: QtBot,
    tmp_path: Path,
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    open_app: Callable[[Path], Harness],
) -> None:
    monkeypatch.setattr(sync_panel, "FIRST_SYNC_DELAY_MS", 50)
    desk = make_desk(tmp_path, server.url)
    window = open_app(desk.profile).window
    qtbot.waitUntil(
        lambda: window.sync_status.last.text().startswith("Sidst synkroniseret kl. "),
        timeout=20_000,
    )
    assert window.sync_status.pending.text() == "Ingen ændringer venter"


def test_not_connected_says_so(
    qtbot: QtBot, tmp_path: Path, open_app: Callable[[Path], Harness]
) -> None:
    profile = tmp_path / "solo"
    Vault.create(profile, PASSPHRASE, user="anna", kdf=KdfParams.fast()).close()
    window = open_app(profile).window
    bar = window.sync_status
    assert bar.state.text() == (
        "Gemt krypteret på denne computer · ikke forbundet til en central server"
    )
    # No alarming count of "waiting" changes, no "never synchronised", no sync button.
    assert not bar.pending.isVisible() and not bar.last.isVisible()
    assert not bar.button.isVisible()
    assert not window.sync_action.isEnabled()
    assert window.sync_panel is not None
    window.show_sync_panel()
    assert window.sync_panel.connect_button.isVisible()


# -- offline, locking -------------------------------------------------------------------------


def test_offline_keeps_the_changes_through_lock_and_pushes_them_later(
    qtbot: QtBot, tmp_path: Path, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    with running(store) as first:
        desk = make_desk(tmp_path, first.url, sync_first=True)
    # The server is gone now: the laptop works offline.
    h = open_app(desk.profile)
    window = h.window
    with h.controller.vault.session() as s:  # type: ignore[union-attr]
        note = s.get(JournalNote, desk.note_ids[0])
        assert note is not None
        services.edit_draft(s, note, title=note.title, body="Skrevet uden net.")
    qtbot.waitUntil(lambda: window.sync_status.pending.text() == "1 ændring venter")
    sync_and_wait(qtbot, window)
    assert window.sync_status.state.text() == "Ingen forbindelse"
    assert window.sync_status.pending.text() == "1 ændring venter"
    assert not any(
        isinstance(w, QMessageBox) and w.isVisible() for w in window.findChildren(QMessageBox)
    )

    h.controller.lock()
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    assert window.sync_status.pending.text() == "1 ændring venter"
    assert (
        window.sync_status.state.text() == "Ingen forbindelse"
    )  # remembered until a sync succeeds

    with running(store) as second:
        vault = h.controller.vault
        assert vault is not None
        vault.set_setting(URL_KEY, second.url)  # the store is back (on a new port)
        sync_and_wait(qtbot, window)
        assert window.sync_status.state.text() == "Forbundet"
        assert window.sync_status.pending.text() == "Ingen ændringer venter"
        body = server_body(store, tmp_path, second.url, desk.case_id, desk.note_ids[0])
    assert body == "Skrevet uden net."


# -- conflicts and rejected changes --------------------------------------------------------------


def test_conflict_is_listed_and_resolved_in_the_panel(
    qtbot: QtBot,
    tmp_path: Path,
    server: Any,
    store: Store,
    open_app: Callable[[Path], Harness],
    gui_thread_sessions: list[str],
) -> None:
    desk = make_desk(tmp_path, server.url, sync_first=True)
    store.assign(desk.case_id, "bo")
    bo = Laptop(tmp_path, "bo", server.url, "bo")
    try:
        bo.sync()
        edit_district(bo.vault, desk.case_id, "Syd")
        bo.sync()
        vault = Vault.open(desk.profile, PASSPHRASE)
        edit_district(vault, desk.case_id, "Nord")
        vault.close()

        window = open_app(desk.profile).window
        sync_and_wait(qtbot, window)
        bar = window.sync_status
        assert bar.problems.isVisible()
        assert bar.problems.text() == "⚠ 1 konflikt"
        panel = window.sync_panel
        assert panel is not None
        bar.problems.click()
        assert window.tabs.currentWidget() is panel
        model = panel.conflicts.model()
        assert model.rowCount() == 1
        row = [model.index(0, c).data() for c in range(model.columnCount())]
        assert row[0].endswith(" · Mia Jensen")  # the case number and the child
        assert row[1] == "sager"
        assert row[2] == "distrikt"
        assert row[3] == "Nord (Anna Holm)"  # colleagues by name, not username
        assert row[4] == "Syd (Bo Lund)"
        assert not panel.use_mine.isEnabled()

        panel.conflicts.selectRow(0)
        assert panel.use_mine.isEnabled()
        gui_thread_sessions.clear()
        panel.use_mine.click()
        written(qtbot)  # the choice is written on the vault's writer
        assert gui_thread_sessions == []  # not on the GUI thread
        assert panel.conflicts.model().rowCount() == 0
        qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
        assert not bar.problems.isVisible()
        assert bar.pending.text() == "Ingen ændringer venter"

        bo.sync()
        with bo.vault.session() as s:
            assert services.get(s, Case, desk.case_id).district == "Nord"
    finally:
        bo.close()


def test_rejected_changes_are_listed_retried_and_discarded(
    qtbot: QtBot, tmp_path: Path, server: Any, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    desk = make_desk(tmp_path, server.url, notes=2, sync_first=True)
    vault = Vault.open(desk.profile, PASSPHRASE)
    edit_body(vault, desk.note_ids[0], "Første rettelse.")
    edit_body(vault, desk.note_ids[1], "Anden rettelse.")
    vault.close()
    store.unassign(desk.case_id, "anna")  # the case was taken from Anna meanwhile

    window = open_app(desk.profile).window
    sync_and_wait(qtbot, window)
    bar = window.sync_status
    assert bar.problems.text() == "⚠ 2 afviste ændringer"
    panel = window.sync_panel
    assert panel is not None
    bar.problems.click()
    model = panel.rejected.model()
    assert model.rowCount() == 2
    assert model.index(0, 0).data().endswith(" · Mia Jensen")
    assert model.index(0, 1).data() == "journalnotater"
    assert model.index(0, 2).data() == "Ændret: tekst"
    reason = model.index(0, 3).data()
    assert reason and "sync." not in reason  # Danish, not a code

    # A sync reads the lists again: the selected change stays selected.
    panel.rejected.selectRow(1)
    chosen = panel.selected_rejected()
    assert len(chosen) == 1
    sync_and_wait(qtbot, window)
    assert panel.selected_rejected() == chosen
    assert panel.discard_button.isEnabled()

    # Discard the first: asked first, done in the background.
    panel.rejected.selectRow(0)
    box = panel.ask_discard()
    assert box is not None and "Vil du kassere den afviste ændring?" in box.text()
    discard = next(b for b in box.buttons() if b.text() == "Kassér")
    discard.click()
    qtbot.waitUntil(lambda: panel.rejected.model().rowCount() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: bar.problems.text() == "⚠ 1 afvist ændring")

    # The case comes back to Anna; the other change is sent again and applied.
    store.assign(desk.case_id, "anna")
    panel.rejected.selectRow(0)
    panel.retry_button.click()
    written(qtbot)
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
    assert panel.rejected.model().rowCount() == 0
    assert not bar.problems.isVisible()
    assert bar.pending.text() == "Ingen ændringer venter"
    assert server_body(store, tmp_path, server.url, desk.case_id, desk.note_ids[1]) == (
        "Anden rettelse."
    )


# -- a revoked device --------------------------------------------------------------------------


def test_revoked_device_is_wiped_and_starts_over(
    qtbot: QtBot, tmp_path: Path, server: Any, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    desk = make_desk(tmp_path, server.url)
    h = open_app(desk.profile)
    store.revoke_device(desk.device_id)
    h.window.sync_action.trigger()
    qtbot.waitUntil(lambda: isinstance(h.controller.dialog, FirstRunDialog), timeout=20_000)
    assert h.controller.window is None
    assert h.controller.vault is None
    assert not (desk.profile / KEY_FILE).exists()
    assert not (desk.profile / DB_FILE).exists()
    dialog = h.first_run_dialog()
    box = dialog.findChild(QMessageBox, "revoked")
    assert box is not None and box.isVisible()
    assert box.text() == REVOKED_TEXT
    box.accept()


# -- connecting --------------------------------------------------------------------------------


def test_connect_dialog_explains_errors_and_connects(
    qtbot: QtBot, tmp_path: Path, server: Any, open_app: Callable[[Path], Harness]
) -> None:
    profile = tmp_path / "solo"
    vault = Vault.create(profile, PASSPHRASE, user="anna", kdf=KdfParams.fast())
    with vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        services.create_case(s, child=child, opened_on=date(2026, 11, 2))
    vault.close()
    window = open_app(profile).window
    dialog = window.show_connect()
    assert isinstance(dialog, ConnectDialog)
    qtbot.waitExposed(dialog)
    assert dialog.username.text() == "anna"
    assert dialog.device.text()  # the host name

    def attempt(url: str, password: str) -> str:
        dialog.url.setText(url)
        dialog.password.setText(password)
        dialog.ok.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        return dialog.error.text()

    assert attempt("feltmappe.kommune.dk", PASSWORD) == BAD_URL
    # Plain HTTP to another computer: refused before anything is sent, in Danish.
    assert attempt("http://feltmappe.kommune.dk", PASSWORD) == error_text(InsecureUrl())
    dialog.ca_file.setText(str(tmp_path / "findes-ikke.pem"))
    assert attempt(server.url, PASSWORD) == error_text(CaFileError())
    assert dialog.ca_file.hasFocus() or not dialog.isActiveWindow()
    dialog.ca_file.clear()
    assert attempt(server.url, "forkert-kode") == connect_error_text(BadCredentials())
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    assert attempt(closed, PASSWORD) == UNREACHABLE
    assert dialog.isVisible()

    dialog.url.setText(server.url)
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        dialog.ok.click()
    qtbot.waitUntil(
        lambda: window.sync_status.last.text().startswith("Sidst synkroniseret"), timeout=20_000
    )
    assert window.sync_status.state.text() == "Forbundet"
    assert window.sync_status.pending.text() == "Ingen ændringer venter"


# -- typing during a sync ------------------------------------------------------------------------


class SlowTransport(httpx.HTTPTransport):
    """A slow network: every request waits before it goes."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.delay)
        return super().handle_request(request)


def test_typing_goes_on_during_a_running_sync(
    qtbot: QtBot, tmp_path: Path, server: Any, open_app: Callable[[Path], Harness]
) -> None:
    """A caseworker types while a (slow) sync runs: every key arrives while the sync is still
    going. How long a key or the event loop waits is measured by
    ``python -m tests.bench.bench_sync_gui`` (no timing assertions in tests, STYLE §15)."""
    desk = make_desk(tmp_path, server.url, notes=3)
    window = open_app(desk.profile).window

    def slow_connection(vault: Vault) -> Connection:
        url, token = vault.setting(URL_KEY), vault.setting(TOKEN_KEY)
        client = httpx.Client(base_url=url, transport=SlowTransport(0.6), timeout=30)
        return Connection(url, token, client=client)

    window.sync.connection_for = slow_connection
    dialog = window.show_case(desk.case_id)
    assert dialog is not None
    journal = dialog.findChild(JournalWidget)
    assert journal is not None
    dialog.tabs.setCurrentWidget(journal)
    journal.new_note()
    window.sync_action.trigger()
    assert window.sync.running
    assert window.sync_status.bar.isVisible()
    text = "Barnet fortalte om skolen."
    for char in text:  # a caseworker typing while the sync runs
        qtbot.keyClicks(journal.body, char)
        qtbot.wait(25)
    assert journal.body.toPlainText() == text
    assert window.sync.running  # the typing finished while the sync was still going
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
    assert window.sync_status.last.text().startswith("Sidst synkroniseret")


def test_upgrade_required_and_other_errors_are_told(
    qtbot: QtBot, tmp_path: Path, server: Any, open_app: Callable[[Path], Harness]
) -> None:
    desk = make_desk(tmp_path, server.url)
    window = open_app(desk.profile).window
    errors: list[SyncError] = [UpgradeRequired(), ServerRefused(status=400, error="x")]

    def failing(_vault: Vault) -> Connection:
        raise errors.pop(0)

    window.sync.connection_for = failing
    sync_and_wait(qtbot, window)
    box = window.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    assert box.text() == UPGRADE_TEXT
    box.accept()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox) is None)

    sync_and_wait(qtbot, window)
    box = window.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    assert box.text() == error_text(ServerRefused(status=400, error="x"))
    box.accept()
    assert window.sync_status.state.text() == "Forbundet"  # the server answered


def test_a_certificate_that_cannot_be_verified_is_told_not_taken_for_offline(
    qtbot: QtBot, tmp_path: Path, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    pki = make_pki(tmp_path)
    with running(store, tls=pki.tls) as server:
        profile = tmp_path / "anna"
        vault = Vault.create(profile, PASSPHRASE, user="anna", kdf=KdfParams.fast())
        try:
            enrolment.connect(
                vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=str(pki.ca)
            )
            vault.set_setting(CA_FILE_KEY, str(pki.other_ca))  # the wrong CA from IT
        finally:
            vault.close()
        window = open_app(profile).window
        sync_and_wait(qtbot, window)
        box = window.findChild(QMessageBox)
        assert box is not None and box.isVisible()
        assert box.text() == error_text(CertificateError())
        assert box.text().startswith("Serverens certifikat kunne ikke bekræftes")
        box.accept()
        assert window.sync_status.state.text() != "Ingen forbindelse"

        # Connecting again in the dialog, with the right CA certificate this time.
        dialog = window.show_connect()
        qtbot.waitExposed(dialog)
        assert dialog.url.text() == server.url
        assert dialog.ca_file.text() == str(pki.other_ca)  # what the vault holds
        dialog.password.setText(PASSWORD)
        dialog.ok.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        assert dialog.error.text() == connect_error_text(CertificateError())
        dialog.ca_file.setText(str(pki.ca))
        dialog.password.setText(PASSWORD)
        with qtbot.waitSignal(dialog.connected, timeout=20_000):
            dialog.ok.click()
        qtbot.waitUntil(
            lambda: window.sync_status.last.text().startswith("Sidst synkroniseret"),
            timeout=20_000,
        )
        assert window.sync_status.pending.text() == "Ingen ændringer venter"


def test_locking_during_a_sync_waits_and_loses_nothing(
    qtbot: QtBot, tmp_path: Path, server: Any, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    desk = make_desk(tmp_path, server.url, notes=2)
    h = open_app(desk.profile)

    def slow_connection(vault: Vault) -> Connection:
        url, token = vault.setting(URL_KEY), vault.setting(TOKEN_KEY)
        client = httpx.Client(base_url=url, transport=SlowTransport(0.5), timeout=30)
        return Connection(url, token, client=client)

    h.window.sync.connection_for = slow_connection
    h.window.sync_action.trigger()
    assert h.window.sync.running
    h.controller.lock()  # waits for the sync to stop at its next step; the vault closes after
    assert h.controller.vault is None
    type_and_enter(qtbot, h.unlock_dialog(), PASSPHRASE)
    window = h.window
    sync_and_wait(qtbot, window)
    assert window.sync_status.pending.text() == "Ingen ændringer venter"
    bodies = server_bodies(store, tmp_path, server.url, desk.case_id, desk.note_ids)
    assert bodies == ["Skolen ringede.", "Skolen ringede."]


# -- a bad row from the store ------------------------------------------------------------------


def test_a_row_the_laptop_cannot_store_is_shown_and_the_rest_works(
    qtbot: QtBot, tmp_path: Path, server: Any, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    """A value that reached the store before it checked values (or a hand-edited database):
    the laptop keeps the row out, says the case is missing information, and works on."""
    import json

    from sqlalchemy import select, update

    from sync.server.tables import Record

    desk = make_desk(tmp_path, server.url, notes=2, sync_first=True)
    with store.write() as (s, seq):
        rec = s.scalar(select(Record).where(Record.table_name == "person"))
        assert rec is not None
        doc = json.loads(rec.data)
        doc.update(birth_date="20160101", rev=rec.rev + 1)
        s.execute(
            update(Record)
            .where(Record.id == rec.id)
            .values(data=json.dumps(doc), rev=rec.rev + 1, seq=seq.next())
        )
    window = open_app(desk.profile).window
    sync_and_wait(qtbot, window)
    window.show_sync_panel()
    panel = window.sync_panel
    assert panel is not None
    qtbot.waitUntil(panel.quarantine_box.isVisible, timeout=5000)
    model = panel.quarantine.model()
    assert model.rowCount() == 1
    [number] = [r.case_number for r in _cases(store)]
    assert [model.index(0, c).data() for c in range(4)] == [
        number,
        "personer",
        "fødselsdato",
        "Mangler oplysninger",
    ]
    panel.grab().save(str(tmp_path / "quarantine.png"))


def _cases(store: Store) -> list[Any]:
    import json
    from types import SimpleNamespace

    from sqlalchemy import select

    from sync.server.tables import Record

    with store.read() as s:
        docs = s.scalars(select(Record.data).where(Record.table_name == "case"))
        return [SimpleNamespace(**json.loads(d)) for d in docs]


# -- a colleague's note arrives while the journal is open ---------------------------------------


def test_a_note_synced_from_another_laptop_appears_in_the_open_journal(
    qtbot: QtBot, tmp_path: Path, server: Any, store: Store, open_app: Callable[[Path], Harness]
) -> None:
    """Bo writes a note on his laptop; Anna has the case's journal open and is typing a note of
    her own. Her sync brings Bo's note into the list without reopening anything, with Bo's name,
    and her typing stays where it is."""
    desk = make_desk(tmp_path, server.url, sync_first=True)
    store.assign(desk.case_id, "bo")
    bo = Laptop(tmp_path, "bo", server.url, "bo")
    try:
        bo.sync()
        window = open_app(desk.profile).window
        dialog = window.show_case(desk.case_id)
        assert dialog is not None
        journal = dialog.findChild(JournalWidget)
        assert journal is not None
        dialog.tabs.setCurrentWidget(journal)
        journal.new_note()
        qtbot.keyClicks(journal.body, "Anna skriver stadig")
        before = journal.notes.count()

        with bo.vault.session() as s:
            case = services.get(s, Case, desk.case_id)
            services.add_note(s, case, "Telefon med skolen", "Bo talte med læreren.")
        bo.sync()

        sync_and_wait(qtbot, window)
        qtbot.waitUntil(lambda: journal.notes.count() == before + 1, timeout=10_000)
        texts = [journal.notes.item(i).text() for i in range(journal.notes.count())]
        arrived = next(t for t in texts if t.startswith("Telefon med skolen"))
        assert "Bo Lund" in arrived  # the author by name
        assert journal.body.toPlainText() == "Anna skriver stadig"  # her typing untouched
    finally:
        bo.close()
