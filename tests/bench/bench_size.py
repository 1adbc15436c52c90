"""Vault size for 500 cases with 200 journal notes of ~1 KB each (100k notes), written through
the service layer as a caseworker writes them: each note is saved at every pause in typing
(``--autosaves``, the first save creates it), most are finalised at the end. The sync outbox
and the access log are included, as on a real laptop before its first sync; the figure to
compare is the same vault after its first sync (outbox drained, vacuumed).

    python -m tests.bench.bench_size                     # 500 cases × 200 notes, 6 saves each
    python -m tests.bench.bench_size --cases 50 --autosaves 1   # one save per note"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from models import demo, services
from models.keyfile import KdfParams
from models.profile import DB_FILE
from models.schema import AuditEvent, Case, ChangeEntry, JournalNote
from models.vault import Vault

PASSPHRASE = "bench-hest-blomst-kaffe-tog"
BODY = (
    "Hjemmebesøg hos familien. Barnet viste sit værelse og fortalte om skolen og fodbold. "
    "Mor fortalte om morgenerne, som stadig er svære, og om samarbejdet med skolen. "
) * 6  # ~1 KB
#: Every tenth note is left as a draft; the rest are finalised ("Afslut notat").
DRAFT_EVERY = 10


def _typed(autosaves: int) -> list[str]:
    """The body as it stands at each autosave: it grows to the whole note by the last one."""
    return [BODY[: len(BODY) * (i + 1) // autosaves] for i in range(autosaves)]


def main(cases: int = 500, notes_per_case: int = 200, autosaves: int = 6) -> dict[str, float]:
    if autosaves < 1:
        raise ValueError("a note is saved at least once")
    stages = _typed(autosaves)
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "p"
        t0 = time.perf_counter()
        with Vault.create(profile, PASSPHRASE, user="bench", kdf=KdfParams.fast()) as vault:
            demo.generate(vault, cases=cases, seed=3, today=date(2026, 11, 25))
            with vault.session() as s:
                case_ids = list(s.scalars(select(Case.id)))
            start = datetime(2025, 1, 1, tzinfo=UTC)
            for case_id in case_ids:
                # One session per case; every save is its own flush, so the tracker sees it
                # as it sees an autosave of the journal.
                with vault.session() as s:
                    case = services.get(s, Case, case_id)
                    for i in range(notes_per_case):
                        note = services.add_note(
                            s, case, f"Notat {i}", stages[0], written_at=start + timedelta(hours=i)
                        )
                        for body in stages[1:]:
                            services.edit_draft(s, note, title=f"Notat {i}", body=body)
                        if i % DRAFT_EVERY:
                            services.finalise_note(s, note)
            with vault.session() as s:
                notes = s.scalar(select(func.count()).select_from(JournalNote)) or 0
                changes = s.scalar(select(func.count()).select_from(ChangeEntry)) or 0
                audits = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
        elapsed = time.perf_counter() - t0
        before = (profile / DB_FILE).stat().st_size
        print(
            f"{len(case_ids)} cases, {notes} journal notes (~{len(BODY.encode())} bytes body, "
            f"{autosaves} saves each, 9 in 10 finalised), {changes} outbox entries, "
            f"{audits} audit events; written in {elapsed:.0f} s"
        )
        print(
            f"before the first sync: {before / 2**20:.1f} MiB "
            f"({before / max(notes, 1) / 1024:.2f} KiB per note, outbox and log included)"
        )
        # After a first sync the outbox is drained; VACUUM returns the space.
        with Vault.open(profile, PASSPHRASE) as vault:
            with vault.engine.begin() as conn:
                conn.execute(delete(ChangeEntry))
            with vault.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
        after = (profile / DB_FILE).stat().st_size
        print(
            f"after it (outbox drained, vacuumed): {after / 2**20:.1f} MiB "
            f"({after / max(notes, 1) / 1024:.2f} KiB per note)"
        )
        print(f"before / after: {before / after:.2f} (goal ≤ 1.3)")
    return {
        "notes": notes,
        "entries": changes,
        "audit": audits,
        "before": before,
        "after": after,
        "ratio": before / after,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--notes", type=int, default=200, help="journal notes per case")
    parser.add_argument("--autosaves", type=int, default=6, help="saves per note")
    args = parser.parse_args()
    main(args.cases, args.notes, args.autosaves)
