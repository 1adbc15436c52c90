"""The case's documents in the app (issue 13): "Dokumenter…" in the case window lists what can
be made from the case (``models.documents``), and each can be printed through Qt's print dialog
or saved as a PDF where the user chooses. The PDF is made in memory on a worker thread; printing
draws its pages (rendered in memory with PDFium) onto the printer; nothing with case data is put
in a temporary folder. Every print and every save is logged in the case's access log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.ops import Writes
from desktop.tasks import run_in_background
from desktop.widgets import ErrorLabel
from models.documents import DOCUMENTS, Made, log_document, make_document, sender_for
from models.errors import FeltmappeError
from models.private_files import open_private
from models.vault import Vault
from models.vocabulary import AuditAction

log = logging.getLogger("feltmappe.documents")

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
NOTHING = "Sagen har endnu intet, der kan laves dokumenter fra."
MAKING = "Dokumentet laves …"


@dataclass(frozen=True)
class Choice:
    kind: str
    row_id: str


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Draw every page of ``pdf`` onto ``printer`` at its resolution; returns the page count.
    The pages are rendered in memory (PDFium), never to a file."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(pdf)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("printer")
    try:
        dpi = max(printer.resolution(), 72)
        target = printer.pageLayout().paintRectPixels(dpi)
        for index in range(len(document)):
            if index:
                printer.newPage()
            page = document[index]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            pixels = bytes(bitmap.buffer)
            # PDFium gives 3 bytes a pixel for an opaque page (RGB with rev_byteorder), else 4;
            # copy(): the image owns its pixels, not the Python bytes it was made from.
            rgb = bitmap.stride < bitmap.width * 4
            image = QImage(
                pixels,
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGB888 if rgb else QImage.Format.Format_RGBX8888,
            ).copy()
            painter.drawImage(QRectF(0, 0, target.width(), target.height()), image)
            bitmap.close()
            page.close()
        return len(document)
    finally:
        painter.end()
        document.close()


class DocumentsDialog(QDialog):
    """What can be printed from one case; "Udskriv…" and "Gem som PDF…"."""

    #: A document was printed or saved (the path, or "" for the printer), for tests.
    document_done = Signal(str)

    def __init__(self, vault: Vault, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dokumenter")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self._case_id = case_id
        self._writes = Writes(vault, self)
        self._sender = sender_for(vault)
        label = QLabel("&Dokumenter fra sagen:", self)
        self.choices = QListWidget(self)
        self.choices.setObjectName("documents")
        label.setBuddy(self.choices)
        with vault.reading() as s:
            for key, kind in DOCUMENTS.items():
                for c in kind.candidates(s, case_id):
                    item = QListWidgetItem(f"{kind.title}\n{c.label}", self.choices)
                    item.setData(ROW_ROLE, Choice(key, c.row_id))
        self.error = ErrorLabel(self)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.print_button = QPushButton("&Udskriv…", self)
        self.save_button = QPushButton("&Gem som PDF…", self)
        self.print_button.clicked.connect(self.ask_print)
        self.save_button.clicked.connect(self.ask_save)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("Luk", QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(
            self.reject
        )
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.choices, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        if self.choices.count():
            self.choices.setCurrentRow(0)
        else:
            self.error.show_text(NOTHING)
        self.print_button.setEnabled(bool(self.choices.count()))
        self.save_button.setEnabled(bool(self.choices.count()))
        self.resize(560, 320)

    def _choice(self) -> Choice | None:
        item = self.choices.currentItem()
        value = item.data(ROW_ROLE) if item is not None else None
        return value if isinstance(value, Choice) else None

    def _make(self, then: object) -> None:
        """Make the chosen document on a worker thread, then call ``then(made)``."""
        choice = self._choice()
        if choice is None:
            return
        self.error.clear_error()
        self.status.setText(MAKING)
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
        vault, case_id, sender = self._vault, self._case_id, self._sender

        def make() -> Made:
            with vault.reading() as s:
                return make_document(s, case_id, choice.kind, sender, choice.row_id)

        def made(result: Made) -> None:
            self._idle()
            then(result)  # type: ignore[operator]

        def failed(exc: BaseException) -> None:
            self._idle()
            if isinstance(exc, FeltmappeError):
                self.error.show_error(exc, prefix="Dokumentet kunne ikke laves. ")
            else:
                log.error("document failed: %s", type(exc).__name__)
                self.error.show_text("Dokumentet kunne ikke laves (uventet fejl).")

        run_in_background(make, made, failed)

    def _idle(self) -> None:
        self.status.clear()
        for button in (self.print_button, self.save_button):
            button.setEnabled(True)

    # -- Gem som PDF ---------------------------------------------------------------------------

    def ask_save(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        name = f"{DOCUMENTS[choice.kind].key}.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Gem som PDF", str(Path.home() / name), "PDF-filer (*.pdf)"
        )
        if path:
            target = Path(path if path.lower().endswith(".pdf") else f"{path}.pdf")
            self._make(lambda made: self._save(made, target))

    def _save(self, made: Made, target: Path) -> None:
        partial = target.with_name(f".{target.name}.delvis")
        try:
            with open_private(partial, "wb") as fh:
                fh.write(made.pdf)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            log.warning("document not saved: %s", type(exc).__name__)
            self.error.show_text(
                f"PDF'en blev ikke gemt i {target.parent}: {exc.strerror or 'fejl ved skrivning'}."
                " Vælg et andet sted."
            )
            return
        self._log(made, AuditAction.EKSPORTERET, str(target))

    # -- Udskriv -------------------------------------------------------------------------------

    def ask_print(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(DOCUMENTS[choice.kind].title)
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("print_dialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self._make(lambda made: self._print(made, printer)))
        self._printer = printer  # kept alive while the document is made
        dialog.show()

    def _print(self, made: Made, printer: QPrinter) -> None:
        try:
            pages = print_pdf(made.pdf, printer)
        except OSError:
            self.error.show_text("Printeren kunne ikke bruges. Prøv igen, eller gem som PDF.")
            return
        log.info("printed %d pages", pages)
        self._log(made, AuditAction.UDSKREVET, "")

    def _log(self, made: Made, action: AuditAction, where: str) -> None:
        def write(session: Session) -> None:
            log_document(session, made, action)

        def logged(_: None) -> None:
            self.status.setText(
                f"Gemt: {where}" if action == AuditAction.EKSPORTERET else "Sendt til printeren."
            )
            self.document_done.emit(where)

        self._writes.run(write, logged, self.error.show_error)
