"""This laptop and the central store: signing in (with a password or an issued device token),
the connection a sync uses, and wiping the vault of a device the store has revoked."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import httpx

from models import settings
from models.profile import BACKUP_DIR, DB_FILE, KEY_FILE
from models.schema import LocalSetting
from models.vault import Vault
from sync.client.keys import CA_FILE_KEY, DEVICE_KEY, TOKEN_KEY, URL_KEY
from sync.client.transport import Connection
from sync.errors import NotConnected

log = logging.getLogger("feltmappe.sync")


def connect(
    vault: Vault,
    url: str,
    username: str,
    password: str,
    device_name: str,
    *,
    client: httpx.Client | None = None,
    ca_file: str | None = None,
) -> str:
    """Sign this laptop in to the central store; keeps the device token inside the vault (and
    the CA bundle to trust, if one is given)."""
    conn = Connection(url, client=client, ca_file=ca_file)
    try:
        answer = conn.request(
            "POST",
            "/v1/login",
            {"username": username, "password": password, "device_name": device_name},
        )
    finally:
        if client is None:
            conn.close()
    with vault.session() as s:
        for key, value in (
            (URL_KEY, url),
            (TOKEN_KEY, str(answer["token"])),
            (DEVICE_KEY, str(answer["device_id"])),
            ("user", str(answer["username"])),
            (settings.DISPLAY_NAME.key, str(answer["display_name"])),
            (CA_FILE_KEY, ca_file or ""),
        ):
            s.merge(LocalSetting(key=key, value=value))
    vault.set_setting("user", str(answer["username"]))
    return str(answer["device_id"])


def connect_with_token(
    vault: Vault,
    url: str,
    token: str,
    *,
    client: httpx.Client | None = None,
    ca_file: str | None = None,
) -> str:
    """Connect with a device token an administrator issued (``feltmappe-admin enhed opret``)."""
    conn = Connection(url, token, client=client, ca_file=ca_file)
    try:
        me = conn.request("GET", "/v1/me")
    finally:
        if client is None:
            conn.close()
    with vault.session() as s:
        for key, value in (
            (URL_KEY, url),
            (TOKEN_KEY, token),
            (DEVICE_KEY, str(me["device_id"])),
            (CA_FILE_KEY, ca_file or ""),
        ):
            s.merge(LocalSetting(key=key, value=value))
    vault.set_setting("user", str(me["username"]))
    return str(me["device_id"])


def is_connected(vault: Vault) -> bool:
    return bool(vault.setting(TOKEN_KEY))


def connection_for(vault: Vault, *, client: httpx.Client | None = None) -> Connection:
    url, token = vault.setting(URL_KEY), vault.setting(TOKEN_KEY)
    if not url or not token:
        raise NotConnected()
    return Connection(url, token, client=client, ca_file=vault.setting(CA_FILE_KEY) or None)


def wipe_profile(profile: Path) -> None:
    """Destroy the vault of a revoked device: the key file is overwritten before it is removed
    (without it the database is unreadable), then the database and its backups go."""
    key = profile / KEY_FILE
    if key.exists():
        size = key.stat().st_size
        with key.open("r+b") as fh:
            fh.write(secrets.token_bytes(max(size, 1)))
            fh.flush()
        key.unlink()
    for suffix in ("", "-wal", "-shm", "-journal"):
        (profile / (DB_FILE + suffix)).unlink(missing_ok=True)
    backups = profile / BACKUP_DIR
    if backups.is_dir():
        for item in backups.iterdir():
            if item.is_file():
                item.unlink()
        backups.rmdir()
    log.warning("the vault was wiped: the central store has revoked this device")
