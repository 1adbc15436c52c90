"""Vault size for 500 cases with 200 journal notes of ~1 KB each (100k notes), written through
the service layer (so the sync outbox and the access log are included, as on a real laptop
before its first sync)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from models import demo
from models.keyfile import KdfParams
from models.profile import DB_FILE
from models.schema import AuditEvent, Case, ChangeEntry, JournalNote
from models.vault import Vault

PASSPHRASE = "bench-hest-blomst-kaffe-tog"
BODY = (
    "Hjemmebesøg hos familien. Barnet viste sit værelse og fortalte om skolen og fodbold. "
    "Mor fortalte om morgenerne, som stadig er svære, og om samarbejdet med skolen. "
) * 6  # ~1 KB


def main(cases: int = 500, notes_per_case: int = 200) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "p"
        t0 = time.perf_counter()
        with Vault.create(profile, PASSPHRASE, user="bench", kdf=KdfParams.fast()) as vault:
            demo.generate(vault, cases=cases, seed=3, today=date(2026, 11, 25))
            with vault.session() as s:
                case_ids = list(s.scalars(select(Case.id)))
            start = datetime(2025, 1, 1, tzinfo=UTC)
            for case_id in case_ids:
                with vault.session() as s:
                    case = s.get(Case, case_id)
                    assert case is not None
                    for i in range(notes_per_case):
                        s.add(
                            JournalNote(
                                case_id=case.id,
                                title=f"Notat {i}",
                                body=BODY,
                                author="bench",
                                written_at=start + timedelta(hours=i),
                            )
                        )
            with vault.session() as s:
                notes = s.scalar(select(func.count()).select_from(JournalNote))
                changes = s.scalar(select(func.count()).select_from(ChangeEntry))
                audits = s.scalar(select(func.count()).select_from(AuditEvent))
        elapsed = time.perf_counter() - t0
        size = (profile / DB_FILE).stat().st_size
        print(
            f"{len(case_ids)} cases, {notes} journal notes (~{len(BODY.encode())} bytes body), "
            f"{changes} outbox entries, {audits} audit events; written in {elapsed:.0f} s"
        )
        print(
            f"vault.db after checkpoint: {size / 2**20:.1f} MiB "
            f"({size / max(notes or 1, 1) / 1024:.2f} KiB per note, outbox and log included)"
        )
        # After a first sync the outbox is drained; VACUUM returns the space.
        with Vault.open(profile, PASSPHRASE) as vault:
            with vault.engine.begin() as conn:
                conn.execute(delete(ChangeEntry))
            with vault.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
        drained = (profile / DB_FILE).stat().st_size
        print(
            f"vault.db with the outbox drained and vacuumed: {drained / 2**20:.1f} MiB "
            f"({drained / max(notes or 1, 1) / 1024:.2f} KiB per note)"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
