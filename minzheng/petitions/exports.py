"""The written documents of a petition as PDF (ADR 0016: reportlab with the CID font, ``common.pdf``) and the
register and dashboard as Excel (``common.spreadsheets``).

A PDF addressed to the petitioner names them in full only when a handler of the matter or the petitioner
asks for it (the caller passes ``name``, after logging the reveal); anyone else gets the masked name.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook

from minzheng.common import pdf
from minzheng.common.spreadsheets import xlsx_append
from minzheng.petitions import rules
from minzheng.petitions.models import Petition
from minzheng.petitions.selectors import Dashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENTS = {
    "notice": "信访事项受理告知书",
    "reply": "信访事项处理意见书",
    "review": "信访事项复查意见书",
    "rereview": "信访事项复核意见书",
}


def _day(value: object) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


def document_text(petition: Petition, document: str) -> str:
    return {
        "notice": petition.accept_notice,
        "reply": petition.reply_text,
        "review": petition.review_text,
        "rereview": petition.rereview_text,
    }.get(document, "")


def petition_pdf(petition: Petition, document: str, name: str) -> bytes:
    """The notice or opinion addressed to the petitioner, with the limit that follows from it."""
    title = DOCUMENTS[document]
    if document == "notice" and petition.status == rules.Status.NOT_ACCEPTED:
        title = "信访事项不予受理告知书"
    blocks: list[pdf.Block] = [
        pdf.Heading(title),
        pdf.Text(f"编号：{petition.number}", align="right"),
        pdf.Text(f"{name}："),
        pdf.Text(
            f"您于{_day(petition.received_on)}提出的信访事项“{petition.subject}”，现{title[4:-1]}如下："
        ),
        pdf.Text(document_text(petition, document) or "（无）"),
    ]
    if document == "notice" and petition.status != rules.Status.NOT_ACCEPTED and petition.handle_due_on:
        blocks.append(
            pdf.Text(f"本机关将于{_day(petition.handle_due_on)}前办结（《信访工作条例》第三十四条）。")
        )
    if document == "reply" and petition.review_request_due_on:
        blocks.append(
            pdf.Text(
                f"如对处理意见不服，可自收到本意见书之日起30日内（至{_day(petition.review_request_due_on)}）"
                "向原办理机关的上一级机关请求复查（《信访工作条例》第三十五条）。"
            )
        )
    if document == "review" and petition.rereview_request_due_on:
        blocks.append(
            pdf.Text(
                f"如对复查意见不服，可自收到本意见书之日起30日内（至{_day(petition.rereview_request_due_on)}）"
                "请求复核（《信访工作条例》第三十六条）。"
            )
        )
    if document == "rereview":
        blocks.append(
            pdf.Text(
                "信访人对复核意见不服，仍以同一事实和理由提出信访的，不再受理（《信访工作条例》第三十六条）。"
            )
        )
    day = {"notice": petition.accepted_on, "reply": petition.replied_on, "review": petition.reviewed_on}.get(
        document, petition.rereviewed_on
    )
    blocks += [pdf.Text(petition.division.name, align="right"), pdf.Text(_day(day), align="right")]
    return pdf.pdf_render(title=f"{title} {petition.number}", blocks=blocks)


REGISTER_HEADERS = ["信访编号", "收到日期", "渠道", "类别", "事项类型", "标题", "信访人", "责任单位", "状态",
                    "当前期限", "期限状态", "超期上报", "答复日期", "按期答复", "满意度"]  # fmt: skip


def register_xlsx(rows: Iterable[Petition]) -> tuple[bytes, int]:
    """The register as filtered on the page; the petitioner is masked (an export is not a reveal)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "信访登记"
    sheet.append(REGISTER_HEADERS)
    count = 0
    for p in rows:
        count += 1
        xlsx_append(
            sheet,
            [
                p.number,
                p.received_on,
                rules.CHANNEL_LABELS[rules.Channel(p.channel)],
                rules.KIND_LABELS[rules.Kind(p.kind)],
                rules.MATTER_LABELS[rules.MatterType(p.matter_type)],
                p.subject,
                p.petitioner_name_masked,
                p.division.name,
                p.status_label,
                p.current_due_on,
                rules.DUE_STATE_LABELS[rules.DueState(p.due_state)],
                "是" if p.escalated_at else "",
                p.replied_on,
                {True: "是", False: "否"}.get(p.replied_on_time, ""),  # type: ignore[arg-type]
                rules.SATISFACTION_LABELS[rules.Satisfaction(p.satisfaction)] if p.satisfaction else "",
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def dashboard_xlsx(board: Dashboard) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "信访统计"
    for row in (
        ["收到", board.received],
        ["已答复", board.replied],
        ["按期答复", board.on_time],
        ["按期答复率", board.on_time_rate],
        ["已超期（未办结）", board.overdue],
        ["即将到期", board.due_soon],
        ["超期上报", board.escalated],
        ["满意率", board.satisfaction_rate],
    ):
        xlsx_append(sheet, row)
    sheet.append([])
    xlsx_append(sheet, ["事项类型", "件数"])
    for label, count in board.by_matter:
        xlsx_append(sheet, [label, count])
    sheet.append([])
    xlsx_append(sheet, ["责任单位", "件数", "已超期"])
    for name, count, late in board.by_division:
        xlsx_append(sheet, [name, count, late])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
