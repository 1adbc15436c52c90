"""The one registry of settings (STYLE §17, after qutebrowser's configdata and Picard's option
classes): every setting a user or IT may change is declared here once, with its type, default,
limits and Danish description. Code asks the registry (``get``/``put``); nothing else parses a
setting's text. Settings live in one of two places: the encrypted vault (``Place.VAULT``: what
belongs to the caseworker's work) or the profile's plain settings file (``Place.PROFILE``: what
is needed before unlock, such as the text size; never case data).

Internal bookkeeping (the sync's cursor, the held cases …) is state, not settings, and stays with
the code that keeps it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from models.errors import ValidationError
from models.profile import read_settings, write_settings

log = logging.getLogger("feltmappe.settings")

T = TypeVar("T", int, str, bool)


class Place(Enum):
    VAULT = "vault"
    PROFILE = "profile"


class VaultLike(Protocol):
    profile: Path

    def setting(self, key: str, default: str = "") -> str: ...
    def set_setting(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    kind: type[T]
    default: T
    description: str  # Danish, shown in `feltmappe settings` and in the app
    place: Place = Place.VAULT
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    #: Short Danish name for a form's label (the description is the longer help text).
    label: str = ""
    #: The allowed values with their Danish names, when they come from data (resources).
    options_from: Callable[[], dict[str, str]] | None = None

    def options(self) -> dict[str, str]:
        """The allowed values (value → Danish name); {} when any value of the type will do."""
        if self.options_from is not None:
            return self.options_from()
        return {c: c for c in self.choices}

    def _error(self, code: str, **params: Any) -> ValidationError:
        kind = {int: "int", str: "str", bool: "bool"}[self.kind]
        return ValidationError(
            code,
            field=self.key,
            kind=kind,
            minimum=self.minimum,
            maximum=self.maximum,
            unit=self.unit,
            **params,
        )

    def parse(self, raw: Any) -> T:
        """A stored value as its type; ``ValidationError`` when it is not one."""
        try:
            if self.kind is bool:
                if isinstance(raw, bool):
                    value: Any = raw
                elif str(raw).strip().lower() in ("1", "ja", "true", "yes"):
                    value = True
                elif str(raw).strip().lower() in ("0", "nej", "false", "no"):
                    value = False
                else:
                    raise ValueError(raw)
            elif self.kind is int:
                if isinstance(raw, bool):
                    raise ValueError(raw)
                value = int(str(raw).strip())
            else:
                value = str(raw).strip()
                # A choice is matched without regard to case ("Slagelse" is "slagelse").
                for option in self.options():
                    if option.casefold() == value.casefold():
                        value = option
        except ValueError:
            raise self._error("settings.type") from None
        self.check(value)
        return value  # type: ignore[no-any-return]

    def _within(self, number: int) -> bool:
        return (self.minimum is None or number >= self.minimum) and (
            self.maximum is None or number <= self.maximum
        )

    def check(self, value: T) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and not self._within(value):
            raise self._error("settings.range")
        options = self.options()
        if options and value not in options:
            raise self._error("settings.choice", choices=list(options))


AUTO_LOCK_MINUTES = Setting(
    "auto_lock_minutes",
    int,
    5,
    "Minutter uden brug, før Feltmappe låser sig selv (kan ikke slås fra).",
    minimum=1,
    maximum=24 * 60,
    unit="minutter",
    label="Lås automatisk efter",
)
SYNC_INTERVAL_MINUTES = Setting(
    "sync_interval_minutes",
    int,
    5,
    "Minutter mellem automatiske synkroniseringer med den centrale server.",
    minimum=1,
    maximum=24 * 60,
    unit="minutter",
    label="Synkroniser hvert",
)


@cache
def _municipalities() -> dict[str, str]:
    """The bundled municipality files (resources/municipalities/) by name, with the
    municipality's own name (read once; the files ship with the program)."""
    from models.deadlines.standards import load, municipalities

    return {name: load(name).municipality for name in municipalities()}


