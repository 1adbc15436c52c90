"""“Forbind til central server…”: sign this laptop in to the central store (server address,
user name, password and a name for the device). Connecting runs in the background."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import error_text
from desktop.tasks import run_in_background
from desktop.widgets import ErrorLabel, log_refusal
from models.errors import FeltmappeError
from models.vault import Vault
from sync.client import enrolment
from sync.client.keys import CA_FILE_KEY, URL_KEY
from sync.client.transport import check_url, tls_context
from sync.errors import (
    AuthFailed,
    BadCredentials,
    CaFileError,
    CertificateError,
    DeviceRevoked,
    ServerRefused,
    ServerUnreachable,
    SyncError,
    UpgradeRequired,
)

log = logging.getLogger("feltmappe.sync.ui")

BAD_URL = "Serveradressen skal begynde med https:// (fx https://feltmappe.kommune.dk)."
UNREACHABLE = "Serveren svarer ikke. Tjek adressen og netforbindelsen, og prøv igen."
NOT_FELTMAPPE = "Adressen svarer, men er ikke en Feltmappe-server. Tjek adressen."
#: Used when ``desktop.messages`` has no text of its own for a code yet.
FALLBACK = {
    BadCredentials.code: "Forkert brugernavn eller adgangskode.",
    UpgradeRequired.code: "Den centrale server kræver en nyere version af Feltmappe.",
    DeviceRevoked.code: "Enheden er spærret af administratoren.",
    AuthFailed.code: "Serveren afviste login.",
}


def connect_error_text(err: FeltmappeError) -> str:
    # Signing in has its own words for "no answer" and "not our server" (the general texts
    # speak of changes waiting, and there are none yet).
    if isinstance(err, ServerUnreachable):
        return UNREACHABLE
    if isinstance(err, ServerRefused) and err.params.get("status") in (404, 405):
        return NOT_FELTMAPPE
    text = error_text(err)
    if text == f"Fejl: {err.code}":
        return FALLBACK.get(err.code, text)
    return text


def valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


class ConnectDialog(QDialog):
    """Server address, user name, password and device name; "Forbind" signs in."""

    connected = Signal()

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self.busy = False
        self.setWindowTitle("Forbind til central server")
        self.url = QLineEdit(vault.setting(URL_KEY) or "https://", self)
        self.url.setObjectName("url")
        self.username = QLineEdit(vault.user, self)
        self.username.setObjectName("username")
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.device = QLineEdit(socket.gethostname(), self)
        self.device.setObjectName("device")
        self.device.setMaxLength(80)
        # Only where the municipality runs its own certificate authority (IT says so).
        self.ca_file = QLineEdit(vault.setting(CA_FILE_KEY), self)
        self.ca_file.setObjectName("ca_file")
        self.ca_file.setPlaceholderText("kun hvis IT har givet jer et CA-certifikat")
        self.ca_browse = QPushButton("&Vælg fil …", self)
        self.ca_browse.clicked.connect(self._choose_ca_file)
        for edit, name in (
            (self.url, "Serveradresse"),
            (self.username, "Brugernavn"),
            (self.password, "Adgangskode"),
            (self.device, "Enhedsnavn"),
            (self.ca_file, "CA-certifikat"),
        ):
            edit.setAccessibleName(name)
            edit.setMinimumWidth(320)
        intro = QLabel(
            "Forbind computeren til kommunens centrale Feltmappe-server. Du får kun de sager, "
            "der er tildelt dig, og dine ændringer sendes automatisk, når der er forbindelse.",
            self,
        )
        intro.setWordWrap(True)
        self.error = ErrorLabel(self)
        self.progress = QLabel("Forbinder …", self)
        self.progress.hide()
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton("Forbind", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Annuller", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.try_connect)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Serveradresse:", self.url)
        form.addRow("&Brugernavn:", self.username)
        form.addRow("&Adgangskode:", self.password)
        form.addRow("&Enhedsnavn:", self.device)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.ca_browse)
        ca_label = QLabel("&CA-certifikat:", self)
        ca_label.setBuddy(self.ca_file)
        form.addRow(ca_label, ca_row)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        (self.password if vault.user else self.url).setFocus()

    def try_connect(self) -> None:
        if self.busy:
            return
        url = self.url.text().strip().rstrip("/")
        username, password = self.username.text().strip(), self.password.text()
        device = self.device.text().strip() or socket.gethostname()
        if not valid_url(url):
            self.error.show_text(BAD_URL)
            self.url.setFocus()
            return
        typed_ca = self.ca_file.text().strip()
        # Kept in the vault and read at every sync, so not relative to today's working folder.
        ca_file = str(Path(typed_ca).expanduser().resolve()) if typed_ca else None
        try:
            check_url(url)
            if ca_file:
                tls_context(ca_file)
        except SyncError as exc:
            self.error.show_text(error_text(exc))
            (self.ca_file if isinstance(exc, CaFileError) else self.url).setFocus()
            return
        if not username or not password:
            self.error.show_text("Skriv dit brugernavn og din adgangskode.")
            (self.password if username else self.username).setFocus()
            return
        self.error.clear_error()
        self._set_busy(True)
        vault = self._vault
        run_in_background(
            lambda: enrolment.connect(vault, url, username, password, device, ca_file=ca_file),
            self._done,
            self._failed,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        widgets = (self.url, self.username, self.password, self.device, self.ca_file, self.ok)
        for widget in (*widgets, self.ca_browse):
            widget.setEnabled(not busy)

    def _done(self, _device_id: object) -> None:
        self._set_busy(False)
        log.info("connected to the central store")
        self.password.clear()
        self.connected.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, FeltmappeError):
            log_refusal(exc)
            self.error.show_text(connect_error_text(exc))
        else:
            log.error("connecting failed: %s", type(exc).__name__)
            self.error.show_text(BAD_URL)
        if isinstance(exc, BadCredentials):
            self.password.setFocus()
        elif isinstance(exc, CertificateError):
            self.ca_file.setFocus()
        else:
            self.url.setFocus()

    def _choose_ca_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self,
            "Vælg kommunens CA-certifikat",
            "",
            "Certifikater (*.pem *.crt *.cer);;Alle filer (*)",
        )
        if name:
            self.ca_file.setText(name)

    def reject(self) -> None:
        if not self.busy:  # the answer is on its way; the dialog must be there to take it
            super().reject()
