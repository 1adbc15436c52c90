"""``feltmappe settings`` as a script or IT uses it: list with values, defaults and descriptions,
get, set (checked by the registry, a refusal names the key and what is allowed) and reset; the
passphrase and the profile come as for every vault command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from models import settings
from models.deadlines.service import standards_for
from models.keyfile import KdfParams
from models.vault import Vault
from tests.conftest import PASSPHRASE


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("FELTMAPPE_PROFILE", raising=False)
    folder = tmp_path / "profil"
    Vault.create(folder, PASSPHRASE, user="mr", kdf=KdfParams.fast()).close()
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``feltmappe <args>`` in this process."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def stored(profile: Path, setting: settings.Setting[settings.T]) -> settings.T:
    with Vault.open(profile, PASSPHRASE) as vault:
        return settings.get(vault, setting)


def test_list_shows_every_setting_with_value_default_and_description(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "settings", "--profile", str(profile))
    assert (code, err) == (0, "")
    for setting in settings.REGISTRY.values():
        assert setting.key in out
        assert settings.describe(setting) in out
    assert "auto_lock_minutes      5 minutter\n" in out
    assert "(heltal, 1–1440 minutter; standard: 5)" in out
    assert "en af: halsnaes, slagelse, standard" in out
    assert "(ændret)" not in out

    assert (
        run(capsys, "settings", "set", "auto_lock_minutes", "15", "--profile", str(profile))[0] == 0
    )
    out = run(capsys, "settings", "list", "--profile", str(profile))[1]
    assert "auto_lock_minutes      15 minutter  (ændret)" in out


def test_list_as_json(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "settings", "--json", "--profile", str(profile))
    assert code == 0
    doc = {d["noegle"]: d for d in json.loads(out)}
    assert list(doc) == list(settings.REGISTRY)
    assert doc["auto_lock_minutes"] == {
        "noegle": "auto_lock_minutes",
        "vaerdi": 5,
        "standard": 5,
        "beskrivelse": settings.AUTO_LOCK_MINUTES.description,
        "type": "heltal",
        "min": 1,
        "max": 1440,
        "enhed": "minutter",
        "valg": None,
        "gemmes_i": "databasen",
    }
    assert doc["text_scale_percent"]["gemmes_i"] == "profilen"
    # --json after the action too.
    assert json.loads(run(capsys, "settings", "list", "--json", "--profile", str(profile))[1])


def test_get_set_reset_round_trip(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = ("--profile", str(profile))
    assert run(capsys, "settings", "get", "auto_lock_minutes", *where) == (0, "5\n", "")
    assert run(capsys, "settings", "set", "auto_lock_minutes", "20", *where) == (
        0,
        "auto_lock_minutes = 20 minutter\n",
        "",
    )
    assert stored(profile, settings.AUTO_LOCK_MINUTES) == 20
    assert run(capsys, "settings", "get", "auto_lock_minutes", *where)[1] == "20\n"
    assert run(capsys, "settings", "reset", "auto_lock_minutes", *where) == (
        0,
        "auto_lock_minutes = 5 minutter (standard)\n",
        "",
    )
    assert stored(profile, settings.AUTO_LOCK_MINUTES) == 5

    # A choice is matched regardless of case, and the deadline engine uses it.
    assert run(capsys, "settings", "set", "municipality", "Slagelse", *where)[0] == 0
    with Vault.open(profile, PASSPHRASE) as vault:
        assert settings.get(vault, settings.MUNICIPALITY) == "slagelse"
        assert standards_for(vault).municipality == "Slagelse"
    assert run(capsys, "settings", "set", "display_name", "Mette Rasmussen", *where)[0] == 0
    assert run(capsys, "settings", "get", "display_name", *where)[1] == "Mette Rasmussen\n"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "auto_lock_minutes",
            "0",
            "Indstillingen auto_lock_minutes skal ligge mellem 1 og 1440 minutter.",
        ),
        (
            "auto_lock_minutes",
            "fem",
            "Indstillingen auto_lock_minutes skal være et helt tal mellem 1 og 1440 minutter.",
        ),
        (
            "text_scale_percent",
            "300",
            "Indstillingen text_scale_percent skal ligge mellem 80 og 200 %.",
        ),
        (
            "municipality",
            "aarhus",
            "Indstillingen municipality skal være en af: halsnaes, slagelse, standard.",
        ),
    ],
)
def test_a_refused_value_names_the_key_and_what_is_allowed(
    profile: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    value: str,
    message: str,
) -> None:
    # Refused before the passphrase is asked for.
    monkeypatch.delenv("FELTMAPPE_PASSPHRASE")
    code, out, err = run(capsys, "settings", "set", key, value, "--profile", str(profile))
    assert (code, out, err) == (1, "", f"feltmappe: {message}\n")
    assert stored(profile, settings.find(key)) == settings.find(key).default


def test_an_unknown_key_names_the_known_ones(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for action in (("get",), ("set", "2"), ("reset",)):
        verb, *rest = action
        code, _out, err = run(
            capsys, "settings", verb, "auto_lock", *rest, "--profile", str(profile)
        )
        assert code == 1
        assert err.startswith("feltmappe: Ukendt indstilling: auto_lock. Kendte indstillinger: ")
        assert "auto_lock_minutes" in err and "\n" not in err.rstrip("\n")


def test_passphrase_and_profile_as_for_the_other_vault_commands(
    profile: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FELTMAPPE_PROFILE", str(profile))
    assert run(capsys, "settings", "set", "sync_interval_minutes", "30")[0] == 0
    assert stored(profile, settings.SYNC_INTERVAL_MINUTES) == 30

    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", "forkert-forkert-forkert")
    assert run(capsys, "settings", "get", "sync_interval_minutes")[2] == (
        "feltmappe: Forkert adgangsfrase. Prøv igen.\n"
    )
    monkeypatch.delenv("FELTMAPPE_PASSPHRASE")
    code, _out, err = run(capsys, "settings", "get", "sync_interval_minutes")
    assert code == 1 and "FELTMAPPE_PASSPHRASE" in err

    # The text size lives in the profile's plain file: no passphrase needed.
    assert run(capsys, "settings", "set", "text_scale_percent", "130") == (
        0,
        "text_scale_percent = 130 %\n",
        "",
    )
    assert settings.get(profile, settings.TEXT_SCALE_PERCENT) == 130
    assert run(capsys, "settings", "reset", "text_scale_percent")[0] == 0
    assert settings.get(profile, settings.TEXT_SCALE_PERCENT) == 100


def test_no_profile_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        capsys, "settings", "get", "text_scale_percent", "--profile", str(tmp_path / "nope")
    )
    assert code == 1
    assert err.startswith("feltmappe: Der findes ingen Feltmappe-profil i ")


def test_help_is_danish(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "settings", "--help")
    assert code == 0
    for word in ("Brug: feltmappe settings", "handlinger", "list", "get", "set", "reset"):
        assert word in out
    assert "indstillingerne" in run(capsys, "--help")[1]
