"""The case's documents in the running app (issue 13): "Dokumenter…" in the case window lists
what can be made, "Gem som PDF…" writes the PDF where the user chose, "Udskriv…" goes through
Qt's print dialog; each is in the access log, and nothing with case data is left in a temporary
folder."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from desktop.documents import DocumentsDialog
from models import services
from models.schema import AuditEvent, Notification
from models.vocabulary import AuditAction, NotifierKind
from tests.gui.conftest import Filled, written
from tests.gui.harness import Harness


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder every library would use, watched for leftovers."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def open_documents(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled
) -> tuple[Harness, DocumentsDialog, str]:
    case_id = filled.case_ids["Anna Jensen"]
    with filled.vault.session() as s:
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_name="Lise Lærer",
                notifier_organisation="Nørrevangsskolen",
            ),
        )
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    case = h.window.show_case(case_id)
    assert isinstance(case, CaseSummaryDialog) and case.documents_button is not None
    case.documents_button.click()
    qtbot.waitUntil(lambda: case.findChild(DocumentsDialog) is not None)
    dialog = case.findChild(DocumentsDialog)
    assert isinstance(dialog, DocumentsDialog)
    assert dialog.choices.count() == 2  # the receipt and the blank statusudtalelse
    assert dialog.choices.item(1).text().startswith("Statusudtalelse fra fagperson")
    assert (
        dialog.choices.item(0)
        .text()
        .startswith("Kvittering til fagperson for modtaget underretning\n30.11.2026 · Lise Lærer")
    )
    return h, dialog, case_id


def ink(pdf: bytes) -> float:
    """The share of dark pixels on the first page."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    bitmap = page.render(scale=0.5, grayscale=True)
    data = bytes(bitmap.buffer)
    return sum(1 for b in data if b < 128) / len(data)


def logged(h: Harness, case_id: str) -> list[tuple[str, str]]:
    vault = h.controller.vault
    assert vault is not None
    with vault.reading() as s:
        return [
            (e.action, e.entity)
            for e in s.query(AuditEvent).filter_by(case_id=case_id)
            if e.entity.startswith("dokument:")
        ]


def test_save_as_pdf_where_the_user_chooses(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    tmp_path: Path,
    private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, dialog, case_id = open_documents(qtbot, harness_for, filled)
    chosen = tmp_path / "Skrivebord" / "kvittering til skolen"  # no .pdf typed
    chosen.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), "PDF-filer (*.pdf)")
    )
    with qtbot.waitSignal(dialog.document_done, timeout=10_000):
        dialog.save_button.click()
    target = chosen.with_name("kvittering til skolen.pdf")
    text = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
    assert "Lise Lærer" in text and "Anna Jensen" in text
    assert dialog.status.text() == f"Gemt: {target}"
    assert sorted(p.name for p in chosen.parent.iterdir()) == ["kvittering til skolen.pdf"]
    assert logged(h, case_id) == [(AuditAction.EKSPORTERET, "dokument:kvittering")]
    assert list(private_tmp.iterdir()) == []


def test_a_folder_that_cannot_be_written_says_so_and_keeps_the_dialog(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, dialog, case_id = open_documents(qtbot, harness_for, filled)
    missing = tmp_path / "findes-ikke" / "k.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), ""))
    dialog.save_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    assert dialog.error.text().startswith(f"PDF'en blev ikke gemt i {missing.parent}")
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert logged(h, case_id) == []


def test_print_through_the_print_dialog(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    tmp_path: Path,
    private_tmp: Path,
) -> None:
    h, dialog, case_id = open_documents(qtbot, harness_for, filled)
    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.findChild(QPrintDialog) is not None)
    printing = dialog.findChild(QPrintDialog)
    assert isinstance(printing, QPrintDialog)
    # The "printer" of this machine without a screen or a printer: a PDF file. (Set after the
    # dialog has applied its own fields to the printer, as a user's choice of printer would be.)
    out = tmp_path / "printer-output.pdf"
    printer = printing.printer()

    def choose_printer() -> None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(96)

    printing.accepted.connect(choose_printer)
    with qtbot.waitSignal(dialog.document_done, timeout=20_000):
        printing.accept()
    assert ink(out.read_bytes()) > 0.005  # the page drawn onto the printer, not a blank one
    assert dialog.status.text() == "Sendt til printeren."
    written(qtbot)
    assert logged(h, case_id) == [(AuditAction.UDSKREVET, "dokument:kvittering")]
    assert list(private_tmp.iterdir()) == []
    assert QApplication.activeModalWidget() is not printing


