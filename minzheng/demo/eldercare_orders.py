"""Demo data of eldercare: providers and orders (issue 17). Idempotent; seconds, not minutes.

Two providers serve the demo township with priced items and workers (the demo login ``careworker`` is one
of them), the EVV parameters are set region-wide as *unconfirmed* demo figures, orders exist in every
status for last month and this month (confirmed ones for the settlement), a weekly 助洁 plan generates
this week's and next week's orders, and the demo portal account is a family contact of one older person.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import uscc

from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.masking import mask_bank_account, mask_phone
from minzheng.demo.accounts import demo_divisions
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import OrderChannel, OrderStatus, ServiceKind, ServiceUnit
from minzheng.eldercare.models import (
    CareContact,
    CareWorker,
    OlderPerson,
    OrderEvent,
    Provider,
    ProviderArea,
    ServiceItem,
    ServiceOrder,
    ServicePlan,
)
from minzheng.eldercare.models.orders import ReviewDecision
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.services.orders_plans import plans_generate, week_monday
from minzheng.policy.models import Parameter
from minzheng.portal.models import PortalAccount
from minzheng.registry.models import Person
from minzheng.registry.services import BANK_INDEX

S = OrderStatus
DEMO_PREFIX = "YLDEMO"
HOME = (Decimal("40.842000"), Decimal("111.749000"))  # 呼和浩特市新城区
PARAMETERS = {
    "eldercare.evv_distance_m": 500,
    "eldercare.evv_window_tolerance_minutes": 30,
    "eldercare.evv_short_service_ratio": "0.5",
    "eldercare.no_show_grace_minutes": 60,
}
# (name, credit-code body, bank account, items: (kind, name, unit, price, co-payment, minutes))
PROVIDERS = (
    (
        "海拉尔东路街道居家养老服务中心",
        "52150102MJ1000001",
        "6228480012340000011",
        (
            (ServiceKind.MEAL, "老年助餐（午餐）", ServiceUnit.MEALS, "15.00", "3.00", 30),
            (ServiceKind.CLEANING, "居家助洁", ServiceUnit.HOURS, "40.00", "0.00", 120),
            (ServiceKind.BATHING, "上门助浴", ServiceUnit.TIMES, "80.00", "10.00", 60),
            (ServiceKind.COMPANIONSHIP, "精神慰藉（陪伴聊天）", ServiceUnit.HOURS, "30.00", "0.00", 60),
        ),
    ),
    (
        "新城区乐龄助餐服务站",
        "91150102MA1000002",
        "6217000012340000022",
        (
            (ServiceKind.MEAL, "助餐送餐（午餐）", ServiceUnit.MEALS, "14.00", "2.00", 30),
            (ServiceKind.MEDICAL, "陪同就医", ServiceUnit.TIMES, "60.00", "10.00", 120),
        ),
    ),
)
WORKERS = (("careworker", "演示·服务人员赵敏"), ("", "李师傅"), ("", "王阿姨"))


def demo_ensure() -> list[str]:
    """What this part adds to the demo; returns notes for the demo-setup output."""
    try:
        places = demo_divisions()
    except Division.DoesNotExist:
        return []
    with transaction.atomic():
        _parameters(places["region"])
        providers = [_provider(places, *spec) for spec in PROVIDERS]
        _workers(providers[0])
        older = _older_people(places["township"])
        if not older:
            return ["养老服务订单演示：演示乡镇没有 60 周岁以上的人员，未生成订单"]
        created = _orders(older, providers)
        _plan(older[0], providers[0])
        _family_contact(older)
    plans_generate(week_start=week_monday(timezone.localdate()))
    plans_generate(week_start=week_monday(timezone.localdate()) + dt.timedelta(days=7))
    return [f"养老服务：2 家服务机构，{created} 单演示订单（手机端登录 careworker）"] if created else []


def _parameters(region: Division) -> None:
    for key, value in PARAMETERS.items():
        if not Parameter.objects.filter(key=key).exists():
            Parameter.objects.create(
                key=key,
                division=region,
                valid_from=dt.date(2024, 1, 1),
                value=value,
                status="unconfirmed",
                source="演示数据（未经民政部门确认）",
                version=1,
            )


def _provider(places: dict[str, Division], name: str, body: str, account: str, items: tuple) -> Provider:
    code = body + uscc.calc_check_digit(body)
    provider = Provider.objects.filter(credit_code=code).first()
    if provider is None:
        provider = Provider.objects.create(
            name=name,
            credit_code=code,
            division=places["county"],
            address=f"{places['township'].name}",
            contact_name="演示联系人",
            contact_phone_encrypted=crypto.encrypt("13800000000"),
            contact_phone_masked=mask_phone("13800000000"),
            bank_name="中国农业银行呼和浩特新城支行",
            bank_account_name=name,
            bank_account_encrypted=crypto.encrypt(account),
            bank_account_index=crypto.blind_index(account, purpose=BANK_INDEX),
            bank_account_masked=mask_bank_account(account),
        )
    ProviderArea.objects.get_or_create(provider=provider, division=places["township"])
    for kind, item_name, unit, price, co_payment, minutes in items:
        ServiceItem.objects.get_or_create(
            provider=provider,
            name=item_name,
            defaults={
                "kind": kind,
                "unit": unit,
                "price": Decimal(price),
                "co_payment": Decimal(co_payment),
                "standard_minutes": minutes,
            },
        )
    return provider


def _workers(provider: Provider) -> None:
    for username, name in WORKERS:
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and CareWorker.objects.filter(user=user).exists():
            continue
        if user is None and CareWorker.objects.filter(provider=provider, name=name).exists():
            continue
        CareWorker.objects.create(provider=provider, name=name, user=user, phone_masked="138****0000")


def _older_people(township: Division) -> list[OlderPerson]:
    """The township's older people (the people part's refresh makes them; alone, a few are made here)."""
    prefix = township.code[:9]
    rows = list(
        OlderPerson.objects.filter(division__code__startswith=prefix, active=True).order_by("pk")[:40]
    )
    if not rows:
        cutoff = timezone.localdate().replace(year=timezone.localdate().year - 60)
        people = (
            Person.objects.filter(birth_date__lte=cutoff, death_date__isnull=True, household__isnull=False)
            .filter(
                Q(household__residence_division__code__startswith=prefix)
                | Q(household__hukou_division__code__startswith=prefix)
            )
            .select_related("household")
            .order_by("pk")[:20]
        )
        for person in people:
            household = person.household
            if household is None:
                continue
            division_id = household.residence_division_id or household.hukou_division_id
            OlderPerson.objects.get_or_create(
                person=person,
                defaults={
                    "household": household,
                    "division_id": division_id,
                    "birth_date": person.birth_date,
                    "refreshed_on": timezone.localdate(),
                },
            )
        rows = list(
            OlderPerson.objects.filter(division__code__startswith=prefix, active=True).order_by("pk")[:40]
        )
    # homes without coordinates get demo ones near the township (so check-ins can be checked)
    for index, older in enumerate(rows):
        if older.home_latitude is None:
            older.home_latitude = HOME[0] + Decimal(index) / 1000
            older.home_longitude = HOME[1] + Decimal(index) / 1000
            older.save(update_fields=["home_latitude", "home_longitude"])
    return rows


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


# status → (how many, days ago of the window; negative = future)
SPREAD: tuple[tuple[str, int, int], ...] = (
    (S.CONFIRMED, 24, 35),
    (S.CONFIRMED, 30, 1),
    (S.SERVED, 3, 0),
    ("flagged", 2, 0),
    (S.DISPUTED, 2, 3),
    (S.NO_SHOW, 2, 2),
    (S.CANCELLED, 2, 4),
    (S.IN_SERVICE, 1, 0),
    (S.DISPATCHED, 3, 0),
    (S.PLACED, 4, -2),
)


def _orders(older: list[OlderPerson], providers: list[Provider]) -> int:
    """Orders in every status, spread over last month and this month; created once (numbers are fixed)."""
    if ServiceOrder.objects.filter(number__startswith=DEMO_PREFIX).exists():
        return 0
    today = timezone.localdate()
    workers = {p.pk: list(p.workers.filter(active=True).order_by("pk")) for p in providers}
    rows: list[ServiceOrder] = []
    serial = 0
    for status, count, days_ago in SPREAD:
        for n in range(count):
            serial += 1
            person = older[serial % len(older)]
            # the demo worker's provider has today's visits (one waiting to be taken)
            provider = (
                providers[0] if status in (S.DISPATCHED, S.IN_SERVICE) else providers[serial % len(providers)]
            )
            item = provider.items.order_by("pk")[serial % provider.items.count()]
            day = today - dt.timedelta(days=(days_ago + n % 20) if days_ago > 1 else days_ago)
            if day.month == today.month and days_ago >= 28:  # keep "last month" orders in last month
                day = day.replace(day=1) - dt.timedelta(days=1 + n % 20)
            rows.append(_order(serial, status, person, provider, item, day, workers[provider.pk]))
    ServiceOrder.objects.bulk_create(rows, ignore_conflicts=True)  # a small town repeats person+item+window
    created = {o.number: o for o in ServiceOrder.objects.filter(number__startswith=DEMO_PREFIX)}
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(order=o, from_status="", to_status=S.PLACED, at=o.placed_at, note="演示数据")
            for o in created.values()
        ]
        + [
            OrderEvent(order=o, from_status=S.PLACED, to_status=o.status, at=o.placed_at, note="演示数据")
            for o in created.values()
            if o.status != S.PLACED
        ]
    )
    return len(created)


def _order(
    serial: int,
    status: str,
    person: OlderPerson,
    provider: Provider,
    item: ServiceItem,
    day: dt.date,
    workers: list[CareWorker],
) -> ServiceOrder:
    start = _at(day, 9 + serial % 8)
    end = start + dt.timedelta(hours=1)
    money = rules.order_money(item.price, item.co_payment, Decimal(1))
    flagged = status == "flagged"
    real = S.SERVED if flagged else status
    order = ServiceOrder(
        number=f"{DEMO_PREFIX}{serial:04d}",
        older_person=person,
        division_id=person.division_id,
        item=item,
        provider=provider,
        channel=(OrderChannel.PORTAL, OrderChannel.CASEWORKER)[serial % 2],
        window_start=start,
        window_end=end,
        unit_price=money.unit_price,
        amount=money.amount,
        co_payment=money.co_payment,
        subsidy=money.subsidy,
        status=real,
        placed_at=start - dt.timedelta(days=1),
    )
    if real in (S.PLACED, S.CANCELLED):
        return order
    order.dispatched_at = start - dt.timedelta(hours=20)
    # the demo login (first worker) has today's visits; one dispatched order waits for a worker to take it
    order.worker = (
        (workers[0] if real in (S.DISPATCHED, S.IN_SERVICE) else workers[serial % len(workers)])
        if workers
        else None
    )
    if real == S.DISPATCHED and serial % 3 == 0:
        order.worker = None
    if real in (S.DISPATCHED, S.NO_SHOW):
        return order
    order.check_in_at = start + dt.timedelta(minutes=5)
    order.check_in_latitude, order.check_in_longitude = person.home_latitude, person.home_longitude
    order.check_in_distance_m = 0
    if flagged:
        order.check_in_latitude = (person.home_latitude or HOME[0]) + Decimal("0.01")
        order.check_in_distance_m = 1112
        order.flags = [rules.FAR_FROM_HOME]
    if real == S.IN_SERVICE:
        return order
    order.check_out_at = order.check_in_at + dt.timedelta(minutes=item.standard_minutes)
    order.check_out_latitude, order.check_out_longitude = person.home_latitude, person.home_longitude
    order.check_out_distance_m = 0
    if real == S.CONFIRMED:
        order.confirmed_at = order.check_out_at + dt.timedelta(hours=2)
        order.confirmed_via = ("portal", "sms", "staff")[serial % 3]
        order.rating = (5, 5, 4, 3)[serial % 4]
    if real == S.DISPUTED:
        order.dispute_reason = "家属反映服务时间不足"
        order.flags = [rules.SHORT_SERVICE]
        order.review_decision = ReviewDecision.DISPUTED
    return order


def _plan(older: OlderPerson, provider: Provider) -> None:
    item = provider.items.filter(kind=ServiceKind.CLEANING).first()
    creator = User.objects.filter(username="caseworker").first()
    if item is None or creator is None or ServicePlan.objects.filter(older_person=older, item=item).exists():
        return
    ServicePlan.objects.create(
        older_person=older,
        item=item,
        weekdays="2,5",
        start_time=dt.time(9),
        valid_from=week_monday(timezone.localdate()),
        created_by=creator,
    )


def _family_contact(older: list[OlderPerson]) -> None:
    """The demo portal account (救助通) may order for the first older person who is not its own person."""
    account = PortalAccount.objects.filter(person__isnull=False).order_by("pk").first()
    if account is None:
        return
    target = next((o for o in older if o.person_id != account.person_id), None)
    if (
        target is None
        or CareContact.objects.filter(older_person=target, phone_index=account.phone_index).exists()
    ):
        return
    CareContact.objects.create(
        older_person=target,
        name=account.name or "演示家属",
        relation="child",
        phone_encrypted=account.phone_encrypted,
        phone_index=account.phone_index,
        phone_masked=account.phone_masked,
        may_order=True,
    )
