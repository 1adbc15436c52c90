"""The central store's administration (``feltmappe-admin``, ``feltmappe admin``) and the laptop's
``feltmappe sync`` commands, in process against a real database and a real server thread."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.cli import main as cli_main
from models import services
from models.keyfile import KdfParams
from models.profile import DB_FILE, KEY_FILE
from models.vault import Vault
from sync.client.keys import URL_KEY
from sync.server.admin import STORE_ERRORS, main
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import PASSPHRASE, PASSWORD, Laptop, running


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FELTMAPPE_SERVER_DB", raising=False)
    return tmp_path / "c.db"


def admin(
    db: Path,
    *args: str,
    monkeypatch: pytest.MonkeyPatch | None = None,
    stdin: str | None = None,
) -> int:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--db", str(db), *args])


def out(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def add_user(
    db: Path, monkeypatch: pytest.MonkeyPatch, username: str, *extra: str, role: str = "raadgiver"
) -> int:
    return admin(
        db,
        "bruger",
        "opret",
        username,
        "--name",
        f"{username.title()} Holm",
        "--role",
        role,
        "--password-stdin",
        *extra,
        monkeypatch=monkeypatch,
        stdin=PASSWORD + "\n",
    )


# -- teams and users ----------------------------------------------------------------------------


def test_teams(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin(db, "team", "opret", "Team Syd") == 0
    assert "Teamet »Team Syd« er oprettet." in out(capsys)[0]
    assert admin(db, "team", "opret", "Team Nord") == 0
    capsys.readouterr()
    assert admin(db, "team", "liste") == 0
    text = out(capsys)[0]
    assert text.splitlines() == ["Team Nord", "Team Syd", "2 teams"]
    assert admin(db, "team", "opret", "Team Syd") == 1
    assert out(capsys)[1] == "feltmappe-admin: Teamet »Team Syd« findes allerede.\n"


def test_users(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin(db, "team", "opret", "Team Syd")
    assert add_user(db, monkeypatch, "anna", "--team", "Team Syd") == 0
    assert "Brugeren »anna« (rådgiver, Team Syd) er oprettet." in out(capsys)[0]
    assert add_user(db, monkeypatch, "tina", role="teamleder") == 0
    capsys.readouterr()
    assert admin(db, "bruger", "liste") == 0
    lines = out(capsys)[0].splitlines()
    assert lines[0].split() == ["Brugernavn", "Navn", "Rolle", "Team", "Aktiv"]
    assert lines[1].split() == ["anna", "Anna", "Holm", "rådgiver", "Team", "Syd", "ja"]
    assert lines[2].split() == ["tina", "Tina", "Holm", "teamleder", "–", "ja"]
    assert lines[3] == "2 brugere"

    # A duplicate, an unknown team: one Danish line each, exit 1, nothing changed.
    assert add_user(db, monkeypatch, "anna") == 1
    assert out(capsys)[1] == "feltmappe-admin: Brugeren »anna« findes allerede.\n"
    assert add_user(db, monkeypatch, "bo", "--team", "Team Vest") == 1
    assert "Teamet »Team Vest« findes ikke." in out(capsys)[1]

    # ret: role and team; leaving the team with --team "".
    assert admin(db, "bruger", "ret", "anna", "--role", "teamleder", "--team", "") == 0
    assert "Brugeren »anna« er ændret." in out(capsys)[0]
    store = Store.open(str(db))
    try:
        users = {u.username: u for u in store.users()}
    finally:
        store.close()
    assert users["anna"].role == "teamleder" and users["anna"].team is None
    assert admin(db, "bruger", "ret", "anna") == 1
    assert "Angiv hvad der skal ændres" in out(capsys)[1]

    assert admin(db, "bruger", "deaktiver", "anna") == 0
    assert "er deaktiveret" in out(capsys)[0]
    admin(db, "bruger", "liste")
    assert out(capsys)[0].splitlines()[1].endswith("nej")
    assert admin(db, "bruger", "aktiver", "anna") == 0
    assert "er aktiv igen" in out(capsys)[0]
    admin(db, "bruger", "liste")
    assert out(capsys)[0].splitlines()[1].endswith("ja")


def test_wrong_role_is_a_usage_error(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        admin(db, "bruger", "opret", "x", "--name", "X", "--role", "chef")
    assert exc.value.code == 2
    assert "ugyldigt valg: 'chef'" in out(capsys)[1]
    with pytest.raises(SystemExit) as exc:
        admin(db, "bruger", "ret", "x", "--role", "chef")
    assert exc.value.code == 2


def test_unknown_user(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (
        ("bruger", "ret", "nobody", "--role", "admin"),
        ("bruger", "deaktiver", "nobody"),
        ("bruger", "aktiver", "nobody"),
        ("enhed", "opret", "nobody", "--name", "PC"),
    ):
        assert admin(db, *args) == 1
        assert out(capsys)[1] == "feltmappe-admin: Brugeren »nobody« findes ikke.\n"
    assert (
        admin(
            db,
            "bruger",
            "adgangskode",
            "nobody",
            "--password-stdin",
            monkeypatch=monkeypatch,
            stdin=PASSWORD + "\n",
        )
        == 1
    )
    assert "Brugeren »nobody« findes ikke." in out(capsys)[1]


def test_passwords(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Typed twice at a terminal; they must match.
    monkeypatch.setattr(sys, "stdin", Tty())
    typed = iter(["hemmelig-adgang-1", "hemmelig-adgang-2"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(typed))
    args = ("bruger", "opret", "anna", "--name", "Anna Holm", "--role", "raadgiver")
    assert admin(db, *args) == 1
    assert "De to adgangskoder er ikke ens" in out(capsys)[1]
    typed = iter(["hemmelig-adgang-1"] * 2)
    assert admin(db, *args) == 0
    capsys.readouterr()

    # Not at a terminal and no --password-stdin: refused, not hung.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert admin(db, "bruger", "adgangskode", "anna") == 1
    assert "--password-stdin" in out(capsys)[1]
    assert admin(db, "bruger", "adgangskode", "anna", "--password-stdin") == 1
    assert "ingen adgangskode" in out(capsys)[1]
    assert (
        admin(
            db,
            "bruger",
            "adgangskode",
            "anna",
            "--password-stdin",
            monkeypatch=monkeypatch,
            stdin="kort\n",
        )
        == 1
    )
    assert "mindst 10 tegn" in out(capsys)[1]
    assert (
        admin(
            db,
            "bruger",
            "adgangskode",
            "anna",
            "--password-stdin",
            monkeypatch=monkeypatch,
            stdin="nyt-og-langt-kodeord\n",
        )
        == 0
    )
    assert "Adgangskoden for »anna« er skiftet." in out(capsys)[0]
    store = Store.open(str(db))
    try:
        store.login("anna", "nyt-og-langt-kodeord", "PC")
    finally:
        store.close()


# -- devices -----------------------------------------------------------------------------------


def test_device_token_is_shown_once_and_works_until_revoked(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(db, monkeypatch, "anna")
    capsys.readouterr()
    assert admin(db, "enhed", "opret", "anna", "--name", "Annas bærbare") == 0
    text = out(capsys)[0]
    assert "vises kun denne ene gang" in text
    device_id = next(x.split()[-1] for x in text.splitlines() if x.startswith("Enheds-id:"))
    token = next(x.split()[-1] for x in text.splitlines() if x.startswith("Adgangsnøgle:"))

    assert admin(db, "enhed", "liste", "--user", "anna") == 0
    listing = out(capsys)[0]
    assert device_id in listing and "Annas bærbare" in listing and "aktiv" in listing
    assert token not in listing  # shown once, never again

    store = Store.open(str(db))
    try:
        with running(store) as server:
            auth = {"Authorization": "Bearer " + token}
            assert httpx.get(server.url + "/v1/me", headers=auth).status_code == 200
            assert admin(db, "enhed", "spaer", device_id) == 0
            assert "er spærret" in out(capsys)[0]
            answer = httpx.get(server.url + "/v1/me", headers=auth)
            assert answer.status_code == 403
            assert answer.json()["error"] == "auth.device_revoked"
    finally:
        store.close()
    admin(db, "enhed", "liste")
    assert "spærret" in out(capsys)[0]
    assert admin(db, "enhed", "spaer", "ikke-en-enhed") == 1
    assert "Enheden »ikke-en-enhed« findes ikke." in out(capsys)[1]

    # A deactivated user gets no new device.
    admin(db, "bruger", "deaktiver", "anna")
    assert admin(db, "enhed", "opret", "anna", "--name", "PC") == 1
    assert "er deaktiveret" in out(capsys)[1]


# -- cases and the log --------------------------------------------------------------------------


def _case_on_server(store: Store, tmp: Path) -> tuple[str, str]:
    """A case made on Anna's laptop and pushed: (case id, case number)."""
    with running(store) as server:
        lap = Laptop(tmp, "anna-pc", server.url, "anna")
        try:
            with lap.vault.session() as s:
                child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
                case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
                case_id, number = case.id, case.case_number
            lap.sync()
        finally:
            lap.close()
    return case_id, number


