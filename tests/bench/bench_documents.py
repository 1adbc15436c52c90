"""A long børnefaglig undersøgelse as PDF (issue 13): every question of the undersøgelse form
answered, the long texts at the length a real one has, until the document runs past 20 pages;
the PDF made from the stored answers as "Udskriv" and ``feltmappe print`` make it. Goal: ≤ 1 s.
Prints the page count and the median (min–max) of ``--rounds`` runs; asserts nothing.

    python -m tests.bench.bench_documents [--rounds 7] [--paragraphs 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from models import services
from models.documents import Sender, make_document
from models.forms import FieldType, load_form
from models.forms.service import save_answers
from models.keyfile import KdfParams
from models.schema import Assessment
from models.vault import Vault

PARAGRAPH = (
    "Ved samtalen fortalte barnet om skolen og om vennerne i klassen. Læreren beskriver en pige, "
    "der er glad om morgenen, men træt efter frikvartererne, og som savner en voksen at gå til. "
    "Mor fortæller, at aftenerne er blevet roligere, siden familien fik hjælp i hjemmet, og at "
    "hun gerne vil fortsætte samarbejdet med skolen og sundhedsplejen. "
)


def answers_for(paragraphs: int) -> dict[str, Any]:
    form = load_form("undersoegelse")
    out: dict[str, Any] = {}
    for fld in form.fields.values():
        if fld.type == FieldType.LONG_TEXT:
            out[fld.id] = "\n\n".join([PARAGRAPH] * paragraphs)
        elif fld.type == FieldType.SHORT_TEXT:
            out[fld.id] = "Skolens AKT-lærer og sundhedsplejersken"
        elif fld.type == FieldType.DATE:
            out[fld.id] = "2026-10-01"
        elif fld.type == FieldType.YES_NO:
            out[fld.id] = {"value": True}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--paragraphs", type=int, default=3, help="paragraphs per long text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile"
        with Vault.create(path, "bench-hest-blomst-kaffe-tog", user="b", kdf=KdfParams.fast()) as v:
            with v.session() as s:
                child, _ = services.create_person(s, "Åse", "Holm")
                case = services.create_case(s, child, opened_on=date(2026, 9, 1))
                row = services.add(
                    s,
                    Assessment(
                        case_id=case.id, aware_on=date(2026, 9, 1), started_on=date(2026, 9, 2)
                    ),
                )
                save_answers(s, row, answers_for(args.paragraphs), form=load_form("undersoegelse"))
                number = case.case_number
            sender = Sender(name="Rådgiver", municipality="Kommunen")
            times: list[float] = []
            pdf = b""
            for _ in range(args.rounds + 1):  # the first builds fonts and caches: untimed
                with v.reading() as s:
                    t = time.perf_counter()
                    pdf = make_document(s, number, "undersoegelse", sender).pdf
                    times.append(time.perf_counter() - t)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    ms = [t * 1000 for t in times[1:]]
    print(f"børnefaglig undersøgelse: {pages} pages, {len(pdf) / 1024:.0f} KiB")
    print(
        f"  made from the vault's answers: median {statistics.median(ms):.0f} ms "
        f"({min(ms):.0f}–{max(ms):.0f}) over {len(ms)} runs (goal ≤ 1000 ms)"
    )


if __name__ == "__main__":
    main()
