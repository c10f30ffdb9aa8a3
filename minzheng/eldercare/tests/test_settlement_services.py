"""Settlement generation, maker-checker, bank file and result import (issue 17 §7, Bad input and races)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from minzheng.audit.models import Event
from minzheng.common.errors import PermissionDenied
from minzheng.common.months import add_months
from minzheng.eldercare.choices import OrderStatus
from minzheng.eldercare.models import ServiceOrder, Settlement, SettlementEvent, SettlementLine
from minzheng.eldercare.rules.settlement import ExclusionReason, PaymentOutcome, SettlementStatus
from minzheng.eldercare.services.settlement import (
    MakerIsChecker,
    SettlementInvalid,
    SettlementTransitionNotAllowed,
    settlement_approve,
    settlement_generate,
    settlement_reject,
    settlement_submit,
)
from minzheng.eldercare.services.settlement_bank import settlement_bank_file, settlement_result_import
from minzheng.payments import bankfiles
from minzheng.payments.errors import BankFileInvalid

from .fixtures_settlement import ACCOUNT, at, care, order_make  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def month_orders(care):  # noqa: ANN001, F811
    """A month of a provider: 4 paid, 1 disputed, 1 flagged, 1 unconfirmed, 1 of the month before,
    1 of the other provider, 1 in another county."""
    m, (a, b, c) = care["month"], care["olders"]
    meal, cleaning = care["meal"], care["cleaning"]
    return {
        "paid": [
            order_make(a, meal, at(m, 1, 8), quantity="2"),  # 15×2 − 3×2 = 24.00
            order_make(b, meal, at(m, 15)),  # 12.00
            order_make(c, cleaning, at(m, 20), quantity="1.5"),  # 60.00
            order_make(a, cleaning, at(add_months(m, 1), 1, 0) - dt.timedelta(minutes=30)),  # last day 23:30
        ],
        "disputed": order_make(b, meal, at(m, 16), status=OrderStatus.DISPUTED, dispute_reason="未送餐上门"),
        "flagged": order_make(c, meal, at(m, 17), flags=["far_from_home"]),
        "unconfirmed": order_make(a, meal, at(m, 18), status=OrderStatus.SERVED),
        "earlier": order_make(a, meal, at(add_months(m, -1), 28)),
        "other": order_make(b, care["other_meal"], at(m, 3)),
        "far": order_make(care["far_older"], care["far_meal"], at(m, 3)),
    }


def statement_of(care, provider_key="provider"):  # noqa: ANN001, ANN201, F811
    return Settlement.objects.get(provider=care[provider_key], month=care["month"])


def lines(statement):  # noqa: ANN001, ANN201
    return list(
        statement.lines.order_by("served_at", "order_number").values_list(
            "order_number", "person_name", "item_name", "quantity", "unit_price", "co_payment", "subsidy"
        )
    )


def test_amounts_equal_the_database_sums(care):  # noqa: F811
    orders = month_orders(care)
    result = settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    assert sorted(s.provider.name for s in result.settlements) == ["安康居家养老服务中心", "颐和助餐服务社"]
    statement = statement_of(care)
    paid_ids = [o.pk for o in orders["paid"]]
    expected = ServiceOrder.objects.filter(pk__in=paid_ids).aggregate(
        amount=Sum("amount"), co=Sum("co_payment"), subsidy=Sum("subsidy")
    )
    assert (statement.line_count, statement.total_amount) == (4, expected["subsidy"])
    assert statement.total_amount == Decimal("24.00") + Decimal("12.00") + Decimal("60.00") + Decimal("40.00")
    assert (statement.service_amount, statement.co_payment_total) == (expected["amount"], expected["co"])
    assert sorted(statement.lines.values_list("order_id", flat=True)) == sorted(paid_ids)
    assert statement.lines.aggregate(t=Sum("subsidy"))["t"] == statement.total_amount
    first = lines(statement)[0]
    assert first == (orders["paid"][0].number, "王秀英", "助餐服务", Decimal("2.00"), Decimal("15.00"),
                     Decimal("6.00"), Decimal("24.00"))  # fmt: skip
    assert statement.bank_account_masked == care["provider"].bank_account_masked
    assert statement_of(care, "other").total_amount == Decimal("10.00")
    # the other county is not this county's business
    assert not Settlement.objects.filter(provider=care["far"]).exists()


def test_excluded_orders_are_listed_with_reasons(care):  # noqa: F811
    orders = month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    statement = statement_of(care)
    excluded = {x.order_id: (x.reason, x.detail, x.subsidy) for x in statement.exclusions.all()}
    assert excluded == {
        orders["disputed"].pk: (ExclusionReason.DISPUTED, "未送餐上门", Decimal("12.00")),
        orders["flagged"].pk: (ExclusionReason.FLAGGED, '["far_from_home"]', Decimal("12.00")),
        orders["unconfirmed"].pk: (ExclusionReason.UNCONFIRMED, "", Decimal("12.00")),
    }
    assert statement.excluded_count == 3


def test_a_flagged_order_the_township_accepted_is_paid(care):  # noqa: F811
    """The township's 核验属实 on a flagged check-in (orders.order_review) lets the order into the statement."""
    orders = month_orders(care)
    county, month = care["maker"].division, care["month"]
    settlement_generate(actor=care["maker"], county=county, month=month)
    before = statement_of(care).total_amount
    ServiceOrder.objects.filter(pk=orders["flagged"].pk).update(review_decision="accepted")
    settlement_generate(actor=care["maker"], county=county, month=month)
    statement = statement_of(care)
    assert statement.lines.filter(order=orders["flagged"]).exists()
    assert not statement.exclusions.filter(order_id=orders["flagged"].pk).exists()
    assert statement.total_amount == before + orders["flagged"].subsidy


