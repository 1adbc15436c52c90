"""The ``feltmappe`` command: starts the app, and offers the vault's tools to scripts and IT
(demo, cases, export, import, passwd), connects it to the central store (sync), and runs the
central store itself (server, admin). Danish throughout. Qt is imported only to start the app,
so every other command runs where PySide6 is not installed.

Exit codes: 0 done, 1 an expected problem (one line on stderr), 2 wrong use of the command."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn

from desktop import cli_forms, cli_print, cli_settings
from desktop.logsetup import safe_report, setup_logging
from desktop.messages import error_text, sync_reason_text, warning_text
from models.commandline import (
    CommandError,
    Parser,
    add_password_stdin,
    command,
    option,
    password,
    quiet_on_closed_pipe,
    speak_danish,
    stdin_line,
)
from models.errors import FeltmappeError
from models.profile import DEMO_PASSPHRASE, ENV_PROFILE, default_profile_dir, demo_profile_dir
from models.vocabulary import STAGE_LABELS

log = logging.getLogger("feltmappe.cli")

ENV_PASSPHRASE = "FELTMAPPE_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
ENV_NEW_PASSPHRASE = "FELTMAPPE_NEW_PASSPHRASE"  # noqa: S105

speak_danish()

#: A problem with the command's input (a file, a flag): one Danish line.
CliError = CommandError


# -- passphrases ------------------------------------------------------------------------


def _ask(prompt: str, env: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"Adgangsfrasen skal indtastes, eller sættes i miljøvariablen {env}.")
    return getpass.getpass(prompt)


def _ask_new(env: str) -> tuple[str, str]:
    value = os.environ.get(env)
    if value is not None:
        return value, value
    first = _ask("Ny adgangsfrase: ", env)
    return first, getpass.getpass("Gentag den nye adgangsfrase: ")


def _open_vault(args: argparse.Namespace) -> Any:
    from models.vault import Vault

    return Vault.open(args.profile, _ask("Adgangsfrase: ", ENV_PASSPHRASE))


# -- commands ---------------------------------------------------------------------------


def cmd_start(args: argparse.Namespace) -> int:
    try:
        from desktop.app import run_gui
    except ImportError as exc:
        if "PySide6" in str(exc) or "Qt" in str(exc):
            raise CliError(
                "Programmets vinduer kræver PySide6. Installér med: pip install 'feltmappe[desktop]'"
            ) from exc
        raise
    return int(run_gui(args.profile, demo=args.demo))


def cmd_init(args: argparse.Namespace) -> int:
    from models.vault import Vault

    passphrase, repeat = _ask_new(ENV_PASSPHRASE)
    with Vault.create(
        args.profile, passphrase, repeat=repeat, user=args.user, display_name=args.name or args.user
    ):
        pass
    print(f"Profil oprettet i {args.profile}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from models import demo
    from models.vault import Vault

    passphrase = os.environ.get(ENV_PASSPHRASE, DEMO_PASSPHRASE)
    with Vault.create(
        args.profile, passphrase, user="demo.raadgiver", display_name="Demo Rådgiver"
    ) as vault:
        summary = demo.generate(vault, cases=args.cases, seed=args.seed, today=args.today)
    print(f"Demoprofil oprettet i {args.profile}.")
    for line in summary.lines():
        print(line)
    if ENV_PASSPHRASE not in os.environ:
        print(f"Adgangsfrase: {DEMO_PASSPHRASE}")
    log.info("demo vault created: %s", summary)
    return 0


def cmd_cases(args: argparse.Namespace) -> int:
    from models import services
    from models.cpr import mask

    with _open_vault(args) as vault, vault.session() as session:
        rows = services.list_cases(session)
    if args.json:
        doc = [
            {
                "id": r.case_id,
                "sagsnummer": r.case_number,
                "barn": r.child_name,
                "cpr": mask(r.cpr) or None,
                "alder": r.age,
                "fase": r.stage.value,
                "fase_tekst": STAGE_LABELS[r.stage],
                "raadgiver": r.assigned_to,
                "oprettet": r.opened_on.isoformat(),
            }
            for r in rows
        ]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(f"{'Sagsnummer':<12} {'Barn':<30} {'Alder':>5}  Fase")
    for r in rows:
        age = "" if r.age is None else str(r.age)
        print(f"{r.case_number:<12} {r.child_name[:30]:<30} {age:>5}  {STAGE_LABELS[r.stage]}")
    print(f"{len(rows)} sager")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from models import exchange
    from models.private_files import open_private

    target: Path | None = None if args.output == "-" else Path(args.output)
    if target is not None:
        if target.exists() and not args.force:
            raise CliError(f"{target} findes allerede. Brug --force for at overskrive.")
        if not target.parent.exists():
            raise CliError(f"Mappen {target.parent} findes ikke.")
    with _open_vault(args) as vault, vault.session() as session:
        text = exchange.export_json(exchange.export_case(session, args.case))
        if target is None:
            sys.stdout.write(text + "\n")
        else:
            # Written only where the user asked, readable by the user alone (0600: plaintext
            # with CPR numbers); the audit event commits with the session.
            try:
                with open_private(target, "w", encoding="utf-8") as fh:
                    fh.write(text + "\n")
            except OSError as exc:
                raise CliError(f"Kan ikke skrive {target}: {exc.strerror}") from exc
    if target is not None:
        print(f"Sagen er eksporteret til {target}")
        print(warning_text("export.unencrypted"), file=sys.stderr)
    else:
        print(warning_text("export.unencrypted_stdout"), file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from models import exchange

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"Filen {args.file} findes ikke.") from None
    except UnicodeDecodeError:
        raise CliError(f"Filen {args.file} er ikke tekst i UTF-8.") from None
    except OSError as exc:
        raise CliError(f"Kan ikke læse {args.file}: {exc.strerror}") from exc
    doc = exchange.parse_json(text)
    with _open_vault(args) as vault, vault.session(preserve_meta=True) as session:
        case_id = exchange.import_case(session, doc)
    print(f"Sagen er importeret (id {case_id}).")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    """Who has viewed, changed, printed or exported a case, and when (the citizen's question)."""
    from models import services
    from models.vocabulary import AUDIT_ACTION_LABELS, TABLE_LABELS

    with _open_vault(args) as vault, vault.session() as session:
        case = services.find_case(session, args.case)
        events: list[dict[str, Any]] = [
            {
                "tidspunkt": e.at.isoformat(),
                "bruger": e.user,
                "enhed": e.device,
                "handling": e.action.value,
                "handling_tekst": AUDIT_ACTION_LABELS[e.action],
                "hvad": e.entity,
                "hvad_tekst": TABLE_LABELS.get(e.entity, e.entity),
                "id": e.entity_id,
            }
            for e in services.audit_log(session, case.id)
        ]
    if args.json:
        print(json.dumps(events, ensure_ascii=False, indent=2))
        return 0
    print(f"Logning for sag {case.case_number}:")
    for e in events:
        when = e["tidspunkt"][:19].replace("T", " ")
        print(f"  {when} UTC  {e['bruger']:<20} {e['handling_tekst']:<11} {e['hvad_tekst']}")
    print(f"{len(events)} hændelser")
    return 0


def cmd_deadlines(args: argparse.Namespace) -> int:
    """Deadlines across the vault (or one case), most urgent first; JSON in docs/deadlines.md."""
    from sqlalchemy import select

    from models.deadlines import STATUS_LABELS, DeadlineStatus
    from models.deadlines.calendar import DK
    from models.deadlines.service import all_deadlines, deadlines_for_case, standards_for
    from models.schema import Case

    # A moment asked for (--now, or noon of --today) before the present gets the deadlines as
    # they stood then; dates are judged impossible only against the present.
    present = datetime.now(DK)
    now = args.now or (
        present if args.today is None else datetime.combine(args.today, time(12), DK)
    )
    with _open_vault(args) as vault:
        standards = standards_for(vault)
        with vault.session() as session:
            if args.case:
                found = deadlines_for_case(session, args.case, now, standards, present=present)
            else:
                found = all_deadlines(session, now, standards, present=present)
            numbers = {r[0]: r[1] for r in session.execute(select(Case.id, Case.case_number))}
    shown = [d for d in found if args.all or d.is_open]
    if args.json:
        doc = {
            "format": "feltmappe-deadlines",
            "version": 1,
            "now": now.isoformat(),
            "municipality": standards.municipality,
            "deadlines": [
                {
                    "case_id": d.case_id,
                    "case_number": numbers.get(d.case_id, ""),
                    "rule": d.rule,
                    "subject_id": d.subject_id,
                    "title": d.title,
                    "legal_basis": d.legal_basis,
                    "trigger": None if d.trigger is None else d.trigger.astimezone(DK).isoformat(),
                    "due": None if d.due is None else d.due.astimezone(DK).isoformat(),
                    "due_date": None if d.due_date is None else d.due_date.isoformat(),
                    "status": d.status.value,
                    "status_text": STATUS_LABELS[d.status],
                    "fulfilled_by": d.fulfilled_by,
                    "fulfilled_at": (
                        None
                        if d.fulfilled_at is None
                        else d.fulfilled_at.astimezone(DK).isoformat()
                    ),
                    "missing": list(d.missing),
                    "reason": d.reason,
                    "acknowledged": d.acknowledged,
                }
                for d in shown
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(f"{'Frist':<10} {'Status':<20} {'Sag':<11} Hvad (hjemmel)")
    for d in shown:
        due = "" if d.due_date is None else d.due_date.strftime("%d.%m.%Y")
        status = STATUS_LABELS[d.status]
        if d.status == DeadlineStatus.MANGLER:
            status += f": {', '.join(d.missing)}"
        print(
            f"{due:<10} {status:<20} {numbers.get(d.case_id, ''):<11} {d.title} ({d.legal_basis})"
        )
    counts = {s: sum(1 for d in shown if d.status == s) for s in DeadlineStatus}
    summary = ", ".join(f"{STATUS_LABELS[s].lower()}: {n}" for s, n in counts.items() if n)
    print(f"{len(shown)} frister" + (f" ({summary})" if summary else ""))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from models.vault import Vault

    old = _ask("Nuværende adgangsfrase: ", ENV_PASSPHRASE)
    with Vault.open(args.profile, old) as vault:
        new, repeat = _ask_new(ENV_NEW_PASSPHRASE)
        vault.change_passphrase(old, new, repeat)
    print("Adgangsfrasen er skiftet.")
    return 0


# -- the central store --------------------------------------------------------------------


def cmd_delegate(args: argparse.Namespace) -> int:
    """``feltmappe server`` and ``feltmappe admin``: the central store's own commands, which live
    with it in sync/server/ (reached here when an option came before the command's name)."""
    return _delegate([args.command, *args.rest])


def _delegate(argv: list[str]) -> int:
    if argv[0] == "server":
        from sync.server.serve import main as server_main

        return server_main(argv[1:], prog="feltmappe server")
    from sync.server.admin import main as admin_main

    return admin_main(argv[1:], prog="feltmappe admin")


def cmd_sync_connect(args: argparse.Namespace) -> int:
    from sync.client import enrolment
    from sync.client.transport import check_url, tls_context

    check_url(args.url)
    ca_file = str(Path(args.ca_fil).expanduser().resolve()) if args.ca_fil else None
    if ca_file:
        tls_context(ca_file)  # a bad bundle is told before anything is asked
    device = args.enhed or f"Feltmappe på {socket.gethostname()}"
    if args.noegle_stdin:
        token = stdin_line("enhedsnøgle", strip=True)
        with _open_vault(args) as vault:
            device_id = enrolment.connect_with_token(vault, args.url, token, ca_file=ca_file)
            user = vault.user
        log.info("connected to the central store as device %s", device_id)
        print(f"Computeren er forbundet til {args.url} som {user} (med enhedsnøglen).")
        print("Kør »feltmappe sync nu« for at hente sagerne.")
        return 0
    if not args.bruger:
        raise CliError("Angiv dit brugernavn med --user (eller en enhedsnøgle med --token-stdin).")
    with _open_vault(args) as vault:
        secret = password(
            args.adgangskode_stdin,
            "Adgangskode til den centrale server: ",
            what="Adgangskoden til den centrale server",
        )
        device_id = enrolment.connect(vault, args.url, args.bruger, secret, device, ca_file=ca_file)
    log.info("connected to the central store as device %s", device_id)
    print(f"Computeren er forbundet til {args.url} som {args.bruger} (enhed »{device}«).")
    print("Kør »feltmappe sync nu« for at hente sagerne.")
    return 0


def cmd_sync_status(args: argparse.Namespace) -> int:
    from models.vocabulary import TABLE_LABELS
    from sync.client import state as sync_state
    from sync.client.keys import URL_KEY

    with _open_vault(args) as vault:
        state = sync_state.status(vault)
        url, user = vault.setting(URL_KEY), vault.setting("user")
        rejected = sync_state.rejected(vault) if state.rejected else []
    if state.connected:
        print(f"Forbundet til den centrale server {url} som {user}.")
    else:
        print("Ikke forbundet til en central server. Brug »feltmappe sync forbind«.")
    print(f"Ændringer der venter på at blive sendt: {state.pending}")
    print(f"Afviste ændringer: {state.rejected}")
    for entry in rejected[:10]:
        table = TABLE_LABELS.get(entry.table, entry.table)
        print(f"  {table}: {sync_reason_text(entry.reason)}")
    if len(rejected) > 10:
        print(f"  … og {len(rejected) - 10} mere")
    print(f"Konflikter der skal løses: {state.conflicts}")
    if state.last_success is None:
        print("Seneste synkronisering: aldrig")
    else:
        when = state.last_success.astimezone().strftime("%d.%m.%Y kl. %H:%M")
        print(f"Seneste synkronisering: {when}")
    if state.last_error:
        print(f"Seneste fejl: {error_text(FeltmappeError(state.last_error))}")
    return 0


def cmd_sync_run(args: argparse.Namespace) -> int:
    from sync.client import enrolment
    from sync.client.replication import SyncClient, SyncReport
    from sync.errors import DeviceRevoked

    report: SyncReport | None = None
    with _open_vault(args) as vault:
        conn = enrolment.connection_for(vault)
        try:
            report = SyncClient(vault, conn).sync()
        except DeviceRevoked:
            report = None
        finally:
            conn.close()
    if report is None:
        # The vault is closed (and its key dropped) before its files go.
        enrolment.wipe_profile(args.profile)
        raise DeviceRevoked()
    print(
        f"Synkroniseret: {report.pushed} ændringer sendt ({report.applied} gemt, "
        f"{report.noop} uændret, {report.conflicts} konflikter, {report.rejected} afvist), "
        f"{report.pulled} hentet, {len(report.added_cases)} nye sager, "
        f"{len(report.removed_cases)} sager fjernet."
    )
    return 0


# -- parser -----------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ugyldig dato {text!r} (brug ÅÅÅÅ-MM-DD)") from None


def _moment(text: str) -> datetime:
    """A date and time, in Danish local time unless it names its own offset."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ugyldigt tidspunkt {text!r} (brug dato og klokkeslæt, fx 2026-11-20T15:00)"
        ) from None
    denmark = ZoneInfo("Europe/Copenhagen")
    return moment.replace(tzinfo=denmark) if moment.tzinfo is None else moment.astimezone(denmark)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et helt tal") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("skal være mellem 1 og 100000")
    return value


def build_parser() -> argparse.ArgumentParser:
    profile_help = (
        "profilmappe med den krypterede database (standard: $FELTMAPPE_PROFILE eller "
        "programmets datamappe)"
    )
    # Subcommands accept --profile too; SUPPRESS keeps their default from overwriting the
    # value given before the subcommand (an argparse quirk with shared options).
    common = Parser(add_help=False)
    common.add_argument(
        "--profile", metavar="MAPPE", type=Path, default=argparse.SUPPRESS, help=profile_help
    )
    parser = Parser(
        prog="feltmappe",
        description="Feltmappe – den krypterede feltmappe til rådgivere på børne- og ungeområdet. "
        "Uden kommando startes programmet.",
        epilog=f"Adgangsfrasen spørges der om, eller den læses fra ${ENV_PASSPHRASE} "
        f"(ny adgangsfrase til passwd: ${ENV_NEW_PASSPHRASE}).",
        parents=[common],
    )
    parser.add_argument(
        "--demo", action="store_true", help="start på demoprofilen (oprettes første gang)"
    )
    parser.set_defaults(func=cmd_start)
    sub = parser.add_subparsers(title="kommandoer", metavar="KOMMANDO")

    p = sub.add_parser("init", parents=[common], help="opret en ny, tom profil")
    p.add_argument("--user", required=True, metavar="BRUGERNAVN", help="dit brugernavn i kommunen")
    p.add_argument("--name", metavar="NAVN", default="", help="dit navn, som det vises")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="opret en demoprofil med opdigtede sager",
        description="Opret en demoprofil med opdigtede sager: i --profile, ellers i "
        "$FELTMAPPE_PROFILE, ellers i programmets demomappe (den, feltmappe --demo åbner).",
    )
    p.add_argument(
        "--seed", type=int, default=1, metavar="N", help="frø, så data kan genskabes (standard 1)"
    )
    p.add_argument(
        "--cases", type=_positive, default=60, metavar="N", help="antal sager (standard 60)"
    )
    p.add_argument(
        "--today", type=_date, metavar="ÅÅÅÅ-MM-DD", help="dato data regnes fra (standard i dag)"
    )
    p.set_defaults(func=cmd_demo, demo_profile=True)

    p = sub.add_parser("cases", parents=[common], help="vis sagerne i profilen")
    p.add_argument("--json", action="store_true", help="skriv listen som JSON")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("export", parents=[common], help="eksportér én sag som JSON-dokument")
    p.add_argument("--case", required=True, metavar="SAG", help="sagens id eller sagsnummer")
    p.add_argument(
        "-o", "--output", required=True, metavar="FIL", help="filen der skrives (- for skærmen)"
    )
    p.add_argument("--force", action="store_true", help="overskriv en eksisterende fil")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", parents=[common], help="importér en sag fra et JSON-dokument")
    p.add_argument("file", metavar="FIL", help="dokumentet (se docs/case-format.md)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "log", parents=[common], help="vis hvem der har set, ændret eller eksporteret en sag"
    )
    p.add_argument("--case", required=True, metavar="SAG", help="sagens id eller sagsnummer")
    p.add_argument("--json", action="store_true", help="skriv loggen som JSON")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("deadlines", parents=[common], help="vis frister, de mest presserende først")
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--today", type=_date, metavar="ÅÅÅÅ-MM-DD", help="dato fristerne regnes fra (kl. 12)"
    )
    when.add_argument(
        "--now",
        type=_moment,
        metavar="TIDSPUNKT",
        help="dato og klokkeslæt fristerne regnes fra, dansk tid (fx 2026-11-20T15:00); et "
        "tidspunkt før sagens hændelser viser fristerne, som de stod dengang",
    )
    p.add_argument("--case", metavar="SAG", help="kun én sag (id eller sagsnummer)")
    p.add_argument(
        "--json", action="store_true", help="skriv fristerne som JSON (docs/deadlines.md)"
    )
    p.add_argument("--all", action="store_true", help="vis også opfyldte og undtagne frister")
    p.set_defaults(func=cmd_deadlines)

    p = sub.add_parser("passwd", parents=[common], help="skift adgangsfrase")
    p.set_defaults(func=cmd_passwd)
    cli_settings.add_parser(sub, common, _open_vault)
    cli_print.add_parser(sub, common, _open_vault)
    cli_forms.add_parser(sub, common)

    p = sub.add_parser(
        "sync", parents=[common], help="forbind computeren til den centrale server og synkronisér"
    )
    sync = p.add_subparsers(title="handlinger", metavar="HANDLING", required=True)
    p = sync.add_parser("forbind", parents=[common], help="forbind profilen til en central server")
    p.add_argument("url", metavar="URL", help="serverens adresse, fx https://feltmappe.kommune.dk")
    p.add_argument(
        *option("--user", old=["--bruger"]),
        dest="bruger",
        metavar="BRUGERNAVN",
        default="",
        help="dit brugernavn",
    )
    p.add_argument(
        *option("--token-stdin", old=["--nøgle-stdin"]),
        dest="noegle_stdin",
        action="store_true",
        help="forbind med en enhedsnøgle fra administratoren (én linje på standard-input) "
        "i stedet for brugernavn og adgangskode",
    )
    p.add_argument(
        *option("--device", old=["--enhed"]),
        dest="enhed",
        metavar="NAVN",
        default="",
        help="computerens navn (standard: maskinens navn)",
    )
    add_password_stdin(p, "læs adgangskoden som én linje fra standard-input")
    p.add_argument(
        *option("--ca-file", old=["--ca-fil"]),
        dest="ca_fil",
        metavar="FIL",
        help="kommunens CA-certifikat (PEM), hvis serverens certifikat ikke er udstedt af en "
        "almindelig certifikatudsteder",
    )
    p.set_defaults(func=cmd_sync_connect)
    p = sync.add_parser("status", parents=[common], help="vis forbindelse og ventende ændringer")
    p.set_defaults(func=cmd_sync_status)
    p = command(sync, "nu", old=["kør"], parents=[common], help="synkronisér nu")
    p.set_defaults(func=cmd_sync_run)

    for name, text in (
        ("server", "kør den centrale server (se feltmappe server --help)"),
        (
            "admin",
            "administrér den centrale server (som feltmappe-admin; se feltmappe admin --help)",
        ),
    ):
        p = sub.add_parser(name, add_help=False, help=text)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=cmd_delegate, command=name)
    return parser


def _resolve_profile(args: argparse.Namespace) -> Path:
    given = getattr(args, "profile", None)  # absent (SUPPRESS) unless given on the command line
    if given is not None:
        return Path(given).expanduser()
    if getattr(args, "demo", False):
        return demo_profile_dir()  # "start på demoprofilen": the app's own demo, by name
    if getattr(args, "demo_profile", False) and not os.environ.get(ENV_PROFILE):
        return demo_profile_dir()  # "feltmappe demo": $FELTMAPPE_PROFILE first, as every command
    return default_profile_dir()


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    return quiet_on_closed_pipe(lambda: _main(given))


def _main(argv: list[str]) -> int:
    if argv[:1] in (["server"], ["admin"]):
        # Everything after "server" or "admin" is the central store's command's, --help included.
        return _delegate(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.profile = _resolve_profile(args)
    func: Callable[[argparse.Namespace], int] = args.func
    if func is cmd_delegate:
        return cmd_delegate(args)
    if func is not cmd_start:
        # The GUI sets up its own logging once it knows the profile exists.
        setup_logging(args.profile if args.profile.exists() else None)
    try:
        return func(args)
    except FeltmappeError as exc:
        log.info("command failed: %s", exc.code)
        _fail(error_text(exc))
    except CliError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("Afbrudt.")
    except BrokenPipeError:
        raise  # the reader went away (| head): not a failure, see quiet_on_closed_pipe
    except Exception as exc:
        log.error("unexpected error:\n%s", safe_report(exc))
        _fail(
            f"Uventet fejl ({type(exc).__name__}). Intet gemt er tabt; se logfilen i profilmappen."
        )


def _fail(message: str) -> NoReturn:
    print(f"feltmappe: {message}", file=sys.stderr)
    raise SystemExit(1)


__all__ = ["main", "warning_text"]

if __name__ == "__main__":
    raise SystemExit(main())
