"""The settings registry: every setting declared once with type, default, limits and a Danish
description; reading never fails (a bad stored value gives the default), writing checks."""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import pytest

from models import settings
from models.errors import ValidationError
from models.profile import read_settings
from models.vault import Vault

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_is_described_in_danish() -> None:
    for key, s in settings.REGISTRY.items():
        assert key == s.key
        assert s.description.endswith(".")
        assert isinstance(s.default, s.kind)
        s.check(s.default)  # the default is within its own limits
        assert settings.describe(s).startswith(s.description)


@pytest.mark.parametrize(
    ("raw", "expected"), [("7", 7), (" 12 ", 12), ("", 5), ("fem", 5), ("0", 5), ("1441", 5)]
)
def test_a_bad_stored_value_gives_the_default_and_is_logged_by_key_only(
    vault: Vault, caplog: pytest.LogCaptureFixture, raw: str, expected: int
) -> None:
    vault.set_setting("auto_lock_minutes", raw)
    with caplog.at_level(logging.WARNING, logger="feltmappe.settings"):
        assert settings.get(vault, settings.AUTO_LOCK_MINUTES) == expected
    logged = " ".join(r.getMessage() for r in caplog.records)
    if expected == 5 and raw.strip():
        assert "auto_lock_minutes" in logged and raw.strip() not in logged.split()


def test_put_checks_type_and_range(vault: Vault) -> None:
    assert settings.put(vault, settings.SYNC_INTERVAL_MINUTES, "15") == 15
    assert settings.get(vault, settings.SYNC_INTERVAL_MINUTES) == 15
    with pytest.raises(ValidationError) as err:
        settings.put(vault, settings.SYNC_INTERVAL_MINUTES, "0")
    assert err.value.code == "settings.range"
    with pytest.raises(ValidationError) as err:
        settings.put(vault, settings.SYNC_INTERVAL_MINUTES, "tre")
    assert err.value.code == "settings.type"
    assert settings.get(vault, settings.SYNC_INTERVAL_MINUTES) == 15  # unchanged
    with pytest.raises(ValidationError):
        settings.find("findes_ikke")


def test_profile_settings_need_no_vault(tmp_path: Path) -> None:
    profile = tmp_path / "profil"
    profile.mkdir()
    assert settings.get(profile, settings.TEXT_SCALE_PERCENT) == 100
    settings.put(profile, settings.TEXT_SCALE_PERCENT, 150)
    assert settings.get(profile, settings.TEXT_SCALE_PERCENT) == 150
    with pytest.raises(ValidationError):
        settings.put(profile, settings.TEXT_SCALE_PERCENT, 400)


def _offenders(tree: ast.AST, keys: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        # vault.setting("auto_lock_minutes") / vault.set_setting("initials", …)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("setting", "set_setting")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in keys
        ):
            found.append((node.lineno, str(node.args[0].value)))
        # SOMETHING_SETTING = "sync_interval_minutes" (a second name for a registered key)
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and node.value.value in keys
            and any(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)
        ):
            found.append((node.lineno, str(node.value.value)))
    return found


def test_no_code_reads_a_registered_setting_by_its_key() -> None:
    """Code asks the registry; a registered key is never read or written by its text."""
    keys = set(settings.REGISTRY)
    offenders = []
    for folder in ("desktop", "models", "sync"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "settings.py" or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            offenders += [
                f"{path.relative_to(REPO)}:{line}: {key}" for line, key in _offenders(tree, keys)
            ]
    assert offenders == []


def test_every_setting_has_a_short_danish_label_of_its_own() -> None:
    labels = [s.label for s in settings.REGISTRY.values()]
    assert all(labels) and len(set(labels)) == len(labels)


def test_municipality_is_one_of_the_bundled_files_in_any_case(vault: Vault) -> None:
    options = settings.MUNICIPALITY.options()
    assert {"standard", "slagelse", "halsnaes"} <= set(options)
    assert options["slagelse"] == "Slagelse"  # the municipality's own name, for the dialog
    assert settings.put(vault, settings.MUNICIPALITY, "Slagelse") == "slagelse"
    with pytest.raises(ValidationError) as err:
        settings.put(vault, settings.MUNICIPALITY, "aarhus")
    assert err.value.code == "settings.choice"
    assert err.value.params["choices"] == list(options)
    assert settings.get(vault, settings.MUNICIPALITY) == "slagelse"
    assert "en af: " + ", ".join(options) in settings.describe(settings.MUNICIPALITY)


def test_reset_forgets_the_value_in_the_vault_and_in_the_profile(vault: Vault) -> None:
    settings.put(vault, settings.AUTO_LOCK_MINUTES, 30)
    settings.put(vault, settings.TEXT_SCALE_PERCENT, 150)  # a vault knows its profile
    assert settings.reset(vault, settings.AUTO_LOCK_MINUTES) == 5
    assert settings.reset(vault, settings.TEXT_SCALE_PERCENT) == 100
    assert settings.get(vault, settings.AUTO_LOCK_MINUTES) == 5
    assert settings.get(vault.profile, settings.TEXT_SCALE_PERCENT) == 100
    assert settings.TEXT_SCALE_PERCENT.key not in read_settings(vault.profile)


def test_a_refusal_names_the_setting_and_what_is_allowed() -> None:
    from desktop.messages import error_text

    def refusal(setting: settings.Setting[Any], raw: str, **extra: Any) -> str:
        with pytest.raises(ValidationError) as err:
            setting.parse(raw)
        return error_text(ValidationError(err.value.code, **{**err.value.params, **extra}))

    minutes = settings.AUTO_LOCK_MINUTES
    assert refusal(minutes, "0") == (
        "Indstillingen auto_lock_minutes skal ligge mellem 1 og 1440 minutter."
    )
    assert refusal(minutes, "fem") == (
        "Indstillingen auto_lock_minutes skal være et helt tal mellem 1 og 1440 minutter."
    )
    assert refusal(minutes, "0", name="Lås automatisk efter") == (
        "Lås automatisk efter skal ligge mellem 1 og 1440 minutter."
    )
    assert refusal(settings.TEXT_SCALE_PERCENT, "79") == (
        "Indstillingen text_scale_percent skal ligge mellem 80 og 200 %."
    )
    flag = settings.Setting("flag", bool, False, "Et flag.", label="Flag")
    assert refusal(flag, "måske") == "Indstillingen flag skal være ja eller nej."
    assert settings.text(flag, True) == "ja" and flag.parse("nej") is False
