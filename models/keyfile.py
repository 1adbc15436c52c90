"""The vault's key file: a random 256-bit data key, wrapped (AES-256-GCM) by a key derived from
the passphrase with Argon2id. See docs/decisions/0002-vault-key-derivation.md.

Changing the passphrase rewrites only this small file, atomically (write, fsync, rename), so a
crash leaves either the old or the new passphrase working, never neither."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.errors import DiskFull, VaultCorrupt, WrongPassphrase

FORMAT = "feltmappe-vault-key"
FORMAT_VERSION = 1
DATA_KEY_BYTES = 32


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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


def _derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
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
        kek = _derive(passphrase, self.salt, self.params)
        try:
            return AESGCM(kek).decrypt(self.nonce, self.wrapped, _aad(self.vault_id, self.params))
        except InvalidTag:
            raise WrongPassphrase() from None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "vault_id": self.vault_id,
                "kdf": {"name": "argon2id", "salt": _b64(self.salt), **asdict(self.params)},
                "wrap": {
                    "alg": "AES-256-GCM",
                    "nonce": _b64(self.nonce),
                    "key": _b64(self.wrapped),
                },
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            doc = json.loads(text)
            if doc["format"] != FORMAT or doc["version"] != FORMAT_VERSION:
                raise ValueError("unknown key file format")
            kdf, wrap = doc["kdf"], doc["wrap"]
            if kdf["name"] != "argon2id" or wrap["alg"] != "AES-256-GCM":
                raise ValueError("unknown algorithm")
            params = KdfParams(
                time_cost=int(kdf["time_cost"]),
                memory_cost_kib=int(kdf["memory_cost_kib"]),
                parallelism=int(kdf["parallelism"]),
            )
            return cls(
                vault_id=str(doc["vault_id"]),
                params=params,
                salt=_unb64(kdf["salt"]),
                nonce=_unb64(wrap["nonce"]),
                wrapped=_unb64(wrap["key"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultCorrupt(what="key_file") from exc

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
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
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
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
