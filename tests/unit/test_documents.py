"""Case documents as PDF (issue 13): the shared frame (embedded font with æ, ø, å, "Fortroligt"
and the case number on every page, "Side x af y", form id and version, metadata, extractable
text) and the receipt to a professional notifier (Barnets Lov § 138, stk. 1)."""

from __future__ import annotations

import io
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from models import services
from models.documents.pdf import DocumentInfo, Styles, answer_block, build_pdf, text
from models.documents.receipt import TITLE, Sender, receipt_pdf
from models.errors import NotFound
from models.schema import AuditEvent, Notification
from models.vault import Vault
from models.vocabulary import AuditAction, NotifierKind
from tests.conftest import PASSPHRASE

SENDER = Sender(name="Mette Rådgiver", municipality="Slagelse Kommune")


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def fonts(pdf: bytes) -> set[str]:
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            obj = font.get_object()
            descriptor = obj.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found.add(f"{obj['/BaseFont']}:{'embedded' if embedded else 'not embedded'}")
    return found


def test_every_page_has_the_frame_and_the_text_is_extractable() -> None:
    styles = Styles()
    story = [text("Børnefaglig undersøgelse", styles.title)]
    story += [
        answer_block(f"Spørgsmål {i}", "Æbler, øl og ål. " * 40, styles, "Hjælp til feltet")
        for i in range(30)
    ]
    info = DocumentInfo(
        title="Børnefaglig undersøgelse",
        case_number="2026-0042",
        form_id="undersoegelse",
        form_version=2,
    )
    pdf = build_pdf(info, story)
    texts = pages_text(pdf)
    total = len(texts)
    assert total > 2
    for number, page in enumerate(texts, start=1):
        assert "Fortroligt" in page
        assert "Sag 2026-0042" in page
        assert f"Side {number} af {total}" in page
        assert "Skema undersoegelse version 2" in page
    assert "Æbler, øl og ål." in texts[0]
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.title == "Børnefaglig undersøgelse"
    assert "2026-0042" in (meta.subject or "")
    assert all(f.endswith(":embedded") for f in fonts(pdf)), fonts(pdf)
    assert build_pdf(info, story) == pdf  # the same document, the same bytes


def test_typed_text_is_never_read_as_markup() -> None:
    styles = Styles()
    pdf = build_pdf(
        DocumentInfo(title="Notat", case_number="1"),
        [text("Mor sagde: <b>nej</b> & gik.\nNy linje", styles.body)],
    )
    assert "Mor sagde: <b>nej</b> & gik." in pages_text(pdf)[0]


def notification(vault: Vault, kind: NotifierKind = NotifierKind.FAGPERSON) -> tuple[str, str]:
    with vault.session() as s:
        child, _ = services.create_person(s, "Åse", "Holm", cpr="050520-4012")
        case = services.create_case(s, child, opened_on=date(2026, 11, 2))
        row = services.add(
            s,
            Notification(
                case_id=case.id,
                received_at=datetime(2026, 11, 2, 23, 30, tzinfo=UTC),  # 3 Nov in Denmark
                notifier_kind=kind,
                notifier_name="Lise Lærer",
                notifier_organisation="Nørrevangsskolen",
            ),
        )
        return case.case_number, row.id


def test_the_receipt_names_the_notifier_the_child_and_the_paragraph(vault: Vault) -> None:
    case_number, row_id = notification(vault)
    with vault.reading() as s:
        pdf = receipt_pdf(s, row_id, SENDER, today=date(2026, 11, 4))
    (page,) = pages_text(pdf)
    for expected in (
        TITLE,
        "Lise Lærer",
        "Nørrevangsskolen",
        "Åse Holm",
        "3. november 2026",  # received, in Danish time
        "4. november 2026",
        f"Sag {case_number}",
        "Barnets Lov § 138, stk. 1",
        "Mette Rådgiver",
        "Slagelse Kommune",
        "Side 1 af 1",
    ):
        assert expected in page, expected
    assert "050520" not in page  # no CPR number in a letter to the notifier


def test_the_receipt_is_addressed_to_the_notifier_at_the_top_left(vault: Vault) -> None:
    _, row_id = notification(vault)
    with vault.reading() as s:
        (page,) = pages_text(receipt_pdf(s, row_id, SENDER, today=date(2026, 11, 4)))
    lines = [line.strip() for line in page.splitlines()]
    # Name, then workplace, each on its own line, before the title: a letter's address block.
    name, organisation, title = (
        lines.index("Lise Lærer"),
        lines.index("Nørrevangsskolen"),
        lines.index(TITLE),
    )
    assert name < organisation < title
    assert "Arbejdssted" not in page  # said once, in the address


def test_a_receipt_without_a_known_notifier_has_no_address_block(vault: Vault) -> None:
    _, row_id = notification(vault)
    with vault.session() as s:
        row = services.get(s, Notification, row_id)
        row.notifier_name, row.notifier_organisation = "", ""
    with vault.reading() as s:
        (page,) = pages_text(receipt_pdf(s, row_id, SENDER, today=date(2026, 11, 4)))
    assert page.lstrip().startswith(TITLE) or TITLE in page.splitlines()[0]


def test_a_receipt_sent_earlier_is_dated_the_day_it_was_sent(vault: Vault) -> None:
    _, row_id = notification(vault)
    with vault.session() as s:
        services.get(s, Notification, row_id).receipt_sent_on = date(2026, 11, 5)
    with vault.reading() as s:
        (page,) = pages_text(receipt_pdf(s, row_id, SENDER, today=date(2026, 12, 1)))
    words = " ".join(page.split())
    assert "Dato 5. november 2026" in words
    assert "1. december 2026" not in words