def test_rerun_of_a_draft_gives_the_same_statement(care):  # noqa: F811
    month_orders(care)
    county, month = care["maker"].division, care["month"]
    settlement_generate(actor=care["maker"], county=county, month=month)
    before = statement_of(care)
    first = (lines(before), before.total_amount, before.line_count, before.excluded_count, before.number)
    settlement_generate(actor=care["maker"], county=county, month=month)
    after = statement_of(care)
    assert (lines(after), after.total_amount, after.line_count, after.excluded_count, after.number) == first
    assert after.pk == before.pk
    assert Settlement.objects.count() == 2


def test_an_order_settles_once(care):  # noqa: F811
    orders = month_orders(care)
    county, month = care["maker"].division, care["month"]
    statement = settlement_generate(
        actor=care["maker"], county=county, month=month, provider=care["provider"]
    )
    statement = statement_of(care)
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    settlement_approve(actor=care["checker"], settlement_id=statement.pk)
    # the order is "confirmed again" (a second confirmation, or a status written twice): same row, same status
    ServiceOrder.objects.filter(pk=orders["paid"][0].pk).update(status=OrderStatus.CONFIRMED)
    again = settlement_generate(actor=care["maker"], county=county, month=month)
    assert [s.pk for s in again.skipped] == [statement.pk]  # the approved statement is locked
    assert SettlementLine.objects.filter(order=orders["paid"][0]).count() == 1
    assert statement_of(care).line_count == 4
    # and the database refuses a second line for the order whatever the code does
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.create(
            settlement=statement_of(care, "other"),
            order=orders["paid"][0],
            order_number="x",
            older_person=orders["paid"][0].older_person,
            person_name="x",
            division=orders["paid"][0].division,
            kind="meal",
            item_name="x",
            served_at=orders["paid"][0].check_out_at,
            quantity=1,
            unit_price=1,
            amount=1,
            co_payment=0,
            subsidy=1,
        )


