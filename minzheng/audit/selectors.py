"""Reads of the audit trail, scoped to the auditor's jurisdiction.

Business events carry the division of the record they concern (``division_code``); personal-data
accesses are scoped by the division of the staff member who viewed the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from minzheng.audit.models import Event, PersonalDataAccess


@dataclass(frozen=True)
class EventFilters:
    verb: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""  # username or full name, contains
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class PersonalDataAccessFilters:
    actor: str = ""
    person_id: int | None = None
    purpose: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _actor_filter(queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
    from django.db.models import Q

    return queryset.filter(Q(actor__username__icontains=text) | Q(actor__full_name__icontains=text))


def _date_range(queryset: QuerySet[Any], date_from: dt.date | None, date_to: dt.date | None) -> QuerySet[Any]:
    # ``__date`` converts to the current time zone (Asia/Shanghai), so a day means a local day.
    if date_from:
        queryset = queryset.filter(occurred_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(occurred_at__date__lte=date_to)
    return queryset


def event_list(*, actor: Any, filters: EventFilters) -> QuerySet[Event]:
    events: QuerySet[Event] = Event.objects.visible_to(actor).select_related("actor")
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.actor:
        events = _actor_filter(events, filters.actor)
    return _date_range(events, filters.date_from, filters.date_to).order_by("-occurred_at", "-id")


def event_verbs(*, actor: Any) -> list[str]:
    return list(Event.objects.visible_to(actor).order_by("verb").values_list("verb", flat=True).distinct())


def personal_data_access_list(
    *, actor: Any, filters: PersonalDataAccessFilters
) -> QuerySet[PersonalDataAccess]:
    accesses: QuerySet[PersonalDataAccess] = PersonalDataAccess.objects.visible_to(actor).select_related(
        "actor", "actor__division"
    )
    if filters.actor:
        accesses = _actor_filter(accesses, filters.actor)
    if filters.person_id is not None:
        accesses = accesses.filter(person_id=filters.person_id)
    if filters.purpose:
        accesses = accesses.filter(purpose__icontains=filters.purpose)
    return _date_range(accesses, filters.date_from, filters.date_to).order_by("-occurred_at", "-id")
