"""The vault's key file: a random 256-bit data key, wrapped (AES-256-GCM) by a key derived from
the passphrase with Argon2id. See docs/decisions/0002-vault-key-derivation.md.

Changing the passphrase rewrites only this small file, atomically (write, fsync, rename), so a
crash leaves either the old or the new passphrase working, never neither.

The file carries a SHA-256 checksum of its own content. It is no protection against an attacker
(the AES-GCM tag is), but it tells a damaged or hand-edited file (``VaultCorrupt``) apart from a
wrong passphrase: without it, any edit of the bound fields would read as "wrong passphrase"."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.errors import DiskFull, VaultCorrupt, WrongPassphrase
from models.private_files import private_fd

FORMAT = "feltmappe-vault-key"
FORMAT_VERSION = 1
DATA_KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16
# Bounds a key file's cost parameters must keep; outside them the file is refused as damaged
# (Argon2 itself would fail, or unlocking would take hours or exhaust memory).
MAX_TIME_COST = 100
MAX_MEMORY_COST_KIB = 4 * 1024 * 1024
MAX_PARALLELISM = 64


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default follows RFC 9106's second recommendation (64 MiB, 3 passes)."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 2

    @classmethod
    def fast(cls) -> KdfParams:
        """Cheap parameters for tests and benchmarks of other things than the KDF itself."""
        return cls(time_cost=1, memory_cost_kib=8 * 1024, parallelism=1)


def _checksum(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def _int(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError("cost parameter out of range")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


def _derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        # NFC: "æ" typed on macOS (decomposed) and on Windows (composed) must give the same key.
        secret=unicodedata.normalize("NFC", passphrase).encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def _aad(vault_id: str, params: KdfParams) -> bytes:
    # Binds the wrapped key to its vault and its cost parameters: editing either breaks the tag.
    return json.dumps({"vault_id": vault_id, "kdf": asdict(params)}, sort_keys=True).encode()


@dataclass(frozen=True)
class KeyFile:
    vault_id: str
    params: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    @classmethod
    def wrap(cls, data_key: bytes, passphrase: str, vault_id: str, params: KdfParams) -> KeyFile:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = _derive(passphrase, salt, params)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, _aad(vault_id, params))
        return cls(vault_id, params, salt, nonce, wrapped)

    def unwrap(self, passphrase: str) -> bytes:
        try:
            kek = _derive(passphrase, self.salt, self.params)
        except HashingError as exc:  # e.g. out of memory for the file's cost parameters
            raise VaultCorrupt(what="key_file") from exc
        try:
            return AESGCM(kek).decrypt(self.nonce, self.wrapped, _aad(self.vault_id, self.params))
        except InvalidTag:
            raise WrongPassphrase() from None

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "kdf": {"name": "argon2id", "salt": _b64(self.salt), **asdict(self.params)},
            "wrap": {
                "alg": "AES-256-GCM",
                "nonce": _b64(self.nonce),
                "key": _b64(self.wrapped),
            },
        }
        doc["checksum"] = _checksum(doc)
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            doc = json.loads(text)
            if doc["format"] != FORMAT or doc["version"] != FORMAT_VERSION:
                raise ValueError("unknown key file format")
            if doc["checksum"] != _checksum(doc):
                raise ValueError("checksum mismatch: the file was damaged or edited")
            kdf, wrap = doc["kdf"], doc["wrap"]
            if kdf["name"] != "argon2id" or wrap["alg"] != "AES-256-GCM":
                raise ValueError("unknown algorithm")
            parallelism = _int(kdf["parallelism"], 1, MAX_PARALLELISM)
            params = KdfParams(
                time_cost=_int(kdf["time_cost"], 1, MAX_TIME_COST),
                memory_cost_kib=_int(kdf["memory_cost_kib"], 8 * parallelism, MAX_MEMORY_COST_KIB),
                parallelism=parallelism,
            )
            keyfile = cls(
                vault_id=str(doc["vault_id"]),
                params=params,
                salt=_unb64(kdf["salt"]),
                nonce=_unb64(wrap["nonce"]),
                wrapped=_unb64(wrap["key"]),
            )
            if (
                len(keyfile.salt) < SALT_BYTES
                or len(keyfile.nonce) != NONCE_BYTES
                or len(keyfile.wrapped) != DATA_KEY_BYTES + TAG_BYTES
            ):
                raise ValueError("wrong field length")
            return keyfile
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise VaultCorrupt(what="key_file") from exc

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError) as exc:
            raise VaultCorrupt(what="key_file") from exc
        return cls.from_json(text)

    def write(self, path: Path) -> None:
        atomic_write(path, self.to_json().encode("utf-8"))


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        # 0600 even when a crash left an older, looser temp file behind (the rename keeps it).
        fd = private_fd(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == 28:  # ENOSPC
            raise DiskFull() from exc
        raise


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
