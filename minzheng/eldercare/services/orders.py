"""Writes of service orders (issue 17 §4): placing (portal, caseworker, standing plan), dispatch, the worker's
assignment, cancellation, the township's review of flagged orders, confirmation (portal, SMS code, staff
call-back), complaints, disputes and the no-show scan. Check-in/out (EVV) is in ``orders_evv``.

Every status change goes through ``order_transition``: the row is locked, its status compared with the
transition table (``rules.orders.TRANSITIONS``), changed, and an ``OrderEvent`` and an audit event written in
the same transaction — two people acting at once get a clear refusal, never a double effect (ADR 0001).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.eldercare.choices import OrderChannel, OrderStatus, ProviderStatus
from minzheng.eldercare.models import (
    CareWorker,
    OlderPerson,
    OrderEvent,
    Provider,
    ServiceItem,
    ServiceOrder,
)
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.rules.providers import area_covers
from minzheng.eldercare.selectors import orders as order_selectors
from minzheng.eldercare.selectors.providers import area_codes
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.selectors import parameter_value
from minzheng.portal.models import PortalAccount

S = OrderStatus
SMS_CODE_PURPOSE = "eldercare_order_code"


def _require(actor: Any, capability: Capability, message: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.can(capability):
        raise PermissionDenied(message)


def parameter_or_none(key: str, division_code: str, on_date: dt.date) -> Any:
    """A parameter's value, or ``None`` when none is in force (the caller flags 需人工核定)."""
    try:
        return parameter_value(key, division_code, on_date).value
    except ParameterMissing:
        return None


# --- the one transition service ---------------------------------------------------------------------------