def test_late_confirmation_is_paid_once_with_the_month_it_was_confirmed_in(care):  # noqa: F811
    county, month = care["maker"].division, care["month"]
    earlier = add_months(month, -1)
    paid = order_make(care["olders"][0], care["meal"], at(earlier, 10))
    late = order_make(care["olders"][1], care["meal"], at(earlier, 28), status=OrderStatus.SERVED)
    settlement_generate(actor=care["maker"], county=county, month=earlier)
    statement = Settlement.objects.get(provider=care["provider"], month=earlier)
    assert [x.order_id for x in statement.exclusions.all()] == [late.pk]
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    settlement_approve(actor=care["checker"], settlement_id=statement.pk)
    # confirmed after the earlier month's statement was approved: the locked statement does not change …
    ServiceOrder.objects.filter(pk=late.pk).update(status=OrderStatus.CONFIRMED, confirmed_at=at(month, 3))
    again = settlement_generate(actor=care["maker"], county=county, month=earlier)
    assert [s.pk for s in again.skipped] == [statement.pk]
    statement.refresh_from_db()
    assert [line.order_id for line in statement.lines.all()] == [paid.pk]
    # … the order is paid with the month of its confirmation, once
    settlement_generate(actor=care["maker"], county=county, month=month)
    current = Settlement.objects.get(provider=care["provider"], month=month)
    assert [line.order_id for line in current.lines.all()] == [late.pk]
    assert current.total_amount == Decimal("12.00")
    settlement_generate(actor=care["maker"], county=county, month=month)
    assert SettlementLine.objects.filter(order=late).count() == 1


def test_maker_cannot_approve(care):  # noqa: F811
    month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    statement = statement_of(care)
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    with pytest.raises(MakerIsChecker) as error:
        settlement_approve(actor=care["maker"], settlement_id=statement.pk)
    assert error.value.message == (
        f"结算单 {statement.number} 由您编制，须由本旗县另一名审核人员审核通过（编制与审核分离）"
    )
    statement.refresh_from_db()
    assert statement.status == SettlementStatus.SUBMITTED


def test_reject_needs_reason_and_returns_to_draft(care):  # noqa: F811
    month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    statement = statement_of(care)
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    with pytest.raises(SettlementInvalid):
        settlement_reject(actor=care["checker"], settlement_id=statement.pk, reason=" ")
    settlement_reject(actor=care["checker"], settlement_id=statement.pk, reason="核对助洁时长")
    statement.refresh_from_db()
    assert (statement.status, statement.rejected_reason) == (SettlementStatus.DRAFT, "核对助洁时长")
    assert list(statement.events.values_list("from_status", "to_status")) == [
        ("draft", "submitted"),
        ("submitted", "draft"),
    ]


def test_township_staff_and_the_current_month_are_refused(care, users):  # noqa: F811
    with pytest.raises(PermissionDenied):
        settlement_generate(actor=users["caseworker"], county=care["maker"].division, month=care["month"])
    with pytest.raises(SettlementInvalid, match="尚未结束"):
        settlement_generate(
            actor=care["maker"], county=care["maker"].division, month=add_months(care["month"], 1)
        )


def _approved(care):  # noqa: ANN001, ANN202, F811
    month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    statement = statement_of(care)
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    settlement_approve(actor=care["checker"], settlement_id=statement.pk)
    return statement


def test_bank_file_pays_the_provider_account_the_statement_total(care):  # noqa: F811
    statement = _approved(care)
    bank_file = settlement_bank_file(
        actor=care["maker"], settlement_id=statement.pk, template_code="csv_utf8"
    )
    text = bank_file.content.decode("utf-8").splitlines()
    assert text[1].split(",")[:3] == [statement.number, "1", "136.00"]
    assert text[3] == f"1,{ACCOUNT},安康居家养老服务中心,136.00,养老服务补贴{care['month'].year}年" + (
        f"{care['month'].month}月,{statement.number}"
    )
    statement.refresh_from_db()
    assert statement.status == SettlementStatus.EXPORTED
    fixed = settlement_bank_file(actor=care["maker"], settlement_id=statement.pk, template_code="fixed_gbk")
    assert b"000000000013600" in fixed.content  # 136.00 yuan in fen, 15 digits
    assert Event.objects.filter(verb="eldercare.settlement.export").count() == 1


