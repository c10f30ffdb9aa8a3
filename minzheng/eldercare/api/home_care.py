"""API of family care beds and home adaptation (issue 17 §6, §9) under /api/v1/eldercare/: the projects
of the user's jurisdiction and one project (the steps with photos are taken on the pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import refusals
from minzheng.eldercare.models import HomeCareProject
from minzheng.eldercare.selectors import home_care as selectors

router = Router()


class ProjectOut(Schema):
    id: int
    kind: str
    kind_label: str
    older_person_id: int
    name: str
    division_code: str
    status: str
    status_label: str
    applied_on: dt.date
    beds: int
    provider: str
    contract_amount: Decimal | None
    accepted_on: dt.date | None
    subsidy_amount: Decimal | None
    subsidy_manual_reason: str
    photos: int


class ProjectPage(Schema):
    page: int
    has_next: bool
    results: list[ProjectOut]


class ProjectQuery(Schema):
    kind: str = ""
    status: str = ""
    division: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX)


def _out(row: HomeCareProject, photos: int | None = None) -> ProjectOut:
    return ProjectOut(
        id=row.pk,
        kind=row.kind,
        kind_label=row.get_kind_display(),
        older_person_id=row.older_person_id,
        name=row.older_person.person.name,
        division_code=row.division.code,
        status=row.status,
        status_label=row.get_status_display(),
        applied_on=row.applied_on,
        beds=row.beds,
        provider=row.provider.name if row.provider else "",
        contract_amount=row.contract_amount,
        accepted_on=row.accepted_on,
        subsidy_amount=row.subsidy_amount,
        subsidy_manual_reason=row.subsidy_manual_reason,
        photos=photos or 0,
    )


@router.get("/home-care", response={200: ProjectPage, **refusals()}, summary="家庭养老床位和适老化改造项目")
def project_list(request: HttpRequest, filters: Query[ProjectQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    rows = selectors.project_list(
        actor=actor,
        filters=selectors.ProjectFilters(kind=filters.kind, status=filters.status, division=filters.division),
    )
    size, page = 100, filters.page
    found = list(rows[(page - 1) * size : page * size + 1])
    return {"page": page, "has_next": len(found) > size, "results": [_out(r) for r in found[:size]]}


@router.get("/home-care/{project_id}", response={200: ProjectOut, **refusals(404)}, summary="项目")
def project_get(request: HttpRequest, project_id: int) -> ProjectOut:
    row = selectors.project_get(actor=request_actor(request, Capability.VIEW_ELDERCARE), pk=project_id)
    return _out(row, photos=len(row.photos.all()))