MUNICIPALITY = Setting(
    "municipality",
    str,
    "standard",
    "Kommunen, hvis lokale standarder for frister bruges (lovens frister gælder altid).",
    label="Kommune",
    options_from=_municipalities,
)
DISPLAY_NAME = Setting(
    "display_name", str, "", "Dit navn, som det vises for kolleger.", label="Navn"
)
INITIALS = Setting("initials", str, "", "Dine initialer.", label="Initialer")
TEXT_SCALE_PERCENT = Setting(
    "text_scale_percent",
    int,
    100,
    "Tekststørrelse i procent (Ctrl++, Ctrl+- og Ctrl+0 ændrer den).",
    place=Place.PROFILE,
    minimum=80,
    maximum=200,
    unit="%",
    label="Tekststørrelse",
)

REGISTRY: dict[str, Setting[Any]] = {
    s.key: s
    for s in (
        AUTO_LOCK_MINUTES,
        SYNC_INTERVAL_MINUTES,
        MUNICIPALITY,
        DISPLAY_NAME,
        INITIALS,
        TEXT_SCALE_PERCENT,
    )
}


def find(key: str) -> Setting[Any]:
    try:
        return REGISTRY[key]
    except KeyError:
        raise ValidationError("settings.unknown", field=key) from None


def _raw(where: VaultLike | Path, setting: Setting[Any]) -> Any:
    if setting.place is Place.PROFILE:
        profile = where if isinstance(where, Path) else where.profile
        return read_settings(profile).get(setting.key)
    if isinstance(where, Path):
        raise TypeError(f"{setting.key} lives in the vault")
    value = where.setting(setting.key)
    return value if value.strip() else None


def get(where: VaultLike | Path, setting: Setting[T]) -> T:
    """The value of ``setting``; missing or unusable values give the default (logged once by
    key, never by value)."""
    raw = _raw(where, setting)
    if raw is None:
        return setting.default
    try:
        return setting.parse(raw)
    except ValidationError:
        log.warning("invalid setting %s; using the default", setting.key)
        return setting.default


def put(where: VaultLike | Path, setting: Setting[T], value: Any) -> T:
    """Check and store ``value`` (text as typed, or the typed value); returns it parsed."""
    parsed = setting.parse(value)
    if setting.place is Place.PROFILE:
        profile = where if isinstance(where, Path) else where.profile
        doc = read_settings(profile)
        doc[setting.key] = parsed
        write_settings(profile, doc)
    else:
        if isinstance(where, Path):
            raise TypeError(f"{setting.key} lives in the vault")
        where.set_setting(setting.key, json.dumps(parsed) if setting.kind is bool else str(parsed))
    return parsed


def reset(where: VaultLike | Path, setting: Setting[T]) -> T:
    """Forget the stored value, so the default (of this or a later version) applies; returns
    the default."""
    if setting.place is Place.PROFILE:
        profile = where if isinstance(where, Path) else where.profile
        doc = read_settings(profile)
        if doc.pop(setting.key, None) is not None:
            write_settings(profile, doc)
    else:
        if isinstance(where, Path):
            raise TypeError(f"{setting.key} lives in the vault")
        where.set_setting(setting.key, "")  # blank reads as "not set"
    return setting.default


def text(setting: Setting[T], value: T) -> str:
    """A value as a user types it (``put`` reads it back): ja/nej for a yes/no."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


def describe(setting: Setting[Any]) -> str:
    """One Danish line: description, type, limits or choices, and default."""
    kind = {int: "heltal", str: "tekst", bool: "ja/nej"}[setting.kind]
    limits = ""
    if setting.minimum is not None and setting.maximum is not None:
        limits = f", {setting.minimum}–{setting.maximum} {setting.unit}".rstrip()
    options = setting.options()
    if options:
        limits += ", en af: " + ", ".join(options)
    default = text(setting, setting.default) if setting.default != "" else "(tom)"
    return f"{setting.description} ({kind}{limits}; standard: {default})"
