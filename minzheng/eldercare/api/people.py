"""API of eldercare: older people (issue 17 §1, §9), under /api/v1/eldercare/. Reads are scoped to the
user's jurisdiction (another county's older person is 404); ID numbers and phones are masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import refusals
from minzheng.eldercare.models import OlderPerson
from minzheng.eldercare.rules.people import DIBAO_FLAG
from minzheng.eldercare.selectors import people as selectors

router = Router(tags=["智慧养老"])


class ContactOut(Schema):
    id: int
    name: str
    relation: str
    phone_masked: str
    is_guardian: bool
    may_order: bool


class OlderPersonOut(Schema):
    id: int
    person_id: int
    name: str
    id_number_masked: str
    birth_date: dt.date
    division_code: str
    division_name: str
    lives_alone: bool
    empty_nest: bool
    left_behind: bool
    bereaved_parent: bool
    advanced_age: bool
    severe_disability: bool
    dibao: bool
    extreme_poverty: bool
    capacity_level: str = Field(
        description="能力等级代码（intact/mild/moderate/severe/complete），空 = 未评估"
    )
    incapacitated: bool
    next_assessment_on: dt.date | None
    active: bool
    left_on: dt.date | None


class OlderPersonDetailOut(OlderPersonOut):
    contacts: list[ContactOut]


class OlderPersonQuery(Schema):
    q: str = Field("", description="姓名开头，或完整的身份证号码")
    division: str = Field("", description="区划代码前缀（本级管辖范围内）")
    flag: list[str] = Field(default_factory=list, description="须同时具备的生活状况，如 lives_alone")
    capacity_level: str = Field("", description="能力等级代码，none = 未评估")
    include_inactive: bool = False
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码，每页 100 条")


class OlderPersonPage(Schema):
    page: int
    has_next: bool
    results: list[OlderPersonOut]


def _older(older: OlderPerson) -> dict[str, Any]:
    fields = (
        "lives_alone", "empty_nest", "left_behind", "bereaved_parent", "advanced_age", "severe_disability",
        DIBAO_FLAG, "extreme_poverty", "capacity_level", "incapacitated", "next_assessment_on", "active",
        "left_on", "birth_date",
    )  # fmt: skip
    return {
        "id": older.pk,
        "person_id": older.person_id,
        "name": older.person.name,
        "id_number_masked": older.person.id_number_masked,
        "division_code": older.division.code,
        "division_name": older.division.name,
        **{name: getattr(older, name) for name in fields},
    }


@router.get(
    "/older-people", response={200: OlderPersonPage, **refusals()}, summary="老年人名册（本级管辖范围）"
)
def older_person_list(request: HttpRequest, filters: Query[OlderPersonQuery]) -> dict[str, Any]:
    actor = request_actor(request)
    queryset = selectors.older_person_list(
        actor=actor,
        filters=selectors.OlderPersonFilters(
            query=filters.q,
            division=filters.division,
            flags=tuple(filters.flag),
            capacity_level=filters.capacity_level,
            include_inactive=filters.include_inactive,
        ),
    )
    size, page = 100, filters.page
    rows = list(queryset[(page - 1) * size : page * size + 1])
    return {"page": page, "has_next": len(rows) > size, "results": [_older(o) for o in rows[:size]]}


@router.get(
    "/older-people/{older_id}", response={200: OlderPersonDetailOut, **refusals(404)}, summary="老年人"
)
def older_person_get(request: HttpRequest, older_id: int) -> dict[str, Any]:
    actor = request_actor(request)
    older = selectors.older_person_get(actor=actor, pk=older_id)
    contacts = [
        ContactOut(
            id=c.pk,
            name=c.name,
            relation=c.relation,
            phone_masked=c.phone_masked,
            is_guardian=c.is_guardian,
            may_order=c.may_order,
        )
        for c in selectors.contact_list(actor=actor, older_person=older)
    ]
    return {**_older(older), "contacts": contacts}