def order_transition(
    *,
    order_id: int,
    to_status: str,
    actor: Any = None,
    account: PortalAccount | None = None,
    note: str = "",
    expected: Iterable[str] | None = None,
    updates: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> ServiceOrder:
    """Lock the order, check the change against the table (and ``expected``, the statuses the caller saw),
    apply ``updates``, write the event and the audit record. Must run inside the caller's transaction."""
    order = ServiceOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound("订单不存在")
    from_status = order.status
    if (expected is not None and from_status not in set(expected)) or not rules.transition_allowed(
        from_status, to_status
    ):
        raise Conflict(rules.transition_refusal(from_status, to_status), code="order_status")
    now = timezone.now()
    order.status = to_status
    for name, value in (updates or {}).items():
        setattr(order, name, value)
    order.save()
    _event(order, from_status, to_status, actor=actor, account=account, note=note, at=now, ip=ip_address)
    return order


def _event(
    order: ServiceOrder,
    from_status: str,
    to_status: str,
    *,
    actor: Any,
    account: PortalAccount | None,
    note: str,
    at: dt.datetime,
    ip: str | None,
) -> None:
    OrderEvent.objects.create(
        order=order,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_account=account,
        at=at,
        note=note[:300],
    )
    label = S(to_status).label
    event_record(
        actor=actor,
        verb=f"eldercare.order.{to_status}",
        object_type="service_order",
        object_id=order.pk,
        division_code=order.division.code,
        summary=f"养老服务订单 {order.number}：{label}" + (f"（{note[:100]}）" if note else ""),
        data={"from": from_status, "to": to_status, "account": account.pk if account else None},
        ip_address=ip,
    )


# --- placing ----------------------------------------------------------------------------------------------


def _quantity(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("数量应为数字", field="quantity") from None
    if not Decimal("0.5") <= value <= Decimal(100) or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("数量应在 0.5 到 100 之间，最多两位小数", field="quantity")
    return value


def _item_for(older: OlderPerson, item_id: int) -> ServiceItem:
    item = ServiceItem.objects.select_related("provider").filter(pk=item_id).first()
    if item is None or not item.active:
        raise ValidationFailed("服务项目不存在或已停售", field="item")
    if item.provider.status != ProviderStatus.ACTIVE:
        raise ValidationFailed(f"服务机构“{item.provider.name}”已暂停派单，请选择其他机构", field="item")
    if not area_covers(area_codes(item.provider_id), older.division.code):
        raise ValidationFailed(
            f"服务机构“{item.provider.name}”的服务区域不包括{older.division.name}，请选择其他机构",
            field="item",
        )
    return item


def _window_check(window_start: dt.datetime, window_end: dt.datetime, now: dt.datetime) -> None:
    if window_end <= window_start:
        raise ValidationFailed("预约结束时间应晚于开始时间", field="window_end")
    if window_end - window_start > dt.timedelta(hours=12):
        raise ValidationFailed("一次预约的时段不能超过 12 小时", field="window_end")
    if window_start < now - dt.timedelta(minutes=5):
        raise ValidationFailed("预约开始时间已过，请选择今后的时间", field="window_start")


def _new_number(now: dt.datetime) -> str:
    return f"YL{timezone.localtime(now):%Y%m%d}{secrets.token_hex(4).upper()}"


def order_place(
    *,
    older_person_id: int,
    item_id: int,
    window_start: dt.datetime,
    window_end: dt.datetime,
    quantity: Any = 1,
    note: str = "",
    actor: Any = None,
    account: PortalAccount | None = None,
    ip_address: str | None = None,
) -> tuple[ServiceOrder, bool]:
    """Place one order; returns ``(order, created)``. A repeat of the same person + item + window (a double
    click, a second tab) returns the order already placed (``created`` False) instead of a second one.
    Price, co-payment and subsidy are fixed now from the item (later price changes do not touch it)."""
    if account is not None:
        older = order_selectors.account_older_person(account, older_person_id)
        channel = OrderChannel.PORTAL
    else:
        _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权代老人下单")
        found = OlderPerson.objects.visible_to(actor).select_related("division").filter(pk=older_person_id)
        if not found.exists():
            raise ValidationFailed("老人不存在或不在您的管辖范围内", field="older_person")
        older = found.get()
        channel = OrderChannel.CASEWORKER
    now = timezone.now()
    _window_check(window_start, window_end, now)
    item = _item_for(older, item_id)
    existing = _live_duplicate(older.pk, item.pk, window_start)
    if existing is not None:
        return existing, False
    money = rules.order_money(item.price, item.co_payment, _quantity(quantity))
    try:
        with transaction.atomic():
            order = ServiceOrder.objects.create(
                number=_new_number(now),
                older_person=older,
                division=older.division,
                item=item,
                provider=item.provider,
                channel=channel,
                ordered_by=actor if actor is not None else None,
                ordered_by_account=account,
                window_start=window_start,
                window_end=window_end,
                quantity=_quantity(quantity),
                unit_price=money.unit_price,
                amount=money.amount,
                co_payment=money.co_payment,
                subsidy=money.subsidy,
                note=note.strip()[:200],
                placed_at=now,
            )
            _event(order, "", S.PLACED, actor=actor, account=account, note=note, at=now, ip=ip_address)
    except IntegrityError:
        # the same request won a race a moment earlier: give back its order
        existing = _live_duplicate(older.pk, item.pk, window_start)
        if existing is None:
            raise
        return existing, False
    return order, True


def _live_duplicate(older_id: int, item_id: int, window_start: dt.datetime) -> ServiceOrder | None:
    return (
        ServiceOrder.objects.filter(older_person_id=older_id, item_id=item_id, window_start=window_start)
        .exclude(status=S.CANCELLED)
        .first()
    )


# --- dispatch and assignment ------------------------------------------------------------------------------


@transaction.atomic
def order_dispatch(
    *, actor: Any, order_id: int, provider_id: int | None = None, ip_address: str | None = None
) -> ServiceOrder:
    """The township sends a placed order to a provider serving the older person's village (the one chosen
    at placing, or another with an active item of the same kind and unit; the money stays as placed)."""
    _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权派单")
    order = order_selectors.order_get(actor=actor, pk=order_id)
    provider = Provider.objects.filter(pk=provider_id or order.provider_id).first()
    if provider is None:
        raise ValidationFailed("请选择服务机构", field="provider")
    if provider.status != ProviderStatus.ACTIVE:
        raise ValidationFailed(f"服务机构“{provider.name}”已暂停派单，不能派单", field="provider")
    if not area_covers(area_codes(provider.pk), order.division.code):
        raise ValidationFailed(
            f"服务机构“{provider.name}”的服务区域不包括{order.division.name}（{order.division.code}），不能派单",
            field="provider",
        )
    item = order.item
    if provider.pk != order.provider_id:
        found = ServiceItem.objects.filter(
            provider=provider, kind=order.item.kind, unit=order.item.unit, active=True
        ).first()
        if found is None:
            raise ValidationFailed(
                f"服务机构“{provider.name}”没有在售的“{order.item.get_kind_display()}”项目，不能派单",
                field="provider",
            )
        item = found
    return order_transition(
        order_id=order.pk,
        to_status=S.DISPATCHED,
        actor=actor,
        expected=[S.PLACED],
        note=f"派单至{provider.name}",
        ip_address=ip_address,
        updates={"provider": provider, "item": item, "dispatched_at": timezone.now(), "dispatched_by": actor},
    )


@transaction.atomic
def order_assign(*, actor: Any, order_id: int, worker_id: int, ip_address: str | None = None) -> ServiceOrder:
    """The provider gives a dispatched order to one of its active workers (a worker may take it himself);
    township staff may assign too. Not a status change: a locked compare-and-set on ``worker`` empty."""
    order = ServiceOrder.objects.select_for_update().select_related("division").filter(pk=order_id).first()
    if order is None:
        raise NotFound("订单不存在")
    own = order_selectors.worker_of(actor)
    is_staff = (
        actor.can(Capability.MANAGE_ELDERCARE)
        and ServiceOrder.objects.visible_to(actor).filter(pk=order.pk).exists()
    )
    if not is_staff and (own is None or own.provider_id != order.provider_id):
        raise PermissionDenied("只有承接该订单的服务机构人员才能分配服务人员")
    if order.status != S.DISPATCHED:
        raise Conflict(f"订单当前状态为“{S(order.status).label}”，不能再分配服务人员", code="order_status")
    if order.worker_id is not None and order.worker_id != worker_id:
        raise Conflict("该订单已分配给其他服务人员（可能刚被他人接单），请刷新后查看", code="order_assigned")
    worker = CareWorker.objects.filter(pk=worker_id, provider_id=order.provider_id, active=True).first()
    if worker is None:
        raise ValidationFailed("服务人员不存在、已离岗或不属于承接机构", field="worker")
    order.worker = worker
    order.save(update_fields=["worker"])
    event_record(
        actor=actor,
        verb="eldercare.order.assigned",
        object_type="service_order",
        object_id=order.pk,
        division_code=order.division.code,
        summary=f"养老服务订单 {order.number}：分配给{worker.name}",
        ip_address=ip_address,
    )
    return order


# --- cancellation -----------------------------------------------------------------------------------------


@transaction.atomic
def order_cancel(
    *,
    order_id: int,
    reason: str,
    actor: Any = None,
    account: PortalAccount | None = None,
    ip_address: str | None = None,
) -> ServiceOrder:
    """Placed or dispatched orders may be cancelled by whoever ordered (portal) or by the township."""
    if not reason.strip():
        raise ValidationFailed("请填写取消原因", field="reason")
    if account is not None:
        order = order_selectors.account_order(account, order_id)
    else:
        _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权取消订单")
        order = order_selectors.order_get(actor=actor, pk=order_id)
    if order.status == S.CANCELLED:
        return order  # cancelling twice is harmless
    return order_transition(
        order_id=order.pk,
        to_status=S.CANCELLED,
        actor=actor,
        account=account,
        expected=[S.PLACED, S.DISPATCHED],
        note=f"取消：{reason.strip()}",
        ip_address=ip_address,
    )
