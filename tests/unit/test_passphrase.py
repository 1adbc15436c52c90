"""The vault's passphrase minimum: what is refused, why (as codes), and the Danish text."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.messages import error_text
from models.errors import WeakPassphrase
from models.keyfile import KdfParams
from models.passphrase import (
    MIN_LENGTH,
    check_passphrase,
    passphrase_problems,
    passphrase_score,
)
from models.vault import Vault


def refusal(passphrase: str) -> WeakPassphrase:
    with pytest.raises(WeakPassphrase) as exc:
        check_passphrase(passphrase)
    return exc.value


def test_short_passphrase_is_refused_and_the_text_gives_the_minimum() -> None:
    err = refusal("Hx7-qZ")
    assert "too_short" in err.params["reasons"]
    assert err.params["min_length"] == MIN_LENGTH
    text = error_text(err)
    assert text.startswith("Adgangsfrasen er ikke stærk nok.")
    assert f"mindst {MIN_LENGTH} tegn" in text


def test_one_below_the_minimum_is_short() -> None:
    assert "too_short" in passphrase_problems("q7#Kd-w2Zx"[: MIN_LENGTH - 1])


@pytest.mark.parametrize(
    "passphrase", ["kommune2024", "Password123", "feltmappe123", "sommer2024!"]
)
def test_guessable_passphrase_is_refused(passphrase: str) -> None:
    err = refusal(passphrase)
    assert err.params["reasons"] == ["too_guessable"]
    assert "for let at gætte" in error_text(err)


@pytest.mark.parametrize("passphrase", ["aaaaaaaaaaaaaaaa", "abababababababab", "1234123412341234"])
def test_few_distinct_characters_are_refused(passphrase: str) -> None:
    err = refusal(passphrase)
    assert "too_few_distinct" in err.params["reasons"]
    assert "forskellige tegn" in error_text(err)


def test_edge_whitespace_is_refused() -> None:
    err = refusal(" grøn-cykel-hænger-lampe ")
    assert err.params["reasons"] == ["edge_whitespace"]
    assert "mellemrum" in error_text(err)


@pytest.mark.parametrize(
    "passphrase",
    ["grøn-cykel-hænger-lampe-7", "hest-tromme-lygte-bjerg", "korrekt hest batteri hæfteklamme"],
)
def test_diceware_like_passphrase_is_accepted(passphrase: str) -> None:
    assert passphrase_problems(passphrase) == []
    check_passphrase(passphrase)
    assert passphrase_score(passphrase) >= 3


def test_score_of_empty_is_zero() -> None:
    assert passphrase_score("") == 0


def test_vault_refuses_a_weak_passphrase_and_writes_nothing(tmp_path: Path) -> None:
    profile = tmp_path / "svag"
    with pytest.raises(WeakPassphrase):
        Vault.create(profile, "kommune2024", kdf=KdfParams.fast())
    assert not profile.exists()
