"""Excel exports of the benefit pages (openpyxl; the what-if report is small: one row per division)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.benefits.whatif import WhatIfReport, WhatIfRow
from minzheng.benefits.whatif_editor import RULE_KEYS, value_changes
from minzheng.common.spreadsheets import xlsx_append
from minzheng.policy.rules import PARAMETER_KEYS, URBAN_RURAL_LABELS

WHATIF_COLUMNS = (
    "区划代码", "区划", "在册户数", "未能计算户数", "低保户（前）", "低保户（后）", "新增", "退出",
    "金额变化户数",
    "保障人数（前）", "保障人数（后）", "月支出（前）", "月支出（后）", "月差额", "年差额（12 个月）",
    "低保边缘户（前）", "低保边缘户（后）", "高龄津贴月支出（前）", "高龄津贴月支出（后）",
)  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(row: WhatIfRow) -> list[object]:
    return [
        row.division_code, row.division_name, row.households, row.refused, row.dibao_before, row.dibao_after,
        row.gained, row.lost, row.changed, row.persons_before, row.persons_after, row.monthly_before,
        row.monthly_after, row.monthly_difference, row.annual_difference, row.margin_before, row.margin_after,
        row.senior_before, row.senior_after,
    ]  # fmt: skip


def _value_lines(key: str, report: WhatIfReport) -> list[list[object]]:
    """The value in force and the proposed one as the page words them: a figure, or for a rule value
    (supplements, asset limits, age brackets, rounding) one line per changed item in Chinese, never the
    stored structure."""
    if key not in RULE_KEYS:
        return [[f"现行取值：{report.value_before}", f"调整后取值：{report.value_after}"]]
    changes = value_changes(key, report.value_before, report.value_after)
    if not changes:
        return [["调整后的取值与现行取值相同"]]
    return [[f"调整：{c.item}", f"现行：{c.before}", f"调整后：{c.after}"] for c in changes]


def whatif_workbook(report: WhatIfReport) -> bytes:
    """The report as one sheet: the scenario in the first rows, then one row per division and the total."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "标准测算"
    entry = report.entry
    xlsx_append(sheet, [f"参数：{PARAMETER_KEYS[entry.key].label}"])
    xlsx_append(sheet, [f"适用区划：{entry.division_code}（{URBAN_RURAL_LABELS[entry.urban_rural]}）",
                        f"生效日期：{entry.valid_from.isoformat()}"])  # fmt: skip
    for line in _value_lines(entry.key, report):
        xlsx_append(sheet, line)
    xlsx_append(sheet, [])
    xlsx_append(sheet, list(WHATIF_COLUMNS))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in report.rows:
        xlsx_append(sheet, _cells(row))
    xlsx_append(sheet, _cells(report.total))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def whatif_workbook_response(report: WhatIfReport) -> HttpResponse:
    response = HttpResponse(whatif_workbook(report), content_type=XLSX)
    name = f"whatif-{report.entry.key}-{report.entry.valid_from.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