def test_cases_and_log(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(db, monkeypatch, "anna")
    add_user(db, monkeypatch, "bo")
    store = Store.open(str(db))
    try:
        case_id, number = _case_on_server(store, tmp_path)
    finally:
        store.close()
    capsys.readouterr()

    assert admin(db, "sag", "tildel", number, "bo") == 0
    assert f"Sagen {number} er tildelt bo." in out(capsys)[0]
    assert admin(db, "sag", "tildel", case_id, "bo") == 1
    assert out(capsys)[1] == f"feltmappe-admin: Sagen {case_id} er allerede tildelt bo.\n"
    assert admin(db, "sag", "tildel", "2099-99999", "bo") == 1
    assert "Sagen »2099-99999« findes ikke" in out(capsys)[1]

    assert admin(db, "sag", "liste") == 0
    lines = out(capsys)[0].splitlines()
    assert lines[0].split() == ["Sagsnummer", "Sags-id", "Bruger", "Tildelt"]
    assert [x.split()[:3] for x in lines[1:3]] == [
        [number, case_id, "anna"],
        [number, case_id, "bo"],
    ]
    assert lines[3] == "2 tildelinger"
    assert admin(db, "sag", "liste", "--user", "bo") == 0
    assert out(capsys)[0].splitlines()[-1] == "1 tildeling"

    assert admin(db, "sag", "fjern", number, "bo") == 0
    assert "ikke længere tildelt bo" in out(capsys)[0]
    assert admin(db, "sag", "fjern", number, "bo") == 1
    assert "er ikke tildelt bo" in out(capsys)[1]

    assert admin(db, "log", "--limit", "3") == 0
    text = out(capsys)[0]
    assert text.startswith("Administration:")
    assert "tildeling fjernet" in text and text.rstrip().endswith("3 hændelser")

    assert admin(db, "log", "--case", number) == 0
    text = out(capsys)[0]
    assert f"Administration af sag {number}:" in text
    assert "sag tildelt" in text and "tildeling fjernet" in text
    # The laptop sent its access log along with the case: Anna created it.
    assert f"Logning for sag {number}" in text
    access = text.split("Logning for sag")[1]
    assert "anna" in access and "Oprettet" in access


def test_every_store_error_code_has_danish_text() -> None:
    server = Path(__file__).parents[2] / "sync" / "server"
    source = "\n".join(f.read_text("utf-8") for f in sorted(server.glob("*.py")))
    codes = set(re.findall(r'StoreError\("([^"]+)"', source))
    codes |= set(re.findall(r'code = "([^"]+)"', source))
    assert codes and codes <= set(STORE_ERRORS)


def test_database_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FELTMAPPE_SERVER_DB", str(tmp_path / "env.db"))
    assert main(["team", "opret", "Team Øst"]) == 0
    assert (tmp_path / "env.db").exists()
    assert main(["--db", str(tmp_path / "no" / "such" / "dir.db"), "team", "liste"]) == 1
    assert "kan ikke åbnes" in out(capsys)[1]


# -- help ---------------------------------------------------------------------------------------


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["server", "--help"], ["admin", "--help"], ["sync", "--help"]):
        with pytest.raises(SystemExit) as exc:
            cli_main(argv)
        assert exc.value.code == 0
        text = out(capsys)[0]
        assert text.startswith("Brug:")
    with pytest.raises(SystemExit):
        cli_main(["admin", "--help"])
    text = out(capsys)[0]
    assert "Brug: feltmappe admin" in text and "enheder" in text
    with pytest.raises(SystemExit):
        cli_main(["server", "--help"])
    assert "Brug: feltmappe server" in out(capsys)[0]


