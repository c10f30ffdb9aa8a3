"""Excel of the marriage pages: the statistics tables (no personal data) and an import's error report."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.common.spreadsheets import xlsx_append
from minzheng.marriage import rules
from minzheng.marriage.models import DivorceApplication, ImportBatch
from minzheng.marriage.selectors.staff import Statistics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(book: Workbook, title: str, headers: Iterable[str], first: bool = False) -> Any:
    sheet = book.active if first else book.create_sheet()
    assert sheet is not None
    sheet.title = title
    xlsx_append(sheet, list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    return sheet


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def statistics_export(report: Statistics) -> bytes:
    book = Workbook()
    sheet = _sheet(book, "按登记机关", ("登记机关", "结婚登记（对）", "离婚登记（对）"), first=True)
    for row in report.offices:
        xlsx_append(sheet, [row["name"], row["marriage"], row["divorce"]])
    xlsx_append(sheet, ["合计", report.total_marriages, report.total_divorces])
    sheet = _sheet(book, "按月份", ("月份", "结婚登记（对）", "离婚登记（对）"))
    for row in report.months:
        xlsx_append(sheet, [f"{report.year}年{row['month']}月", row["marriage"], row["divorce"]])
    sheet = _sheet(book, "结婚年龄", ("年龄组", "男方（人）", "女方（人）"))
    for row in report.ages:
        xlsx_append(sheet, [row["label"], row["man"], row["woman"]])
    sheet = _sheet(book, "预约号源使用", ("业务", "号源数", "已预约", "使用率"))
    for row in report.utilisation:
        xlsx_append(sheet, [row["label"], row["capacity"], row["booked"], row["share"]])
    sheet = _sheet(book, "预约与离婚申请", ("类别", "状态", "数量"))
    for row in report.appointments:
        xlsx_append(sheet, ["预约", row["label"], row["count"]])
    for row in report.divorces:
        xlsx_append(sheet, ["离婚登记申请", row["label"], row["count"]])
    return _bytes(book)


def import_errors_export(batch: ImportBatch) -> bytes:
    book = Workbook()
    sheet = _sheet(book, "错误报告", ("行号", "列", "内容", "问题"), first=True)
    for error in batch.errors:
        xlsx_append(sheet, [error["row"], error["column"], error["value"], error["message"]])
    return _bytes(book)


def divorce_export(
    *, actor: User, applications: Iterable[DivorceApplication], today: dt.date, ip_address: str | None = None
) -> bytes:
    """The filtered cooling-off list with its dates (masked ID numbers only), logged as an export."""
    book = Workbook()
    headers = (
        "申请编号",
        "受理机关",
        "男方",
        "男方身份证号码（脱敏）",
        "女方",
        "女方身份证号码（脱敏）",
        "受理日期",
        "可撤回至",
        "可申领离婚证起",
        "申领离婚证截止",
        "日期暂定",
        "状态",
        "阶段",
    )
    sheet = _sheet(book, "离婚登记申请", headers, first=True)
    count = 0
    for a in applications:
        phase = rules.DIVORCE_PHASE_LABELS[rules.divorce_phase(a.withdraw_until, a.register_by, today)]
        xlsx_append(
            sheet,
            [
                a.number,
                a.office.name,
                a.man_name,
                a.man_id_masked,
                a.woman_name,
                a.woman_id_masked,
                a.received_on,
                a.withdraw_until,
                a.register_from,
                a.register_by,
                "是" if a.dates_provisional else "否",
                rules.DIVORCE_STATUS_LABELS[rules.DivorceStatus(a.status)],
                phase if a.status == "pending" else "",
            ],
        )
        count += 1
    personal_data_access_record(
        actor=actor,
        fields=["姓名", "身份证号码（脱敏）"],
        purpose="导出离婚登记申请名单",
        record_count=count,
        ip_address=ip_address,
    )
    return _bytes(book)
