"""``feltmappe server``: runs the central store from the command line (uvicorn, blocking until
Ctrl+C), after checking its certificate, key and proxy addresses. Danish throughout; the
web server's packages are imported only once the command runs, so a missing ``feltmappe[server]``
is one line, not a traceback.

Exit codes: 0 stopped, 1 an expected problem (one line on stderr), 2 wrong use of the command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from models.commandline import (
    CommandError,
    Parser,
    option,
    quiet_on_closed_pipe,
    speak_danish,
)
from sync.server.admin import ENV_DB, database, shown_db

PROG = "feltmappe server"

#: The top-level packages of ``feltmappe[server]``: an ImportError naming one of them means the
#: extra is not installed.
_SERVER_PACKAGES = {"fastapi", "uvicorn", "starlette", "pydantic", "anyio", "h11"}


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    speak_danish()
    p = Parser(
        prog=prog,
        description="Kør Feltmappes centrale server (kræver feltmappe[server]). "
        "Stop den med Ctrl+C.",
        epilog=f"Databasen: --db, ellers ${ENV_DB}, ellers programmets datamappe.",
    )
    p.add_argument(
        "--db",
        metavar="URL_ELLER_FIL",
        help="databasen: en SQLite-fil eller en URL (standard: $FELTMAPPE_SERVER_DB eller "
        "programmets datamappe)",
    )
    p.add_argument(
        *option("--host", old=["--vært"]),
        dest="vaert",
        default="127.0.0.1",
        metavar="VÆRT",
        help="adressen, serveren lytter på (standard 127.0.0.1)",
    )
    p.add_argument("--port", type=int, default=8765, metavar="PORT", help="port (standard 8765)")
    p.add_argument(
        *option("--min-protocol", old=["--min-protokol"]),
        dest="min_protokol",
        type=int,
        default=1,
        metavar="N",
        help="ældste protokolversion, der må hente data (standard 1)",
    )
    p.add_argument(
        "--tls-cert",
        metavar="FIL",
        help="serverens certifikat (PEM, med mellemliggende certifikater); kræver --tls-key",
    )
    p.add_argument("--tls-key", metavar="FIL", help="serverens private nøgle (PEM)")
    p.add_argument(
        "--proxy-ips",
        metavar="ADRESSER",
        default=None,
        help="IP-adresser eller net (kommasepareret) på reverse proxies, hvis X-Forwarded-For "
        "der stoles på (standard: denne computer, 127.0.0.1 og ::1)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Run the central store (blocks until stopped with Ctrl+C)."""
    try:
        from sync.server.run import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _SERVER_PACKAGES:
            raise CommandError(
                "Den centrale server kræver ekstra pakker. Installér med: "
                "pip install 'feltmappe[server]'"
            ) from exc
        raise
    from sync.client.transport import is_loopback
    from sync.server.run import Tls

    tls = _server_tls(args)
    proxy_ips = _proxy_ips(args.proxy_ips)
    url = database(args.db)
    _log_to_console()
    if tls is None and not is_loopback(args.vaert):
        print(
            f"Advarsel: serveren lytter på {args.vaert} uden TLS. Computerne forbinder kun med "
            "https://, så den skal stå bag en TLS-proxy (se docs/deployment.md), eller startes "
            "med --tls-cert og --tls-key.",
            file=sys.stderr,
            flush=True,
        )
    scheme = "https" if tls else "http"
    print(
        f"Den centrale server kører på {scheme}://{args.vaert}:{args.port} "
        f"(database: {shown_db(url)}). Stop med Ctrl+C.",
        flush=True,
    )
    try:
        serve(
            url,
            args.vaert,
            args.port,
            tls=Tls(*tls) if tls else None,
            proxy_ips=proxy_ips,
            min_protocol=args.min_protokol,
        )
    except SQLAlchemyError as exc:
        raise CommandError(f"Fejl i databasen {shown_db(url)} ({type(exc).__name__}).") from exc
    return 0


def _log_to_console() -> None:
    """The central store logs warnings to the console (the service manager keeps them), never
    into a caseworker's profile."""
    root = logging.getLogger("feltmappe")
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)


def _proxy_ips(given: str | None) -> str | None:
    """``--proxy-ips`` checked: uvicorn would take a mistyped entry as a name that never
    matches, and the login back-off would quietly count the proxy instead of the laptops."""
    if given is None:
        return None
    import ipaddress

    items = [item.strip() for item in given.split(",") if item.strip()]
    if not items:
        raise CommandError("--proxy-ips skal være en eller flere IP-adresser, adskilt af komma.")
    for item in items:
        if item == "*":
            print(
                "Advarsel: --proxy-ips '*' stoler på X-Forwarded-For fra alle. Brug det kun, "
                "når ingen andre end proxyen kan nå serveren.",
                file=sys.stderr,
                flush=True,
            )
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise CommandError(
                f"--proxy-ips: »{item}« er ikke en IP-adresse eller et net "
                "(fx 10.1.2.3 eller 10.1.2.0/24)."
            ) from None
    return ",".join(items)


def _server_tls(args: argparse.Namespace) -> tuple[str, str] | None:
    """The certificate and key files, checked before the server starts."""
    if bool(args.tls_cert) != bool(args.tls_key):
        raise CommandError("Angiv både --tls-cert og --tls-key (eller ingen af dem).")
    if not args.tls_cert:
        return None
    import ssl

    for flag, name in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key)):
        path = Path(name)
        if not path.exists():
            raise CommandError(f"Filen til {flag} findes ikke: {name}")
        if not path.is_file():
            raise CommandError(f"{flag} skal pege på en fil, ikke en mappe: {name}")
        try:
            path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Filen til {flag} kan ikke læses ({type(exc).__name__}): {name}"
            ) from exc
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            args.tls_cert, args.tls_key
        )
    except (OSError, ssl.SSLError) as exc:
        raise CommandError(
            "Certifikatet og nøglen kan ikke bruges (de skal være PEM-filer, og nøglen skal "
            f"passe til certifikatet): {type(exc).__name__}."
        ) from exc
    return args.tls_cert, args.tls_key


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    return quiet_on_closed_pipe(lambda: _main(argv, prog))


def _main(argv: Sequence[str] | None, prog: str) -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        return run(args)
    except CommandError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: Afbrudt.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
