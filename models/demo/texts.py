"""The demo's Danish texts, read from ``resources/demo/*.toml`` with importlib.resources (the
frozen app and the source tree take the same path). Addressed as ``"<file>.<key>.<key>"``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

PACKAGE = "resources.demo"


@cache
def load(name: str) -> dict[str, Any]:
    """One file of ``resources/demo`` (without ``.toml``), parsed once."""
    text = resources.files(PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def files() -> list[str]:
    """The names of the bundled text files."""
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(PACKAGE).iterdir()
        if p.name.endswith(".toml")
    )


def get(path: str) -> Any:
    """The value at ``path``: the file name, then keys, joined by dots."""
    name, _, rest = path.partition(".")
    value: Any = load(name)
    for key in rest.split("."):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"demo text {path!r} is missing in resources/demo/{name}.toml")
        value = value[key]
    return value


def text(path: str) -> str:
    """One text (a template with ``{navn}``-style fields, or plain)."""
    value = get(path)
    if not isinstance(value, str):
        raise TypeError(f"demo text {path!r} is not a string")
    return value


def texts(path: str) -> tuple[str, ...]:
    """A list of texts, one of which is usually drawn at random."""
    value = get(path)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"demo text {path!r} is not a list of strings")
    return tuple(value)


def records(path: str) -> tuple[dict[str, Any], ...]:
    """A list of tables (``[[goals]]``), each a dict."""
    value = get(path)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(f"demo text {path!r} is not a list of tables")
    return tuple(value)
