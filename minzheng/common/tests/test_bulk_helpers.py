"""The batch forms of the per-value helpers give exactly the per-value results (issue 21: the imports use
them): ``parse_resident_ids`` = ``parse_resident_id``, ``encrypt_all``/``blind_indexes`` = ``encrypt``/
``blind_index``, and ``tabular.read_table`` reads .xlsx and CSV (both readers) into the same cells."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from openpyxl import Workbook

from minzheng.common import crypto
from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import make_resident_id, parse_resident_id, parse_resident_ids
from minzheng.common.tabular import column_text, read_table


def _expected(value: str) -> tuple[str, dt.date | None, str, str | None]:
    try:
        parsed = parse_resident_id(value)
    except ValidationFailed as error:
        return "", None, "", error.message
    return parsed.number, parsed.birth_date, parsed.sex.value, None


def test_parse_resident_ids_agrees_with_parse_resident_id_value_by_value():
    rng = random.Random(21)
    valid = [
        make_resident_id(
            rng.choice(["150102", "152527", "110105", "912345"]),
            dt.date(1890 + i % 130, 1 + i % 12, 1 + i % 28),
            i % 1000,
        )
        for i in range(300)
    ]
    damaged = [v[:17] + ("X" if v[17] != "X" else "0") for v in valid[:50]]  # checksum
    odd = [
        "",
        "11010519491231002x",  # lower-case x: the slow path normalises it
        " 110105194912310021 ",
        "110105194902300021",  # 30 February
        "150102189001010011",
        make_resident_id("150102", dt.date(1889, 12, 31), 1),  # before 1890
        make_resident_id("150102", dt.date(2099, 1, 1), 1),  # in the future
        make_resident_id("990102", dt.date(1980, 1, 1), 1),  # province 99 unknown
        make_resident_id("900102", dt.date(1980, 1, 1), 1),  # 9 + province 00 unknown
        "150102800101001",  # 15 digits: upgraded
        "1501021980010100",
        "15010219800101001Y",
        "１５０１０２１９８００１０１００１１",  # full-width digits
        "abc",
    ]
    values = valid + damaged + odd
    result = parse_resident_ids(values)
    got = [
        (result.numbers[i], result.birth_dates[i], result.sexes[i], result.errors.get(i))
        for i in range(len(values))
    ]
    expected = [_expected(v) if v else ("", None, "", None) for v in values]
    assert got == expected
    assert sum(1 for e in expected if e[3] is None and e[0]) > 250  # most take the fast path and are valid


def test_bulk_encryption_and_blind_indexes_equal_the_single_value_ones(settings):
    values = ["150102198005170123", "6228480012345678901", "", "张三"]
    assert crypto.blind_indexes(values, purpose="id_number") == [
        crypto.blind_index(v, purpose="id_number") for v in values
    ]
    sealed = crypto.encrypt_all(values)
    assert [crypto.decrypt(s) for s in sealed] == values
    assert len({s.partition("$")[2][:16] for s in sealed}) == len(values)  # a nonce of its own each
    settings.BLIND_INDEX_KEY = "a2V5" * 30  # a key longer than SHA-256's block is hashed first (RFC 2104)
    assert crypto.blind_indexes(values[:1], purpose="x") == [crypto.blind_index(values[0], purpose="x")]


ROWS = [
    ["编号", "姓名", "金额"],
    ["1", " 王大山 ", "1350.00"],
    ["2", "李\n秀英", ""],
    ["3", "巴特尔", "-5"],
]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows, encoding: str = "utf-8") -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("a.xlsx", _xlsx(ROWS)),
        ("a.csv", _csv(ROWS)),  # PyArrow's reader
        ("a.csv", _csv(ROWS, "gb18030")),
        ("a.csv", b"\xef\xbb\xbf" + _csv(ROWS)),  # a BOM
    ],
)
def test_xlsx_and_csv_read_into_the_same_cells(filename, content):
    table = read_table(filename, content)
    assert (table.header, table.count) == (["编号", "姓名", "金额"], 3)
    assert [column_text(c) for c in table.columns] == [
        ["1", "2", "3"],
        ["王大山", "李\n秀英", "巴特尔"],
        ["1350.00", "", "-5"],
    ]


def test_a_csv_with_blank_and_short_lines_keeps_the_row_numbers():
    content = "编号,姓名,金额\n1,王大山,1\n\n3,巴特尔\n".encode()
    table = read_table("a.csv", content)
    assert table.count == 3  # the blank line is row 3 of the file
    assert [column_text(c) for c in table.columns] == [
        ["1", "", "3"],
        ["王大山", "", "巴特尔"],
        ["1", "", ""],
    ]


def test_unreadable_files():
    with pytest.raises(ValidationFailed, match="编码无法识别"):
        read_table("a.csv", b"\xff\xfe\x00\xd8\x00")
    with pytest.raises(ValidationFailed, match="无法读取 Excel 文件"):
        read_table("a.xlsx", b"not a zip")
    with pytest.raises(ValidationFailed, match="只支持 .xlsx 或 .csv"):
        read_table("a.ods", b"x")
