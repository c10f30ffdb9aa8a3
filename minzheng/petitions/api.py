"""信访 endpoints of the JSON API: the register of the user's jurisdiction (search and filters), one matter
and the dashboard figures. Every read goes through ``selectors.petition_queryset``, so a complaint naming the
caller (or anyone of the caller's unit) does not exist here either (404). The petitioner is always masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import IsoDate, refusals
from minzheng.petitions import selectors
from minzheng.petitions.models import Petition

router = Router(tags=["信访投诉"])
DENIED = "您的角色无权查看信访事项"


class PetitionOut(Schema):
    id: int
    number: str
    channel: str
    kind: str
    matter_type: str
    subject: str
    petitioner_masked: str
    division_code: str
    status: str
    received_on: dt.date
    current_due_on: dt.date | None
    due_state: str
    escalated: bool
    application_id: int | None
    replied_on: dt.date | None
    replied_on_time: bool | None


class PetitionQuery(Schema):
    search: str = ""
    status: str = ""
    kind: str = ""
    matter_type: str = ""
    due_state: str = ""
    division: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码，每页 100 条")


class PetitionPage(Schema):
    page: int
    has_next: bool
    results: list[PetitionOut]


class DashboardQuery(Schema):
    start: IsoDate | None = Field(None, description="收到日期起（默认本年 1 月 1 日）")
    end: IsoDate | None = Field(None, description="收到日期止（默认今天）")


class DashboardOut(Schema):
    received: int
    replied: int
    on_time: int
    on_time_rate: str
    overdue: int
    due_soon: int
    escalated: int
    by_matter: dict[str, int]


def _petition(p: Petition) -> PetitionOut:
    return PetitionOut(
        id=p.pk,
        number=p.number or "",
        channel=p.channel,
        kind=p.kind,
        matter_type=p.matter_type,
        subject=p.subject,
        petitioner_masked=p.petitioner_name_masked,
        division_code=p.division.code,
        status=p.status,
        received_on=p.received_on,
        current_due_on=p.current_due_on,
        due_state=p.due_state,
        escalated=p.escalated_at is not None,
        application_id=p.application_id,
        replied_on=p.replied_on,
        replied_on_time=p.replied_on_time,
    )


@router.get("/petitions", response={200: PetitionPage, **refusals()}, summary="信访登记簿（本级管辖范围）")
def petition_list(request: HttpRequest, filters: Query[PetitionQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_PETITIONS, denied=DENIED)
    queryset = selectors.petition_list(
        actor=actor,
        filters=selectors.PetitionFilters(
            search=filters.search, status=filters.status, kind=filters.kind, matter_type=filters.matter_type,
            due_state=filters.due_state, division=filters.division,
        ),
    )  # fmt: skip
    size, page = 100, max(1, filters.page)
    rows = list(queryset[(page - 1) * size : page * size + 1])
    return {"page": page, "has_next": len(rows) > size, "results": [_petition(p) for p in rows[:size]]}


@router.get("/petitions/dashboard", response={200: DashboardOut, **refusals()}, summary="信访统计")
def petition_dashboard(request: HttpRequest, period: Query[DashboardQuery]) -> DashboardOut:
    actor = request_actor(request, Capability.VIEW_PETITIONS, denied=DENIED)
    board = selectors.dashboard(actor=actor, start=period.start, end=period.end)
    return DashboardOut(
        received=board.received, replied=board.replied, on_time=board.on_time,
        on_time_rate=board.on_time_rate,
        overdue=board.overdue, due_soon=board.due_soon, escalated=board.escalated,
        by_matter=dict(board.by_matter),
    )  # fmt: skip


@router.get("/petitions/{petition_id}", response={200: PetitionOut, **refusals(404)}, summary="信访事项")
def petition_get(request: HttpRequest, petition_id: int) -> PetitionOut:
    actor = request_actor(request, Capability.VIEW_PETITIONS, denied=DENIED)
    return _petition(selectors.petition_get(actor=actor, pk=petition_id))
