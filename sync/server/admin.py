"""``feltmappe-admin`` (also ``feltmappe admin``): the central store's accounts, teams, case
assignments, devices and logs, for the municipality's IT administrator. Danish throughout; the
texts it shares with ``feltmappe`` are in models/commandline.py.

Exit codes: 0 done, 1 an expected problem (one line on stderr), 2 wrong use of the command."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from models.commandline import (
    CommandError,
    Parser,
    add_password_stdin,
    command,
    option,
    password,
    quiet_on_closed_pipe,
    speak_danish,
)
from models.private_files import make_private_dir
from models.vocabulary import AUDIT_ACTION_LABELS, TABLE_LABELS, AuditAction, UserRole
from sync.server.store import Store, StoreError
from sync.server.tables import AdminEvent, Record

ENV_DB = "FELTMAPPE_SERVER_DB"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


PROG = "feltmappe-admin"

ROLE_LABELS = {
    UserRole.RAADGIVER.value: "rådgiver",
    UserRole.TEAMLEDER.value: "teamleder",
    UserRole.ADMIN.value: "administrator",
}

#: Danish text for every ``StoreError`` code the store raises (``{name}`` from its params).
STORE_ERRORS = {
    "store": "Den centrale server kunne ikke udføre handlingen.",
    "store.team_name_missing": "Teamet skal have et navn.",
    "store.team_exists": "Teamet »{team}« findes allerede.",
    "store.team_unknown": "Teamet »{team}« findes ikke. Opret det først med »team opret«.",
    "store.username_invalid": (
        "Brugernavnet »{username}« er ugyldigt: det skal udfyldes, være højst 80 tegn og må "
        "ikke indeholde mellemrum."
    ),
    "store.role_invalid": "Ukendt rolle »{role}«. Vælg raadgiver, teamleder eller admin.",
    "store.password_short": "Adgangskoden skal være på mindst 10 tegn.",
    "store.user_exists": "Brugeren »{username}« findes allerede.",
    "store.user_unknown": "Brugeren »{username}« findes ikke.",
    "store.user_inactive": "Brugeren »{username}« er deaktiveret og kan ikke få nye enheder.",
    "store.already_assigned": "Sagen {case} er allerede tildelt {username}.",
    "store.not_assigned": "Sagen {case} er ikke tildelt {username}.",
    "store.case_unknown": "Sagen »{case}« findes ikke på den centrale server.",
    "store.device_unknown": "Enheden »{device}« findes ikke.",
    "auth.bad_credentials": "Forkert brugernavn eller adgangskode.",
    "auth.invalid_token": "Enhedens adgangsnøgle kendes ikke.",
    "auth.device_revoked": "Enheden er spærret.",
    "auth.too_many_attempts": "For mange forkerte forsøg; vent {retry_after} sekunder.",
}

#: The store's admin events (``AdminEvent.action``), in Danish.
EVENT_LABELS = {
    "team_created": "team oprettet",
    "user_created": "bruger oprettet",
    "user_changed": "bruger ændret",
    "password_set": "adgangskode skiftet",
    "case_assigned": "sag tildelt",
    "case_unassigned": "tildeling fjernet",
    "device_registered": "enhed oprettet",
    "device_login": "enhed logget på",
    "login_refused": "login afvist",
    "login_locked": "login spærret efter for mange forkerte forsøg",
    "login_unlocked": "login låst op",
    "device_revoked": "enhed spærret",
    "device_told_to_wipe": "enhed bedt om at slette data",
}

#: A problem with the command's input (a password, a flag): one Danish line.
AdminError = CommandError


def store_error_text(err: StoreError) -> str:
    template = STORE_ERRORS.get(err.code)
    if template is None:
        return f"Fejl: {err.code}"
    try:
        return template.format(**err.params)
    except (KeyError, IndexError):
        return STORE_ERRORS["store"]


# -- the database -----------------------------------------------------------------------------


def default_db() -> Path:
    return platformdirs.user_data_path("feltmappe-server") / "central.db"


def database(given: str | None) -> str:
    """The database URL or path: ``--db``, else $FELTMAPPE_SERVER_DB, else the default file
    (whose folder is made)."""
    value = given or os.environ.get(ENV_DB)
    if value:
        return value
    path = default_db()
    make_private_dir(path.parent)
    return str(path)


def shown_db(url: str) -> str:
    """The database for messages: a URL without its password."""
    if "://" not in url:
        return url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(ugyldig database-URL)"


# -- helpers ----------------------------------------------------------------------------------


def _actor() -> str:
    try:
        return getpass.getuser()[:80] or "admin"
    except (OSError, KeyError, ImportError):
        return "admin"


def _password(args: argparse.Namespace) -> str:
    """The new password: one line on stdin with --password-stdin, else typed twice."""
    return password(args.adgangskode_stdin, "Ny adgangskode: ", repeat="Gentag adgangskoden: ")


def _when(moment: datetime | None) -> str:
    return "–" if moment is None else moment.strftime("%Y-%m-%d %H:%M") + " UTC"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    for row in (headers, *rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _case_numbers(store: Store, case_ids: Sequence[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    with store.read() as s:
        found = s.execute(
            select(Record.id, Record.data).where(
                Record.table_name == "case", Record.id.in_(list(case_ids))
            )
        )
        return {i: str(json.loads(d).get("case_number") or "") for i, d in found}


# -- commands ---------------------------------------------------------------------------------


def cmd_team_create(store: Store, args: argparse.Namespace) -> int:
    store.add_team(args.navn, actor=_actor())
    print(f"Teamet »{args.navn.strip()}« er oprettet.")
    return 0


def cmd_team_list(store: Store, _args: argparse.Namespace) -> int:
    teams = store.teams()
    for name in teams:
        print(name)
    print(_plural(len(teams), "team", "teams"))
    return 0


def cmd_user_create(store: Store, args: argparse.Namespace) -> int:
    password = _password(args)
    store.add_user(
        args.brugernavn,
        password,
        display_name=args.navn,
        role=args.rolle,
        team=args.team,
        actor=_actor(),
    )
    team = f", {args.team}" if args.team else ""
    print(f"Brugeren »{args.brugernavn}« ({ROLE_LABELS[args.rolle]}{team}) er oprettet.")
    return 0


def cmd_user_list(store: Store, _args: argparse.Namespace) -> int:
    users = store.users()
    _table(
        ["Brugernavn", "Navn", "Rolle", "Team", "Aktiv"],
        [
            [
                u.username,
                u.display_name,
                ROLE_LABELS.get(u.role, u.role),
                u.team or "–",
                "ja" if u.active else "nej",
            ]
            for u in users
        ],
    )
    print(_plural(len(users), "bruger", "brugere"))
    return 0


def cmd_user_change(store: Store, args: argparse.Namespace) -> int:
    if args.rolle is None and args.team is None:
        raise AdminError("Angiv hvad der skal ændres: --role og/eller --team.")
    store.set_user(args.brugernavn, role=args.rolle, team=args.team, actor=_actor())
    print(f"Brugeren »{args.brugernavn}« er ændret.")
    return 0


def cmd_user_password(store: Store, args: argparse.Namespace) -> int:
    password = _password(args)
    store.set_password(args.brugernavn, password, actor=_actor())
    print(f"Adgangskoden for »{args.brugernavn}« er skiftet.")
    return 0


def cmd_user_deactivate(store: Store, args: argparse.Namespace) -> int:
    store.set_user(args.brugernavn, active=False, actor=_actor())
    print(
        f"Brugeren »{args.brugernavn}« er deaktiveret. Alle brugerens enheder er spærret og "
        "sletter deres data ved næste kontakt."
    )
    return 0


def cmd_user_activate(store: Store, args: argparse.Namespace) -> int:
    store.set_user(args.brugernavn, active=True, actor=_actor())
    print(
        f"Brugeren »{args.brugernavn}« er aktiv igen. Spærrede enheder forbliver spærret; "
        "brugeren logger en computer på igen."
    )
    return 0


def cmd_user_unlock(store: Store, args: argparse.Namespace) -> int:
    if store.unlock_login(args.brugernavn, actor=_actor()):
        print(f"Brugeren »{args.brugernavn}« kan logge på igen; de forkerte forsøg er glemt.")
    else:
        print(f"Brugeren »{args.brugernavn}« havde ingen forkerte forsøg.")
    return 0


def cmd_user_lockouts(store: Store, args: argparse.Namespace) -> int:
    found = store.lockouts()
    if not found:
        print("Ingen forkerte login-forsøg er talt.")
        return 0
    print(f"{'BRUGER ELLER ADRESSE':<32} {'FORSØG':>6}  VENTER TIL")
    for who, failures, until in found:
        wait = f"{until:%Y-%m-%d %H:%M:%S} UTC" if until else "–"
        print(f"{who[:32]:<32} {failures:>6}  {wait}")
    return 0


def cmd_case_assign(store: Store, args: argparse.Namespace) -> int:
    case_id = store.find_case(args.sag)
    store.assign(case_id, args.brugernavn, actor=_actor())
    print(f"Sagen {args.sag} er tildelt {args.brugernavn}.")
    return 0


def cmd_case_unassign(store: Store, args: argparse.Namespace) -> int:
    case_id = store.find_case(args.sag)
    store.unassign(case_id, args.brugernavn, actor=_actor())
    print(
        f"Sagen {args.sag} er ikke længere tildelt {args.brugernavn}. Den fjernes fra brugerens "
        "computer ved næste synkronisering."
    )
    return 0


def cmd_case_list(store: Store, args: argparse.Namespace) -> int:
    found = store.assignments(args.bruger)
    numbers = _case_numbers(store, sorted({c for c, _u, _t in found}))
    _table(
        ["Sagsnummer", "Sags-id", "Bruger", "Tildelt"],
        [[numbers.get(c) or "–", c, u, _when(t)] for c, u, t in found],
    )
    print(_plural(len(found), "tildeling", "tildelinger"))
    return 0


def cmd_device_create(store: Store, args: argparse.Namespace) -> int:
    device_id, token = store.register_device(args.brugernavn, args.navn, actor=_actor())
    print(f"Enheden »{args.navn}« er oprettet til {args.brugernavn}.")
    print(f"Enheds-id:     {device_id}")
    print(f"Adgangsnøgle:  {token}")
    print(
        "Advarsel: adgangsnøglen vises kun denne ene gang og kan ikke hentes igen. "
        "Giv den sikkert videre, og gem den ikke i klartekst."
    )
    return 0


def cmd_device_list(store: Store, args: argparse.Namespace) -> int:
    found = store.devices(args.bruger)
    _table(
        ["Enheds-id", "Bruger", "Navn", "Oprettet", "Sidst set", "Status"],
        [
            [
                d.id,
                user,
                d.name,
                _when(d.created_at),
                _when(d.last_seen_at),
                "aktiv" if d.revoked_at is None else "spærret",
            ]
            for d, user in found
        ],
    )
    print(_plural(len(found), "enhed", "enheder"))
    return 0


def cmd_device_revoke(store: Store, args: argparse.Namespace) -> int:
    store.revoke_device(args.enheds_id, actor=_actor())
    print(
        f"Enheden {args.enheds_id} er spærret. Den sletter sine data, næste gang den kontakter "
        "den centrale server."
    )
    return 0


def _action_label(action: str) -> str:
    try:
        return AUDIT_ACTION_LABELS[AuditAction(action)]
    except ValueError:
        return action


def cmd_log(store: Store, args: argparse.Namespace) -> int:
    if args.sag is None:
        events = store.admin_events(args.antal)
    else:
        case_id = store.find_case(args.sag)
        with store.read() as s:
            events = list(
                s.scalars(
                    select(AdminEvent)
                    .where(AdminEvent.subject == case_id)
                    .order_by(AdminEvent.id.desc())
                    .limit(args.antal)
                )
            )
    print("Administration:" if args.sag is None else f"Administration af sag {args.sag}:")
    _table(
        ["Tidspunkt", "Udført af", "Handling", "Hvad", "Detaljer"],
        [
            [_when(e.at), e.actor, EVENT_LABELS.get(e.action, e.action), e.subject, e.detail]
            for e in events
        ],
    )
    print(_plural(len(events), "hændelse", "hændelser"))
    if args.sag is not None:
        access = store.case_audit(case_id, args.antal)
        print()
        print(f"Logning for sag {args.sag} (hvem har set eller ændret sagen):")
        _table(
            ["Tidspunkt", "Bruger", "Handling", "Hvad", "Enhed"],
            [
                [
                    _when(a.at),
                    a.username,
                    _action_label(a.action),
                    TABLE_LABELS.get(a.entity, a.entity),
                    a.device_id,
                ]
                for a in access
            ],
        )
        print(_plural(len(access), "hændelse", "hændelser"))
    return 0


# -- parser -----------------------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et helt tal") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("skal være mellem 1 og 100000")
    return value


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    speak_danish()
    parser = Parser(
        prog=prog,
        description="Administration af Feltmappes centrale server: teams, brugere, "
        "tildeling af sager, enheder og log.",
        epilog=f"Databasen: --db, ellers ${ENV_DB}, ellers {default_db()}. "
        "Handlingerne logges med dit brugernavn på computeren.",
    )
    parser.add_argument(
        "--db",
        metavar="URL_ELLER_FIL",
        help="databasen: en SQLite-fil eller en URL (fx postgresql://…)",
    )
    groups = parser.add_subparsers(title="kommandoer", metavar="KOMMANDO", required=True)

    def group(name: str, help_text: str) -> Any:
        p = groups.add_parser(name, help=help_text, description=help_text)
        return p.add_subparsers(title="handlinger", metavar="HANDLING", required=True)

    def stdin_flag(p: argparse.ArgumentParser) -> None:
        add_password_stdin(
            p, "læs adgangskoden som én linje fra standard-input (ellers spørges der to gange)"
        )

    roles = [r.value for r in UserRole]

    team = group("team", "teams")
    p = team.add_parser("opret", help="opret et team")
    p.add_argument("navn", metavar="NAVN", help="teamets navn")
    p.set_defaults(func=cmd_team_create)
    p = team.add_parser("liste", help="vis alle teams")
    p.set_defaults(func=cmd_team_list)

    user = group("bruger", "brugere og adgangskoder")
    p = user.add_parser("opret", help="opret en bruger")
    p.add_argument("brugernavn", metavar="BRUGERNAVN", help="brugernavnet (uden mellemrum)")
    p.add_argument(
        *option("--name", old=["--navn"]),
        dest="navn",
        required=True,
        metavar="NAVN",
        help="brugerens fulde navn",
    )
    p.add_argument(
        *option("--role", old=["--rolle"]),
        dest="rolle",
        required=True,
        choices=roles,
        help="brugerens rolle",
    )
    p.add_argument("--team", metavar="TEAM", help="brugerens team")
    stdin_flag(p)
    p.set_defaults(func=cmd_user_create)
    p = user.add_parser("liste", help="vis alle brugere")
    p.set_defaults(func=cmd_user_list)
    p = user.add_parser("ret", help="ret en brugers rolle eller team")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.add_argument(*option("--role", old=["--rolle"]), dest="rolle", choices=roles, help="ny rolle")
    p.add_argument(
        "--team", metavar="TEAM", help='nyt team (--team "" fjerner brugeren fra teamet)'
    )
    p.set_defaults(func=cmd_user_change)
    p = user.add_parser("adgangskode", help="sæt en ny adgangskode")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    stdin_flag(p)
    p.set_defaults(func=cmd_user_password)
    p = user.add_parser("deaktiver", help="deaktivér en bruger og spær alle brugerens enheder")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.set_defaults(func=cmd_user_deactivate)
    p = user.add_parser("aktiver", help="aktivér en deaktiveret bruger igen")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.set_defaults(func=cmd_user_activate)
    p = command(
        user,
        "laas-op",
        old=["lås-op"],
        help="glem en brugers forkerte login-forsøg, så brugeren kan logge på igen",
    )
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.set_defaults(func=cmd_user_unlock)
    p = command(
        user,
        "spaerringer",
        old=["spærringer"],
        help="vis talte forkerte login-forsøg og ventetider",
    )
    p.set_defaults(func=cmd_user_lockouts)

    case = group("sag", "tildeling af sager")
    p = case.add_parser("tildel", help="tildel en sag til en bruger")
    p.add_argument("sag", metavar="SAG", help="sagens id eller sagsnummer")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.set_defaults(func=cmd_case_assign)
    p = case.add_parser("fjern", help="fjern en brugers tildeling af en sag")
    p.add_argument("sag", metavar="SAG", help="sagens id eller sagsnummer")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.set_defaults(func=cmd_case_unassign)
    p = case.add_parser("liste", help="vis tildelte sager")
    p.add_argument(
        *option("--user", old=["--bruger"]),
        dest="bruger",
        metavar="BRUGERNAVN",
        help="kun denne brugers sager",
    )
    p.set_defaults(func=cmd_case_list)

    device = group("enhed", "enheder (computere) og deres adgangsnøgler")
    p = device.add_parser("opret", help="opret en enhed og vis dens adgangsnøgle én gang")
    p.add_argument("brugernavn", metavar="BRUGERNAVN")
    p.add_argument(
        *option("--name", old=["--navn"]),
        dest="navn",
        required=True,
        metavar="NAVN",
        help="enhedens navn, fx »Annas bærbare«",
    )
    p.set_defaults(func=cmd_device_create)
    p = device.add_parser("liste", help="vis enheder")
    p.add_argument(
        *option("--user", old=["--bruger"]),
        dest="bruger",
        metavar="BRUGERNAVN",
        help="kun denne brugers enheder",
    )
    p.set_defaults(func=cmd_device_list)
    p = command(
        device,
        "spaer",
        old=["spær"],
        help="spær en enhed; den sletter sine data ved næste kontakt",
    )
    p.add_argument("enheds_id", metavar="ENHEDS_ID")
    p.set_defaults(func=cmd_device_revoke)

    p = groups.add_parser(
        "log", help="vis administrationsloggen (og med --case: hvem har set eller ændret sagen)"
    )
    p.add_argument(
        *option("--case", old=["--sag"]),
        dest="sag",
        metavar="SAG",
        help="sagens id eller sagsnummer",
    )
    p.add_argument(
        *option("--limit", old=["--antal"]),
        dest="antal",
        type=_count,
        default=50,
        metavar="N",
        help="højst N hændelser (standard 50)",
    )
    p.set_defaults(func=cmd_log)
    return parser


def _fail(prog: str, message: str) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    return quiet_on_closed_pipe(lambda: _main(argv, prog))


def _main(argv: Sequence[str] | None, prog: str) -> int:
    args = build_parser(prog).parse_args(argv)
    func: Callable[[Store, argparse.Namespace], int] = args.func
    url = database(args.db)
    try:
        store = Store.open(url)
    except (SQLAlchemyError, OSError) as exc:
        return _fail(prog, f"Databasen {shown_db(url)} kan ikke åbnes ({type(exc).__name__}).")
    try:
        return func(store, args)
    except StoreError as exc:
        return _fail(prog, store_error_text(exc))
    except AdminError as exc:
        return _fail(prog, str(exc))
    except SQLAlchemyError as exc:
        return _fail(prog, f"Fejl i databasen {shown_db(url)} ({type(exc).__name__}).")
    except KeyboardInterrupt:
        return _fail(prog, "Afbrudt.")
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
