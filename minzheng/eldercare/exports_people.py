"""Excel export of the older-people list: masked ID numbers and phones only, logged as a personal-data
access (the same shape as the monitoring and registry exports)."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.common.spreadsheets import xlsx_append
from minzheng.eldercare.forms_people import FLAG_LABELS
from minzheng.eldercare.rules.assessment import level_label
from minzheng.eldercare.rules.people import age_on
from minzheng.eldercare.selectors.people import OlderPersonFilters, older_person_list

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = (
    "姓名",
    "身份证号码（脱敏）",
    "性别",
    "年龄",
    "居住地",
    "生活状况",
    "能力等级",
    "下次评估日期",
    "在册",
)


def older_people_export(
    *, actor: User, filters: OlderPersonFilters, ip_address: str | None = None
) -> tuple[bytes, int]:
    today = timezone.localdate()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "老年人名册"
    xlsx_append(sheet, HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for older in older_person_list(actor=actor, filters=filters).iterator(chunk_size=2000):
        person = older.person
        flags = "、".join(str(label) for code, label in FLAG_LABELS if getattr(older, code))
        xlsx_append(
            sheet,
            [
                person.name,
                person.id_number_masked,
                person.get_sex_display(),
                age_on(older.birth_date, today),
                older.division.name,
                flags,
                level_label(older.capacity_level) if older.capacity_level else "未评估",
                older.next_assessment_on,
                "是" if older.active else f"已移出（{older.left_on:%Y-%m-%d}）" if older.left_on else "否",
            ],
        )
        count += 1
    personal_data_access_record(
        actor=actor,
        fields=["name", "id_number_masked"],
        purpose="导出老年人名册",
        record_count=count,
        ip_address=ip_address,
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
