"""API of visits (探访关爱, issue 17 §5, §9) under /api/v1/eldercare/: the visit list (schedule) of the
user's jurisdiction, an older person's visits, recording a visit (JSON, no photos: photos are taken on the
phone page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import BodyIn, refusals
from minzheng.eldercare.models import VisitRecord
from minzheng.eldercare.selectors import visits as selectors
from minzheng.eldercare.selectors.entitlements import older_person_get
from minzheng.eldercare.services import visits as services

router = Router()


class ScheduleOut(Schema):
    older_person_id: int
    name: str
    division_code: str
    categories: str
    interval_days: int | None
    last_visited_on: dt.date | None
    next_due_on: dt.date | None
    overdue: bool
    manual_reason: str


class SchedulePage(Schema):
    page: int
    has_next: bool
    results: list[ScheduleOut]


class ScheduleQuery(Schema):
    due: str = Field("", description="overdue / soon / manual")
    category: str = ""
    division: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX)


class VisitIn(BodyIn):
    visited_on: dt.date
    findings: str
    living_conditions: str = ""
    health: str = ""
    risk_found: bool = False
    safety_risks: str = ""
    needs: str = ""
    follow_up: str = ""


class VisitOut(Schema):
    id: int
    older_person_id: int
    visited_on: dt.date
    visitor: str
    visitor_kind: str
    risk_found: bool
    safety_risks: str
    findings: str
    follow_up: str


def _visit(row: VisitRecord) -> VisitOut:
    return VisitOut(
        id=row.pk,
        older_person_id=row.older_person_id,
        visited_on=row.visited_on,
        visitor=row.visitor.full_name,
        visitor_kind=row.visitor_kind,
        risk_found=row.risk_found,
        safety_risks=row.safety_risks,
        findings=row.findings,
        follow_up=row.follow_up,
    )


@router.get("/visits", response={200: SchedulePage, **refusals()}, summary="探访关爱计划（逾期在前）")
def schedule_list(request: HttpRequest, filters: Query[ScheduleQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    today = timezone.localdate()
    rows = selectors.schedule_list(
        actor=actor,
        filters=selectors.ScheduleFilters(
            due=filters.due, category=filters.category, division=filters.division
        ),
        today=today,
    )
    size, page = 100, filters.page
    found = list(rows[(page - 1) * size : page * size + 1])
    results = [
        ScheduleOut(
            older_person_id=r.older_person_id,
            name=r.older_person.person.name,
            division_code=r.division.code,
            categories=r.categories,
            interval_days=r.interval_days,
            last_visited_on=r.last_visited_on,
            next_due_on=r.next_due_on,
            overdue=bool(r.next_due_on and r.next_due_on < today),
            manual_reason=r.manual_reason,
        )
        for r in found[:size]
    ]
    return {"page": page, "has_next": len(found) > size, "results": results}


@router.get(
    "/visits/{older_person_id}/records", response={200: list[VisitOut], **refusals(404)}, summary="探访记录"
)
def visit_list(request: HttpRequest, older_person_id: int) -> list[VisitOut]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    older = older_person_get(actor=actor, pk=older_person_id)
    return [_visit(v) for v in selectors.visit_list(actor=actor, older_person_id=older.pk)[:200]]


@router.post(
    "/visits/{older_person_id}/records", response={201: VisitOut, **refusals(404)}, summary="录入探访记录"
)
def visit_record(request: HttpRequest, older_person_id: int, payload: VisitIn) -> tuple[int, VisitOut]:
    actor = request_actor(request)
    row = services.visit_record(
        actor=actor,
        older_person_id=older_person_id,
        data=services.VisitData(
            visited_on=payload.visited_on,
            findings=payload.findings,
            living_conditions=payload.living_conditions,
            health=payload.health,
            risk_found=payload.risk_found,
            safety_risks=payload.safety_risks,
            needs=payload.needs,
            follow_up=payload.follow_up,
        ),
    )
    return 201, _visit(selectors.visit_get(actor=actor, pk=row.pk))
