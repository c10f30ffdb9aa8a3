"""Excel of the entitlement, visit and home-care lists (masked ID numbers only; the export is logged as
a personal-data access)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.common.spreadsheets import xlsx_append

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    *,
    actor: User,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    purpose: str,
    ip: str | None,
) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    xlsx_append(sheet, list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        if count >= settings.EXPORT_SYNC_LIMIT:
            break
        xlsx_append(sheet, ["" if v is None else v for v in row])
        count += 1
    personal_data_access_record(
        actor=actor, fields=["id_number_masked"], purpose=purpose, record_count=count, ip_address=ip
    )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"{title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
