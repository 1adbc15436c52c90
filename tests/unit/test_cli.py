"""The ``feltmappe`` command as a script or an IT admin uses it: Danish help, one-line errors,
no tracebacks, exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main
from models.keyfile import KdfParams
from models.vault import Vault
from tests.conftest import PASSPHRASE

TODAY = "2026-11-25"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)


@pytest.fixture
def demo_profile(tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Cheap Argon2 for the test vault; the CLI passes no kdf, so patch the default.
    monkeypatch.setattr("models.keyfile.KdfParams.__init__.__defaults__", (1, 8 * 1024, 1))
    profile = tmp_path / "demo"
    assert (
        main(["demo", "--profile", str(profile), "--cases", "8", "--seed", "5", "--today", TODAY])
        == 0
    )
    return profile


def run_cli(
    *args: str, passphrase: str | None = PASSPHRASE, **kw: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FELTMAPPE_")}
    if passphrase is not None:
        env["FELTMAPPE_PASSPHRASE"] = passphrase
    env.update(kw)
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )


def test_help_is_danish() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("Brug:", "tilvalg", "kommandoer", "eksportér én sag", "skift adgangsfrase"):
        assert word in result.stdout


def test_unknown_flag_exits_2_with_danish_line() -> None:
    result = run_cli("cases", "--bogus")
    assert result.returncode == 2
    assert "ukendte argumenter: --bogus" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_cases_and_json(demo_profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["cases", "--profile", str(demo_profile), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc) == 8
    first = doc[0]
    assert set(first) >= {"id", "sagsnummer", "barn", "alder", "fase", "fase_tekst", "oprettet"}
    # The CPR number is never printed in full.
    assert all(d["cpr"] is None or d["cpr"].endswith("-XXXX") for d in doc)

    assert main(["cases", "--profile", str(demo_profile)]) == 0
    out = capsys.readouterr().out
    assert "8 sager" in out
    assert first["barn"] in out


def test_wrong_passphrase_is_one_line(demo_profile: Path) -> None:
    before = {p.name: p.read_bytes() for p in demo_profile.iterdir() if p.is_file()}
    result = run_cli("cases", "--profile", str(demo_profile), passphrase="forkert-forkert-forkert")
    assert result.returncode == 1
    assert result.stderr.strip() == "feltmappe: Forkert adgangsfrase. Prøv igen."
    after = {p.name: p.read_bytes() for p in demo_profile.iterdir() if p.is_file()}
    assert before == after


def test_missing_profile_and_no_passphrase(tmp_path: Path) -> None:
    result = run_cli("cases", "--profile", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "Der findes ingen Feltmappe-profil" in result.stderr
    result = run_cli("cases", "--profile", str(tmp_path / "nope"), passphrase=None)
    assert result.returncode == 1
    assert "FELTMAPPE_PASSPHRASE" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_import_round_trip(
    demo_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["cases", "--profile", str(demo_profile), "--json"])
    case_number = json.loads(capsys.readouterr().out)[3]["sagsnummer"]
    first = tmp_path / "sag.json"
    assert (
        main(["export", "--profile", str(demo_profile), "--case", case_number, "-o", str(first)])
        == 0
    )
    # Refuses to overwrite without --force.
    with pytest.raises(SystemExit) as exc:
        main(["export", "--profile", str(demo_profile), "--case", case_number, "-o", str(first)])
    assert exc.value.code == 1
    assert "findes allerede" in capsys.readouterr().err

    empty = tmp_path / "tom"
    Vault.create(empty, PASSPHRASE, user="b", kdf=KdfParams.fast()).close()
    assert main(["import", "--profile", str(empty), str(first)]) == 0
    second = tmp_path / "sag2.json"
    assert main(["export", "--profile", str(empty), "--case", case_number, "-o", str(second)]) == 0
    assert json.loads(first.read_text()) == json.loads(second.read_text())


def test_import_bad_file_names_the_problem(demo_profile: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "feltmappe-case", "version": 1, "case": {}}', encoding="utf-8")
    result = run_cli("import", "--profile", str(demo_profile), str(bad))
    assert result.returncode == 1
    assert "intet er importeret" in result.stderr
    assert "Traceback" not in result.stderr
    bad.write_text("{ikke json", encoding="utf-8")
    result = run_cli("import", "--profile", str(demo_profile), str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    result = run_cli("import", "--profile", str(demo_profile), str(tmp_path / "findes-ikke.json"))
    assert result.returncode == 1
    assert "findes ikke" in result.stderr


def test_passwd(demo_profile: Path) -> None:
    new = "ny-lang-frase-med-syv-ord-42"
    weak = run_cli("passwd", "--profile", str(demo_profile), FELTMAPPE_NEW_PASSPHRASE="kort")
    assert weak.returncode == 1
    assert "mindst 10 tegn" in weak.stderr
    ok = run_cli("passwd", "--profile", str(demo_profile), FELTMAPPE_NEW_PASSPHRASE=new)
    assert ok.returncode == 0, ok.stderr
    assert "skiftet" in ok.stdout
    assert run_cli("cases", "--profile", str(demo_profile)).returncode == 1
    assert run_cli("cases", "--profile", str(demo_profile), passphrase=new).returncode == 0


def test_log_lists_who_looked_at_the_case(
    demo_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["cases", "--profile", str(demo_profile), "--json"])
    case_number = json.loads(capsys.readouterr().out)[0]["sagsnummer"]
    target = tmp_path / "x.json"
    assert (
        main(["export", "--profile", str(demo_profile), "--case", case_number, "-o", str(target)])
        == 0
    )
    capsys.readouterr()
    assert main(["log", "--profile", str(demo_profile), "--case", case_number, "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert events[-1]["handling"] == "eksporteret"
    assert events[-1]["bruger"] == "demo.raadgiver"
    assert any(e["handling"] == "oprettet" for e in events)
    assert main(["log", "--profile", str(demo_profile), "--case", case_number]) == 0
    out = capsys.readouterr().out
    assert f"Logning for sag {case_number}" in out
    assert "Eksporteret" in out
    with pytest.raises(SystemExit):
        main(["log", "--profile", str(demo_profile), "--case", "1999-99999"])
    assert "Findes ikke" in capsys.readouterr().err


def test_start_resolves_the_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`feltmappe`, `feltmappe --demo` and `--profile` reach the app with the right folder."""
    started: list[tuple[Path, bool]] = []

    def fake_run_gui(profile: Path, *, demo: bool = False) -> int:
        started.append((profile, demo))
        return 0

    monkeypatch.setattr("desktop.app.run_gui", fake_run_gui)
    monkeypatch.setenv("FELTMAPPE_PROFILE", str(tmp_path / "fra-miljoe"))
    monkeypatch.setattr("desktop.cli.demo_profile_dir", lambda: tmp_path / "demo")
    assert main([]) == 0
    assert main(["--demo"]) == 0
    assert main(["--profile", str(tmp_path / "egen")]) == 0
    assert started == [
        (tmp_path / "fra-miljoe", False),
        (tmp_path / "demo", True),
        (tmp_path / "egen", False),
    ]


