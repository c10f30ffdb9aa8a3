"""Registry endpoints of the JSON API: households and persons (issue 2 §7).

Each endpoint calls the same selectors and services as the pages, as the authenticated user,
so scoping, capability checks, validation and audit are identical. Records outside the
user's jurisdiction are reported as 404 (their existence is not disclosed).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from pydantic import StrictInt

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.schemas import BodyIn, refusals
from minzheng.registry import selectors, services
from minzheng.registry.models import Household, Person
from minzheng.registry.schemas import (
    DEFAULT_PAGE_LIMIT,
    MAX_PAGE_LIMIT,
    AssetOut,
    HouseholdCreateIn,
    HouseholdDetailOut,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatchIn,
    HouseholdQuery,
    IncomeOut,
    MemberOut,
    PersonCreateIn,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatchIn,
    PersonQuery,
)

router = Router(tags=["registry 家庭与人员"])


class PersonSearchIn(BodyIn):
    """The person search with the ID number in the body, so it never appears in a URL or a server log."""

    limit: StrictInt = Field(DEFAULT_PAGE_LIMIT, ge=1, le=MAX_PAGE_LIMIT, description="每页条数，最多 200")
    offset: StrictInt = Field(0, ge=0, description="跳过的条数")
    name: str = Field("", max_length=50, description="姓名（前缀匹配）")
    id_number: str = Field(
        "", max_length=20, description="完整身份证号码（精确匹配），或号码的最后 4 至 6 位（管辖范围内匹配）"
    )


_READ_ERRORS = refusals(404)
_WRITE_ERRORS = refusals(404, 409)
_PERSON_FIELDS = frozenset(field.name for field in dataclasses.fields(services.PersonData))


def _household_detail(actor: User, household: Household) -> HouseholdDetailOut:
    members = selectors.household_members(actor=actor, household=household)
    incomes = selectors.household_incomes(actor=actor, household=household)
    assets = selectors.household_assets(actor=actor, household=household)
    return HouseholdDetailOut(
        **HouseholdOut.fields_of(household),
        members=[MemberOut.model_validate(member) for member in members],
        incomes=[IncomeOut.model_validate(record) for record in incomes],
        assets=[AssetOut.model_validate(record) for record in assets],
    )


def _person_data(values: dict[str, Any]) -> services.PersonData:
    return services.PersonData(**{key: value for key, value in values.items() if key in _PERSON_FIELDS})


@router.get("/households", response={200: HouseholdPage, **_READ_ERRORS}, summary="家庭列表")
def household_list(request: HttpRequest, filters: Query[HouseholdQuery]) -> dict[str, Any]:
    """Filters as on the household list page; ordered by ``sort`` then id. At most 200 per page."""
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    households = selectors.household_list(
        actor=actor,
        filters=selectors.HouseholdFilters(
            division_code=filters.division,
            name=filters.name,
            id_number=filters.id_number,
            urban_rural=filters.urban_rural,
            member_attribute=filters.attribute,
            sort=filters.sort,
        ),
    ).select_related("residence_division")
    page = households[filters.offset : filters.offset + filters.limit]
    return {
        "count": households.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [HouseholdOut.fields_of(household) for household in page],
    }


@router.get(
    "/households/{household_id}", response={200: HouseholdDetailOut, **_READ_ERRORS}, summary="家庭详情"
)
def household_get(request: HttpRequest, household_id: int) -> HouseholdDetailOut:
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    return _household_detail(actor, selectors.household_get(actor=actor, pk=household_id))


@router.post("/households", response={201: HouseholdDetailOut, **_WRITE_ERRORS}, summary="新建家庭（含户主）")
def household_create(request: HttpRequest, payload: HouseholdCreateIn) -> tuple[int, HouseholdDetailOut]:
    """Creates the household and its head in one transaction. A head who already belongs to a
    household gives 409 ``person_in_other_household`` and nothing is written, so a retried
    request cannot create a second household."""
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    values = payload.model_dump()
    head = values.pop("head")
    joined_on = values.pop("joined_on") or timezone.localdate()
    try:
        household = services.household_create(
            actor=actor,
            household=services.HouseholdData(**values),
            head=_person_data(head),
            joined_on=joined_on,
        )
    except DomainError as error:
        if error.field in _PERSON_FIELDS:
            error.field = f"head.{error.field}"
        raise
    return 201, _household_detail(actor, selectors.household_get(actor=actor, pk=household.pk))


@router.patch(
    "/households/{household_id}", response={200: HouseholdDetailOut, **_WRITE_ERRORS}, summary="修改家庭信息"
)
def household_update(
    request: HttpRequest, household_id: int, payload: HouseholdPatchIn
) -> HouseholdDetailOut:
    """Only the fields sent are changed. Members are added through ``POST /persons``."""
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    household = selectors.household_get(actor=actor, pk=household_id)
    current = services.HouseholdData(
        hukou_division_code=household.hukou_division.code,
        hukou_address=household.hukou_address,
        residence_division_code=household.residence_division.code if household.residence_division else "",
        residence_address=household.residence_address,
        urban_rural=household.urban_rural,
        bank_name=household.bank_name,
    )
    data = dataclasses.replace(current, **payload.model_dump(exclude_unset=True))
    services.household_update(actor=actor, household=household, data=data)
    return _household_detail(actor, selectors.household_get(actor=actor, pk=household_id))


@router.get("/persons", response={200: PersonPage, **_READ_ERRORS}, summary="人员列表")
def person_list(request: HttpRequest, filters: Query[PersonQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    persons = selectors.person_list(actor=actor, name=filters.name, id_number=filters.id_number)
    page = persons[filters.offset : filters.offset + filters.limit]
    return {
        "count": persons.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [PersonOut.model_validate(person) for person in page],
    }


@router.post(
    "/persons/search", response={200: PersonPage, **_READ_ERRORS}, summary="查找人员（身份证号码不进网址）"
)
def person_search(request: HttpRequest, payload: PersonSearchIn) -> dict[str, Any]:
    """As ``GET /persons``, with the filters in the body: a whole ID number or its last 4–6 digits."""
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    persons = selectors.person_list(actor=actor, name=payload.name, id_number=payload.id_number)
    page = persons[payload.offset : payload.offset + payload.limit]
    return {
        "count": persons.count(),
        "limit": payload.limit,
        "offset": payload.offset,
        "items": [PersonOut.model_validate(person) for person in page],
    }


@router.get("/persons/{person_id}", response={200: PersonOut, **_READ_ERRORS}, summary="人员详情")
def person_get(request: HttpRequest, person_id: int) -> Person:
    return selectors.person_get(
        actor=request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息")),
        pk=person_id,
    )


@router.post("/persons", response={201: PersonOut, **_WRITE_ERRORS}, summary="新增家庭成员")
def person_create(request: HttpRequest, payload: PersonCreateIn) -> tuple[int, Person]:
    """Registers a new person as a member of ``household_id`` with ``relation`` to the head."""
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    household = selectors.household_get(actor=actor, pk=payload.household_id)
    values = payload.model_dump()
    person = services.person_add_to_household(
        actor=actor,
        household=household,
        data=_person_data({key: values[key] for key in PersonIn.model_fields}),
        relation=values["relation"],
        joined_on=values["joined_on"] or timezone.localdate(),
    )
    return 201, selectors.person_get(actor=actor, pk=person.pk)


@router.patch("/persons/{person_id}", response={200: PersonOut, **_WRITE_ERRORS}, summary="修改人员信息")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> Person:
    """Only the fields sent are changed; a changed ID number is validated and must stay unique."""
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看家庭和人员信息"))
    person = selectors.person_get(actor=actor, pk=person_id)
    data = dataclasses.replace(
        services.person_data_from_instance(person), **payload.model_dump(exclude_unset=True)
    )
    services.person_update(actor=actor, person=person, data=data)
    return selectors.person_get(actor=actor, pk=person_id)
