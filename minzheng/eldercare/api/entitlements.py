"""API of service entitlements (issue 17 §3, §9) under /api/v1/eldercare/: the list of the user's
jurisdiction, one entitlement, an application, a transition (compare-and-set on ``expected_status``), and
the current entitlement of an older person on a day (the orders part's contract)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import BodyIn, refusals
from minzheng.eldercare.models import ServiceEntitlement
from minzheng.eldercare.selectors import entitlements as selectors
from minzheng.eldercare.services import entitlements as services

router = Router()


class EntitlementOut(Schema):
    id: int
    older_person_id: int
    name: str
    division_code: str
    category: str
    category_label: str
    status: str
    status_label: str
    applied_on: dt.date
    township_due_on: dt.date | None
    county_due_on: dt.date | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    monthly_hours: int | None
    monthly_amount: Decimal | None
    manual: bool
    reason: str
    parameters: list[dict[str, Any]]


class EntitlementPage(Schema):
    page: int
    has_next: bool
    results: list[EntitlementOut]


class EntitlementQuery(Schema):
    status: str = ""
    category: str = ""
    division: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码，每页 100 条")


class ApplyIn(BodyIn):
    older_person_id: int
    category: str
    note: str = ""


class TransitionIn(BodyIn):
    code: str = Field(
        description="操作：review、return、township_reject、approve、county_return、county_reject、end、resubmit"
    )
    expected_status: str
    reason: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    manual_hours: int | None = None
    manual_amount: Decimal | None = None
    manual_note: str = ""


class CurrentOut(Schema):
    entitlement_id: int | None
    category: str
    monthly_hours: int | None
    monthly_amount: Decimal | None
    manual: bool


def _out(row: ServiceEntitlement) -> EntitlementOut:
    return EntitlementOut(
        id=row.pk,
        older_person_id=row.older_person_id,
        name=row.older_person.person.name,
        division_code=row.division.code,
        category=row.category,
        category_label=row.get_category_display(),
        status=row.status,
        status_label=row.get_status_display(),
        applied_on=row.applied_on,
        township_due_on=row.township_due_on,
        county_due_on=row.county_due_on,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        monthly_hours=row.monthly_hours,
        monthly_amount=row.monthly_amount,
        manual=row.manual,
        reason=row.reason,
        parameters=list(row.parameters or []),
    )


@router.get("/entitlements", response={200: EntitlementPage, **refusals()}, summary="政府购买服务资格列表")
def entitlement_list(request: HttpRequest, filters: Query[EntitlementQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    rows = selectors.entitlement_list(
        actor=actor,
        filters=selectors.EntitlementFilters(
            status=filters.status, category=filters.category, division=filters.division
        ),
    )
    size, page = 100, filters.page
    found = list(rows[(page - 1) * size : page * size + 1])
    return {"page": page, "has_next": len(found) > size, "results": [_out(r) for r in found[:size]]}


@router.get(
    "/entitlements/{entitlement_id}",
    response={200: EntitlementOut, **refusals(404)},
    summary="政府购买服务资格",
)
def entitlement_get(request: HttpRequest, entitlement_id: int) -> EntitlementOut:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    return _out(selectors.entitlement_get(actor=actor, pk=entitlement_id))


@router.post(
    "/entitlements", response={201: EntitlementOut, **refusals(404, 409)}, summary="受理服务资格申请"
)
def entitlement_apply(request: HttpRequest, payload: ApplyIn) -> tuple[int, EntitlementOut]:
    actor = request_actor(request, Capability.MANAGE_ELDERCARE)
    row = services.entitlement_apply(
        actor=actor, older_person_id=payload.older_person_id, category=payload.category, note=payload.note
    )
    return 201, _out(selectors.entitlement_get(actor=actor, pk=row.pk))


@router.post(
    "/entitlements/{entitlement_id}/transitions",
    response={200: EntitlementOut, **refusals(404, 409)},
    summary="办理服务资格（审核、审批、退回、不予批准、终止）",
)
def entitlement_transition(
    request: HttpRequest, entitlement_id: int, payload: TransitionIn
) -> EntitlementOut:
    actor = request_actor(request, Capability.MANAGE_ELDERCARE)
    decision = services.Decision(
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        manual_hours=payload.manual_hours,
        manual_amount=payload.manual_amount,
        manual_note=payload.manual_note,
    )
    row = services.entitlement_transition(
        actor=actor,
        entitlement_id=entitlement_id,
        code=payload.code,
        expected_status=payload.expected_status,
        reason=payload.reason,
        decision=decision,
    )
    return _out(selectors.entitlement_get(actor=actor, pk=row.pk))


@router.get(
    "/entitlements/current/{older_person_id}",
    response={200: CurrentOut, **refusals(404)},
    summary="老年人某日有效的服务资格和月服务额度",
)
def entitlement_current(request: HttpRequest, older_person_id: int, day: dt.date | None = None) -> CurrentOut:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    older = selectors.older_person_get(actor=actor, pk=older_person_id)
    current = selectors.entitlement_current(older, day or timezone.localdate())
    if current is None:
        return CurrentOut(
            entitlement_id=None, category="", monthly_hours=None, monthly_amount=None, manual=False
        )
    return CurrentOut(
        entitlement_id=current.entitlement.pk,
        category=current.category,
        monthly_hours=current.monthly_hours,
        monthly_amount=current.monthly_amount,
        manual=current.manual,
    )
