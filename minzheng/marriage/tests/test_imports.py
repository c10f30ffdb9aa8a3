"""Historical import through the service: Excel via calamine (dates as cells), a missing column, a CSV that
is not UTF-8, sexes in the wrong columns; and the divorce-window SMS reminder."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from minzheng.common.errors import ValidationFailed
from minzheng.marriage import services
from minzheng.marriage.models import ImportBatch, MarriageRecord
from minzheng.marriage.services.imports import COLUMNS
from minzheng.portal.sms import outbox

from .conftest import man_id, slot_of, woman_id

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_excel_with_date_cells(office, registrars):
    content = xlsx(
        [["结婚", dt.datetime(2012, 5, 20), "J150102-2012-000009", "王大明", man_id(), "李小红", woman_id()]]
    )
    batch = services.records_import(
        actor=registrars["xincheng"], office_id=office.pk, file_name="旧档案.xlsx", content=content
    )
    assert (batch.status, batch.rows_created) == ("loaded", 1)
    record = MarriageRecord.objects.get()
    assert (record.registered_on, record.source, record.man_id_masked[-4:]) == (
        dt.date(2012, 5, 20),
        "import",
        man_id()[-4:],
    )


def test_missing_column_and_wrong_encoding(office, registrars):
    with pytest.raises(ValidationFailed, match="表头缺少列：女方身份证号码"):
        services.records_import(
            actor=registrars["xincheng"],
            office_id=office.pk,
            file_name="a.csv",
            content="登记类别,登记日期,证书编号,男方姓名,男方身份证号码,女方姓名\n".encode(),
        )
    with pytest.raises(Exception, match="不是 UTF-8 编码"):
        services.records_import(
            actor=registrars["xincheng"],
            office_id=office.pk,
            file_name="a.csv",
            content=(",".join(COLUMNS) + "\n").encode("gb18030"),
        )
    assert not ImportBatch.objects.exists()


def test_sexes_in_the_wrong_columns_are_reported(office, registrars):
    content = xlsx([["结婚", "2012-05-20", "J1", "李小红", woman_id(), "王大明", man_id()]])
    with pytest.raises(services.ImportRejected) as rejected:
        services.records_import(
            actor=registrars["xincheng"], office_id=office.pk, file_name="a.xlsx", content=content
        )
    assert rejected.value.batch.errors == [
        {
            "row": 2,
            "column": "男方身份证号码",
            "value": "",
            "message": "男方、女方身份证号码的性别与所在列不符，请核对是否填反",
        }
    ]
    assert not MarriageRecord.objects.exists()


def test_divorce_window_reminder(office, registrars, couple, django_capture_on_commit_callbacks):
    services.appointment_book(
        account=couple["he"],
        slot_id=slot_of(office, "marriage").pk,
        service="marriage",
        partner=services.PartnerInput("李小红", woman_id(), "13900000002"),
    )
    application = services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=services.CoupleInput("王大明", man_id(), "李小红", woman_id()),
        marriage_certificate="J1",
        agreement_signed=True,
        both_present=True,
        on=dt.date(2026, 1, 30),
    )
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.scans.divorce_reminders_send(today=application.register_by - dt.timedelta(days=3))
    assert sent == 2
    assert {m.phone for m in outbox} == {"13900000001", "13900000002"}
