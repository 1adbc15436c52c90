"""``feltmappe settings``: list, read, change and reset the settings of a profile from the
registry in ``models.settings`` (the same one the "Indstillinger" dialog is made from). Vault
settings need the passphrase like every vault command; a setting kept in the profile's plain
file (the text size) is read and written without it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from models import settings
from models.errors import ValidationError, VaultNotFound
from models.profile import profile_exists
from models.settings import Place, Setting

#: Opens the profile's vault (``desktop.cli._open_vault``: passphrase from the environment or
#: a prompt), handed over when the command is registered.
OpenVault = Callable[[argparse.Namespace], Any]


def find(key: str) -> Setting[Any]:
    """The setting named ``key``; an unknown key names the known ones."""
    try:
        return settings.find(key)
    except ValidationError:
        raise ValidationError(
            "settings.unknown", field=key, known=list(settings.REGISTRY)
        ) from None


@contextmanager
def _place(
    args: argparse.Namespace, open_vault: OpenVault, needed: list[Setting[Any]]
) -> Iterator[Any]:
    """Where ``needed`` live: the profile folder alone, or the unlocked vault (closed after)."""
    if all(s.place is Place.PROFILE for s in needed):
        if not profile_exists(args.profile):
            raise VaultNotFound(path=str(args.profile))
        yield Path(args.profile)
        return
    with open_vault(args) as vault:
        yield vault


def _where(place: Any, setting: Setting[Any]) -> Any:
    if setting.place is Place.PROFILE and not isinstance(place, Path):
        return place.profile
    return place


def _show(setting: Setting[Any], value: Any) -> str:
    text = settings.text(setting, value)
    return f"{text} {setting.unit}".rstrip() if text and setting.unit else text or "(tom)"


def cmd_list(args: argparse.Namespace, open_vault: OpenVault) -> int:
    every = list(settings.REGISTRY.values())
    with _place(args, open_vault, every) as place:
        values = {s.key: settings.get(_where(place, s), s) for s in every}
    if getattr(args, "json", False):
        doc = [
            {
                "noegle": s.key,
                "vaerdi": values[s.key],
                "standard": s.default,
                "beskrivelse": s.description,
                "type": {int: "heltal", str: "tekst", bool: "ja/nej"}[s.kind],
                "min": s.minimum,
                "max": s.maximum,
                "enhed": s.unit or None,
                "valg": list(s.options()) or None,
                "gemmes_i": "profilen" if s.place is Place.PROFILE else "databasen",
            }
            for s in every
        ]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    width = max(len(key) for key in values)
    for s in every:
        value = values[s.key]
        mark = "" if value == s.default else "  (ændret)"
        print(f"{s.key:<{width}}  {_show(s, value)}{mark}")
        print(f"{'':<{width}}  {settings.describe(s)}")
    return 0


def cmd_get(args: argparse.Namespace, open_vault: OpenVault) -> int:
    setting = find(args.key)
    with _place(args, open_vault, [setting]) as place:
        value = settings.get(_where(place, setting), setting)
    print(settings.text(setting, value))  # bare, for scripts
    return 0


def cmd_set(args: argparse.Namespace, open_vault: OpenVault) -> int:
    setting = find(args.key)
    setting.parse(args.value)  # refused before the passphrase is asked for
    with _place(args, open_vault, [setting]) as place:
        value = settings.put(_where(place, setting), setting, args.value)
    print(f"{setting.key} = {_show(setting, value)}")
    return 0


def cmd_reset(args: argparse.Namespace, open_vault: OpenVault) -> int:
    setting = find(args.key)
    with _place(args, open_vault, [setting]) as place:
        value = settings.reset(_where(place, setting), setting)
    print(f"{setting.key} = {_show(setting, value)} (standard)")
    return 0


def add_parser(
    sub: Any, common: argparse.ArgumentParser, open_vault: OpenVault
) -> argparse.ArgumentParser:
    """Register ``settings`` under the ``feltmappe`` command's subparsers ``sub``."""

    def bound(command: Callable[[argparse.Namespace, OpenVault], int]) -> Any:
        return lambda args: command(args, open_vault)

    keys = ", ".join(settings.REGISTRY)
    p: argparse.ArgumentParser = sub.add_parser(
        "settings",
        parents=[common],
        help="vis og ændr indstillingerne (uden handling: vis dem alle)",
        description="Vis og ændr profilens indstillinger. Indstillinger: " + keys + ".",
    )
    p.add_argument("--json", action="store_true", help="skriv listen som JSON")
    p.set_defaults(func=bound(cmd_list))
    actions = p.add_subparsers(title="handlinger", metavar="HANDLING")
    q = actions.add_parser(
        "list", parents=[common], help="vis indstillingerne med værdi, standard og beskrivelse"
    )
    # SUPPRESS: "settings --json list" keeps the --json given before the action.
    q.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="skriv listen som JSON"
    )
    q.set_defaults(func=bound(cmd_list))
    q = actions.add_parser("get", parents=[common], help="skriv én indstillings værdi")
    q.add_argument("key", metavar="NØGLE", help=f"indstillingen ({keys})")
    q.set_defaults(func=bound(cmd_get))
    q = actions.add_parser("set", parents=[common], help="ændr én indstilling")
    q.add_argument("key", metavar="NØGLE", help=f"indstillingen ({keys})")
    q.add_argument("value", metavar="VÆRDI", help="den nye værdi (tal, tekst eller ja/nej)")
    q.set_defaults(func=bound(cmd_set))
    q = actions.add_parser(
        "reset", parents=[common], help="sæt én indstilling tilbage til standardværdien"
    )
    q.add_argument("key", metavar="NØGLE", help=f"indstillingen ({keys})")
    q.set_defaults(func=bound(cmd_reset))
    return p
