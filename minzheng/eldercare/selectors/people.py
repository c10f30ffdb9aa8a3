"""Reads of older people and their contacts (issue 17 §1, §9), every one scoped with ``visible_to(actor)``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.eldercare.models import CareContact, OlderPerson
from minzheng.eldercare.rules.people import DIBAO_FLAG
from minzheng.registry.services import ID_INDEX

FLAG_FILTERS = (
    "lives_alone",
    "empty_nest",
    "left_behind",
    "bereaved_parent",
    "advanced_age",
    "incapacitated",
    "severe_disability",
    DIBAO_FLAG,
    "extreme_poverty",
)
SORTS = {
    "name": ("person__name", "id"),
    "-name": ("-person__name", "-id"),
    "age": ("-birth_date", "id"),  # youngest first
    "-age": ("birth_date", "id"),
    "division": ("division__code", "id"),
    "-division": ("-division__code", "-id"),
    "next": ("next_assessment_on", "id"),
    "-next": ("-next_assessment_on", "-id"),
}
DEFAULT_SORT = "division"
FULL_ID = re.compile(r"^\d{17}[\dXx]$")


@dataclass(frozen=True)
class OlderPersonFilters:
    query: str = ""  # a name prefix, or a whole ID number (matched by its blind index)
    division: str = ""  # a division code prefix inside the actor's jurisdiction
    flags: tuple[str, ...] = ()  # each one must be set
    capacity_level: str = ""  # a level code, or "none" = never assessed
    include_inactive: bool = False
    sort: str = DEFAULT_SORT


def view_require(actor: User) -> None:
    if not actor.can(Capability.VIEW_ELDERCARE):
        raise PermissionDenied("您的角色无权查看智慧养老信息", code="forbidden")


def older_person_list(*, actor: User, filters: OlderPersonFilters) -> QuerySet[OlderPerson]:
    view_require(actor)
    queryset = OlderPerson.objects.visible_to(actor, within=filters.division).select_related(
        "person", "division"
    )
    if not filters.include_inactive:
        queryset = queryset.filter(active=True)
    query = filters.query.strip()
    if FULL_ID.match(query):
        queryset = queryset.filter(
            person__id_number_index=crypto.blind_index(query.upper(), purpose=ID_INDEX)
        )
    elif query:
        queryset = queryset.filter(person__name__startswith=query)
    for flag in filters.flags:
        if flag in FLAG_FILTERS:
            queryset = queryset.filter(**{flag: True})
    if filters.capacity_level == "none":
        queryset = queryset.filter(capacity_level="")
    elif filters.capacity_level:
        queryset = queryset.filter(capacity_level=filters.capacity_level)
    return queryset.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def older_person_get(*, actor: User, pk: int) -> OlderPerson:
    view_require(actor)
    older = (
        OlderPerson.objects.visible_to(actor)
        .select_related("person", "division", "household__hukou_division", "household__head")
        .filter(pk=pk)
        .first()
    )
    if older is None:
        raise NotFound("没有找到该老年人，或不在您的管辖范围内")
    return older


def contact_list(*, actor: User, older_person: OlderPerson) -> QuerySet[CareContact]:
    view_require(actor)
    return (
        CareContact.objects.visible_to(actor)
        .filter(older_person=older_person)
        .order_by("-is_guardian", "name", "id")
    )


def contact_get(*, actor: User, pk: int) -> CareContact:
    view_require(actor)
    contact = (
        CareContact.objects.visible_to(actor).select_related("older_person__person").filter(pk=pk).first()
    )
    if contact is None:
        raise NotFound("没有找到该联系人，或不在您的管辖范围内")
    return contact
