"""``feltmappe forms``: the ICS forms the app knows (``list``) and a check of form definition
files (``check [MAPPE]``) that names the file, the key and the problem of every error, for
whoever adds or changes a form (docs/forms.md). Needs no profile and no passphrase."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def cmd_list(args: argparse.Namespace) -> int:
    from models.forms import FormLibrary

    library = FormLibrary.from_folder(args.folder)
    forms = library.every_version() if args.all_versions else library.forms()
    if args.json:
        doc = [
            {
                "id": f.id,
                "version": f.version,
                "title": f.title,
                "versions": library.versions(f.id),
                "file": f.source,
                "record": f.record.table if f.record else None,
                "sections": [
                    {"id": s.id, "title": s.title, "fields": len(s.fields)} for s in f.sections
                ],
            }
            for f in forms
        ]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(f"{'Skema':<18} {'Version':>7}  {'Felter':>6}  Titel")
    for f in forms:
        print(f"{f.id:<18} {f.version:>7}  {len(f.fields):>6}  {f.title}")
    print(f"{len(forms)} skemaer")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from models.forms import check_folder

    folder: Path | None = args.folder
    problems = check_folder(folder)
    where = str(folder) if folder is not None else "programmets skemaer"
    for problem in problems:
        print(f"{problem.file}: {problem.key or '(filen)'}: {problem.text}")
    if problems:
        print(f"{len(problems)} fejl i {where}.", file=sys.stderr)
        return 1
    print(f"Skemaerne i {where} er i orden.")
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "forms",
        parents=[common],
        help="vis ICS-skemaerne, eller kontrollér skemafiler",
        description="ICS-skemaerne er datafiler (TOML); se docs/forms.md.",
    )
    forms = p.add_subparsers(title="handlinger", metavar="HANDLING", required=True)
    q = forms.add_parser("list", parents=[common], help="vis skemaerne og deres versioner")
    q.add_argument("--json", action="store_true", help="skriv listen som JSON")
    q.add_argument("--all-versions", action="store_true", help="vis også ældre versioner")
    q.add_argument(
        "--folder", metavar="MAPPE", type=Path, default=None, help="en mappe med skemafiler"
    )
    q.set_defaults(func=cmd_list)
    q = forms.add_parser(
        "check",
        parents=[common],
        help="kontrollér skemafiler og navngiv fil, nøgle og fejl",
        description="Kontrollér skemafilerne i MAPPE (standard: programmets egne). Afslutter "
        "med kode 1 og én linje pr. fejl (fil: nøgle: fejl), hvis der er fejl.",
    )
    q.add_argument(
        "folder", metavar="MAPPE", type=Path, nargs="?", default=None, help="mappen med skemafiler"
    )
    q.set_defaults(func=cmd_check)
