"""The layering of STYLE.md: desktop -> sync -> models, and the domain and sync never load Qt."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "Layers: desktop -> sync -> models KEPT" in result.stdout
    assert "The domain and sync never import Qt KEPT" in result.stdout


def test_models_and_sync_load_no_qt() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import models, sync
        # env.py runs Alembic's migration context; it is only loaded by a migration.
        skip = {"models.migrations.env", "sync.server.migrations.env"}
        names = []
        for package in (models, sync):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                if info.name not in skip:
                    names.append(info.name)
        for name in names:
            importlib.import_module(name)
        assert "models.services" in names and "models.vault" in names, names
        qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
        print(len(names), qt)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    count, qt = result.stdout.split(" ", 1)
    assert int(count) > 5
    assert qt.strip() == "[]"
