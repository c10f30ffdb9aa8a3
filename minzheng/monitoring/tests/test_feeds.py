"""Department feed import: happy path, every kind of bad input with its exact report cells, idempotent
re-import, matching and unmatched rows, Excel files and the JSON API."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from openpyxl import Workbook

from conftest import id_number
from minzheng.common.masking import mask_id_number
from minzheng.monitoring import feeds
from minzheng.monitoring.models import FeedBatch, FeedRecord

pytestmark = pytest.mark.django_db

HEADER = ["身份证号码", "结算日期", "个人自付金额", "费用类别", "结算单号"]
UNKNOWN = id_number("150102", dt.date(1975, 3, 3), 777)


def _counts(batch: FeedBatch) -> tuple[int, int, int, int, int]:
    return batch.rows_total, batch.rows_new, batch.rows_existing, batch.rows_matched, batch.rows_unmatched


def test_import_matches_registered_persons_and_reports_the_unmatched(family, deliver):
    # given one registered person and one ID number nobody registered
    household = family()
    # when
    outcome = deliver("medical_expense", HEADER, [
        [household.head.id_number, "2026-10-01", "1200.50", "医疗", "S1"],
        [UNKNOWN, "2026/10/02", "80", "medical", "S2"],
    ], name="医保2026-10.csv")  # fmt: skip
    # then
    batch = outcome.batch
    assert (batch.status, outcome.duplicate_file, _counts(batch)) == ("loaded", False, (2, 2, 0, 1, 1))
    records = list(
        FeedRecord.objects.order_by("row_number").values_list(
            "row_number", "person_id", "event_date", "amount", "code", "id_masked"
        )
    )
    assert [r[:5] for r in records] == [
        (2, household.head_id, dt.date(2026, 10, 1), Decimal("1200.50"), "medical"),
        (3, None, dt.date(2026, 10, 2), Decimal("80.00"), "medical"),
    ]
    assert records[1][5] == mask_id_number(UNKNOWN)
    assert batch.file_name == "医保2026-10.csv"
    assert batch.imported_by.username == "region"


def test_the_same_file_twice_changes_nothing_and_overlapping_records_are_not_stored_twice(family, deliver):
    household = family()
    rows = [[household.head.id_number, "2026-10-01", "100", "医疗", "S1"]]
    first = deliver("medical_expense", HEADER, rows)
    again = deliver("medical_expense", HEADER, rows)
    assert again.duplicate_file
    assert again.batch.pk == first.batch.pk
    assert (FeedBatch.objects.count(), FeedRecord.objects.count()) == (1, 1)
    # a new file repeating S1 and adding S2: one new row, one existing
    second = deliver(
        "medical_expense", HEADER, rows + [[household.head.id_number, "2026-10-05", "50", "医疗", "S2"]]
    )
    assert _counts(second.batch) == (2, 1, 1, 1, 0)
    assert FeedRecord.objects.count() == 2


def test_unmatched_rows_are_matched_once_the_person_is_registered(family, deliver, users):
    outcome = deliver(
        "death", ["身份证号码", "死亡日期"], [[id_number("150102", dt.date(1960, 1, 1), 991), "2026-09-01"]]
    )
    assert outcome.batch.rows_unmatched == 1
    household = family(id_number=id_number("150102", dt.date(1960, 1, 1), 991))
    assert feeds.feed_records_match() == 1
    assert FeedRecord.objects.get().person_id == household.head_id


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["150102198005171239", "2026-10-01", "1", "医疗", "S1"]],
            (2, "身份证号码", "150102198005171239", "身份证号码校验位错误，请核对后重新输入"),
        ),
        (
            [["ID", "2026-10-01", "1", "医疗", "S1"]],
            (2, "身份证号码", "ID", "身份证号码应为 18 位（或 15 位旧号码），实际为 2 位"),
        ),
        (
            [[None, "2026-13-01", "1", "医疗", "S1"]],
            (2, "结算日期", "2026-13-01", "不是有效日期（格式 YYYY-MM-DD）"),
        ),
        (
            [[None, "2099-01-01", "1", "医疗", "S1"]],
            (2, "结算日期", "2099-01-01", "日期 2099-01-01 晚于今天"),
        ),
        (
            [[None, "2026-10-01", "-5", "医疗", "S1"]],
            (2, "个人自付金额", "-5", "金额应为不小于 0、最多两位小数的数字（元）"),
        ),
        (
            [[None, "2026-10-01", "1.234", "医疗", "S1"]],
            (2, "个人自付金额", "1.234", "金额应为不小于 0、最多两位小数的数字（元）"),
        ),
        (
            [[None, "2026-10-01", "1", "牙科", "S1"]],
            (
                2,
                "费用类别",
                "牙科",
                "取值无效，可选：医疗（medical）、康复（rehabilitation）、意外伤害（accident）",
            ),
        ),
        ([[None, "2026-10-01", "1", "医疗", ""]], (2, "结算单号", "", "必填项为空")),
        (
            [[None, "2026-10-01", "1", "医疗", "S1"], [None, "2026-10-02", "2", "医疗", "S1"]],
            (3, "结算单号", "", "与第 3 行重复（结算单号相同）"),
        ),
    ],
    ids=[
        "checksum",
        "length",
        "bad-date",
        "future-date",
        "negative",
        "three-decimals",
        "choice",
        "empty",
        "duplicate",
    ],
)
def test_a_bad_row_rejects_the_whole_file_with_the_exact_cell(family, deliver, rows, expected):
    # given a valid first row, then the bad rows (None = the registered person's ID number)
    household = family()
    good = [household.head.id_number, "2026-10-01", "10", "医疗", "S0"]
    filled = [[household.head.id_number if v is None else v for v in row] for row in rows]
    # when
    outcome = deliver("medical_expense", HEADER, [good, *[[*r[:4], r[4]] for r in filled]])
    # then nothing is stored and the report names the cell (rows shift by one: the good row is row 2)
    row, column, value, message = expected
    assert outcome.rejected
    assert FeedRecord.objects.count() == 0
    assert outcome.batch.errors == [{"row": row + 1, "column": column, "value": value, "message": message}]


def test_wrong_columns_are_reported_on_the_header(deliver):
    outcome = deliver(
        "medical_expense", ["身份证号码", "日期", "个人自付金额", "结算单号"], [["x", "y", "1", "S"]]
    )
    assert outcome.rejected
    assert [(e["row"], e["message"]) for e in outcome.batch.errors] == [
        (1, "第 2 列“日期”不是“医疗费用个人自付”数据的列"),
        (1, "缺少必填列“结算日期”"),
        (1, "缺少必填列“费用类别”"),
    ]
    assert FeedRecord.objects.count() == 0


def test_a_gbk_file_is_refused_naming_the_encoding(monitoring_ready):
    content = "身份证号码,死亡日期\n".encode("gbk")
    outcome = feeds.feed_import(
        actor=monitoring_ready["region"], feed="death", content=content, file_name="gbk.csv"
    )
    assert outcome.rejected
    assert outcome.batch.errors == [
        {
            "row": 0,
            "column": "文件",
            "value": "gbk.csv",
            "message": (
                "文件不是 UTF-8 编码（第 1 个字节无法按 UTF-8 解读，看起来是 GBK/GB18030 编码），"
                "请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”或直接上传 Excel 文件"
            ),
        }
    ]


def test_an_excel_file_is_read_with_dates_and_numbers(family, monitoring_ready):
    household = family()
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([household.head.id_number, dt.date(2026, 9, 30), 99.9, "康复", "X1"])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = feeds.feed_import(
        actor=monitoring_ready["region"],
        feed="medical_expense",
        content=buffer.getvalue(),
        file_name="医保.xlsx",
    )
    assert not outcome.rejected
    assert _counts(outcome.batch) == (1, 1, 0, 1, 0)
    record = FeedRecord.objects.get()
    assert (record.event_date, str(record.amount), record.code) == (
        dt.date(2026, 9, 30),
        "99.90",
        "rehabilitation",
    )


def test_a_village_assistant_may_not_import(monitoring_ready):
    from minzheng.common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        feeds.feed_import(actor=monitoring_ready["assistant"], feed="death", content=b"a", file_name="a.csv")
    assert FeedBatch.objects.count() == 0


def test_api_delivery_is_idempotent_and_rejects_bad_rows(family, client, monitoring_ready):
    household = family()
    client.force_login(monitoring_ready["county"])
    body = {
        "rows": [
            {
                "id_number": household.head.id_number,
                "registered_on": "2026-08-01",
                "registration_number": "U9",
            }
        ]
    }
    url = "/api/v1/monitoring/feeds/unemployment"
    first = client.post(url, json.dumps(body), content_type="application/json")
    assert first.status_code == 201, first.content
    assert (first.json()["rows_new"], first.json()["rows_matched"], first.json()["duplicate"]) == (
        1,
        1,
        False,
    )
    again = client.post(url, json.dumps(body), content_type="application/json")
    assert (again.status_code, again.json()["duplicate"], again.json()["id"]) == (
        200,
        True,
        first.json()["id"],
    )
    bad = client.post(
        url,
        json.dumps(
            {
                "rows": [
                    {
                        "id_number": household.head.id_number,
                        "registered_on": "soon",
                        "registration_number": "U10",
                    }
                ]
            }
        ),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["batch"]["errors"] == [
        {"row": 2, "column": "失业登记日期", "value": "soon", "message": "不是有效日期（格式 YYYY-MM-DD）"}
    ]
    assert FeedRecord.objects.count() == 1
    assert (
        client.post(
            "/api/v1/monitoring/feeds/nothing", json.dumps(body), content_type="application/json"
        ).status_code
        == 422
    )


def test_every_documented_example_file_imports(monitoring_ready):
    """docs/feeds/examples/<feed>.csv are valid deliveries of their feed (the schema docs stay true)."""
    from pathlib import Path

    from minzheng.monitoring.rules import FEEDS

    folder = Path(__file__).resolve().parents[3] / "docs" / "feeds" / "examples"
    for code in FEEDS:
        path = folder / f"{code}.csv"
        outcome = feeds.feed_import(actor=None, feed=code, content=path.read_bytes(), file_name=path.name)
        assert not outcome.rejected, (code, outcome.batch.errors)
        assert outcome.batch.rows_new == 1


def test_feed_batches_are_seen_only_within_the_importers_jurisdiction(family, monitoring_ready):
    # given: a county of Hohhot imports a file with one unmatched row
    from minzheng.common.errors import NotFound
    from minzheng.monitoring import selectors

    from .conftest import csv_text

    outcome = feeds.feed_import(actor=monitoring_ready["county"], feed="medical_expense",
                                content=csv_text(HEADER, [[UNKNOWN, "2026-10-02", "80", "medical", "S2"]]),
                                file_name="新城区医保.csv")  # fmt: skip

    # when / then: the importing county and the region see it; another county does not
    assert list(selectors.feed_batch_list(actor=monitoring_ready["county"])) == [outcome.batch]
    assert list(selectors.feed_batch_list(actor=monitoring_ready["region"])) == [outcome.batch]
    assert list(selectors.feed_batch_list(actor=monitoring_ready["taibus_county"])) == []
    with pytest.raises(NotFound):
        selectors.feed_batch_unmatched(actor=monitoring_ready["taibus_county"], batch=outcome.batch)


def test_duplicates_and_bad_cells_are_reported_in_row_order_and_nothing_is_stored(family, deliver):
    head = family().head.id_number
    outcome = deliver("medical_expense", HEADER, [
        [head, "2026-10-01", "10", "医疗", "S0"],
        [head, "2026-10-01", "10", "医疗", "S1"],
        [head, "2026-10-01", "10", "医疗", "S1"],
        [head, "2026-13-01", "10", "医疗", "S2"],
        [head, "2026-10-01", "10", "医疗", "S0"],
    ])  # fmt: skip
    assert outcome.rejected
    assert [(e["row"], e["column"], e["message"]) for e in outcome.batch.errors] == [
        (4, "结算单号", "与第 3 行重复（结算单号相同）"),
        (5, "结算日期", "不是有效日期（格式 YYYY-MM-DD）"),
        (6, "结算单号", "与第 2 行重复（结算单号相同）"),
    ]
    assert outcome.batch.rows_total == 5
    assert FeedRecord.objects.count() == 0


def test_a_lower_case_x_and_a_15_digit_number_are_normalised(family, deliver, users):
    from minzheng.registry.services import PersonData, person_add_to_household

    household = family()
    person = person_add_to_household(
        actor=users["caseworker"], household=household, relation="son", joined_on=dt.date(2020, 1, 1),
        data=PersonData(name="旧号码", id_number="150102800517123", employment_status="unemployed"),
    )  # fmt: skip
    x_number = next(id_number("150102", dt.date(1980, 5, 17), n) for n in range(200, 400)
                    if id_number("150102", dt.date(1980, 5, 17), n).endswith("X"))  # fmt: skip
    outcome = deliver("death", ["身份证号码", "死亡日期"], [
        ["150102800517123", "2026-01-01"], [x_number.lower(), "2026-01-02"],
    ])  # fmt: skip
    assert outcome.batch.status == "loaded"
    records = list(FeedRecord.objects.order_by("row_number").values_list("person_id", "id_masked"))
    assert records[0] == (person.pk, mask_id_number(person.id_number))
    assert records[1] == (None, mask_id_number(x_number))
