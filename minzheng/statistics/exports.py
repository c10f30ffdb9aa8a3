"""The statistics page as an Excel file: the same tables, rows, cells and totals as the screen, from the
same ``Report`` (issue 14 §5)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.common.months import month_label
from minzheng.common.spreadsheets import xlsx_append
from minzheng.statistics.rules import PERIOD_LABELS
from minzheng.statistics.selectors import Report, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_title(report: Report) -> str:
    """The heading of the page and of each sheet: the division and the period."""
    if report.first == report.month:
        when = month_label(report.month)
    else:
        when = f"{month_label(report.first)}至{month_label(report.month)}"
    return f"{report.division.name} {when}（{PERIOD_LABELS[report.period]}）"


MONEY_FORMAT = "0.00"  # as the page shows money: yuan with two places


def _sheet(sheet: Any, title: str, table: Table) -> None:
    xlsx_append(sheet, [title])
    xlsx_append(sheet, list(table.headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.all_rows():
        xlsx_append(sheet, list(row.cells))
        for cell, value in zip(sheet[sheet.max_row], row.cells, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)  # the total row


def statistics_workbook(report: Report) -> bytes:
    book = Workbook()
    areas = book.active
    assert areas is not None
    areas.title = "按地区"
    _sheet(areas, f"{report_title(report)} 按{report.row_level}", report.areas)
    _sheet(book.create_sheet("按救助项目"), f"{report_title(report)} 按救助项目", report.programmes)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
