"""Render every page of every case document (models.documents.DOCUMENTS) of one demo case to PNG
with ``pdftoppm``, to look at them (issue 13, "Checks"). Run from the repository root:

    python docs/screenshots/render_documents.py [--out FOLDER] [--resolution 50]
    python docs/screenshots/render_documents.py --profile PROFILE   # an existing vault

Without ``--profile`` a 60-case demo vault is made in a temporary folder and deleted
afterwards; with one, the passphrase comes from $FELTMAPPE_PASSPHRASE (else the demo's). The
case is the first (by case number) that has every document kind, preferring one whose
undersøgelse is finalised. Each PDF goes from memory straight into ``pdftoppm`` (no PDF is
written anywhere); the pages land in ``--out`` (default: docs/screenshots/documents/) as
``<kind>-<page>.png``, and older pages of the same kinds there are removed first. Each document
made is logged in the case's access log, as ``feltmappe print`` does. The data is invented."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models import demo  # noqa: E402
from models.documents import DOCUMENTS, log_document, make_document, sender_for  # noqa: E402
from models.keyfile import KdfParams  # noqa: E402
from models.profile import DEMO_PASSPHRASE  # noqa: E402
from models.schema import Assessment, Case  # noqa: E402
from models.vault import Vault  # noqa: E402
from models.vocabulary import AuditAction  # noqa: E402

OUT = Path(__file__).parent / "documents"


@contextmanager
def demo_vault(profile: Path | None, cases: int, seed: int) -> Iterator[Vault]:
    """The vault in ``profile``, or a new demo vault in a temporary folder deleted afterwards."""
    if profile is not None:
        vault = Vault.open(profile, os.environ.get("FELTMAPPE_PASSPHRASE", DEMO_PASSPHRASE))
        try:
            yield vault
        finally:
            vault.close()
        return
    with tempfile.TemporaryDirectory(prefix="feltmappe-documents-") as tmp:
        vault = Vault.create(
            Path(tmp) / "profil",
            DEMO_PASSPHRASE,
            user="demo.raadgiver",
            display_name="Demo Rådgiver",
            kdf=KdfParams.fast(),
        )
        try:
            demo.generate(vault, cases=cases, seed=seed)
            yield vault
        finally:
            vault.close()


def pick_case(session: Session) -> tuple[Case, dict[str, str]]:
    """The first case (by number) with every document kind, a finalised undersøgelse first;
    with the row each document is made from (a finalised one where there is a choice)."""
    best: tuple[Case, dict[str, str]] | None = None
    for case in session.scalars(select(Case).order_by(Case.case_number)):
        rows: dict[str, str] = {}
        for key, kind in DOCUMENTS.items():
            candidates = kind.candidates(session, case.id)
            if not candidates:
                break
            rows[key] = candidates[-1].row_id
        else:
            assessment = session.get(Assessment, rows["undersoegelse"])
            if assessment is not None and assessment.completed_on is not None:
                return case, rows
            best = best or (case, rows)
    if best is None:
        raise SystemExit("Ingen sag har alle dokumenttyper.")
    return best


def render(pdf: bytes, out: Path, name: str, resolution: int) -> list[Path]:
    """The PDF's pages as ``out/<name>-<page>.png`` (read from stdin: no PDF file is written)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm mangler (poppler-utils).")
    for old in out.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", str(resolution), "-", str(out / name)],
        input=pdf,
        check=True,
    )
    return sorted(out.glob(f"{name}-*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, help="an existing vault (default: a new demo)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--resolution", type=int, default=50, help="dpi for pdftoppm")
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with demo_vault(args.profile, args.cases, args.seed) as vault:
        sender = sender_for(vault)
        with vault.reading() as session:
            case, rows = pick_case(session)
            number = case.case_number
            made = [
                make_document(session, case.case_number, key, sender, rows[key])
                for key in DOCUMENTS
            ]
        with vault.session() as session:
            for m in made:
                log_document(session, m, AuditAction.EKSPORTERET)
    print(f"Sag {number}")
    for m in made:
        pages = render(m.pdf, args.out, m.kind.key, args.resolution)
        print(f"  {m.kind.key}: {len(pages)} sider, {len(m.pdf) // 1024} KB PDF")
    return 0


if __name__ == "__main__":
    sys.exit(main())
