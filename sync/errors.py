"""The expected errors of sync, each with a code (and parameters) that ``desktop/messages.py``
turns into Danish; raised by the sync client, never for a bug."""

from __future__ import annotations

from models.errors import FeltmappeError


class SyncError(FeltmappeError):
    code = "sync"


class NotConnected(SyncError):
    code = "sync.not_connected"


class ServerUnreachable(SyncError):
    """No answer (offline, server down, timeout): nothing was lost, try again later."""

    code = "sync.offline"


class AuthFailed(SyncError):
    code = "sync.auth_failed"


class InsecureUrl(SyncError):
    """Plain HTTP to anything but this computer, or an address that is no http(s) URL: case
    data never travels in clear."""

    code = "sync.insecure_url"


class CertificateError(SyncError):
    """The store's certificate could not be verified (an attacker in between, or a CA bundle
    missing): not "offline", since trying again will not help."""

    code = "sync.certificate"


class CaFileError(SyncError):
    """The configured CA bundle cannot be read as PEM certificates."""

    code = "sync.ca_file"


class BadCredentials(SyncError):
    code = "sync.bad_credentials"


class TooManyAttempts(SyncError):
    """Too many wrong passwords for this user or from this address: wait ``seconds``."""

    code = "sync.too_many_attempts"


class DeviceRevoked(SyncError):
    """The server has revoked this device: its vault must be wiped."""

    code = "sync.device_revoked"


class UpgradeRequired(SyncError):
    code = "sync.upgrade_required"


class ServerRefused(SyncError):
    code = "sync.refused"
