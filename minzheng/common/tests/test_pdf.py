"""Chinese PDF rendering: text extractable, tables across pages with repeated headers, markup escaped,
deterministic output, no font file needed."""

from __future__ import annotations

import io

from pypdf import PdfReader

from minzheng.common import pdf


def text_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_paragraphs_and_table_in_chinese():
    content = pdf.pdf_render(title="测试", blocks=[
        pdf.Heading("社会救助审批表"), pdf.Text("申请编号：150102-2026-0000001", align="center"),
        pdf.Table(("序号", "申请人", "金额（元）"), [[1, "张*", "1,020.00"]], numeric=frozenset({2})),
    ])  # fmt: skip
    assert content.startswith(b"%PDF-")
    [page] = text_of(content)
    for expected in ("社会救助审批表", "申请编号：150102-2026-0000001", "序号", "张*", "1,020.00", "第 1 页"):
        assert expected in page
    assert PdfReader(io.BytesIO(content)).metadata.title == "测试"


def test_long_table_repeats_its_header_on_every_page():
    rows = [[n, f"第{n}行内容"] for n in range(1, 121)]
    pages = text_of(pdf.pdf_render(title="长表", blocks=[pdf.Table(("编号", "说明"), rows)]))
    assert len(pages) >= 3
    assert all("编号" in page and "说明" in page for page in pages)
    assert "第120行内容" in pages[-1]
    assert f"第 {len(pages)} 页" in pages[-1]


def test_markup_is_escaped_and_empty_tables_say_so():
    [page] = text_of(pdf.pdf_render(title="x", blocks=[
        pdf.Text("<b>不是标签</b> & 符号"), pdf.Table(("a", "b"), [], empty="（无记录）"),
    ]))  # fmt: skip
    assert "<b>不是标签</b> & 符号" in page
    assert "（无记录）" in page


def test_same_input_same_bytes():
    blocks = [pdf.Heading("公示"), pdf.Text("内容")]
    assert pdf.pdf_render(title="t", blocks=blocks) == pdf.pdf_render(title="t", blocks=blocks)


def test_wide_pages_are_landscape():
    reader = PdfReader(io.BytesIO(pdf.pdf_render(title="t", blocks=[pdf.Text("宽")], wide=True)))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
