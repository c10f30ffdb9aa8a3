"""Excel exports of the application pages: the filtered list and a village's public notice.

Only stored masked values are written, never decrypted ones (ADR 0008); the public notice has no ID
numbers at all (《最低生活保障审核确认办法》第 24 条). The list export is recorded in the personal-data
access log with its row count.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.applications import rules, selectors
from minzheng.applications.models import Application
from minzheng.applications.rules import Channel, Step, Workflow
from minzheng.audit.services import personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied
from minzheng.common.spreadsheets import xlsx_append
from minzheng.common.templatetags.due_dates import due_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_FIELDS = ["name", "id_number_masked"]
LIST_HEADERS = (
    "申请编号",
    "救助类别",
    "申请人",
    "申请人身份证号码（脱敏）",
    "户主",
    "在户人数",
    "受理乡镇（街道）",
    "户籍村（社区）",
    "申请渠道",
    "申请日期",
    "受理日期",
    "当前环节",
    "环节办结时限",
    "总办结时限",
    "时限",
    "近亲属备案",
    "月救助金额（元）",
    "一次性救助金额（元）",
)
NOTICE_HEADERS = ("序号", "申请人", "家庭人数", "救助类别", "拟救助金额（元）", "公示期")


def _label(workflow: str) -> str:
    try:
        return rules.WORKFLOW_LABELS[Workflow(workflow)]
    except ValueError:
        return workflow


def _bold_header(book: Workbook, title: str, headers: Iterable[str]) -> tuple[Workbook, Any]:
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    xlsx_append(sheet, list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    return book, sheet


def _list_row(application: Application, today: dt.date) -> list[object]:
    household = application.household
    state = selectors.urgency(application.step_due_on, today) if application.is_open else ""
    return [
        application.number,
        _label(application.workflow),
        application.applicant.name,
        application.applicant.id_number_masked,
        household.head.name if household.head else "",
        household.member_count,
        application.division.name,
        household.hukou_division.name,
        Channel(application.channel).label,
        application.submitted_on,
        application.accepted_on,
        Step(application.step).label,
        _due(application.step_due_on, application.step_due_provisional),
        _due(application.overall_due_on, application.overall_due_provisional),
        selectors.DEADLINE_FILTERS.get(state, ""),
        "是" if application.staff_relative else "",
        application.monthly_amount,
        application.one_off_amount,
    ]


def application_export(
    *, actor: User, filters: selectors.ApplicationFilters, ip_address: str | None = None
) -> tuple[bytes, int]:
    """The filtered list as an .xlsx (masked ID numbers only); ``(content, row count)``."""
    if not actor.can(Capability.EXPORT):
        raise PermissionDenied("您的角色无权导出数据")
    today = timezone.localdate()
    book, sheet = _bold_header(Workbook(), "救助申请", LIST_HEADERS)
    count = 0
    for application in selectors.application_list(actor=actor, filters=filters, today=today).iterator(2000):
        xlsx_append(sheet, _list_row(application, today))
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    personal_data_access_record(
        actor=actor, fields=LIST_FIELDS, purpose="export", record_count=count, ip_address=ip_address
    )
    return buffer.getvalue(), count


def proposed_amount(notice: selectors.PublicNotice, application: Application) -> Decimal | None:
    """The amount the notice shows: the engine's proposal as of the notice's first day (the same figure as
    the notice page), else one already decided or requested (temporary assistance)."""
    return (
        notice.amounts.get(application.pk)
        or application.monthly_amount
        or application.one_off_amount
        or application.requested_amount
    )


def _due(day: dt.date | None, provisional: bool) -> dt.date | str | None:
    """A date cell, or the date as text with the 暂定 marker when it is provisional (ADR 0004)."""
    return due_text(day, provisional) if provisional else day


def notice_period_text(application: Application) -> str:
    """``2026-09-25 至 2026-10-08``, the end marked 暂定 when provisional (the notice page, XLSX and PDF)."""
    if application.notice_starts_on is None or application.notice_ends_on is None:
        return ""
    ends = due_text(application.notice_ends_on, application.notice_ends_provisional)
    return f"{application.notice_starts_on:%Y-%m-%d} 至 {ends}"


def public_notice_export(notice: selectors.PublicNotice) -> bytes:
    """The village's notice: name, household size, programme, amount and period; no ID numbers."""
    book, sheet = _bold_header(Workbook(), "公示名单", NOTICE_HEADERS)
    for number, application in enumerate(notice.applications, start=1):
        xlsx_append(
            sheet,
            [
                number,
                application.applicant.name,
                application.household.member_count,
                _label(application.workflow),
                proposed_amount(notice, application),
                notice_period_text(application),
            ],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
