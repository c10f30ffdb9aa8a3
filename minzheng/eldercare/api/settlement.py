"""API of eldercare: settlement (issue 17 §7), under /api/v1/eldercare/settlements. The same services and
selectors as the pages, as the authenticated user: a provider's own staff read their provider's statements;
a statement outside the user's jurisdiction is 404; generation and transitions need the roles of the pages
(maker MANAGE_ELDERCARE at the county; checker another county user, maker ≠ checker → 403
``maker_is_checker``; a statement no longer in the transition's source status → 409)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.schemas import BodyIn, Month, refusals
from minzheng.divisions.models import Division
from minzheng.eldercare.models import Settlement
from minzheng.eldercare.selectors import settlement as selectors
from minzheng.eldercare.services import settlement as services

router = Router(tags=["智慧养老：结算"])
_READ_ERRORS = refusals(404)
_WRITE_ERRORS = refusals(404, 409)


class SettlementQuery(Schema):
    month: Month | None = Field(None, description="结算月份 YYYY-MM")
    status: str | None = Field(None, description="draft / submitted / approved / exported / reconciled")
    q: str | None = Field(None, max_length=60, description="服务机构名称或结算单号")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class SettlementOut(Schema):
    id: int
    number: str
    provider_id: int
    provider_name: str
    county_code: str
    month: dt.date
    status: str
    status_label: str
    line_count: int
    service_amount: Decimal
    co_payment_total: Decimal
    total_amount: Decimal
    excluded_count: int
    payment_outcome: str
    bank_reason: str
    made_by: str | None
    checked_by: str | None


class SettlementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SettlementOut]


class LineOut(Schema):
    order_number: str
    person_name: str
    item_name: str
    served_at: dt.datetime
    quantity: Decimal
    unit_price: Decimal
    co_payment: Decimal
    subsidy: Decimal


class ExclusionOut(Schema):
    order_number: str
    person_name: str
    item_name: str
    subsidy: Decimal
    reason: str
    detail: str


class SettlementDetailOut(SettlementOut):
    lines: list[LineOut]
    lines_total: int
    exclusions: list[ExclusionOut]


class GenerateIn(BodyIn):
    county: str = Field(..., min_length=6, max_length=12, description="旗县区划代码（6 位或 12 位）")
    month: Month = Field(..., description="结算月份 YYYY-MM（已结束的月份）")


class GenerateOut(Schema):
    month: dt.date
    settlements: list[SettlementOut]
    lines: int
    exclusions: int
    skipped: list[str]


class TransitionIn(BodyIn):
    code: str = Field(..., description="submit（提交审核） / approve（审核通过） / reject（退回修改）")
    reason: str = Field("", max_length=200, description="退回理由（reject 必填）")


def _viewer(request: HttpRequest) -> User:
    actor = request_actor(request)
    if not (actor.can(Capability.VIEW_ELDERCARE) or actor.can(Capability.PROVIDE_CARE)):
        raise PermissionDenied("您的角色无权查看养老服务结算单", code="forbidden")
    return actor


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def _out(s: Settlement, staff: bool = True) -> dict[str, Any]:
    return {
        "id": s.pk,
        "number": s.number,
        "provider_id": s.provider_id,
        "provider_name": s.provider.name,
        "county_code": s.county.code,
        "month": s.month,
        "status": s.status,
        "status_label": s.get_status_display(),
        "line_count": s.line_count,
        "service_amount": s.service_amount,
        "co_payment_total": s.co_payment_total,
        "total_amount": s.total_amount,
        "excluded_count": s.excluded_count,
        "payment_outcome": s.payment_outcome,
        "bank_reason": s.bank_reason,
        "made_by": s.made_by.username if staff else None,
        "checked_by": s.checked_by.username if staff and s.checked_by else None,
    }


@router.get("/settlements", response={200: SettlementPage, **_READ_ERRORS}, summary="养老服务结算单列表")
def settlement_list(request: HttpRequest, filters: Query[SettlementQuery]) -> dict[str, Any]:
    actor = _viewer(request)
    rows = selectors.settlement_list(
        actor=actor,
        filters=selectors.SettlementFilters(
            _month(filters.month) if filters.month else None, filters.status or "", filters.q or ""
        ),
    )
    staff = actor.can(Capability.VIEW_ELDERCARE)
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": rows.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(s, staff) for s in page],
    }


@router.get(
    "/settlements/{settlement_id}",
    response={200: SettlementDetailOut, **_READ_ERRORS},
    summary="结算单详情（明细最多 1000 条、未结算订单及原因）",
)
def settlement_detail(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    actor = _viewer(request)
    return _detail(actor, settlement_id)


def _detail(actor: User, settlement_id: int) -> dict[str, Any]:
    statement = selectors.settlement_get(actor=actor, settlement_id=settlement_id)
    lines = selectors.statement_lines(statement)
    return {
        **_out(statement, actor.can(Capability.VIEW_ELDERCARE)),
        "lines": list(lines[:1000]),
        "lines_total": statement.line_count,
        "exclusions": selectors.statement_exclusions(statement),
    }


@router.post(
    "/settlements",
    response={201: GenerateOut, **_WRITE_ERRORS},
    summary="生成（或重新生成草稿）某旗县某月各服务机构结算单",
)
def settlement_generate(request: HttpRequest, payload: GenerateIn) -> tuple[int, dict[str, Any]]:
    actor = request_actor(request, Capability.MANAGE_ELDERCARE, denied="您的角色无权办理养老服务结算")
    county = Division.objects.visible_to(actor).filter(code=payload.county.ljust(12, "0")).first()
    if county is None:
        raise NotFound("区划不存在或不在您的管辖范围内", field="county")
    result = services.settlement_generate(actor=actor, county=county, month=_month(payload.month))
    rows = Settlement.objects.select_related("provider", "county", "made_by", "checked_by").filter(
        pk__in=[s.pk for s in result.settlements]
    )
    return 201, {
        "month": result.month,
        "settlements": [_out(s) for s in rows.order_by("provider__name", "id")],
        "lines": result.lines,
        "exclusions": result.exclusions,
        "skipped": [s.number for s in result.skipped],
    }


@router.post(
    "/settlements/{settlement_id}/transitions",
    response={200: SettlementDetailOut, **_WRITE_ERRORS},
    summary="提交、审核通过或退回结算单",
)
def settlement_transition(request: HttpRequest, settlement_id: int, payload: TransitionIn) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE, denied="您的角色无权办理养老服务结算")
    services.settlement_transition(
        actor=actor, settlement_id=settlement_id, code=payload.code, reason=payload.reason
    )
    return _detail(actor, settlement_id)
