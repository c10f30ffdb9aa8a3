"""API of eldercare: the overview's figures (issue 17 §9), ``GET /api/v1/eldercare/dashboard`` — the same
selector as the page (``selectors.dashboard``), for the actor's jurisdiction or a division within it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.months import month_start
from minzheng.common.schemas import Month, refusals
from minzheng.eldercare.selectors.dashboard import eldercare_dashboard

router = Router(tags=["智慧养老：概览"])


class EldercareDashboardQuery(Schema):
    month: Month | None = Field(None, description="月份 YYYY-MM（默认本月）")
    division: str | None = Field(None, max_length=12, description="区划代码（默认本人管辖区划）")


class DashboardCoverageOut(Schema):
    key: str
    label: str
    people: int
    served: int
    rate: Decimal | None


class DashboardFiguresOut(Schema):
    orders: int
    served: int
    confirmed: int
    disputed: int
    no_show: int
    checked_in: int
    on_time: int
    low_rating: int
    subsidy: Decimal
    on_time_rate: Decimal | None
    confirmation_rate: Decimal | None


class DashboardKindOut(DashboardFiguresOut):
    kind: str
    label: str


class DashboardProviderOut(DashboardFiguresOut):
    provider_id: int
    provider_name: str


class DashboardAreaOut(DashboardFiguresOut):
    code: str
    name: str
    people: int


class EldercareDashboardOut(Schema):
    division_code: str
    division_name: str
    month: dt.date
    coverage: list[DashboardCoverageOut]
    totals: DashboardFiguresOut
    by_kind: list[DashboardKindOut]
    by_provider: list[DashboardProviderOut]
    areas: list[DashboardAreaOut]


@router.get("/dashboard", response={200: EldercareDashboardOut, **refusals(404)}, summary="智慧养老概览数据")
def dashboard(request: HttpRequest, query: Query[EldercareDashboardQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE, denied="您的角色无权查看智慧养老")
    month = dt.date.fromisoformat(f"{query.month}-01") if query.month else month_start(timezone.localdate())
    board = eldercare_dashboard(actor=actor, month=month, division_code=query.division or None)
    return {
        "division_code": board.division.code,
        "division_name": board.division.name,
        "month": board.month,
        "coverage": board.coverage,
        "totals": board.totals,
        "by_kind": board.by_kind,
        "by_provider": [{**row, "provider_name": row["provider__name"]} for row in board.by_provider],
        "areas": board.areas,
    }
