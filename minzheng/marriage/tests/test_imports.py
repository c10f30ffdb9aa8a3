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
    with pytest.raises(ValidationFailed, match="只支持 .xlsx 或 .csv 文件"):
        services.records_import(
            actor=registrars["xincheng"], office_id=office.pk, file_name="a.txt", content=b"x"
        )
    assert not ImportBatch.objects.exists()


def test_a_gbk_csv_as_excel_saves_it_is_read(office, registrars):
    """Excel on a Chinese Windows saves CSV in GBK: it is read as such (GB 18030 is its superset)."""
    line = f"结婚,2012年5月20日,J150102-2012-000009,王大明,{man_id()},李小红,{woman_id()}"
    batch = services.records_import(
        actor=registrars["xincheng"],
        office_id=office.pk,
        file_name="a.csv",
        content=(",".join(COLUMNS) + "\n" + line + "\n").encode("gb18030"),
    )
    assert (batch.rows_total, batch.rows_created) == (1, 1)
    assert MarriageRecord.objects.get().man_name == "王大明"


def test_every_wrong_cell_is_reported_with_its_row_and_nothing_is_written(office, registrars):
    good = ["结婚", "2012-05-20", "J1", "王大明", man_id(), "李小红", woman_id()]
    born_later = ["结婚", "1990-01-01", "J2", "王大明", man_id(), "李小红", woman_id()]
    wrong = ["再婚", "2099-01-01", "", "", "150102199503040010", "李小红", ""]
    content = xlsx([good, [None] * 7, born_later, wrong, good])
    with pytest.raises(services.ImportRejected) as rejected:
        services.records_import(
            actor=registrars["xincheng"], office_id=office.pk, file_name="a.xlsx", content=content
        )
    batch = rejected.value.batch
    assert (batch.rows_total, batch.rows_rejected) == (4, 2)
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (4, "登记日期"),
        (5, "登记类别"),
        (5, "登记日期"),
        (5, "证书编号"),
        (5, "男方姓名"),
        (5, "男方身份证号码"),
        (5, "女方身份证号码"),
    ]
    assert batch.errors[0]["message"] == "登记日期早于当事人出生日期"
    assert batch.errors[4]["message"] == "请填写姓名"
    assert not MarriageRecord.objects.exists()


def test_duplicates_in_the_file_and_already_held_are_skipped_and_a_divorce_dissolves(office, registrars):
    marriage = ["结婚", "2012-05-20", "J1", "王大明", man_id(), "李小红", woman_id()]
    first = services.records_import(
        actor=registrars["xincheng"], office_id=office.pk, file_name="a.xlsx", content=xlsx([marriage])
    )
    divorce = ["离婚", "2015-01-02", "L1", "王大明", man_id(), "李小红", woman_id()]
    second = services.records_import(
        actor=registrars["xincheng"],
        office_id=office.pk,
        file_name="b.xlsx",
        content=xlsx([marriage, divorce, divorce]),
    )
    assert (first.rows_created, second.rows_total, second.rows_created, second.rows_duplicate) == (1, 3, 1, 2)
    held = MarriageRecord.objects.get(kind="marriage")
    assert held.dissolved_on == dt.date(2015, 1, 2)
    assert held.man_id_number == man_id()
    assert held.man_id_masked == man_id()[:4] + "*" * 10 + man_id()[-4:]


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
