"""Shared fixtures: a fresh temporary vault per test, offscreen Qt, cheap key derivation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from models.keyfile import KdfParams
from models.vault import Vault

PASSPHRASE = "grøn-cykel-hænger-lampe-7"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    return tmp_path / "profil"


@pytest.fixture
def vault(profile: Path) -> Iterator[Vault]:
    v = Vault.create(profile, PASSPHRASE, user="test.raadgiver", kdf=KdfParams.fast())
    try:
        yield v
    finally:
        v.close()