def test_option_names_are_ascii_and_the_old_spellings_still_work(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every option of feltmappe, feltmappe server and feltmappe admin is named in ASCII. The
    Danish spellings scripts may already use are accepted, but help does not show them."""
    import argparse

    from desktop.cli import build_parser as feltmappe_parser
    from sync.server.admin import build_parser as admin_parser
    from sync.server.serve import build_parser as server_parser

    def parsers(p: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in dict.fromkeys(action.choices.values()):
                    yield from parsers(sub)

    shown: set[str] = set()
    for top in (feltmappe_parser(), admin_parser(), server_parser()):
        for p in parsers(top):
            text = p.format_help()
            for action in p._actions:
                if not action.option_strings:
                    continue
                first, *old = [s for s in action.option_strings if s.startswith("--")]
                assert first.isascii(), (p.prog, first)
                shown.add(first)
                assert not any(re.search(re.escape(s) + r"(?![\w-])", text) for s in old)
    assert {"--host", "--min-protocol", "--token-stdin", "--password-stdin", "--ca-file"} <= shown

    for argv in (["server", "--help"], ["sync", "forbind", "--help"], ["admin", "log", "--help"]):
        with pytest.raises(SystemExit):
            cli_main(argv)
        options = re.findall(r"--[^\s,\[\]]+", out(capsys)[0])
        assert options and all(o.isascii() for o in options), options
    with pytest.raises(SystemExit):
        cli_main(["server", "--help"])
    text = out(capsys)[0]
    assert "--host" in text and "--min-protocol" in text
    assert "--vært" not in text and "--min-protokol" not in text
    with pytest.raises(SystemExit):
        cli_main(["server", "--min-protokol", "x"])
    assert out(capsys)[1].endswith("fejl: --min-protocol: ugyldig værdi: 'x'\n")

    # The old spellings, as a script written before may use them.
    old = ("bruger", "opret", "anna", "--navn", "Anna Holm", "--rolle", "teamleder")
    assert admin(db, *old, "--adgangskode-stdin", monkeypatch=monkeypatch, stdin=PASSWORD) == 0
    assert admin(db, "enhed", "opret", "anna", "--navn", "PC") == 0
    assert admin(db, "enhed", "liste", "--bruger", "anna") == 0
    assert admin(db, "log", "--antal", "1") == 0
    assert "PC" in out(capsys)[0]
    args = server_parser().parse_args(["--vært", "10.0.0.5", "--min-protokol", "2"])
    assert (args.vaert, args.min_protokol) == ("10.0.0.5", 2)
    args = feltmappe_parser().parse_args(
        ["sync", "forbind", "https://x", "--bruger", "a", "--enhed", "b", "--ca-fil", "c"]
    )
    assert (args.bruger, args.enhed, args.ca_fil) == ("a", "b", "c")
    args = feltmappe_parser().parse_args(
        ["sync", "forbind", "https://x", "--nøgle-stdin", "--adgangskode-stdin"]
    )
    assert args.noegle_stdin and args.adgangskode_stdin


def test_subcommand_names_are_ascii_and_the_old_spellings_still_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every subcommand of feltmappe and feltmappe admin that help shows is named in ASCII
    (issue #12: ``sync kør``, ``bruger lås-op``, ``bruger spærringer``, ``enhed spær`` were
    not); the spellings with æ, ø and å still run the same command, and help does not show
    them."""
    import argparse

    from desktop import cli
    from sync.server import admin as admin_cli

    def subcommands(p: argparse.ArgumentParser) -> Iterator[tuple[argparse.ArgumentParser, Any]]:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                yield p, action
                for sub in dict.fromkeys(action.choices.values()):
                    yield from subcommands(sub)

    shown: set[str] = set()
    hidden: set[str] = set()
    for top in (cli.build_parser(), admin_cli.build_parser()):
        for parent, action in subcommands(top):
            # What help lists: the subcommands added with a help text.
            listed = {a.dest for a in action._choices_actions}
            assert all(name.isascii() for name in listed), sorted(listed)
            assert not re.search(r"[æøå]", parent.format_usage()), parent.prog
            for name in set(action.choices) - listed:
                assert not name.isascii(), name
                hidden.add(name)
            shown |= listed
    assert {"nu", "laas-op", "spaerringer", "spaer"} <= shown
    assert hidden == {"kør", "lås-op", "spærringer", "spær"}

    parse = cli.build_parser().parse_args
    assert parse(["sync", "kør"]).func is parse(["sync", "nu"]).func is cli.cmd_sync_run
    parse = admin_cli.build_parser().parse_args
    for old, new, func in (
        (["bruger", "lås-op", "anna"], ["bruger", "laas-op", "anna"], admin_cli.cmd_user_unlock),
        (["bruger", "spærringer"], ["bruger", "spaerringer"], admin_cli.cmd_user_lockouts),
        (["enhed", "spær", "x"], ["enhed", "spaer", "x"], admin_cli.cmd_device_revoke),
    ):
        assert parse(old).func is parse(new).func is func
    # An unknown name is answered with the names help shows.
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["sync", "xyz"])
    assert out(capsys)[1].endswith("(vælg mellem 'forbind', 'status', 'nu')\n")


