"""Writer process for test_crash: opens the vault and writes journal notes in a loop, one
committed transaction each, printing ``id <note id>`` after each commit.

Run as ``crash_writer.py PROFILE PASSPHRASE CASE_ID``. It does the slow part (importing Python
packages) once, then waits for lines on stdin: each ``go`` forks a fresh writer process, printed
as ``pid <pid>``; the test kills that writer with SIGKILL whenever it likes, and this process
prints ``dead <pid>`` once it is gone. So every kill hits a new process with its own connections,
without paying the interpreter's start-up for each of the many kills."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from models import services
from models.schema import Case
from models.vault import Vault

MAX_NOTES = 100_000  # a writer nobody kills stops eventually


def write_notes(profile: Path, passphrase: str, case_id: str) -> None:
    vault = Vault.open(profile, passphrase)
    for i in range(MAX_NOTES):
        with vault.session() as s:
            case = services.get(s, Case, case_id)
            note = services.add_note(s, case, f"Notat {i}", f"Tekst {i} " * 20)
            if i % 3 == 0:
                services.finalise_note(s, note)
        # Printed only after the commit: every id the test sees must be in the vault.
        sys.stdout.write(f"id {note.id}\n")
        sys.stdout.flush()
    vault.close()


def main() -> None:
    profile, passphrase, case_id = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    for line in sys.stdin:
        if line.strip() != "go":
            break
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:  # the writer
            code = 0
            try:
                write_notes(profile, passphrase, case_id)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        sys.stdout.write(f"pid {pid}\n")
        sys.stdout.flush()
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(f"dead {pid} {status}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