def test_no_receipt_for_a_citizen_or_an_unknown_row(vault: Vault) -> None:
    _, row_id = notification(vault, NotifierKind.BORGER)
    with vault.reading() as s, pytest.raises(NotFound):
        receipt_pdf(s, row_id, SENDER)
    with vault.reading() as s, pytest.raises(NotFound):
        receipt_pdf(s, "no-such-row", SENDER)


# -- feltmappe print -----------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from desktop.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code) if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_print_writes_the_receipt_privately_and_logs_the_export(
    vault: Vault,
    profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_number, row_id = notification(vault)
    vault.set_setting("display_name", "Mette Rådgiver")
    vault.close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "print", "--list", "--profile", str(profile))
    assert code == 0 and out.startswith("kvittering ")

    target = tmp_path / "ud" / "kvittering.pdf"
    target.parent.mkdir()
    code, out, err = run(
        capsys,
        "print",
        "--case",
        case_number,
        "--document",
        "kvittering",
        "-o",
        str(target),
        "--profile",
        str(profile),
    )
    assert (code, err) == (0, ""), err
    assert f"sag {case_number}" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Lise Lærer" in pages_text(target.read_bytes())[0]
    assert "Mette Rådgiver" in pages_text(target.read_bytes())[0]
    assert [p.name for p in target.parent.iterdir()] == ["kvittering.pdf"]  # no leftovers
    with Vault.open(profile, PASSPHRASE) as v, v.reading() as s:
        (event,) = s.query(AuditEvent).filter_by(entity="dokument:kvittering").all()
        assert (event.action, event.entity_id) == (AuditAction.EKSPORTERET, row_id)


def test_print_refusals_are_danish_and_write_nothing(
    vault: Vault,
    profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_number, _ = notification(vault, NotifierKind.BORGER)
    vault.close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    target = tmp_path / "x.pdf"
    base = ["print", "--case", case_number, "-o", str(target), "--profile", str(profile)]
    code, _, err = run(capsys, *base, "--document", "kvittering")
    assert code != 0 and "har intet at lave" in err
    code, _, err = run(capsys, *base, "--document", "brev")
    known = (
        "boernesamtale, hjemmebesoeg, kvittering, screening, statusudtalelse, underretning, "
        "undersoegelse"
    )
    assert code != 0 and f"Ukendt dokument. Mulige: {known}." in err
    assert not target.exists()


def test_print_lists_and_writes_the_blank_statusudtalelse(
    vault: Vault,
    profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_number, _ = notification(vault)
    vault.close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "print", "--list", "--profile", str(profile))
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert code == 0 and {"underretning", "undersoegelse", "statusudtalelse"} <= listed
    target = tmp_path / "status.pdf"
    args = ["print", "--case", case_number, "--document", "statusudtalelse", "-o", str(target)]
    code, _, err = run(capsys, *args, "--profile", str(profile))
    assert (code, err) == (0, ""), err
    assert "Statusudtalelse" in " ".join(pages_text(target.read_bytes()))
    with Vault.open(profile, PASSPHRASE) as v, v.reading() as s:
        (event,) = s.query(AuditEvent).filter_by(entity="dokument:statusudtalelse").all()
        assert event.action == AuditAction.EKSPORTERET


def test_print_lists_and_writes_the_boernesamtale(
    vault: Vault,
    profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from models.forms import load_form
    from models.forms.service import save_answers
    from models.schema import Meeting
    from models.vocabulary import MeetingKind
    from tests.unit.test_form_documents import CHILD_WORDS, CONVERSATION

    case_number, _ = notification(vault)
    with vault.session() as s:
        case = services.find_case(s, case_number)
        row = services.add(s, Meeting(case_id=case.id, kind=MeetingKind.BOERNESAMTALE))
        save_answers(s, row, CONVERSATION, form=load_form("boernesamtale"))
        row_id = row.id
    vault.close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "print", "--list", "--profile", str(profile))
    titles = dict(line.split(maxsplit=1) for line in out.splitlines() if line.strip())
    assert code == 0
    assert titles["boernesamtale"] == "Børnesamtale (skema)"
    assert titles["hjemmebesoeg"] == "Hjemmebesøg (skema)"

    target = tmp_path / "x.pdf"
    args = ["print", "--case", case_number, "--document", "boernesamtale", "-o", str(target)]
    code, out, err = run(capsys, *args, "--profile", str(profile))
    assert (code, err) == (0, ""), err
    assert out.startswith(f"Børnesamtale (skema), sag {case_number}: {target}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    texts = pages_text(target.read_bytes())
    lines = "\n".join(texts).splitlines()
    for line in CHILD_WORDS.splitlines():
        assert line in lines, line  # the child's words exactly as typed
    total = len(texts)
    for number, page in enumerate(texts, start=1):
        assert "Fortroligt" in page and f"Sag {case_number}" in page
        assert f"Side {number} af {total}" in page
        assert "Skema boernesamtale version 1" in page
    meta = PdfReader(io.BytesIO(target.read_bytes())).metadata
    assert meta is not None and meta.title == "Børnesamtale"
    assert case_number in (meta.subject or "")
    code, _, err = run(
        capsys,
        *["print", "--case", case_number, "--document", "hjemmebesoeg", "-o", str(tmp_path / "h")],
        "--profile",
        str(profile),
    )
    assert code != 0 and "har intet at lave" in err  # no hjemmebesøg form in this case
    with Vault.open(profile, PASSPHRASE) as v, v.reading() as s:
        (event,) = s.query(AuditEvent).filter_by(entity="dokument:boernesamtale").all()
        assert (event.action, event.entity_id) == (AuditAction.EKSPORTERET, row_id)