def test_feltmappe_admin_delegates(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["admin", "--db", str(db), "team", "opret", "Team Syd"]) == 0
    assert "Teamet »Team Syd« er oprettet." in out(capsys)[0]
    assert cli_main(["admin", "--db", str(db), "team", "opret", "Team Syd"]) == 1
    assert out(capsys)[1].startswith("feltmappe admin: Teamet")


def test_server_without_its_packages(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    monkeypatch.delitem(sys.modules, "sync.server.run", raising=False)
    monkeypatch.delitem(sys.modules, "sync.server.app", raising=False)
    assert cli_main(["server", "--db", "x.db"]) == 1
    assert out(capsys)[1] == (
        "feltmappe server: Den centrale server kræver ekstra pakker. Installér med: "
        "pip install 'feltmappe[server]'\n"
    )


def test_console_script_help() -> None:
    script = Path(sys.executable).parent / "feltmappe-admin"
    if not script.exists():
        pytest.skip("feltmappe-admin is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FELTMAPPE_")}
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Brug: feltmappe-admin" in result.stdout and "kommandoer" in result.stdout


# -- the laptop: feltmappe sync -----------------------------------------------------------------


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "anna-profil"
    vault = Vault.create(path, PASSPHRASE, user="anna", kdf=KdfParams.fast())
    with vault, vault.session() as s:
        child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
        services.create_case(s, child=child, opened_on=date(2026, 11, 2))
    yield path


