"""Where a user profile lives on disk, and what it holds. One profile = one encrypted vault."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DB_FILE = "vault.db"
KEY_FILE = "vault.key"
BACKUP_DIR = "backups"
LOG_DIR = "logs"
SETTINGS_FILE = "settings.json"
ENV_PROFILE = "FELTMAPPE_PROFILE"


def default_profile_dir() -> Path:
    """``FELTMAPPE_PROFILE`` if set, else the platform's data directory (platformdirs)."""
    env = os.environ.get(ENV_PROFILE)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("Feltmappe", appauthor=False)) / "profil"


def demo_profile_dir() -> Path:
    return Path(platformdirs.user_data_dir("Feltmappe", appauthor=False)) / "demo"


def profile_exists(profile: Path) -> bool:
    return (profile / KEY_FILE).exists() or (profile / DB_FILE).exists()


#: The demo profile's passphrase. The demo holds only invented people; it is shown on screen.
DEMO_PASSPHRASE = "feltmappe-demo-2026"  # noqa: S105 - public on purpose


def read_settings(profile: Path) -> dict[str, object]:
    """The profile's plain settings (window geometry, never case data); {} when absent or bad."""
    import json

    try:
        doc = json.loads((profile / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def write_settings(profile: Path, settings: dict[str, object]) -> None:
    """Write the plain settings atomically (a crash leaves the old or the new file)."""
    import json

    from models.keyfile import atomic_write

    if not profile.is_dir():
        return
    atomic_write(profile / SETTINGS_FILE, json.dumps(settings, indent=2).encode("utf-8"))
