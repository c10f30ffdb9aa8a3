"""Excel exports of the providers and orders lists (the filtered rows, masked personal data only)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.common.spreadsheets import xlsx_append
from minzheng.eldercare.models import Provider, ServiceOrder
from minzheng.eldercare.rules.orders import flag_words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORDER_HEADERS = (
    "订单号",
    "老人",
    "居住地",
    "服务类别",
    "服务项目",
    "服务机构",
    "服务人员",
    "下单渠道",
    "预约开始",
    "预约结束",
    "状态",
    "金额（元）",
    "个人自付（元）",
    "政府补贴（元）",
    "签到时间",
    "签退时间",
    "核验提示",
    "满意度",
    "异议理由",
)
PROVIDER_HEADERS = (
    "机构名称",
    "统一社会信用代码",
    "登记旗县",
    "状态",
    "联系人",
    "联系电话",
    "开户银行",
    "银行账号",
)


def _book(title: str, headers: Iterable[str]) -> tuple[Workbook, Any]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    xlsx_append(sheet, list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return book, sheet


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _local(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else ""


def orders_xlsx(rows: QuerySet[ServiceOrder]) -> tuple[bytes, int]:
    book, sheet = _book("服务订单", ORDER_HEADERS)
    count = 0
    for order in rows.iterator(chunk_size=2000):
        xlsx_append(
            sheet,
            [
                order.number,
                order.older_person.person.name,
                order.division.name,
                order.item.get_kind_display(),
                order.item.name,
                order.provider.name,
                order.worker.name if order.worker else "",
                order.get_channel_display(),
                _local(order.window_start),
                _local(order.window_end),
                order.get_status_display(),
                order.amount,
                order.co_payment,
                order.subsidy,
                _local(order.check_in_at),
                _local(order.check_out_at),
                "；".join(flag_words(order.flags)),
                order.rating or "",
                order.dispute_reason,
            ],
        )
        count += 1
    return _bytes(book), count


def providers_xlsx(rows: QuerySet[Provider]) -> tuple[bytes, int]:
    book, sheet = _book("服务机构", PROVIDER_HEADERS)
    count = 0
    for provider in rows.iterator(chunk_size=2000):
        xlsx_append(
            sheet,
            [
                provider.name,
                provider.credit_code,
                provider.division.name,
                provider.get_status_display(),
                provider.contact_name,
                provider.contact_phone_masked,
                provider.bank_name,
                provider.bank_account_masked,
            ],
        )
        count += 1
    return _bytes(book), count
