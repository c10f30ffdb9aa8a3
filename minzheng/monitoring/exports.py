"""Excel exports of the monitoring pages: the filtered alert list (masked ID numbers only, logged as a
personal-data access), the dashboard tables, and a rejected feed's row-level error report."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.common.spreadsheets import xlsx_append
from minzheng.common.templatetags.due_dates import due_text
from minzheng.monitoring import rules, selectors
from minzheng.monitoring.models import FeedBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALERT_HEADERS = (
    "预警编号",
    "规则",
    "规则版本",
    "等级",
    "状态",
    "户主",
    "预警人员",
    "身份证号码（脱敏）",
    "责任村（社区）",
    "预警日期",
    "响应时限",
    "已上报县级",
    "处理说明",
)


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


def _masked(person: Any) -> str:
    return str(person.id_number_masked) if person is not None else ""


def alert_export(
    *, actor: User, filters: selectors.AlertFilters, ip_address: str | None = None
) -> tuple[bytes, int]:
    book = Workbook()
    sheet = _sheet(book, "预警", ALERT_HEADERS, first=True)
    count = 0
    for alert in selectors.alert_list(actor=actor, filters=filters).iterator(chunk_size=2000):
        head = alert.household.head
        person = alert.person
        xlsx_append(
            sheet,
            [
                alert.number,
                alert.rule.title,
                alert.rule_version,
                rules.SEVERITY_LABELS[rules.Severity(alert.severity)],
                rules.ALERT_STATUS_LABELS[rules.AlertStatus(alert.status)],
                head.name if head else "",
                person.name if person else "",
                _masked(person or head),
                alert.division.name,
                alert.raised_on,
                due_text(alert.due_on, alert.due_provisional),
                "是" if alert.escalated_at else "",
                alert.reason,
            ],
        )
        count += 1
    personal_data_access_record(
        actor=actor,
        fields=["name", "id_number_masked"],
        purpose="导出动态监测预警名单",
        record_count=count,
        ip_address=ip_address,
    )
    return _bytes(book), count


def dashboard_export(*, board: selectors.Dashboard) -> bytes:
    book = Workbook()
    sheet = _sheet(book, "按区划", ("区划", "预警总数", "未办结", "超期", "红色未办结"), first=True)
    for row in board.by_division:
        xlsx_append(sheet, [row["name"], row["total"], row["open"], row["overdue"], row["red"]])
    sheet = _sheet(book, "按规则", ("规则", "预警总数", "未办结"))
    for row in board.by_rule:
        xlsx_append(sheet, [row["title"], row["total"], row["open"]])
    sheet = _sheet(book, "按等级和时长", ("分组", "未办结"))
    for row in board.by_severity:
        xlsx_append(sheet, [f"{row['label']}预警", row["open"]])
    for row in board.by_age:
        xlsx_append(sheet, [f"已发出{row['label']}", row["open"]])
    sheet = _sheet(
        book,
        "救助覆盖",
        (
            "低收入人口类别",
            "监测人数",
            *(p["programme"] for p in (board.coverage[0]["programmes"] if board.coverage else [])),
        ),
    )
    for row in board.coverage:
        xlsx_append(sheet, [row["label"], row["persons"], *(p["persons"] for p in row["programmes"])])
    return _bytes(book)


def feed_errors_export(*, batch: FeedBatch) -> bytes:
    book = Workbook()
    sheet = _sheet(book, "错误报告", ("行号", "列", "内容", "问题"), first=True)
    for error in batch.errors:
        xlsx_append(sheet, [error["row"] or "文件", error["column"], error["value"], error["message"]])
    return _bytes(book)
