"""Logging for the app and the command line: named loggers into a rotating file in the profile's
log folder. Log lines carry ids and counts, never names, CPR numbers or note text; a filter
drops any record whose arguments are not plain ids/numbers, as a second line of defence."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path
from typing import Any

from models.private_files import make_private_dir, open_private, tighten
from models.profile import LOG_DIR

LOG_FILE = "feltmappe.log"
LOG_BACKUPS = 5
# Arguments that may reach the log as they are: lower-case codes, ids and paths' last parts.
# A capitalised word could be a name, so it is replaced by its length.
_SAFE_ARG = re.compile(r"^[a-z0-9_.:/+\-]{0,80}$")
# A CPR-like number anywhere in a message is a bug: it is masked before the line is written.
_CPR_LIKE = re.compile(r"\b(\d{6})-?\d{4}\b")


class NoCaseDataFilter(logging.Filter):
    """Masks CPR-like numbers and replaces free-text arguments with their length."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                a
                if isinstance(a, int | float) or _SAFE_ARG.match(str(a))
                else f"<{len(str(a))} tegn>"
                for a in args
            )
        record.msg = _CPR_LIKE.sub(r"\1-XXXX", str(record.msg))
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are 0600 (the stock handler creates them with the umask).
    Rotation renames the full file, which keeps its mode, and opens the new one here."""

    def _open(self) -> Any:
        return open_private(
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors
        )


def setup_logging(profile: Path | None, level: int = logging.INFO) -> Path | None:
    """Log to ``<profile>/logs/feltmappe.log`` (rotating, 5 × 1 MiB). Returns the file's path."""
    root = logging.getLogger("feltmappe")
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    if profile is None:
        root.addHandler(logging.NullHandler())
        return None
    make_private_dir(profile)
    log_dir = make_private_dir(profile / LOG_DIR)
    path = log_dir / LOG_FILE
    for n in range(1, LOG_BACKUPS + 1):  # rotated files written by an older version
        tighten(path.with_name(f"{LOG_FILE}.{n}"))
    handler = PrivateRotatingFileHandler(
        path, maxBytes=1024 * 1024, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoCaseDataFilter())
    root.addHandler(handler)
    return path


def safe_report(exc: BaseException) -> str:
    """A crash report without case data: the exception's type and the code locations only.
    Exception messages are left out because they can quote data (SQL parameters, field values)."""
    import traceback

    lines = [f"{type(exc).__module__}.{type(exc).__qualname__}"]
    code = getattr(exc, "code", None)
    if isinstance(code, str) and _SAFE_ARG.match(code):
        lines[0] += f" (kode: {code})"
    for frame in traceback.extract_tb(exc.__traceback__):
        lines.append(f"  {Path(frame.filename).name}:{frame.lineno} i {frame.name}")
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        lines.append("Forårsaget af: " + safe_report(cause).replace("\n", "\n  "))
    return "\n".join(lines)
