"""The frame every case document shares (issue 13), drawn with reportlab's platypus: an embedded
TrueType font with æ, ø, å (Bitstream Vera, shipped inside reportlab, so every machine draws the
same letters), a header with "Fortroligt" and the case number on every page, "Side x af y" and
the form's id and version in the footer, and the document's title and case number in the PDF's
metadata. The text is real text (extractable, searchable, read aloud by a screen reader).

Documents are built in memory and returned as bytes: nothing with case data passes through a
temporary file; the caller writes the bytes where the user chose."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from models.dates import long_date_da

FONT, BOLD, ITALIC = "Feltmappe", "Feltmappe-Bold", "Feltmappe-Italic"
CONFIDENTIAL = "Fortroligt"
MARGIN = 20 * mm

_FONT_FILES = {FONT: "Vera.ttf", BOLD: "VeraBd.ttf", ITALIC: "VeraIt.ttf"}


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


@dataclass(frozen=True)
class DocumentInfo:
    """What the frame of a document says about it."""

    title: str
    case_number: str
    #: The form the document is made from (footer); "" for a letter that is no form.
    form_id: str = ""
    form_version: int | None = None
    subject: str = ""  # the PDF's subject line (metadata), e.g. the child's name

    @property
    def footer_form(self) -> str:
        if not self.form_id:
            return "Feltmappe"
        version = f" version {self.form_version}" if self.form_version is not None else ""
        return f"Skema {self.form_id}{version}"


class Styles:
    """The paragraph styles of every document."""

    def __init__(self) -> None:
        _register_fonts()
        self.body = ParagraphStyle(
            "body",
            fontName=FONT,
            bulletFontName=FONT,  # (reportlab's default, Helvetica, would not be embedded)
            fontSize=10.5,
            leading=14.5,
            alignment=TA_LEFT,
            spaceAfter=5,
        )
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=BOLD, fontSize=16, leading=20, spaceAfter=10
        )
        self.heading = ParagraphStyle(
            "heading",
            parent=self.body,
            fontName=BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
        )
        self.label = ParagraphStyle(
            "label", parent=self.body, fontName=BOLD, fontSize=9.5, leading=12.5, spaceAfter=1
        )
        #: A field of an item of a group under the item's own label (an ICS dimension).
        self.item_label = ParagraphStyle(
            "item_label",
            parent=self.label,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#444444"),
        )
        self.help = ParagraphStyle(
            "help", parent=self.body, fontName=ITALIC, fontSize=9, leading=12, textColor=colors.grey
        )
        self.small = ParagraphStyle("small", parent=self.body, fontSize=9, leading=12)
        #: The recipient's name and address at the top left of a letter.
        self.address = ParagraphStyle("address", parent=self.body, spaceAfter=0)
        #: An ICS dimension under its side's heading.
        self.subheading = ParagraphStyle(
            "subheading",
            parent=self.body,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=6,
            spaceAfter=2,
            textColor=colors.HexColor("#1f3b5a"),
        )


def text(value: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (no markup: what a user typed is never read as tags); line
    breaks are kept."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped.replace("\n", "<br/>"), style)


def facts_table(rows: Sequence[tuple[str, str]], styles: Styles) -> Table:
    """Label/value pairs in two columns (the head of a letter or a form)."""
    data = [[text(label, styles.label), text(value or "–", styles.body)] for label, value in rows]
    table = Table(data, colWidths=[48 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def answer_parts(label: str, value: str, styles: Styles, help_text: str = "") -> list[Flowable]:
    """One question and its answer, as flowables to keep together with others (a heading, the
    rest of an ICS dimension). Never nest a ``KeepTogether`` in another: reportlab then reads
    the inner one as taller than any page and starts a new page before the outer one."""
    parts: list[Flowable] = [text(label, styles.label)]
    if help_text:
        parts.append(text(help_text, styles.help))
    parts.append(text(value or "Ikke besvaret", styles.body))
    parts.append(Spacer(1, 2 * mm))
    return parts


def answer_block(label: str, value: str, styles: Styles, help_text: str = "") -> Flowable:
    """One question and its answer, kept on one page when short."""
    return KeepTogether(answer_parts(label, value, styles, help_text))


class WritingLine(Flowable):
    """A line to write on by hand, across the whole width of the frame (a blank template)."""

    color = colors.HexColor("#7a7a7a")

    def __init__(self) -> None:
        super().__init__()
        self.height = 6.5 * mm  # room for a line of handwriting

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0.5, self.width, 0.5)


#: The side of a box to tick by hand; Vera, the embedded font, has no "☐", so boxes are drawn.
TICK_BOX = 3.6 * mm
_TICK_FONT_SIZE = 10


def _draw_box(canv: Canvas, x: float, y: float) -> None:
    canv.setStrokeColor(colors.black)
    canv.setLineWidth(0.7)
    canv.rect(x, y, TICK_BOX, TICK_BOX, stroke=1, fill=0)


class TickRow(Flowable):
    """Boxes to tick side by side, each followed by its word ("☐ Ja   ☐ Nej"); a row that
    does not fit the width goes on over the next line."""

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__()
        self.labels = list(labels)
        self._places: list[tuple[float, int]] = []  # (x, line) of each label's box

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self._places, x, line = [], 0.0, 0
        for label in self.labels:
            width = TICK_BOX + 1.8 * mm + pdfmetrics.stringWidth(label, FONT, _TICK_FONT_SIZE)
            if x > 0 and x + width > availWidth:
                x, line = 0.0, line + 1
            self._places.append((x, line))
            x += width + 7 * mm
        self.width = availWidth
        self.height = (line + 1) * 7 * mm
        return self.width, self.height

    def draw(self) -> None:
        for label, (x, line) in zip(self.labels, self._places, strict=True):
            y = self.height - (line + 1) * 7 * mm + 1.5 * mm
            _draw_box(self.canv, x, y)
            self.canv.setFont(FONT, _TICK_FONT_SIZE)
            self.canv.setFillColor(colors.black)
            self.canv.drawString(x + TICK_BOX + 1.8 * mm, y + 0.6 * mm, label)


class _Box(Flowable):
    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return TICK_BOX, TICK_BOX

    def draw(self) -> None:
        _draw_box(self.canv, 0, 0)


def tick_list(labels: Sequence[str], styles: Styles) -> Table:
    """Choices to tick by hand, one under the other, each with its box (a long choice wraps
    beside its box)."""
    table = Table(
        [[_Box(), text(label, styles.body)] for label in labels],
        colWidths=[TICK_BOX + 3 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (0, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


class ScaleBoxes(Flowable):
    """A scale to tick by hand: each number over its box, the words for the ends under them."""

    column = 12 * mm

    def __init__(self, minimum: int, maximum: int, low: str = "", high: str = "") -> None:
        super().__init__()
        self.numbers = [str(n) for n in range(minimum, maximum + 1)]
        self.low, self.high = low, high

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.step = min(self.column, availWidth / len(self.numbers))
        self.width = availWidth
        self.height = (15 if self.low or self.high else 11) * mm
        return self.width, self.height

    def draw(self) -> None:
        canv, top = self.canv, self.height
        canv.setFillColor(colors.black)
        for i, number in enumerate(self.numbers):
            middle = i * self.step + self.step / 2
            canv.setFont(FONT, _TICK_FONT_SIZE)
            canv.drawCentredString(middle, top - 4 * mm, number)
            _draw_box(canv, middle - TICK_BOX / 2, top - 9.5 * mm)
        canv.setFont(ITALIC, 8.5)
        canv.setFillColor(colors.HexColor("#555555"))
        if self.low:
            canv.drawString(0, 1 * mm, self.low)
        if self.high:
            canv.drawRightString(len(self.numbers) * self.step, 1 * mm, self.high)


class FillIn(Flowable):
    """A label and a short line after it to write on ("Dato: ________"); more than one pair
    on a line for a date and a time."""

    line = 40 * mm

    def __init__(self, *labels: str) -> None:
        super().__init__()
        self.labels = labels

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = availWidth, 8 * mm
        return self.width, self.height

    def draw(self) -> None:
        x = 0.0
        for label in self.labels:
            self.canv.setFont(BOLD, 9.5)
            self.canv.setFillColor(colors.black)
            self.canv.drawString(x, 2.2 * mm, f"{label}:")
            x += pdfmetrics.stringWidth(f"{label}:", BOLD, 9.5) + 2 * mm
            self.canv.setStrokeColor(WritingLine.color)
            self.canv.setLineWidth(0.6)
            self.canv.line(x, 1.5 * mm, x + self.line, 1.5 * mm)
            x += self.line + 8 * mm


class SignatureLines(Flowable):
    """Room to sign at the end of a form filled in by hand: lines with what goes on each under
    it, "Dato" and "Underskrift" side by side, "Navn og institution" across the width."""

    rows = (("Dato", "Underskrift"), ("Navn og institution",))
    gap = 14 * mm  # room for handwriting above each line

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = availWidth, len(self.rows) * (self.gap + 5 * mm)
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        for row_number, labels in enumerate(self.rows):
            y = self.height - (row_number + 1) * (self.gap + 5 * mm) + 5 * mm
            # "Dato" needs a short line; the other of the row has the rest.
            widths = [50 * mm, self.width - 58 * mm] if len(labels) == 2 else [self.width]
            x = 0.0
            for label, width in zip(labels, widths, strict=True):
                canv.setStrokeColor(colors.black)
                canv.setLineWidth(0.7)
                canv.line(x, y, x + width, y)
                canv.setFont(FONT, 8.5)
                canv.setFillColor(colors.HexColor("#555555"))
                canv.drawString(x, y - 3.8 * mm, label)
                x += width + 8 * mm


def _numbered_canvas(info: DocumentInfo) -> type[Canvas]:
    """A canvas that draws the frame after the last page, when the page count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Not Helvetica (the template passes None, reportlab's default): it is not embedded.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # (the recipe in reportlab's docs)

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._frame(total)
                super().showPage()
            super().save()

        def _frame(self, total: int) -> None:
            width, height = A4
            self.saveState()
            self.setFont(BOLD, 9)
            self.setFillColor(colors.HexColor("#8b0000"))
            self.drawString(MARGIN, height - 12 * mm, CONFIDENTIAL)
            self.setFillColor(colors.black)
            self.setFont(FONT, 9)
            self.drawRightString(width - MARGIN, height - 12 * mm, f"Sag {info.case_number}")
            self.setStrokeColor(colors.lightgrey)
            self.line(MARGIN, height - 14 * mm, width - MARGIN, height - 14 * mm)
            self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
            self.drawString(MARGIN, 10 * mm, f"{info.title} · {info.footer_form}")
            self.drawRightString(width - MARGIN, 10 * mm, f"Side {self.getPageNumber()} af {total}")
            self.restoreState()

    return NumberedCanvas


def build_pdf(info: DocumentInfo, story: Sequence[Flowable]) -> bytes:
    """The document as PDF bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 2 * mm,
        bottomMargin=MARGIN,
        title=info.title,
        subject=" · ".join(p for p in (f"Sag {info.case_number}", info.subject) if p),
        author="Feltmappe",
        creator="Feltmappe",
        keywords=[CONFIDENTIAL, info.case_number],
        invariant=True,  # the same document gives the same bytes (no creation time inside)
    )
    doc.build(list(story), canvasmaker=_numbered_canvas(info))
    return buffer.getvalue()


def danish_date(day: date | None) -> str:
    """ "3. april 2025"; "" for no date."""
    return long_date_da(day) if day else ""
