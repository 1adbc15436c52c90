"""The crash dialog: a bug (an exception nobody expected) reaches the user here, once, with a
report they can copy to IT. The report holds no case data: the exception's type, a stable code
and the code locations only, never exception messages or local variables."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import platform
import sys
import traceback
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QThread, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.logsetup import safe_report

log = logging.getLogger("feltmappe.crash")


def app_version() -> str:
    try:
        return metadata.version("feltmappe")
    except metadata.PackageNotFoundError:
        return "ukendt version"


def crash_code(exc: BaseException) -> str:
    """A short code that is the same for the same bug (type and call path, not line numbers),
    so IT can group reports across small code changes."""
    frames = traceback.extract_tb(exc.__traceback__)
    path = ";".join(f"{Path(f.filename).name}:{f.name}" for f in frames)
    digest = hashlib.sha256(f"{type(exc).__qualname__}|{path}".encode()).hexdigest()
    return f"F-{digest[:8]}"


def build_report(exc: BaseException) -> str:
    return "\n".join(
        [
            f"Feltmappe {app_version()} – fejlrapport",
            f"Fejlkode: {crash_code(exc)}",
            f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}, "
            f"{platform.system()} {platform.release()}",
            "",
            safe_report(exc),
        ]
    )


class CrashDialog(QDialog):
    """One dialog for all crashes of a session; later reports are appended to it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Uventet fejl i Feltmappe")
        self.setMinimumSize(560, 360)
        intro = QLabel(
            "Der opstod en uventet fejl i Feltmappe. Det, der allerede er gemt, er ikke tabt.\n"
            "Kopiér rapporten herunder og send den til IT-supporten. Rapporten indeholder "
            "ingen oplysninger om sager eller personer.",
            self,
        )
        intro.setWordWrap(True)
        self.report = QPlainTextEdit(self)
        self.report.setReadOnly(True)
        self.report.setObjectName("report")
        buttons = QDialogButtonBox(self)
        copy = buttons.addButton("Kopiér rapport", QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("Luk", QDialogButtonBox.ButtonRole.RejectRole)
        copy.clicked.connect(self.copy_report)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)

    def add_report(self, text: str) -> None:
        if self.report.toPlainText():
            self.report.appendPlainText("\n" + "-" * 40 + "\n")
        self.report.appendPlainText(text)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())


class _Current:
    dialog: CrashDialog | None = None


def current_dialog() -> CrashDialog | None:
    return _Current.dialog


def show_crash(report: str) -> CrashDialog:
    """Show ``report`` in the session's crash dialog (made on first use)."""
    dialog = _Current.dialog
    if dialog is None:
        dialog = _Current.dialog = CrashDialog()
        dialog.finished.connect(_forget_dialog)
    dialog.add_report(report)
    dialog.show()
    dialog.raise_()
    return dialog


def _forget_dialog() -> None:
    if _Current.dialog is not None:
        _Current.dialog.deleteLater()
    _Current.dialog = None
    # A crash before any window was shown leaves nothing to return to.
    app = QApplication.instance()
    if isinstance(app, QApplication) and not any(w.isVisible() for w in app.topLevelWidgets()):
        app.quit()


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    report = build_report(exc)
    # The report is free of case data by construction, so it goes into the message itself
    # (the log filter would shorten it to its length as an argument).
    log.error("uncaught exception\n" + report)
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        # Workers report errors as results; this is a last resort that never touches widgets.
        print(report, file=sys.stderr)
        return
    show_crash(report)


def install_excepthook() -> None:
    sys.excepthook = excepthook


# -- native crashes (faulthandler) -------------------------------------------------------------

#: Where a native crash (a segfault in Qt or SQLCipher, which never reaches ``sys.excepthook``)
#: leaves its trace, in the profile's log folder. Python's faulthandler writes only the code
#: locations of each thread, never values, so no case data can be in it.
NATIVE_CRASH_FILE = "native-crash.log"
#: The most of an old crash file shown and kept (a trace is a few KB).
NATIVE_CRASH_MAX_CHARS = 64_000
NATIVE_CRASH_INTRO = (
    "Feltmappe lukkede uventet sidste gang, den blev brugt. Det, der var gemt, er ikke tabt, "
    "og skrevet tekst er gemt som kladde.\nKopiér rapporten herunder og send den til "
    "IT-supporten. Rapporten indeholder ingen oplysninger om sager eller personer."
)


class _Native:
    file: Any = None
    path: Path | None = None


def native_crash_path(profile: Path) -> Path:
    from models.profile import LOG_DIR

    return profile / LOG_DIR / NATIVE_CRASH_FILE


def start_native_crash_log(profile: Path) -> str | None:
    """Let faulthandler write into the profile from now on; returns the trace a native crash
    of the previous run left (None after a clean exit or on the first run)."""
    import faulthandler

    from models.private_files import make_private_dir, open_private

    path = native_crash_path(profile)
    previous: str | None = None
    try:
        if path.is_file() and path.stat().st_size > 0:
            with path.open(encoding="utf-8", errors="replace") as fh:
                previous = fh.read(NATIVE_CRASH_MAX_CHARS)
        make_private_dir(path.parent)
        stop_native_crash_log(remove=False)
        _Native.file = open_private(path, "w", encoding="utf-8")
        _Native.path = path
        faulthandler.enable(_Native.file, all_threads=True)
    except OSError:
        log.warning("native crash log not enabled")
    return previous.strip() if previous and previous.strip() else None


def stop_native_crash_log(*, remove: bool = True) -> None:
    """A clean exit: faulthandler back to stderr, and the (empty) file removed."""
    import faulthandler

    if _Native.file is None:
        return
    faulthandler.disable()
    _Native.file.close()
    _Native.file = None
    if remove and _Native.path is not None:
        with contextlib.suppress(OSError):
            _Native.path.unlink()
    _Native.path = None


def native_crash_report(trace: str) -> str:
    return "\n".join(
        [
            f"Feltmappe {app_version()} – rapport om uventet lukning",
            f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}, "
            f"{platform.system()} {platform.release()}",
            "",
            trace,
        ]
    )


def offer_native_crash(trace: str, parent: QWidget | None = None) -> CrashDialog:
    """The next start after a native crash: the trace, in the crash dialog, to copy to IT."""
    dialog = CrashDialog(parent)
    dialog.setObjectName("native_crash")
    dialog.setWindowTitle("Feltmappe lukkede uventet")
    intro = dialog.findChild(QLabel)
    if intro is not None:
        intro.setText(NATIVE_CRASH_INTRO)
    dialog.add_report(native_crash_report(trace))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    log.warning("the previous run ended with a native crash; report offered")
    return dialog
