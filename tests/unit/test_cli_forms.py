"""``feltmappe forms list`` and ``feltmappe forms check [MAPPE]``: no profile or passphrase
needed; check prints file, key and problem per error and exits 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main


def test_forms_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "list"]) == 0
    out = capsys.readouterr().out
    assert "underretning" in out and "Børnefaglig undersøgelse" in out
    assert main(["forms", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {f["id"] for f in doc} >= {"underretning", "undersoegelse", "statusudtalelse"}


def test_forms_check_of_the_shipped_forms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "check"]) == 0
    assert "i orden" in capsys.readouterr().out


def test_forms_check_names_file_key_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lille.toml").write_text(
        'id = "lille"\nversion = 1\ntitle = "Lille"\n\n[[sections]]\nid = "a"\ntitle = "A"\n\n'
        '[[sections.fields]]\nid = "x"\ntype = "tekst"\nlabel = "X"\n',
        encoding="utf-8",
    )
    (tmp_path / "brudt.toml").write_text('id = "brudt"\nversion =\n', encoding="utf-8")
    assert main(["forms", "check", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("brudt.toml: linje 2: Ugyldig TOML")
    assert lines[1].startswith("lille.toml: sections[a].fields[x].type: Ukendt felttype »tekst«")
    assert "2 fejl" in captured.err


def test_forms_list_of_a_broken_folder_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "brudt.toml").write_text('id = "brudt"\nversion =\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["forms", "list", "--folder", str(tmp_path)])
    assert exit_.value.code == 1
    assert "brudt.toml" in capsys.readouterr().err


def test_forms_as_a_script(tmp_path: Path) -> None:
    from tests.unit.test_cli import run_cli

    result = run_cli("forms", "--help", passphrase=None)
    assert result.returncode == 0
    assert "Brug: feltmappe forms" in result.stdout and "kontrollér skemafiler" in result.stdout
    (tmp_path / "x.toml").write_text('id = "x"\nversion = 1\n', encoding="utf-8")
    result = run_cli("forms", "check", str(tmp_path), passphrase=None)
    assert result.returncode == 1
    assert result.stdout.startswith("x.toml: title: ")
    assert "Traceback" not in result.stderr
