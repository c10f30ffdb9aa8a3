"""The 社会组织 lists and statistics as Excel: the rows the page shows (filters and sort applied), personal
data masked, every cell through ``common.spreadsheets`` (formula-like text neutralised)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.common.spreadsheets import xlsx_append
from minzheng.organisations.models import AbnormalListEntry, AnnualReport, Organisation
from minzheng.organisations.selectors import Statistics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000


def _book(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    xlsx_append(sheet, list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        xlsx_append(sheet, list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def organisations_xlsx(rows: QuerySet[Organisation]) -> bytes:
    headers = (
        "统一社会信用代码",
        "名称",
        "组织类型",
        "登记管理机关",
        "级别",
        "业务主管单位",
        "法定代表人",
        "住所",
        "注册资金（元）",
        "成立登记日期",
        "登记状态",
        "活动异常名录",
    )
    return _book(
        "社会组织",
        headers,
        (
            (
                o.credit_code,
                o.name,
                o.get_organisation_type_display(),
                o.division.name,
                o.get_authority_level_display(),
                o.supervisor.name if o.supervisor else "",
                o.legal_representative,
                o.domicile,
                o.registered_capital,
                o.established_on,
                o.get_status_display(),
                "是" if o.abnormal else "否",
            )
            for o in rows[:EXPORT_LIMIT].iterator(chunk_size=2000)
        ),
    )


def reports_xlsx(rows: QuerySet[AnnualReport]) -> bytes:
    headers = (
        "年度",
        "统一社会信用代码",
        "名称",
        "状态",
        "报业务主管单位截止日",
        "报登记管理机关截止日",
        "报送时间",
        "年检结论",
        "结论理由",
        "逾期日期",
    )
    return _book(
        "年检",
        headers,
        (
            (
                r.year,
                r.organisation.credit_code,
                r.organisation.name,
                r.get_status_display(),
                r.supervisor_due,
                r.authority_due,
                r.submitted_at.replace(tzinfo=None) if r.submitted_at else None,
                r.get_conclusion_display() if r.conclusion else "",
                r.conclusion_reasons,
                r.overdue_since,
            )
            for r in rows[:EXPORT_LIMIT].iterator(chunk_size=2000)
        ),
    )


def abnormal_xlsx(rows: QuerySet[AbnormalListEntry]) -> bytes:
    headers = (
        "统一社会信用代码",
        "名称",
        "登记管理机关",
        "列入事由",
        "依据",
        "列入日期",
        "移出日期",
        "移出事由",
    )
    return _book(
        "活动异常名录",
        headers,
        (
            (
                e.organisation.credit_code,
                e.organisation.name,
                e.organisation.division.name,
                e.reason,
                e.basis,
                e.listed_on,
                e.removed_on,
                e.removal_reason,
            )
            for e in rows[:EXPORT_LIMIT].iterator(chunk_size=2000)
        ),
    )


def statistics_xlsx(stats: Statistics) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "社会组织统计"
    xlsx_append(sheet, [f"{stats.year}年度社会组织统计"])
    sheet["A1"].font = Font(bold=True)
    for title, rows in (
        ("按组织类型", stats.by_type),
        ("按登记管理机关级别", stats.by_level),
        ("年检状态", stats.by_status),
        ("年检结论", stats.by_conclusion),
    ):
        xlsx_append(sheet, [])
        xlsx_append(sheet, [title, "数量"])
        for label, count in rows:
            xlsx_append(sheet, [label, count])
    xlsx_append(sheet, [])
    xlsx_append(sheet, ["地区", "社会组织数", "应报年检数", "已出结论数"])
    for row in stats.by_area:
        xlsx_append(sheet, list(row))
    xlsx_append(sheet, [])
    for label, value in (
        ("应报", stats.due),
        ("已报登记管理机关", stats.filed),
        ("逾期未报", stats.overdue),
        ("活动异常名录", stats.abnormal),
    ):
        xlsx_append(sheet, [label, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
