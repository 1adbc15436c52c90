"""Where windows were: the main window's and the case window's geometry, kept in the profile's
plain settings file (sizes and positions only, never case data)."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

from models.errors import FeltmappeError
from models.profile import read_settings, write_settings

log = logging.getLogger("feltmappe.geometry")

MAIN_WINDOW = "window_geometry"
CASE_WINDOW = "case_window_geometry"


def load_geometry(profile: Path, key: str = MAIN_WINDOW) -> bytes | None:
    value = read_settings(profile).get(key)
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def save_geometry(profile: Path, geometry: bytes | None, key: str = MAIN_WINDOW) -> None:
    if geometry is None:
        return
    settings = read_settings(profile)
    settings[key] = base64.b64encode(geometry).decode("ascii")
    try:
        write_settings(profile, settings)
    except (OSError, FeltmappeError):
        log.warning("window geometry not saved")
