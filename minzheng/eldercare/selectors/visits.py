"""Reads of visits (探访关爱, issue 17 §5), scoped with ``visible_to(actor)``: the visit list (the schedule:
overdue first), an older person's visit records, and one visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, QuerySet

from minzheng.accounts.models import User
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.eldercare.models import VisitRecord, VisitSchedule
from minzheng.eldercare.rules import visits as rules


def visits_require(actor: User) -> None:
    if not any(actor.can(c) for c in rules.VIEW_CAPABILITIES):
        raise PermissionDenied("您的角色无权查看探访关爱")


@dataclass(frozen=True)
class ScheduleFilters:
    due: str = ""  # "" all / overdue / soon (within 7 days) / manual (需人工核定)
    category: str = ""
    division: str = ""
    name: str = ""
    sort: str = "due"


DUE_CHOICES = [("overdue", "已逾期"), ("soon", "7日内到期"), ("manual", "需人工核定")]
SORTS = {"due": "next_due_on", "last": "last_visited_on", "name": "older_person__person__name"}


def schedule_list(*, actor: User, filters: ScheduleFilters, today: dt.date) -> QuerySet[VisitSchedule]:
    visits_require(actor)
    rows = VisitSchedule.objects.visible_to(actor, within=filters.division).select_related(
        "older_person__person", "division"
    )
    if filters.due == "overdue":
        rows = rows.filter(next_due_on__lt=today)
    elif filters.due == "soon":
        rows = rows.filter(next_due_on__gte=today, next_due_on__lte=today + dt.timedelta(days=7))
    elif filters.due == "manual":
        rows = rows.filter(interval_days__isnull=True)
    if filters.category in rules.CATEGORY_COLUMNS:
        rows = rows.filter(
            **{f"older_person__{rules.CATEGORY_COLUMNS[rules.VisitCategory(filters.category)]}": True}
        )
    if filters.name.strip():
        rows = rows.filter(older_person__person__name__contains=filters.name.strip())
    order = SORTS.get(filters.sort.lstrip("-"), "next_due_on")
    if filters.sort.startswith("-"):
        return rows.order_by(F(order).desc(nulls_last=True), "id")
    return rows.order_by(F(order).asc(nulls_last=True), "id")


def visit_list(*, actor: User, older_person_id: int | None = None) -> QuerySet[VisitRecord]:
    visits_require(actor)
    rows = VisitRecord.objects.visible_to(actor).select_related("older_person__person", "visitor", "division")
    if older_person_id is not None:
        rows = rows.filter(older_person_id=older_person_id)
    return rows.order_by("-visited_on", "-id")


def visit_get(*, actor: User, pk: int) -> VisitRecord:
    visits_require(actor)
    row = (
        VisitRecord.objects.visible_to(actor)
        .select_related("older_person__person", "visitor", "division")
        .prefetch_related("photos")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise NotFound("探访记录不存在或不在您的管辖范围内")
    return row


def schedule_of(*, actor: User, older_person_id: int) -> VisitSchedule | None:
    visits_require(actor)
    return VisitSchedule.objects.visible_to(actor).filter(older_person_id=older_person_id).first()
