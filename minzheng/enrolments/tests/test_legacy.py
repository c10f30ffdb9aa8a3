"""Legacy-system import: happy path (xlsx and CSV), every error kind with the report cells, all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import Workbook, load_workbook

from conftest import id_number
from minzheng.enrolments.legacy import COLUMNS, legacy_error_report, legacy_import
from minzheng.enrolments.models import Enrolment, EntitlementPeriod, LegacyImport
from minzheng.registry.models import Household, Membership, Person

HEAD = id_number("150102", dt.date(1970, 3, 4), 11)
SPOUSE = id_number("150102", dt.date(1972, 6, 1), 22)
CHILD = id_number("150102", dt.date(2012, 9, 9), 31)
SENIOR = id_number("152527", dt.date(1940, 1, 2), 41)


def row(**values):
    base = dict.fromkeys(COLUMNS, "")
    base.update({"原系统家庭编号": "H1", "与户主关系": "户主"})
    base.update(values)
    return [base[c] for c in COLUMNS]


def good_rows():
    return [
        row(
            姓名="王大山",
            身份证号码=HEAD,
            户籍区划代码="150102001001",
            城乡类别="城镇",
            户籍地址="锡林南路 1 号",
            救助项目="最低生活保障",
            档次="A类",
            月发放金额="1350.00",
            起始月份="2021-03",
            开户银行="中国农业银行",
            银行账号="6228480012345678901",
        ),
        row(姓名="李秀英", 身份证号码=SPOUSE, 与户主关系="配偶"),
        row(姓名="王小明", 身份证号码=CHILD, 与户主关系="子"),
        row(
            原系统家庭编号="H2",
            姓名="巴特尔",
            身份证号码=SENIOR,
            户籍区划代码="152527201206",
            救助项目="特困",
            档次="完全丧失生活自理能力",
            月发放金额="1100",
            起始月份="2020-01-01",
        ),
    ]


def xlsx(rows, header=COLUMNS):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def county(users):
    return users["county"]


@pytest.fixture
def region_county(make_user, divisions):
    """A county-level user over both test counties is not realistic; use the region supervisor's division
    with an approver role to import households of two counties."""
    return make_user("region_approver", "county_approver", divisions["region"])


def test_happy_path_writes_everything_set_based(region_county, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        record = legacy_import(actor=region_county, filename="原低保.xlsx", content=xlsx(good_rows()))
    assert (record.status, record.rows, record.households, record.persons, record.enrolments) == (
        "succeeded",
        4,
        2,
        4,
        2,
    )
    dibao = Enrolment.objects.get(programme="dibao")
    assert (dibao.source, dibao.person_id, dibao.level, dibao.monthly_amount) == (
        "legacy",
        None,
        "A类",
        Decimal("1350.00"),
    )
    assert (dibao.starts_month, dibao.division.code) == (dt.date(2021, 3, 1), "150102001000")
    household = dibao.household
    assert (household.head.name, household.member_count, household.urban_rural) == ("王大山", 3, "urban")
    assert household.bank_account == "6228480012345678901"
    assert household.bank_account_masked == "***************8901"
    assert sorted(
        Membership.objects.filter(household=household).values_list("relation_to_head", flat=True)
    ) == ["head", "son", "spouse"]
    child = Person.objects.get(name="王小明")
    assert (child.id_number, child.employment_status, child.id_number_masked) == (
        CHILD,
        "student",
        CHILD[:4] + "**********" + CHILD[-4:],
    )
    tekun = Enrolment.objects.get(programme="extreme_poverty_support")
    assert (tekun.person.name, tekun.household.urban_rural, tekun.division.code) == (
        "巴特尔",
        "rural",
        "152527201000",
    )
    assert list(
        EntitlementPeriod.objects.filter(enrolment=tekun).values_list(
            "from_month", "until_month", "monthly_amount"
        )
    ) == [(dt.date(2020, 1, 1), None, Decimal("1100.00"))]


def test_csv_in_gbk(region_county):
    text = ",".join(COLUMNS) + "\n" + "\n".join(",".join(r) for r in good_rows()) + "\n"
    record = legacy_import(actor=region_county, filename="old.csv", content=text.encode("gbk"))
    assert (record.status, record.persons) == ("succeeded", 4)


def test_every_error_kind_is_reported_and_nothing_written(county, household_factory):
    existing = household_factory()  # its head's ID number is already registered
    rows = [
        *good_rows()[:3],
        row(
            原系统家庭编号="H3",
            姓名="",
            身份证号码="150102197001010011",
            户籍区划代码="150102001001",
            救助项目="低保",
            月发放金额="-5",
            起始月份="2021-13",
        ),
        row(
            原系统家庭编号="H4",
            姓名="赵四",
            身份证号码=HEAD,
            户籍区划代码="152527201206",
            救助项目="火星补贴",
            月发放金额="abc",
            起始月份="2021-01",
        ),
        row(
            原系统家庭编号="H5",
            姓名="钱五",
            身份证号码=existing.head.id_number,
            户籍区划代码="999999999999",
            城乡类别="郊区",
            救助项目="临时救助",
            月发放金额="100",
            起始月份="2021-01",
            银行账号="12ab",
        ),
        row(
            原系统家庭编号="H1",
            姓名="孙六",
            身份证号码=id_number("150102", dt.date(1990, 1, 1), 51),
            与户主关系="表舅",
            救助项目="最低生活保障",
            月发放金额="10",
            起始月份="2021-01",
        ),
        row(
            原系统家庭编号="H6",
            姓名="周七",
            身份证号码=id_number("150102", dt.date(1991, 1, 1), 61),
            与户主关系="配偶",
        ),
    ]
    persons_before = Person.objects.count()
    record = legacy_import(actor=county, filename="bad.xlsx", content=xlsx(rows))
    assert record.status == "rejected"
    assert record.errors == [
        [5, "姓名", "请填写姓名"],
        [5, "身份证号码", "身份证号码校验位错误，请核对后重新输入"],
        [5, "月发放金额", "月发放金额须为不小于 0 的数字，最多两位小数"],
        [5, "起始月份", "起始月份“2021-13”格式不对（如 2026-12）"],
        [6, "身份证号码", "身份证号码与第 2 行重复"],
        [6, "户籍区划代码", "区划 敦达乌苏嘎查（152527201206）不在您的管辖范围内"],
        [6, "救助项目", "救助项目“火星补贴”无法识别（如：最低生活保障、特困人员救助供养、高龄津贴）"],
        [6, "月发放金额", "月发放金额“abc”不是有效数字"],
        [7, "身份证号码", "该身份证号码已在人口库登记，请在系统中直接办理纳入"],
        [7, "户籍区划代码", "区划代码 999999999999 不存在或不是村（社区）级"],
        [7, "城乡类别", "城乡类别须为“城镇”或“农村”"],
        [7, "救助项目", "“临时救助”不是按月发放的项目，不能导入为在保对象"],
        [7, "银行账号", "银行账号应为 12–30 位数字"],
        [8, "与户主关系", "与户主关系“表舅”无法识别（如：户主、配偶、子、女、父母）"],
        [9, "与户主关系", "家庭 H6 没有户主行"],
    ]
    assert record.error_count == 15
    assert Person.objects.count() == persons_before
    assert Household.objects.count() == 1
    assert Enrolment.objects.count() == 0
    report = load_workbook(io.BytesIO(legacy_error_report(record))).active
    cells = [[c.value for c in r] for r in report.iter_rows()]
    assert cells[0] == ["行号", "列", "错误说明"]
    assert cells[1] == [5, "姓名", "请填写姓名"]
    assert len(cells) == 16


def test_already_enrolled_and_second_head_and_household_programme_on_member_row(county, dibao_enrolment):
    enrolment = dibao_enrolment()
    rows = [
        row(
            原系统家庭编号="A",
            姓名="张三",
            身份证号码=enrolment.household.head.id_number,
            户籍区划代码="150102001001",
            救助项目="最低生活保障",
            月发放金额="100",
            起始月份="2021-01",
        ),
        row(原系统家庭编号="B", 姓名="甲", 身份证号码=HEAD, 户籍区划代码="150102001001"),
        row(原系统家庭编号="B", 姓名="乙", 身份证号码=SPOUSE),
        row(
            原系统家庭编号="B",
            姓名="丙",
            身份证号码=CHILD,
            与户主关系="子",
            救助项目="低保",
            月发放金额="1",
            起始月份="2021-01",
        ),
    ]
    record = legacy_import(actor=county, filename="x.xlsx", content=xlsx(rows))
    assert record.errors == [
        [2, "身份证号码", "该人员已在保（同一救助项目），不能重复导入"],
        [4, "与户主关系", "家庭 B 已在第 3 行填了户主"],
        [5, "救助项目", "按户保障的项目须填在户主所在行"],
    ]
    assert LegacyImport.objects.filter(status="succeeded").count() == 0


def test_missing_columns_and_wrong_file_type(county):
    from minzheng.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="缺少必需的列：身份证号码"):
        legacy_import(
            actor=county, filename="a.xlsx", content=xlsx([], header=["原系统家庭编号", "姓名", "与户主关系"])
        )
    with pytest.raises(ValidationFailed, match="只支持 .xlsx 或 .csv"):
        legacy_import(actor=county, filename="a.txt", content=b"x")
    assert LegacyImport.objects.count() == 0


def csv_bytes(rows, header=COLUMNS, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([list(header), *rows])
    return buffer.getvalue().encode(encoding)


def test_csv_and_xlsx_give_the_same_errors_and_the_same_rows(region_county):
    rows = [
        *good_rows(),
        row(原系统家庭编号="H9", 姓名="错号", 身份证号码="150102197001010011", 户籍区划代码="150102001001"),
    ]
    from_xlsx = legacy_import(actor=region_county, filename="a.xlsx", content=xlsx(rows))
    from_csv = legacy_import(actor=region_county, filename="a.csv", content=csv_bytes(rows))
    assert (
        from_xlsx.errors == from_csv.errors == [[6, "身份证号码", "身份证号码校验位错误，请核对后重新输入"]]
    )
    record = legacy_import(actor=region_county, filename="a.csv", content=csv_bytes(good_rows()))
    assert (record.status, record.households, record.persons, record.enrolments) == ("succeeded", 2, 4, 2)
    child = Person.objects.get(name="王小明")
    assert (child.id_number, child.birth_date, child.sex, child.household.head.name) == (
        CHILD,
        dt.date(2012, 9, 9),
        "male",
        "王大山",
    )
    again = legacy_import(actor=region_county, filename="a.xlsx", content=xlsx(good_rows()))
    assert again.errors == [
        [2, "身份证号码", "该人员已在保（同一救助项目），不能重复导入"],
        [3, "身份证号码", "该身份证号码已在人口库登记，请在系统中直接办理纳入"],
        [4, "身份证号码", "该身份证号码已在人口库登记，请在系统中直接办理纳入"],
        [5, "身份证号码", "该人员已在保（同一救助项目），不能重复导入"],
    ]


def test_blank_lines_keep_their_row_numbers_in_csv_and_xlsx(region_county):
    rows = [good_rows()[0], [""] * len(COLUMNS), row(姓名="李秀英", 身份证号码=SPOUSE, 与户主关系="表舅")]
    expected = [[4, "与户主关系", "与户主关系“表舅”无法识别（如：户主、配偶、子、女、父母）"]]
    assert legacy_import(actor=region_county, filename="a.xlsx", content=xlsx(rows)).errors == expected
    text = ",".join(COLUMNS) + "\n" + ",".join(rows[0]) + "\n\n" + ",".join(rows[2]) + "\n"
    assert legacy_import(actor=region_county, filename="a.csv", content=text.encode()).errors == expected


def test_float_id_cells_and_duplicates_are_reported_per_cell(region_county):
    rows = [*good_rows()[:3], row(原系统家庭编号="H1", 姓名="重复", 身份证号码=SPOUSE, 与户主关系="女")]
    rows[2][COLUMNS.index("身份证号码")] = 150102201209090311.0
    record = legacy_import(actor=region_county, filename="a.xlsx", content=xlsx(rows))
    assert record.errors[:2] == [
        [4, "身份证号码", "身份证号码须为文本格式（数字格式会丢失末几位）"],
        [4, "身份证号码", "身份证号码校验位错误，请核对后重新输入"],
    ]
    assert record.errors[2:] == [[5, "身份证号码", "身份证号码与第 3 行重复"]]


IMPORT_THEN_HANG = """
import sys, time
from pathlib import Path
import django
django.setup()
from minzheng.accounts.models import User
from minzheng.enrolments.legacy import legacy_import

