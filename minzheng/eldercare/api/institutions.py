"""API of eldercare: institutions (issue 17 §8–9), under /api/v1/eldercare/institutions/ — the register
(scoped list and detail with residents' count and occupancy) and the 双随机 draws, read-only, with their
seed and snapshotted pools so a client can re-run a draw itself (docs/eldercare.md gives the algorithm)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.schemas import refusals
from minzheng.eldercare.models.institutions import Draw, Institution
from minzheng.eldercare.selectors import institutions as selectors

router = Router()
_READ_ERRORS = refusals(404)
_DENIED = "您的角色无权查看养老机构"


class InstitutionQuery(Schema):
    text: str = Field("", max_length=60, description="机构名称（包含）或信用代码（开头）")
    kind: str = Field("", description="public（公办）/ public_private（公建民营）/ private（民办）")
    status: str = Field("", description="operating / suspended / closed")
    division: str = Field("", max_length=12, description="区划代码前缀（本级管辖范围内）")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class InstitutionOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    permit_kind: str
    permit_number: str
    county_code: str
    township_code: str
    township_name: str
    address: str
    beds_total: int
    nursing_beds: int
    care_levels: list[str]
    staff_total: int
    carers: int
    status: str
    residents: int


class InstitutionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InstitutionOut]


class OccupancyOut(Schema):
    month: str
    resident_days: int
    bed_days: int
    rate_percent: Decimal | None


class InstitutionDetailOut(InstitutionOut):
    occupancy: list[OccupancyOut]


class DrawOut(Schema):
    id: int
    plan_id: int
    plan_title: str
    county_code: str
    year: int
    round: int
    status: str
    algorithm: str
    seed: str
    target_count: int
    inspectors_per_target: int
    exclude_own_township: bool
    target_pool: list[dict[str, Any]]
    inspector_pool: list[dict[str, Any]]
    result: list[dict[str, Any]]
    reason: str
    supersedes_id: int | None
    drawn_at: dt.datetime


def _out(item: Institution, residents: int) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "credit_code": item.credit_code,
        "kind": item.kind,
        "permit_kind": item.permit_kind,
        "permit_number": item.permit_number,
        "county_code": item.county.code,
        "township_code": item.township.code,
        "township_name": item.township.name,
        "address": item.address,
        "beds_total": item.beds_total,
        "nursing_beds": item.nursing_beds,
        "care_levels": item.care_levels,
        "staff_total": item.staff_total,
        "carers": item.carers,
        "status": item.status,
        "residents": residents,
    }


@router.get("/institutions", response={200: InstitutionPage, **_READ_ERRORS}, summary="养老机构列表")
def institution_list(request: HttpRequest, filters: Query[InstitutionQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE, denied=_DENIED)
    rows = selectors.institution_list(
        actor=actor,
        filters=selectors.InstitutionFilters(filters.text, filters.kind, filters.status, filters.division),
    ).select_related("county")
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": rows.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(i, i.resident_count) for i in page],
    }


@router.get(
    "/institutions/{int:institution_id}",
    response={200: InstitutionDetailOut, **_READ_ERRORS},
    summary="养老机构详情",
)
def institution_detail(request: HttpRequest, institution_id: int) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE, denied=_DENIED)
    item = selectors.institution_get(actor=actor, pk=institution_id)
    residents = selectors.residents_of(actor=actor, institution=item, current_only=True).count()
    months = selectors.occupancy(actor=actor, institution=item, until=timezone.localdate())
    return {
        **_out(item, residents),
        "occupancy": [
            {
                "month": f"{m.month:%Y-%m}",
                "resident_days": m.resident_days,
                "bed_days": m.bed_days,
                "rate_percent": m.rate,
            }
            for m in months
        ],
    }


def _draw_out(draw: Draw) -> dict[str, Any]:
    return {
        "id": draw.pk,
        "plan_id": draw.plan_id,
        "plan_title": draw.plan.title,
        "county_code": draw.plan.county.code,
        "year": draw.plan.year,
        "round": draw.plan.round,
        "status": draw.status,
        "algorithm": draw.algorithm,
        "seed": draw.seed,
        "target_count": draw.target_count,
        "inspectors_per_target": draw.inspectors_per_target,
        "exclude_own_township": draw.exclude_own_township,
        "target_pool": draw.target_pool,
        "inspector_pool": draw.inspector_pool,
        "result": draw.result,
        "reason": draw.reason,
        "supersedes_id": draw.supersedes_id,
        "drawn_at": draw.drawn_at,
    }


@router.get("/institutions/draws", response={200: list[DrawOut], **_READ_ERRORS}, summary="双随机抽取记录")
def draw_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE, denied=_DENIED)
    selectors.require_view(actor)
    draws = Draw.objects.visible_to(actor).select_related("plan__county").order_by("-id")[:200]
    return [_draw_out(d) for d in draws]


@router.get(
    "/institutions/draws/{int:draw_id}", response={200: DrawOut, **_READ_ERRORS}, summary="双随机抽取记录详情"
)
def draw_detail(request: HttpRequest, draw_id: int) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE, denied=_DENIED)
    return _draw_out(selectors.draw_get(actor=actor, pk=draw_id))
