"""Reads of service orders and plans (issue 17 §4): staff lists scoped with ``visible_to``, the worker's own
orders, and what a portal account may see (the older people it may act for)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from minzheng.common.errors import NotFound
from minzheng.eldercare.models import (
    CareContact,
    CareWorker,
    OlderPerson,
    OrderEvent,
    ServiceOrder,
    ServicePlan,
)
from minzheng.eldercare.rules import orders as rules
from minzheng.portal.models import PortalAccount

ORDER_RELATED = ("older_person__person", "division", "item", "provider", "worker")


# --- the portal ------------------------------------------------------------------------------------------


def older_people_of_account(account: PortalAccount) -> QuerySet[OlderPerson]:
    """The older people a portal account may order and confirm for (contract of issue 17): the account's own
    person when that person is an older person, and every older person with a ``CareContact`` whose phone
    is the account's phone and who may order (``may_order``)."""
    contacts = CareContact.objects.filter(phone_index=account.phone_index, may_order=True).values(
        "older_person_id"
    )
    condition = Q(pk__in=contacts)
    if account.person_id is not None:
        condition |= Q(person_id=account.person_id)
    return OlderPerson.objects.filter(condition, active=True).select_related("person", "division")


def account_older_person(account: PortalAccount, older_person_id: int) -> OlderPerson:
    older = older_people_of_account(account).filter(pk=older_person_id).first()
    if older is None:
        raise NotFound("您不能为这位老人下单或查看订单", field="older_person")
    return older


def account_orders(account: PortalAccount) -> QuerySet[ServiceOrder]:
    return (
        ServiceOrder.objects.filter(older_person__in=older_people_of_account(account).values("pk"))
        .select_related(*ORDER_RELATED)
        .order_by("-window_start", "-pk")
    )


def account_order(account: PortalAccount, pk: int) -> ServiceOrder:
    order = account_orders(account).filter(pk=pk).first()
    if order is None:
        raise NotFound("订单不存在或您无权查看")
    return order


# --- staff -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    kind: str = ""
    provider: int | None = None
    number: str = ""
    division: str = ""
    window_from: dt.date | None = None
    window_to: dt.date | None = None
    flagged: bool = False
    review_pending: bool = False
    sort: str = "-window_start"


SORTS = {"window_start", "-window_start", "number", "-number", "status", "-status", "amount", "-amount"}


def order_list(*, actor: Any, filters: OrderFilters | None = None) -> QuerySet[ServiceOrder]:
    filters = filters or OrderFilters()
    rows = ServiceOrder.objects.visible_to(actor, within=filters.division)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(item__kind=filters.kind)
    if filters.provider:
        rows = rows.filter(provider_id=filters.provider)
    if filters.number.strip():
        rows = rows.filter(number__icontains=filters.number.strip())
    if filters.window_from:
        rows = rows.filter(window_start__date__gte=filters.window_from)
    if filters.window_to:
        rows = rows.filter(window_start__date__lte=filters.window_to)
    if filters.flagged:
        rows = rows.exclude(flags=[])
    if filters.review_pending:
        rows = rows.exclude(flags=[]).filter(review_decision="", status="served")
    sort = filters.sort if filters.sort in SORTS else "-window_start"
    return rows.select_related(*ORDER_RELATED).order_by(sort, "-pk")


def order_get(*, actor: Any, pk: int) -> ServiceOrder:
    order = ServiceOrder.objects.visible_to(actor).select_related(*ORDER_RELATED).filter(pk=pk).first()
    if order is None:
        raise NotFound("订单不存在或不在您的管辖范围内")
    return order


@dataclass(frozen=True)
class OrderDetail:
    order: ServiceOrder
    events: list[OrderEvent]
    flag_words: list[str]
    review_needed: bool
    allowed: frozenset[str] = field(default_factory=frozenset)


def order_detail(order: ServiceOrder) -> OrderDetail:
    return OrderDetail(
        order=order,
        events=list(order.events.select_related("actor", "actor_account")),
        flag_words=rules.flag_words(order.flags),
        review_needed=rules.review_needed(order.flags, order.review_decision),
        allowed=rules.TRANSITIONS.get(order.status, frozenset()),
    )


def plan_list(*, actor: Any) -> QuerySet[ServicePlan]:
    return (
        ServicePlan.objects.visible_to(actor)
        .select_related("older_person__person", "item__provider")
        .order_by("-created_at", "-pk")
    )


# --- the worker's phone pages -------------------------------------------------------------------------------


def worker_of(user: Any) -> CareWorker | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return CareWorker.objects.filter(user=user, active=True).select_related("provider").first()


def worker_orders(*, worker: CareWorker, day: dt.date | None = None) -> QuerySet[ServiceOrder]:
    """The worker's own orders of the day (dispatched, in service or served), plus any still in service."""
    day = day or timezone.localdate()
    return (
        ServiceOrder.objects.filter(worker=worker)
        .filter(Q(window_start__date=day) | Q(status=rules.S.IN_SERVICE))
        .select_related(*ORDER_RELATED)
        .order_by("window_start", "pk")
    )


def provider_unassigned(*, worker: CareWorker) -> QuerySet[ServiceOrder]:
    """The provider's dispatched orders with no worker yet (any worker of the provider may take one)."""
    return (
        ServiceOrder.objects.filter(provider=worker.provider, status=rules.S.DISPATCHED, worker__isnull=True)
        .select_related(*ORDER_RELATED)
        .order_by("window_start", "pk")
    )


def worker_order(*, worker: CareWorker, pk: int) -> ServiceOrder:
    order = ServiceOrder.objects.filter(pk=pk, worker=worker).select_related(*ORDER_RELATED).first()
    if order is None:
        raise NotFound("订单不存在或不是派给您的订单")
    return order