def every_document(filled: Filled, name: str = "Anna Jensen") -> str:
    """Rows for every document kind on the child's case: an underretning from a professional
    (kvittering, underretning), its indledende vurdering, an undersøgelse, a børnesamtale and a
    hjemmebesøg with their forms' answers (the statusudtalelse is made from the case itself)."""
    from datetime import date

    from models.forms import load_form
    from models.forms.service import save_answers
    from models.schema import Assessment, Meeting, Screening
    from models.vocabulary import MeetingKind
    from tests.unit.test_form_documents import CONVERSATION, VISIT
    from tests.unit.test_forms_service import COMPLETE

    case_id = filled.case_ids[name]
    with filled.vault.session() as s:
        notification = services.add(
            s,
            Notification(
                case_id=case_id, notifier_kind=NotifierKind.FAGPERSON, notifier_name="Lise Lærer"
            ),
        )
        save_answers(s, notification, COMPLETE, form=load_form("underretning"))
        screening = services.add(
            s, Screening(case_id=case_id, notification_id=notification.id, answers={})
        )
        save_answers(
            s, screening, {"grundlag": "Underretningen fra skolen."}, form=load_form("screening")
        )
        assessment = services.add(
            s, Assessment(case_id=case_id, aware_on=date.today(), started_on=date.today())
        )
        save_answers(
            s, assessment, {"baggrund": "Bekymring fra skolen."}, form=load_form("undersoegelse")
        )
        for kind, answers in (
            (MeetingKind.BOERNESAMTALE, CONVERSATION),
            (MeetingKind.HJEMMEBESOEG, VISIT),
        ):
            meeting = services.add(s, Meeting(case_id=case_id, kind=kind))
            save_answers(s, meeting, answers, form=load_form(kind.value))
    return case_id


def test_no_document_leaves_anything_in_the_temporary_folder(
    qtbot: QtBot,
    harness_for: Callable[..., Harness],
    filled: Filled,
    tmp_path: Path,
    private_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every kind of document, through ``feltmappe print`` and through "Gem som PDF…" in the
    app: the PDFs land where they were asked to, and the temporary folder (TMPDIR, and
    Python's own) stays empty: no PDF or image with case data is left there."""
    from models.documents import DOCUMENTS
    from tests.conftest import PASSPHRASE
    from tests.unit.test_documents import run

    assert tempfile.gettempdir() == str(private_tmp)
    case_id = every_document(filled)
    number = filled.case_numbers["Anna Jensen"]
    profile = filled.vault.profile
    filled.vault.close()

    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    printed = tmp_path / "udskrevet"
    printed.mkdir()
    for key in DOCUMENTS:
        target = printed / f"{key}.pdf"
        args = ["print", "--case", number, "--document", key, "-o", str(target)]
        code, _out, err = run(capsys, *args, "--profile", str(profile))
        assert (code, err) == (0, ""), (key, err)
        assert PdfReader(io.BytesIO(target.read_bytes())).pages
    assert sorted(p.name for p in printed.iterdir()) == sorted(f"{k}.pdf" for k in DOCUMENTS)
    assert list(private_tmp.iterdir()) == []

    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    case = h.window.show_case(case_id)
    assert isinstance(case, CaseSummaryDialog) and case.documents_button is not None
    case.documents_button.click()
    qtbot.waitUntil(lambda: case.findChild(DocumentsDialog) is not None)
    dialog = case.findChild(DocumentsDialog)
    assert isinstance(dialog, DocumentsDialog)
    titles = [dialog.choices.item(i).text().split("\n")[0] for i in range(dialog.choices.count())]
    assert titles == [kind.title for kind in DOCUMENTS.values()]  # one of each kind
    saved = tmp_path / "gemt"
    saved.mkdir()
    for i, key in enumerate(DOCUMENTS):
        dialog.choices.setCurrentRow(i)
        chosen = saved / key
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, c=chosen, **k: (str(c), "PDF-filer (*.pdf)")
        )
        with qtbot.waitSignal(dialog.document_done, timeout=10_000):
            dialog.save_button.click()
        assert dialog.status.text() == f"Gemt: {chosen}.pdf"
    written(qtbot)
    assert sorted(p.name for p in saved.iterdir()) == sorted(f"{k}.pdf" for k in DOCUMENTS)
    assert sorted(logged(h, case_id)) == sorted(
        [(AuditAction.EKSPORTERET, f"dokument:{k}") for k in DOCUMENTS] * 2
    )
    assert list(private_tmp.iterdir()) == []
