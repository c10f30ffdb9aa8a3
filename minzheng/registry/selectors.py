"""Reads of the registry. Every selector takes ``actor`` and starts from ``visible_to(actor)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, F, OuterRef, QuerySet, When
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.errors import NotFound, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.registry.models import Household, Person
from minzheng.registry.services import ID_INDEX

HOUSEHOLD_SORTS = {
    "id": "id",
    "-id": "-id",
    "head": "head__name",
    "-head": "-head__name",
    "members": "member_count",
    "-members": "-member_count",
    "division": "hukou_division__code",
    "-division": "-hukou_division__code",
    "updated": "updated_at",
    "-updated": "-updated_at",
}

MEMBER_ATTRIBUTES = {
    "disabled": "有残疾人",
    "severely_disabled": "有重度残疾人（一、二级）",
    "seriously_ill": "有重病患者",
    "elderly": "有 60 岁以上老人",
    "minor": "有未成年人",
    "unable_to_self_care": "有完全丧失自理能力者",
    "unemployed": "有失业人员",
    "student": "有在校学生",
}


@dataclass(frozen=True)
class HouseholdFilters:
    division_code: str = ""
    name: str = ""
    id_number: str = ""
    urban_rural: str = ""
    member_attribute: str = ""
    sort: str = "-id"


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _member_condition(attribute: str, today: dt.date) -> dict[str, object]:
    conditions: dict[str, dict[str, object]] = {
        "disabled": {"disability_grade__isnull": False},
        "severely_disabled": {"disability_grade__lte": 2},
        "seriously_ill": {"serious_illness": True},
        "elderly": {"birth_date__lte": _years_ago(today, 60)},
        "minor": {"birth_date__gt": _years_ago(today, 18)},
        "unable_to_self_care": {"self_care": "none"},
        "unemployed": {"employment_status": "unemployed"},
        "student": {"school_enrolment__gt": ""},
    }
    if attribute not in conditions:
        raise ValidationFailed(
            f"未知的成员属性筛选：{attribute}", field="member_attribute", code="bad_filter"
        )
    return conditions[attribute]


def person_find_by_id_number(*, actor: User, id_number: str) -> Person | None:
    """Exact lookup through the blind index; ``None`` if absent or outside the actor's scope."""
    number = parse_resident_id(id_number).number
    index = crypto.blind_index(number, purpose=ID_INDEX)
    return Person.objects.visible_to(actor).filter(id_number_index=index).first()


def household_list(*, actor: User, filters: HouseholdFilters | None = None) -> QuerySet[Household]:
    filters = filters or HouseholdFilters()
    qs = Household.objects.visible_to(actor)
    if filters.division_code:
        qs = qs.filter(hukou_division__code__startswith=filters.division_code.strip())
    if filters.urban_rural:
        qs = qs.filter(urban_rural=filters.urban_rural)
    if filters.id_number:
        index = crypto.blind_index(parse_resident_id(filters.id_number).number, purpose=ID_INDEX)
        qs = qs.filter(persons__id_number_index=index)
    if filters.name:
        members = Person.objects.filter(household=OuterRef("pk"), name__startswith=filters.name.strip())
        qs = qs.filter(Exists(members))
    if filters.member_attribute:
        condition = _member_condition(filters.member_attribute, timezone.localdate())
        members = Person.objects.filter(household=OuterRef("pk"), death_date__isnull=True, **condition)
        qs = qs.filter(Exists(members))
    order = HOUSEHOLD_SORTS.get(filters.sort, "-id")
    return qs.select_related("head", "hukou_division").order_by(
        order, "-id" if order.startswith("-") else "id"
    )


def household_get(*, actor: User, pk: int) -> Household:
    household = (
        Household.objects.visible_to(actor)
        .select_related("head", "hukou_division", "residence_division", "hukou_division__parent")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise NotFound("家庭不存在或不在您的管辖范围内")
    return household


def household_members(*, actor: User, household: Household) -> QuerySet[Person]:
    """Current members (head first, then by joining date)."""
    return (
        Person.objects.visible_to(actor)
        .filter(memberships__household=household, memberships__left_on__isnull=True)
        .annotate(relation=F("memberships__relation_to_head"), joined_on=F("memberships__joined_on"))
        .order_by(
            Case(When(memberships__relation_to_head="head", then=0), default=1),
            "memberships__joined_on",
            "id",
        )
    )


def person_list(*, actor: User, name: str = "", id_number: str = "") -> QuerySet[Person]:
    qs = Person.objects.visible_to(actor).select_related("household", "household__hukou_division")
    if name:
        qs = qs.filter(name__startswith=name.strip())
    if id_number:
        qs = qs.filter(
            id_number_index=crypto.blind_index(parse_resident_id(id_number).number, purpose=ID_INDEX)
        )
    return qs.order_by("-id")


def person_get(*, actor: User, pk: int) -> Person:
    person = (
        Person.objects.visible_to(actor)
        .select_related("household", "household__hukou_division")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise NotFound("人员不存在或不在您的管辖范围内")
    return person
