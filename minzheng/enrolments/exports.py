"""Excel export of the enrolment list: stored masked ID numbers only, never decrypted ones (ADR 0008);
recorded in the personal-data access log with its row count."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied
from minzheng.common.spreadsheets import xlsx_append
from minzheng.enrolments import selectors
from minzheng.enrolments.forms import PROGRAMME_LABELS
from minzheng.enrolments.models import Enrolment, EnrolmentStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = (
    "编号",
    "救助项目",
    "救助对象",
    "身份证号码（脱敏）",
    "户主",
    "户籍村（社区）",
    "发放乡镇（街道）",
    "档次",
    "当前月发放金额（元）",
    "起始月份",
    "截止月份",
    "状态",
    "纳入方式",
)


def _row(e: Enrolment) -> list[object]:
    subject = e.person or e.household.head
    return [
        e.pk,
        PROGRAMME_LABELS.get(e.programme, e.programme),
        subject.name if subject else "",
        subject.id_number_masked if subject else "",
        e.household.head.name if e.household.head else "",
        e.household.hukou_division.name,
        e.division.name,
        e.level,
        e.monthly_amount,
        f"{e.starts_month:%Y-%m}",
        f"{e.ends_month:%Y-%m}" if e.ends_month else "",
        EnrolmentStatus(e.status).label,
        e.get_source_display(),
    ]


def enrolment_export(
    *, actor: User, filters: selectors.EnrolmentFilters, ip_address: str | None = None
) -> tuple[bytes, int]:
    if not actor.can(Capability.EXPORT):
        raise PermissionDenied("您的角色无权导出数据")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "在保对象"
    xlsx_append(sheet, list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for enrolment in selectors.enrolment_export_rows(actor=actor, filters=filters):
        xlsx_append(sheet, _row(enrolment))
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    personal_data_access_record(
        actor=actor,
        fields=["name", "id_number_masked"],
        purpose="export",
        record_count=count,
        ip_address=ip_address,
    )
    return buffer.getvalue(), count
