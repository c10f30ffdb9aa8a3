"""Shared set-up of the settlement and dashboard tests: a provider with a bank account in 新城区, three
older people, a priced catalogue and a helper that writes orders directly with the model (test set-up until
the orders part's services are merged)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from minzheng.common import crypto
from minzheng.common.masking import mask_bank_account
from minzheng.common.months import add_months, month_start
from minzheng.eldercare.choices import OrderChannel, OrderStatus, ServiceKind, ServiceUnit
from minzheng.eldercare.models import OlderPerson, Provider, ServiceItem, ServiceOrder

ZONE = ZoneInfo("Asia/Shanghai")
ACCOUNT = "6228480099887766554"
_numbers = itertools.count(1)


def last_month() -> dt.date:
    return add_months(month_start(timezone.localdate()), -1)


def at(month: dt.date, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, hour, tzinfo=ZONE)


def provider_make(
    division: Any, name: str = "安康居家养老服务中心", account: str = ACCOUNT, code: str = ""
) -> Provider:
    return Provider.objects.create(
        name=name,
        credit_code=code or f"91150102MA0{next(_numbers):07d}",
        division=division,
        bank_name="中国农业银行",
        bank_account_name=name,
        bank_account_encrypted=crypto.encrypt(account) if account else "",
        bank_account_index=crypto.blind_index(account, purpose="bank_account") if account else "",
        bank_account_masked=mask_bank_account(account) if account else "",
    )


def item_make(
    provider: Provider, kind: str = ServiceKind.MEAL, price: str = "15.00", co: str = "3.00"
) -> ServiceItem:
    return ServiceItem.objects.create(
        provider=provider,
        kind=kind,
        name=ServiceKind(kind).label + "服务",
        unit=ServiceUnit.MEALS if kind == ServiceKind.MEAL else ServiceUnit.HOURS,
        price=Decimal(price),
        co_payment=Decimal(co),
    )


def older_make(household: Any, division: Any) -> OlderPerson:
    return OlderPerson.objects.create(
        person=household.head,
        household=household,
        division=division,
        birth_date=dt.date(1948, 3, 1),
        refreshed_on=timezone.localdate(),
    )


def order_make(
    older: OlderPerson,
    item: ServiceItem,
    served: dt.datetime,
    *,
    status: str = OrderStatus.CONFIRMED,
    quantity: str = "1",
    flags: list[str] | None = None,
    dispute_reason: str = "",
    late_minutes: int = 0,
) -> ServiceOrder:
    """An order served at ``served`` (check-out), its window one hour before; ``late_minutes`` moves the
    check-in after the window's start."""
    qty = Decimal(quantity)
    amount = (item.price * qty).quantize(Decimal("0.01"))
    co_payment = (item.co_payment * qty).quantize(Decimal("0.01"))
    window_start = served - dt.timedelta(hours=1)
    checked_in = status not in (
        OrderStatus.PLACED,
        OrderStatus.DISPATCHED,
        OrderStatus.CANCELLED,
        OrderStatus.NO_SHOW,
    )
    return ServiceOrder.objects.create(
        number=f"EO{next(_numbers):010d}",
        older_person=older,
        division=older.division,
        item=item,
        provider=item.provider,
        channel=OrderChannel.CASEWORKER,
        window_start=window_start,
        window_end=window_start + dt.timedelta(hours=2),
        quantity=qty,
        unit_price=item.price,
        amount=amount,
        co_payment=co_payment,
        subsidy=amount - co_payment,
        status=status,
        placed_at=window_start - dt.timedelta(days=1),
        check_in_at=window_start + dt.timedelta(minutes=late_minutes) if checked_in else None,
        check_out_at=served if checked_in else None,
        confirmed_at=served + dt.timedelta(hours=1) if status == OrderStatus.CONFIRMED else None,
        flags=flags or [],
        dispute_reason=dispute_reason,
    )


@pytest.fixture
def care(divisions, users, household_factory, make_user):
    """Two providers in 新城区 (one without account), one in 太仆寺旗; three older people in 新城区 and one in
    太仆寺旗; a second county user (checker) and a payments-only user."""
    xincheng, community, community2 = divisions["xincheng"], divisions["community"], divisions["community2"]
    provider = provider_make(xincheng)
    other = provider_make(xincheng, name="颐和助餐服务社", account="")
    far = provider_make(divisions["taibus"], name="太仆寺旗养老服务中心", account="6217000011112222333")
    households = [household_factory(head_name=n) for n in ("王秀英", "李建国", "张玉兰")]
    far_household = household_factory(
        actor=users["taibus_caseworker"], division_code=divisions["gacha"].code, head_name="巴特尔"
    )
    olders = [
        older_make(households[0], community),
        older_make(households[1], community),
        older_make(households[2], community2),
    ]
    return {
        "provider": provider,
        "other": other,
        "far": far,
        "meal": item_make(provider),
        "cleaning": item_make(provider, ServiceKind.CLEANING, "40.00", "0.00"),
        "other_meal": item_make(other, ServiceKind.MEAL, "12.00", "2.00"),
        "far_meal": item_make(far, ServiceKind.MEAL, "10.00", "0.00"),
        "olders": olders,
        "far_older": older_make(far_household, divisions["gacha"]),
        "maker": users["county"],
        "checker": make_user("county2", "county_approver", xincheng),
        "month": last_month(),
    }