def test_result_import_marks_paid_and_is_idempotent(care):  # noqa: F811
    statement = _approved(care)
    bank_file = settlement_bank_file(
        actor=care["maker"], settlement_id=statement.pk, template_code="fixed_gbk"
    )
    result = bankfiles.bank_result_render(bank_file.template, bank_file.batch, {})
    settlement_result_import(
        actor=care["checker"], settlement_id=statement.pk, template_code="fixed_gbk", data=result
    )
    statement.refresh_from_db()
    assert (statement.status, statement.payment_outcome) == (SettlementStatus.RECONCILED, PaymentOutcome.PAID)
    settlement_result_import(
        actor=care["checker"], settlement_id=statement.pk, template_code="fixed_gbk", data=result
    )
    assert SettlementEvent.objects.filter(settlement=statement, to_status="reconciled").count() == 1


def test_result_import_failure_and_mismatch(care):  # noqa: F811
    statement = _approved(care)
    bank_file = settlement_bank_file(actor=care["maker"], settlement_id=statement.pk, template_code="csv_gbk")
    wrong = bankfiles.BankBatch(
        statement.number,
        bank_file.batch.created_on,
        bank_file.batch.purpose,
        [bankfiles.BankRow(statement.number, ACCOUNT, "安康居家养老服务中心", Decimal("130.00"), "x")],
    )
    with pytest.raises(BankFileInvalid) as error:
        settlement_result_import(
            actor=care["maker"],
            settlement_id=statement.pk,
            template_code="csv_gbk",
            data=bankfiles.bank_result_render(bank_file.template, wrong, {}),
        )
    assert "金额 130.00 元与结算金额 136.00 元不符" in error.value.as_dict()["message"]
    failed = bankfiles.bank_result_render(
        bank_file.template, bank_file.batch, {statement.number: "账户已销户"}
    )
    settlement_result_import(
        actor=care["maker"], settlement_id=statement.pk, template_code="csv_gbk", data=failed
    )
    statement.refresh_from_db()
    assert (statement.payment_outcome, statement.bank_reason) == (PaymentOutcome.FAILED, "账户已销户")


def test_no_account_no_bank_file(care):  # noqa: F811
    month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    statement = statement_of(care, "other")
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    settlement_approve(actor=care["checker"], settlement_id=statement.pk)
    with pytest.raises(BankFileInvalid, match="没有登记银行账号"):
        settlement_bank_file(actor=care["maker"], settlement_id=statement.pk, template_code="csv_utf8")
    with pytest.raises(SettlementTransitionNotAllowed):
        settlement_submit(actor=care["maker"], settlement_id=statement.pk)


@pytest.mark.django_db(transaction=True)
def test_two_checkers_approve_at_once(care, make_user):  # noqa: F811
    from minzheng.payments.tests.test_reserve import race

    month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    statement = statement_of(care)
    settlement_submit(actor=care["maker"], settlement_id=statement.pk)
    third = make_user("county3", "county_approver", care["maker"].division)

    def approve(actor):  # noqa: ANN001, ANN202
        return lambda: settlement_approve(actor=actor, settlement_id=statement.pk)

    outcomes = race(approve(care["checker"]), approve(third))
    approved = [o for o in outcomes if isinstance(o, Settlement)]
    refused = [o for o in outcomes if isinstance(o, SettlementTransitionNotAllowed)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert refused[0].message == (
        f"结算单 {statement.number} 当前为“已审核（锁定）”，不能“审核通过”（可能已由他人办理，请刷新）"
    )
    assert Event.objects.filter(verb="eldercare.settlement.approve").count() == 1
    assert SettlementEvent.objects.filter(to_status="approved").count() == 1
