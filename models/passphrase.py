"""Passphrase strength: a minimum the vault insists on, with reasons the UI shows in Danish.

Strength is estimated with zxcvbn (Dropbox's estimator), fed Danish words that are too obvious
for a child-welfare laptop. See docs/decisions/0002-vault-key-derivation.md."""

from __future__ import annotations

from zxcvbn import zxcvbn

from models.errors import WeakPassphrase

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn 0–4; 3 = "safely unguessable: moderate protection from offline attack"

# Words a colleague or a thief would try first.
OBVIOUS_WORDS = [
    "feltmappe",
    "kommune",
    "rådgiver",
    "raadgiver",
    "barn",
    "børn",
    "sag",
    "sagsbehandler",
    "familie",
    "adgangskode",
    "kodeord",
    "hemmelig",
    "sommer",
    "vinter",
    "danmark",
    "password",
]


def passphrase_problems(passphrase: str) -> list[str]:
    """Codes of what is wrong with ``passphrase`` as a new passphrase; [] when it is accepted."""
    problems: list[str] = []
    if len(passphrase) < MIN_LENGTH:
        problems.append("too_short")
    if passphrase != passphrase.strip():
        problems.append("edge_whitespace")
    if passphrase and len(set(passphrase)) < 5:
        problems.append("too_few_distinct")
    if not problems and zxcvbn(passphrase[:100], user_inputs=OBVIOUS_WORDS)["score"] < MIN_SCORE:
        problems.append("too_guessable")
    return problems


def passphrase_score(passphrase: str) -> int:
    """0–4, for a strength hint while the user types."""
    if not passphrase:
        return 0
    return int(zxcvbn(passphrase[:100], user_inputs=OBVIOUS_WORDS)["score"])


def check_passphrase(passphrase: str) -> None:
    problems = passphrase_problems(passphrase)
    if problems:
        raise WeakPassphrase(reasons=problems, min_length=MIN_LENGTH)