def sync_cli(profile: Path, *args: str) -> int:
    return cli_main(["sync", *args, "--profile", str(profile)])


def test_sync_connect_status_run(
    profile: Path,
    server: ServerThread,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert sync_cli(profile, "status") == 0
    text = out(capsys)[0]
    assert "Ikke forbundet til en central server" in text
    assert "Seneste synkronisering: aldrig" in text
    with pytest.raises(SystemExit) as exc:
        sync_cli(profile, "nu")
    assert exc.value.code == 1
    assert "ikke forbundet til en central server" in out(capsys)[1]

    # A wrong password, then the right one.
    monkeypatch.setattr(sys, "stdin", io.StringIO("forkert-adgangskode\n"))
    with pytest.raises(SystemExit):
        sync_cli(profile, "forbind", server.url, "--user", "anna", "--password-stdin")
    assert "Forkert brugernavn eller adgangskode" in out(capsys)[1]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    args = ("forbind", server.url, "--user", "anna", "--device", "Annas bærbare")
    assert sync_cli(profile, *args, "--password-stdin") == 0
    assert f"forbundet til {server.url} som anna" in out(capsys)[0]
    assert [d.name for d, _u in store.devices("anna")] == ["Annas bærbare"]

    assert sync_cli(profile, "status") == 0
    text = out(capsys)[0]
    assert f"Forbundet til den centrale server {server.url} som anna." in text
    pending = int(text.split("Ændringer der venter på at blive sendt: ")[1].split()[0])
    assert pending >= 2  # the child and the case at least

    assert sync_cli(profile, "nu") == 0
    line = out(capsys)[0]
    assert line.startswith(f"Synkroniseret: {pending} ændringer sendt ({pending} gemt")
    assert line.count("\n") == 1 and "0 afvist" in line

    assert sync_cli(profile, "status") == 0
    text = out(capsys)[0]
    assert "Ændringer der venter på at blive sendt: 0" in text
    assert "Afviste ændringer: 0" in text and "Konflikter der skal løses: 0" in text
    assert "Seneste synkronisering: aldrig" not in text


def test_sync_offline_keeps_the_changes(
    profile: Path,
    server: ServerThread,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert sync_cli(profile, "forbind", server.url, "--user", "anna", "--password-stdin") == 0
    with Vault.open(profile, PASSPHRASE) as vault:
        vault.set_setting(URL_KEY, "http://127.0.0.1:9")  # nothing listens there
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        sync_cli(profile, "nu")
    assert exc.value.code == 1
    assert "Den centrale server kan ikke nås" in out(capsys)[1]
    assert sync_cli(profile, "status") == 0
    text = out(capsys)[0]
    assert "Seneste fejl: Den centrale server kan ikke nås" in text
    assert (profile / KEY_FILE).exists()


def test_sync_on_a_revoked_device_wipes_the_profile(
    profile: Path,
    server: ServerThread,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert sync_cli(profile, "forbind", server.url, "--user", "anna", "--password-stdin") == 0
    assert sync_cli(profile, "nu") == 0
    capsys.readouterr()
    ((device, _user),) = store.devices("anna")
    store.revoke_device(device.id)

    with pytest.raises(SystemExit) as exc:
        sync_cli(profile, "nu")
    assert exc.value.code == 1
    assert (
        out(capsys)[1]
        == "feltmappe: Enheden er spærret af administratoren. Data på computeren er slettet.\n"
    )
    assert not (profile / KEY_FILE).exists()
    assert not (profile / DB_FILE).exists()


def test_sync_status_explains_rejected_changes(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select, update

    from models.schema import ChangeEntry

    with Vault.open(profile, PASSPHRASE) as vault, vault.session(sync_apply=True) as s:
        first = s.scalars(select(ChangeEntry.seq).order_by(ChangeEntry.seq)).first()
        s.execute(
            update(ChangeEntry)
            .where(ChangeEntry.seq == first)
            .values(status="rejected", reason="sync.no_access")
        )
    assert sync_cli(profile, "status") == 0
    text = out(capsys)[0]
    assert "Afviste ændringer: 1" in text
    assert ": Du har ikke adgang til sagen på serveren" in text


def test_sync_connects_with_a_device_token_from_the_administrator(
    profile: Path,
    server: ServerThread,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device_id, token = store.register_device("anna", "Annas bærbare")
    monkeypatch.setattr(sys, "stdin", io.StringIO("ikke-en-gyldig-nøgle\n"))
    with pytest.raises(SystemExit):
        sync_cli(profile, "forbind", server.url, "--token-stdin")
    assert out(capsys)[1].strip()
    monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
    assert sync_cli(profile, "forbind", server.url, "--token-stdin") == 0
    assert f"forbundet til {server.url} som anna" in out(capsys)[0]
    assert sync_cli(profile, "nu") == 0
    assert "0 afvist" in out(capsys)[0]
    assert [d.last_seen_at is not None for d, _u in store.devices("anna")] == [True]
    assert [d.id for d, _u in store.devices("anna")] == [device_id]


def test_feltmappe_server_is_one_command_on_a_sqlite_file(tmp_path: Path) -> None:
    """`feltmappe server --db FILE` in its own process: the store answers, and the admin CLI
    works on the same file while it runs."""
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db_file = tmp_path / "central.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "server", "--db", str(db_file), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert answer.json() == {"service": "feltmappe", "protocol": 1, "min_protocol": 1}
        assert httpx.get(f"http://127.0.0.1:{port}/v1/openapi.json", timeout=5).status_code == 200
        assert main(["--db", str(db_file), "team", "opret", "Team Nord"]) == 0
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    assert "Den centrale server kører på" in output
    assert db_file.exists()
