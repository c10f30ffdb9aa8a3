"""Bank files and reconciliation: exact bytes of a small fixed-width GBK file and a CSV file, rare
characters GBK cannot encode, result import (paid, failed, unmatched, wrong totals, wrong encoding,
re-import), retry in the next payroll, payment by another method, and the file-drop gateway."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.audit.models import PersonalDataAccess
from minzheng.payments import bankfiles, services
from minzheng.payments.errors import BankFileInvalid, PayrollInvalid
from minzheng.payments.gateways import FakeBankGateway, FileDropGateway
from minzheng.payments.models import PayrollLine, ResultImport

from .factories import approve, enrol, lines_of, month

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB = month(2026, 1), month(2026, 2)
ACCOUNT = b"6228480012345678901"


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


@pytest.fixture
def approved(users, divisions, household_factory, checker):
    """January approved: 赵一 低保 500.00, 钱二 特困 300.50."""
    street = divisions["street"]
    one, two = household_factory(head_name="赵一"), household_factory(head_name="钱二")
    first = enrol(one, street, "500.00", JAN)
    second = enrol(two, street, "300.50", JAN, programme="extreme_poverty_support", person=two.head)
    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    return approve(payroll, users["county"], checker), first, second


def gbk(text: str, width: int) -> bytes:
    return text.encode("gbk").ljust(width, b" ")


def test_fixed_width_gbk_file_bytes(users, approved):
    payroll, first, second = approved
    today = timezone.localdate().strftime("%Y%m%d").encode()

    bank_file = services.payroll_bank_file(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk"
    )

    assert bank_file.name == "150102202601.txt"
    assert bank_file.content == (
        b"H"
        + gbk("150102202601", 20)
        + b"00000002"
        + b"000000000080050"
        + today
        + gbk("社会救助资金2026年1月", 30)
        + b"\r\n"
        + b"D00000001"
        + ACCOUNT.ljust(30)
        + gbk("赵一", 30)
        + b"000000000050000"
        + gbk("低保金2026年1月", 30)
        + gbk(str(first.pk), 20)
        + b"\r\n"
        + b"D00000002"
        + ACCOUNT.ljust(30)
        + gbk("钱二", 30)
        + b"000000000030050"
        + gbk("特困供养金2026年1月", 30)
        + gbk(str(second.pk), 20)
        + b"\r\n"
        + b"T00000002000000000080050\r\n"
    )
    assert PersonalDataAccess.objects.filter(fields="bank_account", record_count=2).count() == 1


def test_csv_file_yuan_with_two_decimals(users, approved):
    payroll, first, second = approved
    today = timezone.localdate().strftime("%Y%m%d")

    content = services.payroll_bank_file(
        actor=users["county"], payroll_id=payroll.pk, template_code="csv_utf8"
    ).content

    assert content.decode("utf-8") == (
        "批次号,总笔数,总金额,日期,用途\r\n"
        f"150102202601,2,800.50,{today},社会救助资金2026年1月\r\n"
        "序号,收款账号,收款户名,金额,用途,业务参考号\r\n"
        f"1,6228480012345678901,赵一,500.00,低保金2026年1月,{first.pk}\r\n"
        f"2,6228480012345678901,钱二,300.50,特困供养金2026年1月,{second.pk}\r\n"
    )


def test_names_gbk_cannot_encode_are_listed(users, divisions, household_factory, checker):
    rare = household_factory(head_name="王𡒄")
    enrolment = enrol(rare, divisions["street"], "500.00", JAN)
    payroll = approve(
        services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN),
        users["county"],
        checker,
    )

    with pytest.raises(BankFileInvalid) as refused:
        services.payroll_bank_file(actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk")

    assert refused.value.rows == [(1, f"户名“王𡒄”含 GBK 无法表示的字“𡒄”（业务参考号 {enrolment.pk}）")]
    assert refused.value.message.startswith("有 1 行含有 GBK 编码无法表示的生僻字，银行文件未生成")
    utf8 = services.payroll_bank_file(actor=users["county"], payroll_id=payroll.pk, template_code="csv_utf8")
    assert "王𡒄" in utf8.content.decode("utf-8")


def test_draft_payroll_has_no_bank_file(users, divisions, household_factory):
    enrol(household_factory(), divisions["street"], "500.00", JAN)
    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    with pytest.raises(PayrollInvalid):
        services.payroll_bank_file(actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk")


@pytest.mark.parametrize("template", ["fixed_gbk", "csv_gbk"])
def test_result_import_paid_failed_then_retry_in_next_payroll(users, divisions, approved, checker, template):
    # given: the bank fails 钱二's payment
    payroll, first, second = approved
    gateway = FakeBankGateway(failures={str(second.pk): "账户已冻结"})
    reference = gateway.submit(
        services.payroll_bank_file(actor=users["county"], payroll_id=payroll.pk, template_code=template)
    )
    result = gateway.fetch_result(reference)
    assert result is not None

    # when
    imported = services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code=template, data=result
    )

    # then
    assert (imported.paid_count, imported.paid_amount, imported.failed_count, imported.failed_amount) == (
        1,
        D("500.00"),
        1,
        D("300.50"),
    )
    statuses = dict(PayrollLine.objects.filter(payroll=payroll).values_list("enrolment_id", "payment_status"))
    assert statuses == {first.pk: "paid", second.pk: "failed"}
    failed = PayrollLine.objects.get(payroll=payroll, enrolment=second)
    assert (failed.bank_reason, failed.settled_on) == ("账户已冻结", None)

    # re-import of the same file: nothing changes
    again = services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code=template, data=result
    )
    assert again.pk == imported.pk
    assert ResultImport.objects.count() == 1

    # the next payroll retries the failed line, once
    feb = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=FEB)
    assert lines_of(feb) == sorted(
        [
            (first.pk, "regular", FEB, D("500.00")),
            (second.pk, "regular", FEB, D("300.50")),
            (second.pk, "retry", JAN, D("300.50")),
        ]
    )
    assert PayrollLine.objects.get(payroll=feb, kind="retry").retry_of_id == failed.pk
    with pytest.raises(PayrollInvalid) as refused:
        services.payment_mark_paid_otherwise(
            actor=users["county"],
            payroll_id=payroll.pk,
            enrolment_id=second.pk,
            method="现金",
            paid_on=dt.date(2026, 2, 3),
        )
    assert refused.value.message == "该笔发放已列入后续批次重发，不能再登记为其他方式发放"


def test_failed_payment_paid_in_cash_is_not_retried(users, divisions, approved, checker):
    payroll, first, second = approved
    gateway = FakeBankGateway(failures={str(second.pk): "户名不符"})
    gateway.submit(
        services.payroll_bank_file(actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk")
    )
    result = gateway.fetch_result("150102202601.txt")
    assert result is not None
    services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=result
    )

    count = services.payment_mark_paid_otherwise(
        actor=users["county"],
        payroll_id=payroll.pk,
        enrolment_id=second.pk,
        method="现金",
        paid_on=dt.date(2026, 2, 3),
        note="本人签领",
    )

    assert count == 1
    line = PayrollLine.objects.get(payroll=payroll, enrolment=second)
    assert (line.payment_status, line.paid_method, line.paid_by, line.settled_on) == (
        "paid_otherwise",
        "现金",
        users["county"],
        dt.date(2026, 2, 3),
    )
    feb = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=FEB)
    assert [kind for _, kind, _, _ in lines_of(feb)] == ["regular", "regular"]


def _result(users, payroll, failures: dict[str, str], template: str = "fixed_gbk") -> tuple[bytes, object]:
    batch = services.payroll_bank_batch(payroll)
    return bankfiles.bank_result_render(bankfiles.TEMPLATES[template], batch, failures), batch


def _assert_nothing_written(payroll) -> None:
    assert set(PayrollLine.objects.filter(payroll=payroll).values_list("payment_status", flat=True)) == {
        "pending"
    }
    assert ResultImport.objects.count() == 0


def test_result_with_unknown_account_is_rejected(users, approved):
    payroll, first, _second = approved
    data, _ = _result(users, payroll, {})
    tampered = data.replace(ACCOUNT + b" " * 11, b"6228480099999999999" + b" " * 11, 1)

    with pytest.raises(BankFileInvalid) as refused:
        services.payroll_result_import(
            actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=tampered
        )

    assert refused.value.rows[0] == (2, f"无法匹配：业务参考号 {first.pk}、账号 9999（末四位）不属于本批次")
    assert refused.value.message == "回盘文件有 1 处问题，已整体拒绝导入，未做任何修改"
    _assert_nothing_written(payroll)


def test_result_with_wrong_totals_is_rejected(users, approved):
    payroll, _first, _second = approved
    data, _ = _result(users, payroll, {})
    tampered = data.replace(b"T00000002000000000080050", b"T00000002000000000080051")

    with pytest.raises(BankFileInvalid) as refused:
        services.payroll_result_import(
            actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=tampered
        )

    assert refused.value.rows == [(4, "尾记录笔数/金额 2 笔 800.51 元与首记录 2 笔 800.50 元不一致")]
    _assert_nothing_written(payroll)


def test_result_amount_not_reconciling_is_rejected(users, approved):
    payroll, _first, second = approved
    csv_text = _result(users, payroll, {}, "csv_gbk")[0].decode("gbk")
    tampered = csv_text.replace("800.50", "800.40").replace("300.50", "300.40").encode("gbk")

    with pytest.raises(BankFileInvalid) as refused:
        services.payroll_result_import(
            actor=users["county"], payroll_id=payroll.pk, template_code="csv_gbk", data=tampered
        )

    assert refused.value.rows == [
        (5, "金额 300.40 元与本批次应发 300.50 元不符"),
        (0, "成功 800.40 元 + 失败 0.00 元 = 800.40 元，与批次总额 800.50 元（2 笔）不符"),
    ]
    _assert_nothing_written(payroll)


def test_result_in_wrong_encoding_is_rejected(users, approved):
    payroll, _first, _second = approved
    csv_text = _result(users, payroll, {}, "csv_gbk")[0].decode("gbk")

    with pytest.raises(BankFileInvalid) as as_utf8:
        services.payroll_result_import(
            actor=users["county"],
            payroll_id=payroll.pk,
            template_code="csv_gbk",
            data=csv_text.encode("utf-8"),
        )
    with pytest.raises(BankFileInvalid) as garbage:
        services.payroll_result_import(
            actor=users["county"],
            payroll_id=payroll.pk,
            template_code="csv_gbk",
            data=csv_text.encode("gbk") + b"\xff\xfe\xff\r\n",
        )

    assert as_utf8.value.message == "文件为 UTF-8 编码，而模板规定为 GBK 编码，已拒绝导入，未做任何修改"
    assert garbage.value.rows == [(6, "含有不能按 GBK 解码的字节")]
    _assert_nothing_written(payroll)


def test_second_different_result_file_is_refused(users, approved):
    payroll, _first, second = approved
    data, _ = _result(users, payroll, {})
    services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
    )
    other, _ = _result(users, payroll, {str(second.pk): "账户不存在"})

    with pytest.raises(BankFileInvalid) as refused:
        services.payroll_result_import(
            actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=other
        )

    assert refused.value.code == "result_already_imported"
    assert set(PayrollLine.objects.filter(payroll=payroll).values_list("payment_status", flat=True)) == {
        "paid"
    }


def test_file_drop_gateway(tmp_path, users, approved):
    payroll, _first, _second = approved
    bank_file = services.payroll_bank_file(
        actor=users["county"], payroll_id=payroll.pk, template_code="csv_gbk"
    )
    gateway = FileDropGateway(tmp_path)

    reference = gateway.submit(bank_file)

    assert (tmp_path / "150102202601.csv").read_bytes() == bank_file.content
    assert gateway.fetch_result(reference) is None
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / reference).write_bytes(b"answer")
    assert gateway.fetch_result(reference) == b"answer"
