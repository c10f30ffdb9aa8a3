"""Chinese PDF documents (tables and paragraphs) without a network, a CDN or a font file (ADR 0016).

Text is set in Adobe's ``STSong-Light`` CID font, which reportlab knows by its metrics alone: the PDF
references the font by name and every PDF reader supplies a Song/Ming face for it (the Adobe-GB1
character collection covers GB 18030's Chinese characters), so nothing has to be installed on the
server and the files stay small. A deployment that must embed glyphs can point ``PDF_FONT_PATH`` at a
TrueType/OpenType collection (e.g. Debian's ``fonts-wqy-microhei``) and it is used instead.

The API is a list of blocks rendered top to bottom: ``Heading``, ``Text`` and ``Table`` (the header row
repeats on each page, long cells wrap). Every page carries "第 N 页" at the bottom.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PlatypusTable

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "MinzhengEmbedded"
MARGIN = 15 * mm
ALIGNMENTS = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: the document title (centred), 2: a section title


@dataclass(frozen=True)
class Text:
    text: str
    align: str = "left"  # left / center / right
    size: float = 10


@dataclass(frozen=True)
class Table:
    """A table with a header row. ``widths`` are relative column widths (default: equal)."""

    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    widths: Sequence[float] = ()
    numeric: frozenset[int] = field(default_factory=frozenset)  # right-aligned column indexes
    empty: str = "（无）"


Block = Heading | Text | Table


@cache
def font_name() -> str:
    """Register the font once per process: the configured TrueType file if any, else the CID font."""
    path = getattr(settings, "PDF_FONT_PATH", "")
    if path:
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=0))
        return EMBEDDED_FONT
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def _style(size: float, align: str = "left", bold_like: bool = False) -> ParagraphStyle:
    return ParagraphStyle(
        name=f"s{size}{align}{bold_like}",
        fontName=font_name(),
        fontSize=size,
        leading=size * 1.35,
        alignment=ALIGNMENTS.get(align, TA_LEFT),
        wordWrap="CJK",  # break between Chinese characters, not only at spaces
        textColor=colors.black,
    )


def _paragraph(value: object, style: ParagraphStyle) -> Paragraph:
    text = "" if value is None else str(value)
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(block: Table, width: float) -> list[object]:
    cell = _style(8.5)
    right = _style(8.5, "right")
    head = _style(8.5, "center")
    rows: list[list[Paragraph]] = [[_paragraph(h, head) for h in block.headers]]
    for row in block.rows:
        rows.append([_paragraph(v, right if i in block.numeric else cell) for i, v in enumerate(row)])
    if not block.rows:
        return [_table_grid(rows, block, width), _paragraph(block.empty, _style(9))]
    return [_table_grid(rows, block, width)]


def _table_grid(rows: list[list[Paragraph]], block: Table, width: float) -> PlatypusTable:
    weights = list(block.widths) or [1.0] * len(block.headers)
    total = sum(weights)
    table = PlatypusTable(rows, colWidths=[width * w / total for w in weights], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _flowables(blocks: Sequence[Block], width: float) -> list[object]:
    out: list[object] = []
    for block in blocks:
        if isinstance(block, Heading):
            size = 16 if block.level == 1 else 12
            out += [_paragraph(block.text, _style(size, "center" if block.level == 1 else "left"))]
            out += [Spacer(1, 3 * mm)]
        elif isinstance(block, Text):
            out += [_paragraph(block.text, _style(block.size, block.align)), Spacer(1, 1.5 * mm)]
        else:
            out += [*_table(block, width), Spacer(1, 4 * mm)]
    return out


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(font_name(), 8)
    canvas.drawCentredString(doc.pagesize[0] / 2, 8 * mm, f"第 {doc.page} 页")
    canvas.restoreState()


def pdf_render(*, title: str, blocks: Sequence[Block], wide: bool = False) -> bytes:
    """The blocks as an A4 PDF (landscape when ``wide``); ``title`` goes into the document properties."""
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Minzheng 民政",
        creator="Minzheng 民政",
        invariant=True,  # no creation timestamp or random id: the same input gives the same bytes
    )
    doc.build(_flowables(blocks, size[0] - 2 * MARGIN), onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()