def progress(done, total, message):
    if done == 4:  # households, persons and memberships written, the transaction still open
        print("written", flush=True)
        time.sleep(120)

legacy_import(actor=User.objects.get(pk=int(sys.argv[1])), filename="old.xlsx",
              content=Path(sys.argv[2]).read_bytes(), progress=progress)
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_nothing_and_the_rerun_imports_each_person_once(region_county, tmp_path):
    """kill -9 in the middle of the writes (issue 21: exactly-once, restartable)."""
    if connection.vendor != "postgresql":
        pytest.skip("the importer process needs a database it can see (the PostgreSQL test database)")
    upload = tmp_path / "old.xlsx"
    upload.write_bytes(xlsx(good_rows()))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "minzheng.config.settings.test",
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", IMPORT_THEN_HANG, str(region_county.pk), str(upload)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "written\n", child.stderr.read() if child.poll() is not None else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert (Person.objects.count(), Household.objects.count(), Membership.objects.count()) == (0, 0, 0)
    assert (Enrolment.objects.count(), LegacyImport.objects.count()) == (0, 0)

    record = legacy_import(actor=region_county, filename="old.xlsx", content=upload.read_bytes())
    assert (record.status, record.persons, Person.objects.count(), Membership.objects.count()) == (
        "succeeded",
        4,
        4,
        4,
    )
    assert (Household.objects.count(), Enrolment.objects.count(), EntitlementPeriod.objects.count()) == (
        2,
        2,
        2,
    )
    rerun = legacy_import(actor=region_county, filename="old.xlsx", content=upload.read_bytes())
    assert (rerun.status, rerun.error_count, Person.objects.count()) == ("rejected", 4, 4)
