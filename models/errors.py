"""Typed, expected errors of the domain. Each carries a stable code and parameters; the user
interfaces (desktop and CLI) turn the code into Danish text, so nothing here is shown raw."""

from __future__ import annotations

from typing import Any


class FeltmappeError(Exception):
    """An expected problem (not a bug): wrong passphrase, bad input, disk full …"""

    code = "error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class VaultError(FeltmappeError):
    """Problems opening or changing the encrypted vault."""

    code = "vault"


class WrongPassphrase(VaultError):
    code = "vault.wrong_passphrase"


class VaultNotFound(VaultError):
    code = "vault.not_found"


class VaultExists(VaultError):
    code = "vault.exists"


class VaultCorrupt(VaultError):
    """The file is not a Feltmappe vault, or it is damaged. It is never overwritten."""

    code = "vault.corrupt"


class VaultTooNew(VaultError):
    """The vault was written by a newer Feltmappe; this version must not touch it."""

    code = "vault.too_new"


class VaultLocked(VaultError):
    code = "vault.locked"


class WeakPassphrase(VaultError):
    """A new passphrase was refused; ``reasons`` lists codes of why."""

    code = "passphrase.weak"


class PassphraseMismatch(VaultError):
    code = "passphrase.mismatch"


class DiskFull(FeltmappeError):
    code = "disk.full"


class ValidationError(FeltmappeError):
    """Bad input for a domain object. ``field`` names the field, ``code`` what is wrong."""

    code = "validation"


class InvalidCpr(ValidationError):
    code = "cpr.invalid"


class NotFound(FeltmappeError):
    code = "not_found"


class ImmutableRecord(FeltmappeError):
    """A finalised journal note (or another record) cannot be changed."""

    code = "record.immutable"


class ImportFailed(FeltmappeError):
    """A case document could not be imported; ``problems`` is a list of (path, Danish message)
    (the document's problems are described where they are found, like a validator's report)."""

    code = "import.invalid"
