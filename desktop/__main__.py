"""``python -m desktop``: the ``feltmappe`` command (or, without it, the app on the default
profile)."""

from __future__ import annotations

import importlib.util
import sys


def main() -> int:
    if importlib.util.find_spec("desktop.cli") is not None:
        from desktop.cli import main as cli_main

        return int(cli_main())
    from desktop.app import run_gui
    from models.profile import default_profile_dir

    return run_gui(default_profile_dir())


if __name__ == "__main__":
    sys.exit(main())
