"""Standing plans (固定服务计划, issue 17 §4): e.g. 助洁 every Tuesday 9:00. The weekly generation is
set-based and idempotent: the week's windows of every plan are computed, inserted in one bulk statement
that skips rows already there (the unique constraints ``order_plan_once_per_window`` and
``order_once_per_person_item_window``), then one bulk insert of the new orders' events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import ValidationFailed
from minzheng.eldercare.choices import OrderChannel, OrderStatus, ProviderStatus
from minzheng.eldercare.models import OlderPerson, OrderEvent, ServiceItem, ServiceOrder, ServicePlan
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.rules.providers import area_covers
from minzheng.eldercare.selectors.providers import area_codes
from minzheng.eldercare.services.orders import _quantity, _require


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    older_person_id: int,
    item_id: int,
    weekdays: str,
    start_time: dt.time,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    quantity: Any = 1,
    ip_address: str | None = None,
) -> ServicePlan:
    _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权制定服务计划")
    older = (
        OlderPerson.objects.visible_to(actor).select_related("division").filter(pk=older_person_id).first()
    )
    if older is None:
        raise ValidationFailed("老人不存在或不在您的管辖范围内", field="older_person")
    item = ServiceItem.objects.select_related("provider").filter(pk=item_id, active=True).first()
    if item is None or item.provider.status != ProviderStatus.ACTIVE:
        raise ValidationFailed("服务项目不存在、已停售或机构已暂停", field="item")
    if not area_covers(area_codes(item.provider_id), older.division.code):
        raise ValidationFailed(
            f"服务机构“{item.provider.name}”的服务区域不包括{older.division.name}", field="item"
        )
    try:
        days = rules.weekdays_parse(weekdays)
    except ValueError as error:
        raise ValidationFailed(str(error), field="weekdays") from None
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed("终止日期不能早于起始日期", field="valid_to")
    plan = ServicePlan.objects.create(
        older_person=older,
        item=item,
        weekdays=",".join(map(str, days)),
        start_time=start_time,
        quantity=_quantity(quantity),
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor,
    )
    event_record(
        actor=actor,
        verb="eldercare.plan.created",
        object_type="service_plan",
        object_id=plan.pk,
        division_code=older.division.code,
        summary=f"固定服务计划：{item.name}，每周 {plan.weekdays}",
        ip_address=ip_address,
    )
    return plan


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def plans_generate(*, week_start: dt.date, actor: Any = None, now: dt.datetime | None = None) -> int:
    """Create the orders of the week starting ``week_start`` (a Monday) for every plan in force; running it
    again creates nothing more. Orders are placed (待派单) with the plan's price fixed now. Returns the
    number of orders created."""
    if week_start.weekday() != 0:
        raise ValidationFailed("请从周一开始生成一周的计划订单", field="week_start")
    now = now or timezone.now()
    week_end = week_start + dt.timedelta(days=6)
    plans = (
        ServicePlan.objects.filter(valid_from__lte=week_end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=week_start))
        .filter(item__active=True, item__provider__status=ProviderStatus.ACTIVE, older_person__active=True)
        .select_related("item", "older_person")
    )
    tz = timezone.get_current_timezone()
    rows: list[ServiceOrder] = []
    for plan in plans:
        money = rules.order_money(plan.item.price, plan.item.co_payment, plan.quantity)
        for start, end in rules.plan_windows(
            rules.weekdays_parse(plan.weekdays),
            plan.start_time,
            plan.item.standard_minutes,
            week_start,
            plan.valid_from,
            plan.valid_to,
            tz,
        ):
            rows.append(
                ServiceOrder(
                    number=rules.plan_order_number(plan.pk, start),
                    older_person_id=plan.older_person_id,
                    division_id=plan.older_person.division_id,
                    item_id=plan.item_id,
                    provider_id=plan.item.provider_id,
                    channel=OrderChannel.PLAN,
                    plan=plan,
                    window_start=start,
                    window_end=end,
                    quantity=plan.quantity,
                    unit_price=money.unit_price,
                    amount=money.amount,
                    co_payment=money.co_payment,
                    subsidy=money.subsidy,
                    placed_at=now,
                )
            )
    week = ServiceOrder.objects.filter(plan__isnull=False, window_start__date__range=(week_start, week_end))
    before = week.count()
    ServiceOrder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    created = week.count() - before
    # events for the orders just created: plan orders of the week without any event yet
    fresh = week.filter(events__isnull=True).values_list("pk", flat=True)
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order_id=pk, from_status="", to_status=OrderStatus.PLACED, at=now, note="固定服务计划生成"
            )
            for pk in fresh
        ],
        batch_size=1000,
    )
    event_record(
        actor=actor,
        verb="eldercare.plans.generated",
        object_type="service_plan",
        object_id=str(week_start),
        summary=f"固定服务计划生成 {week_start:%Y-%m-%d} 一周订单 {created} 单",
        data={"created": created},
    )
    return created
