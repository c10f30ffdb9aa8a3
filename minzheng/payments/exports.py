"""Excel files of payments: the signed payment roster (发放名册) by village and a reserve fund's period
report. Only stored masked values are written (ADR 0008); the roster is recorded in the personal-data
access log with its row count."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.common import pdf
from minzheng.common.money import yuan
from minzheng.common.months import month_label
from minzheng.common.spreadsheets import xlsx_append
from minzheng.payments import selectors
from minzheng.payments.models import Payroll
from minzheng.payments.rules import ReserveEntryKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_HEADERS = (
    "序号",
    "姓名",
    "身份证号码（脱敏）",
    "救助项目",
    "在户人数",
    "开户银行",
    "银行账号（脱敏）",
    "本月应发（元）",
    "补发/扣减/重发（元）",
    "实发金额（元）",
    "领款人签字",
)
ZERO = Decimal("0.00")


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold(sheet: Worksheet, values: Iterable[Any]) -> None:
    xlsx_append(sheet, list(values))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(c for c in name if c not in "[]:*?/\\")[:28] or "村"
    base, number = title, 2
    while title in used:
        title, number = f"{base[:26]}{number}", number + 1
    used.add(title)
    return title


def _roster_villages(actor: User, payroll: Payroll) -> dict[str, list[list[Any]]]:
    """The roster rows grouped by village (one GROUP BY query): the household's registration village, one
    row per payment with the masked ID, the bank and masked account the payment goes to (the lines' payee
    snapshot, ADR 0022) and an empty signature cell."""
    rows = (
        selectors.payroll_lines_ready(actor=actor, payroll=payroll)
        .values(
            "household__hukou_division__code",
            "household__hukou_division__name",
            "enrolment_id",
            "programme",
            "household__head__name",
            "household__head__id_number_masked",
            "enrolment__person__name",
            "enrolment__person__id_number_masked",
            "household__member_count",
            "bank_name",
            "bank_account_masked",
        )
        .annotate(
            regular=Sum("amount", filter=Q(kind="regular"), default=ZERO),
            other=Sum("amount", filter=~Q(kind="regular"), default=ZERO),
            net=Sum("amount", default=ZERO),
        )
        .order_by("household__hukou_division__code", "enrolment_id")
    )
    villages: dict[str, list[list[Any]]] = {}
    for row in rows:
        items = villages.setdefault(row["household__hukou_division__name"], [])
        person = row["enrolment__person__name"]
        items.append(
            [
                len(items) + 1,
                person or row["household__head__name"],
                row["enrolment__person__id_number_masked"]
                if person
                else row["household__head__id_number_masked"],
                selectors.PROGRAMME_NAMES.get(row["programme"], row["programme"]),
                1 if person else row["household__member_count"],
                row["bank_name"],
                row["bank_account_masked"],
                yuan(row["regular"]),
                yuan(row["other"]),
                yuan(row["net"]),
                "",
            ]
        )
    count = sum(len(items) for items in villages.values())
    personal_data_access_record(
        actor=actor,
        fields=["id_number_masked", "bank_account_masked"],
        purpose=f"发放名册 {payroll.number}",
        record_count=count,
    )
    return villages


def _roster_title(payroll: Payroll, village: str) -> str:
    return (
        f"{payroll.county.name}{village} 社会救助资金发放名册"
        f"（{month_label(payroll.month)}，批次 {payroll.number}）"
    )


def payroll_roster(*, actor: User, payroll: Payroll) -> bytes:
    """发放名册 (Excel): one sheet per village, one row per payment with a signature column, the village
    total, and the maker/checker lines to sign."""
    villages = _roster_villages(actor, payroll)
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    used: set[str] = set()
    for village, items in villages.items():
        _roster_sheet(book.create_sheet(_sheet_title(village, used)), payroll, village, items)
    if not villages:
        xlsx_append(book.create_sheet("名册"), ["本批次没有您管辖范围内的发放明细"])
    return _save(book)


def payroll_roster_pdf(*, actor: User, payroll: Payroll) -> bytes:
    """The same roster as a PDF (common.pdf, ADR 0016), one section per village."""
    blocks: list[pdf.Block] = []
    for village, items in _roster_villages(actor, payroll).items():
        total = sum((row[9] for row in items), ZERO)
        blocks += [
            pdf.Heading(_roster_title(payroll, village), level=2),
            pdf.Table(
                ROSTER_HEADERS,
                items,
                widths=(4, 8, 14, 10, 5, 10, 14, 9, 9, 9, 12),
                numeric=frozenset({7, 8, 9}),
            ),
            pdf.Text(f"合计 {len(items)} 笔，{total} 元"),
            pdf.Text(
                "制表人：__________　审核人：__________　村（社区）负责人：__________　日期：__________"
            ),
        ]
    if not blocks:
        blocks = [pdf.Text("本批次没有您管辖范围内的发放明细")]
    return pdf.pdf_render(title=f"发放名册 {payroll.number}", blocks=blocks, wide=True)


def _roster_sheet(sheet: Worksheet, payroll: Payroll, village: str, items: list[list[Any]]) -> None:
    xlsx_append(sheet, [_roster_title(payroll, village)])
    sheet["A1"].font = Font(bold=True, size=14)
    _bold(sheet, ROSTER_HEADERS)
    for row in items:
        xlsx_append(sheet, row)
        sheet.row_dimensions[sheet.max_row].height = 28  # room for a signature
    total = sum((row[9] for row in items), ZERO)
    _bold(sheet, ["合计", f"{len(items)} 笔", "", "", "", "", "", "", "", total, ""])
    xlsx_append(sheet, [])
    xlsx_append(sheet, ["制表人：", "", "", "审核人：", "", "", "村（社区）负责人：", "", "", "日期："])
    for column, width in zip("ABCDEFGHIJK", (6, 12, 22, 16, 8, 14, 24, 14, 16, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet["K"][2:]:
        cell.alignment = Alignment(vertical="center")


def payroll_list_workbook(payrolls: Iterable[Payroll]) -> bytes:
    """The filtered payroll list (no personal data)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "发放批次"
    _bold(
        sheet,
        [
            "批次号",
            "旗县（市区）",
            "发放月份",
            "状态",
            "明细条数",
            "合计金额（元）",
            "编制人",
            "审核人",
            "审核时间",
        ],
    )
    for payroll in payrolls:
        approved_at = (
            timezone.localtime(payroll.approved_at).replace(tzinfo=None) if payroll.approved_at else None
        )
        xlsx_append(
            sheet,
            [
                payroll.number,
                payroll.county.name,
                month_label(payroll.month),
                payroll.get_status_display(),
                payroll.line_count,
                payroll.total_amount,
                payroll.generated_by.username,
                payroll.approved_by.username if payroll.approved_by else "",
                approved_at,
            ],
        )
    return _save(book)


def reserve_workbook(report: selectors.ReserveReport) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "备用金收支"
    xlsx_append(
        sheet, [f"{report.fund.township.name} 临时救助备用金收支表（{report.date_from}—{report.date_to}）"]
    )
    _bold(sheet, ["期初余额", "本期收入", "本期支出", "期末余额"])
    xlsx_append(sheet, [report.opening, report.inflow, report.outflow, report.closing])
    xlsx_append(sheet, [])
    _bold(sheet, ["日期", "类别", "金额（元）", "余额（元）", "救助申请", "说明", "经办人"])
    for entry in report.entries:
        xlsx_append(
            sheet,
            [
                entry.entry_date,
                ReserveEntryKind(entry.kind).label,
                entry.amount,
                entry.balance_after,
                entry.application.number if entry.application else "",
                entry.note,
                entry.recorded_by.full_name or entry.recorded_by.username,
            ],
        )
    return _save(book)
