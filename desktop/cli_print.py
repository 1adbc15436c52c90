"""``feltmappe print``: one case document as a PDF file (issue 13). ``--list`` names the kinds;
``--case SAG --document KIND [--id ID] -o FILE.pdf`` writes one, made in memory, into a file only
the user may read, and logs the export in the case's access log."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli_settings import OpenVault

# reportlab and the vault are imported when a document is asked for: the parser is built at
# every start, the app's included (start-up time, issue 11).


def cmd_print(args: argparse.Namespace, open_vault: OpenVault) -> int:
    from models.documents import DOCUMENTS, log_document, make_document, sender_for
    from models.private_files import open_private
    from models.vocabulary import AuditAction

    if args.list:
        width = max(map(len, DOCUMENTS))
        for key, kind in DOCUMENTS.items():
            print(f"{key:<{width}}  {kind.title}")
        return 0
    if not (args.case and args.document and args.output):
        raise SystemExit("feltmappe print: angiv --case, --document og -o (eller --list)")
    target = Path(args.output)
    with open_vault(args) as vault:
        sender = sender_for(vault)
        with vault.reading() as session:
            made = make_document(session, args.case, args.document, sender, args.id)
        partial = target.with_name(f".{target.name}.delvis")
        try:
            with open_private(partial, "wb") as fh:
                fh.write(made.pdf)
            partial.replace(target)  # never half a document under the chosen name
        finally:
            partial.unlink(missing_ok=True)
        with vault.session() as session:
            log_document(session, made, AuditAction.EKSPORTERET)
    print(f"{made.kind.title}, sag {made.case_number}: {target} ({len(made.pdf) // 1024} KiB)")
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser, open_vault: OpenVault) -> None:
    p = sub.add_parser(
        "print",
        parents=[common],
        help="skriv et dokument fra en sag som PDF (kvittering, skemaer …)",
        description="Skriv et af sagens dokumenter som PDF. Udskrivningen logges i sagens logning.",
    )
    p.add_argument("--list", action="store_true", help="vis de dokumenter, der kan skrives")
    p.add_argument("--case", metavar="SAG", help="sagens id eller sagsnummer")
    p.add_argument("--document", metavar="SLAGS", help="dokumentets slags (se --list)")
    p.add_argument("--id", metavar="ID", help="hvilken post dokumentet laves fra, når der er flere")
    p.add_argument("-o", "--output", metavar="FIL.pdf", help="filen PDF'en skrives til")
    p.set_defaults(func=lambda args: cmd_print(args, open_vault))