def test_profile_from_environment(demo_profile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FELTMAPPE_PROFILE", str(demo_profile))
    assert main(["cases", "--json"]) == 0


def test_deadlines_json_most_urgent_first(
    demo_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from models.deadlines.types import STATUS_URGENCY, DeadlineStatus

    capsys.readouterr()
    assert main(["deadlines", "--profile", str(demo_profile), "--today", TODAY, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "feltmappe-deadlines"
    assert doc["now"].startswith(TODAY)
    items = doc["deadlines"]
    assert items, "the demo has open deadlines"
    ranks = [STATUS_URGENCY[DeadlineStatus(d["status"])] for d in items]
    assert ranks == sorted(ranks)
    assert {d["status"] for d in items} <= {"ok", "snart", "overskredet", "mangler_oplysninger"}
    assert all(d["legal_basis"] and d["title"] for d in items)

    one = items[0]["case_number"]
    assert (
        main(
            [
                "deadlines",
                "--profile",
                str(demo_profile),
                "--today",
                TODAY,
                "--case",
                one,
                "--json",
                "--all",
            ]
        )
        == 0
    )
    case_items = json.loads(capsys.readouterr().out)["deadlines"]
    assert {d["case_number"] for d in case_items} == {one}

    assert main(["deadlines", "--profile", str(demo_profile), "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "frister" in out
    assert "Frist" in out.splitlines()[0]


def test_deadlines_bad_date_is_usage_error() -> None:
    result = run_cli("deadlines", "--today", "2026-13-40")
    assert result.returncode == 2
    assert "ugyldig dato" in result.stderr


def test_deadlines_refuse_a_setting_looser_than_the_law(demo_profile: Path) -> None:
    (demo_profile / "frister.toml").write_text("[frister]\nassessment_months = 6\n", "utf-8")
    result = run_cli("deadlines", "--profile", str(demo_profile), "--today", TODAY)
    assert result.returncode == 1
    assert "undersoegelse_4_maaneder" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_texts_are_danish() -> None:
    import re

    from desktop.messages import SYNC_REASONS, error_text, sync_reason_text
    from models.errors import FeltmappeError
    from sync import errors

    for cls in (
        errors.ServerUnreachable,
        errors.AuthFailed,
        errors.BadCredentials,
        errors.DeviceRevoked,
        errors.UpgradeRequired,
        errors.ServerRefused,
        errors.NotConnected,
        errors.InsecureUrl,
        errors.CertificateError,
        errors.CaFileError,
    ):
        text = error_text(cls())
        assert not text.startswith("Fejl:") and "sync." not in text, cls
    assert "ikke nås" in error_text(errors.ServerUnreachable())
    assert error_text(errors.ServerRefused(status=400, error="x.y")).endswith("(x.y)")
    assert error_text(FeltmappeError("sync.something_new")).startswith("Synkroniseringen")
    # Every reason the central store gives for one change has its own text.
    server = Path(__file__).parents[2] / "sync" / "server"
    source = "\n".join(f.read_text("utf-8") for f in sorted(server.glob("*.py")))
    source += (Path(__file__).parents[2] / "sync" / "protocol.py").read_text("utf-8")
    reasons = set(re.findall(r'"(sync\.[a-z_]+)"', source))
    assert reasons and reasons <= set(SYNC_REASONS)
    assert sync_reason_text("sync.no_access").startswith("Du har ikke adgang")
    assert "sync.brand_new" in sync_reason_text("sync.brand_new")


def test_sync_server_and_admin_in_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("sync", "server", "admin"):
        assert word in result.stdout
    result = run_cli("sync", "status", "--help")
    assert result.returncode == 0 and "Brug: feltmappe sync status" in result.stdout


def test_one_module_holds_the_danish_argparse_texts_and_the_password_from_stdin() -> None:
    """feltmappe and feltmappe admin share models/commandline.py; the central store's commands
    live with it in sync/server/ and are reached through `feltmappe server` / `feltmappe admin`."""
    root = Path(__file__).parents[2]
    for path in sorted([*root.glob("desktop/*.py"), *root.glob("sync/**/*.py")]):
        text = path.read_text(encoding="utf-8")
        assert "show this help message and exit" not in text, path
        assert "sys.stdin.readline" not in text, path
    cli = (root / "desktop" / "cli.py").read_text(encoding="utf-8")
    assert "--tls-cert" not in cli and "--proxy-ips" not in cli
    assert len(cli.splitlines()) < 800


def test_server_and_admin_dispatch_to_sync_server(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str], str]] = []

    def fake(name: str) -> Any:
        def main(argv: list[str], *, prog: str) -> int:
            calls.append((name, list(argv), prog))
            return 7

        return main

    monkeypatch.setattr("sync.server.serve.main", fake("server"))
    monkeypatch.setattr("sync.server.admin.main", fake("admin"))
    assert main(["server", "--port", "1"]) == 7
    assert main(["admin", "team", "liste"]) == 7
    assert main(["--profile", "/tmp/x", "server", "run"]) == 7
    assert calls == [
        ("server", ["--port", "1"], "feltmappe server"),
        ("admin", ["team", "liste"], "feltmappe admin"),
        ("server", ["run"], "feltmappe server"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("cases",),
        ("deadlines", "--today", TODAY),
        ("--help",),
        ("admin", "--help"),
        ("admin", "--db", "{tmp}/central.db", "bruger", "liste"),
    ],
    ids=["cases", "deadlines", "help", "admin-help", "admin-users"],
)
def test_a_reader_that_goes_away_ends_the_command_quietly(
    args: tuple[str, ...], demo_profile: Path
) -> None:
    """`feltmappe cases | head -n 3`: the pipe closed before the output was all written is how
    Unix tools are used, not an "Uventet fejl". The command ends without a word, with the code
    of a tool ended by SIGPIPE (141)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FELTMAPPE_")}
    env["FELTMAPPE_PASSPHRASE"] = PASSPHRASE
    env["FELTMAPPE_PROFILE"] = str(demo_profile)
    tmp = str(demo_profile.parent)
    command = [sys.executable, "-m", "desktop.cli", *(a.format(tmp=tmp) for a in args)]
    # The reading end closed before the command writes: what head does once it has its lines.
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
        assert err == ""
        # argparse itself swallows the failed write of --help, and ends with 0.
        assert code == 141 or (code == 0 and "--help" in args)

    # And through a real head, as it is typed.
    head_command = shutil.which("head")
    if head_command is None:
        return  # not on Windows
    with (
        subprocess.Popen(
            [head_command, "-n", "3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        ) as head,
        subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=head.stdin, stderr=subprocess.PIPE, env=env
        ) as proc,
    ):
        assert head.stdin is not None and head.stdout is not None and proc.stderr is not None
        head.stdin.close()
        assert 2 <= len(head.stdout.read().decode().splitlines()) <= 3
        err = proc.stderr.read().decode()
        assert (proc.wait(timeout=120) in (0, 141), err) == (True, "")


def test_demo_honours_the_profile_from_the_environment(
    tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`feltmappe demo` goes where every other command looks: --profile, else
    $FELTMAPPE_PROFILE; only without both into the demo folder that `feltmappe --demo` opens."""
    from models.profile import profile_exists

    monkeypatch.setattr("models.keyfile.KdfParams.__init__.__defaults__", (1, 8 * 1024, 1))
    monkeypatch.setattr("desktop.cli.demo_profile_dir", lambda: tmp_path / "demo")
    monkeypatch.setenv("FELTMAPPE_PROFILE", str(tmp_path / "fra-miljoe"))
    assert main(["demo", "--cases", "2", "--today", TODAY]) == 0
    assert f"Demoprofil oprettet i {tmp_path / 'fra-miljoe'}." in capsys.readouterr().out
    assert profile_exists(tmp_path / "fra-miljoe")
    assert not (tmp_path / "demo").exists()
    assert main(["cases"]) == 0
    assert "2 sager" in capsys.readouterr().out

    monkeypatch.delenv("FELTMAPPE_PROFILE")
    assert main(["demo", "--cases", "1", "--today", TODAY]) == 0
    assert profile_exists(tmp_path / "demo")


def test_deadlines_now_is_a_date_and_time_and_a_moment_before_the_case_is_an_answer(
    demo_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`feltmappe deadlines --now 2026-11-20T15:00` (Danish time) besides --today; one case at a
    moment before its events gets the deadlines as they stood (here: none), not an error."""
    profile = ["--profile", str(demo_profile)]
    capsys.readouterr()
    assert main(["deadlines", *profile, "--now", "2026-11-20T15:00", "--json", "--all"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["now"] == "2026-11-20T15:00:00+01:00"
    assert doc["deadlines"]
    # A notification received after the moment asked about had not come yet: no 24-hour
    # assessment of it is due, and nothing done later counts as done.
    now = datetime.fromisoformat(doc["now"])
    for d in doc["deadlines"]:
        if d["rule"] == "underretning_24_timer":
            assert datetime.fromisoformat(d["trigger"]) <= now
        assert d["fulfilled_at"] is None or datetime.fromisoformat(d["fulfilled_at"]) <= now
    case = doc["deadlines"][0]["case_number"]

    for moment in ("2000-01-01T09:00", "2026-11-20T15:00"):
        args = ["deadlines", *profile, "--case", case, "--now", moment, "--json", "--all"]
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out)["now"].startswith(moment)
    assert main(["deadlines", *profile, "--case", case, "--now", "2000-01-01T09:00"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 frister"

    result = run_cli("deadlines", "--now", "2026-11-20 kl 15")
    assert result.returncode == 2
    assert "ugyldigt tidspunkt" in result.stderr
    result = run_cli("deadlines", "--now", "2026-11-20T15:00", "--today", "2026-11-20")
    assert result.returncode == 2
    assert "kan ikke bruges sammen med" in result.stderr
