"""API of eldercare: orders (issue 17), under /api/v1/eldercare/. Staff read the orders of their
jurisdiction (another county's order is 404) and dispatch; the worker's app checks in and out (multipart:
the fields of the phone page and the photo) — the same services as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.network import client_address
from minzheng.common.schemas import BodyIn, refusals
from minzheng.eldercare.models import ServiceOrder
from minzheng.eldercare.rules.orders import flag_words
from minzheng.eldercare.selectors import orders as selectors
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.services import orders_evv as evv

router = Router(tags=["智慧养老：服务订单"])
PAGE = 100


class OrderOut(Schema):
    id: int
    number: str
    older_person_id: int
    division_code: str
    kind: str
    item_id: int
    provider_id: int
    worker_id: int | None
    channel: str
    status: str
    window_start: dt.datetime
    window_end: dt.datetime
    quantity: Decimal
    amount: Decimal
    co_payment: Decimal
    subsidy: Decimal
    check_in_at: dt.datetime | None
    check_out_at: dt.datetime | None
    check_in_distance_m: int | None
    flags: list[str] = Field(description="核验提示代码")
    flag_words: list[str] = Field(description="核验提示（中文）")
    review_decision: str
    confirmed_at: dt.datetime | None
    confirmed_via: str
    rating: int | None
    dispute_reason: str


class OrderQuery(Schema):
    status: str = ""
    kind: str = ""
    division: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码，每页 100 条")


class OrderPage(Schema):
    page: int
    has_next: bool
    results: list[OrderOut]


class DispatchIn(BodyIn):
    provider_id: int | None = Field(None, description="空则派给下单时选定的机构")


def order_out(order: ServiceOrder) -> OrderOut:
    return OrderOut(
        id=order.pk,
        number=order.number,
        older_person_id=order.older_person_id,
        division_code=order.division.code,
        kind=order.item.kind,
        item_id=order.item_id,
        provider_id=order.provider_id,
        worker_id=order.worker_id,
        channel=order.channel,
        status=order.status,
        window_start=order.window_start,
        window_end=order.window_end,
        quantity=order.quantity,
        amount=order.amount,
        co_payment=order.co_payment,
        subsidy=order.subsidy,
        check_in_at=order.check_in_at,
        check_out_at=order.check_out_at,
        check_in_distance_m=order.check_in_distance_m,
        flags=order.flags,
        flag_words=flag_words(order.flags),
        review_decision=order.review_decision,
        confirmed_at=order.confirmed_at,
        confirmed_via=order.confirmed_via,
        rating=order.rating,
        dispute_reason=order.dispute_reason,
    )


@router.get("/orders", response={200: OrderPage, **refusals()}, summary="服务订单列表（本辖区）")
def order_list(request: HttpRequest, query: Query[OrderQuery]) -> OrderPage:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    filters = selectors.OrderFilters(status=query.status, kind=query.kind, division=query.division)
    start = (query.page - 1) * PAGE
    rows = list(selectors.order_list(actor=actor, filters=filters)[start : start + PAGE + 1])
    return OrderPage(page=query.page, has_next=len(rows) > PAGE, results=[order_out(o) for o in rows[:PAGE]])


@router.get("/orders/{order_id}", response={200: OrderOut, **refusals(404)}, summary="服务订单详情")
def order_get(request: HttpRequest, order_id: int) -> OrderOut:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    return order_out(selectors.order_get(actor=actor, pk=order_id))


@router.post("/orders/{order_id}/dispatch", response={200: OrderOut, **refusals(404, 409)}, summary="派单")
def order_dispatch(request: HttpRequest, order_id: int, payload: DispatchIn) -> OrderOut:
    actor = request_actor(request, Capability.MANAGE_ELDERCARE)
    order = services.order_dispatch(
        actor=actor, order_id=order_id, provider_id=payload.provider_id, ip_address=client_address(request)
    )
    return order_out(selectors.order_get(actor=actor, pk=order.pk))


@router.post(
    "/orders/{order_id}/check-{moment}",
    response={200: OrderOut, **refusals(404, 409)},
    summary="服务人员签到/签退",
)
def order_check(
    request: HttpRequest,
    order_id: int,
    moment: str,
    photo: File[UploadedFile],
    latitude: Form[str] = "",
    longitude: Form[str] = "",
    location_reason: Form[str] = "",
) -> OrderOut:
    """``moment`` is ``in`` or ``out``. Time is the server's; the flags are computed as on the phone page."""
    actor = request_actor(request, Capability.PROVIDE_CARE)
    if moment not in ("in", "out"):
        raise NotFound("没有这个操作（应为 check-in 或 check-out）")
    service = evv.order_check_in if moment == "in" else evv.order_check_out
    order = service(
        actor=actor,
        order_id=order_id,
        location=evv.Location(latitude, longitude, location_reason),
        photo=photo,
        ip_address=client_address(request),
    )
    return order_out(ServiceOrder.objects.select_related("division", "item").get(pk=order.pk))
