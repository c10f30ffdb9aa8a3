"""在保对象 endpoints of the JSON API: list, detail with periods and changes, changes, gradual exit, and the
review queue. The same selectors and services as the pages, as the authenticated user: outside the user's
jurisdiction → 404; ID numbers are masked."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import P, Query, QueryEx, Router

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.schemas import refusals
from minzheng.enrolments import selectors, services
from minzheng.enrolments.models import Enrolment
from minzheng.enrolments.rules import month_start
from minzheng.enrolments.schemas import (
    ChangeIn,
    ChangeOut,
    EnrolmentDetailOut,
    EnrolmentPage,
    EnrolmentQuery,
    GradualExitIn,
    PeriodOut,
    ReviewOut,
)

router = Router(tags=["在保对象"])
_READ = refusals(404)
_WRITE = refusals(404, 409)


def _out(e: Enrolment) -> dict[str, Any]:
    subject = e.person or e.household.head
    return {
        "id": e.pk,
        "programme": e.programme,
        "household_id": e.household_id,
        "person_id": e.person_id,
        "subject_name": subject.name if subject else "",
        "subject_id_number_masked": subject.id_number_masked if subject else "",
        "division_code": e.household.hukou_division.code,
        "source": e.source,
        "status": e.status,
        "starts_month": e.starts_month,
        "ends_month": e.ends_month,
        "monthly_amount": e.monthly_amount,
        "level": e.level,
        "support_mode": e.support_mode,
    }


def _detail(actor: User, pk: int) -> dict[str, Any]:
    detail = selectors.enrolment_detail(actor=actor, pk=pk)
    return {
        **_out(detail.enrolment),
        "periods": [PeriodOut.from_orm(p) for p in detail.periods],
        "changes": [ChangeOut.from_orm(c) for c in detail.changes],
    }


@router.get("/enrolments", response={200: EnrolmentPage, **_READ}, summary="在保对象列表")
def enrolment_list(request: HttpRequest, filters: Query[EnrolmentQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_REGISTRY)
    queryset = selectors.enrolment_list(
        actor=actor,
        filters=selectors.EnrolmentFilters(
            programme=filters.programme,
            status=filters.status,
            division=filters.division,
            search=filters.search,
            month=month_start(filters.month) if filters.month else None,
        ),
    )
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {
        "count": queryset.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(e) for e in items],
    }


@router.get("/enrolments/{enrolment_id}", response={200: EnrolmentDetailOut, **_READ}, summary="在保对象详情")
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    return _detail(request_actor(request, Capability.VIEW_REGISTRY), enrolment_id)


@router.post(
    "/enrolments/{enrolment_id}/changes",
    response={201: EnrolmentDetailOut, **_WRITE},
    summary="增发、减发、停发、暂停、恢复",
)
def enrolment_change(
    request: HttpRequest, enrolment_id: int, payload: ChangeIn
) -> tuple[int, dict[str, Any]]:
    actor = request_actor(request, Capability.MANAGE_ENROLMENTS)
    services.enrolment_change(
        actor=actor,
        enrolment_id=enrolment_id,
        kind=payload.kind,
        effective_month=payload.effective_month,
        new_amount=payload.new_amount,
        reason=payload.reason,
        basis=payload.basis,
    )
    return 201, _detail(actor, enrolment_id)


@router.post(
    "/enrolments/{enrolment_id}/gradual-exit", response={201: EnrolmentDetailOut, **_WRITE}, summary="渐退"
)
def enrolment_gradual_exit(
    request: HttpRequest, enrolment_id: int, payload: GradualExitIn
) -> tuple[int, dict[str, Any]]:
    actor = request_actor(request, Capability.MANAGE_ENROLMENTS)
    services.enrolment_gradual_exit(
        actor=actor,
        enrolment_id=enrolment_id,
        effective_month=payload.effective_month,
        months=payload.months,
        reason=payload.reason,
    )
    return 201, _detail(actor, enrolment_id)


@router.get("/reviews", response={200: list[ReviewOut], **_READ}, summary="待办复核（按期限）")
def review_list(
    request: HttpRequest, limit: QueryEx[int, P(ge=1, le=500, description="最多条数，1—500")] = 100
) -> list[Any]:
    return list(selectors.review_queue(actor=request_actor(request, Capability.VIEW_REGISTRY))[:limit])
