"""What every write of the workflow shares: today, due dates on the working calendar, the divisions an
application belongs to, the actor's jurisdiction, and the locked read of an application."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.common.errors import NotFound
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import DueDate, Period, due_date
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.divisions.selectors import division_ancestor
from minzheng.registry.models import Household, Membership


def today() -> dt.date:
    return timezone.localdate()


def due(start: dt.date, period: Period) -> DueDate:
    return due_date(start, period, working_calendar())


def township_of(household: Household) -> Division:
    """The accepting township: the township of the household's registration (审核确认办法第 4 条)."""
    return division_ancestor(household.hukou_division, Level.TOWNSHIP)


def county_of(division: Division) -> Division:
    return division_ancestor(division, Level.COUNTY)


def in_scope(actor: User, division: Division) -> bool:
    prefix = actor.scope_prefix
    return prefix is not None and division.code.startswith(prefix)


def delegated(application: Application) -> bool:
    """The county delegated confirmation to its townships (审核确认办法第 2 条)."""
    return county_of(application.division).confirmation_delegated


def members_on(household: Household, day: dt.date) -> set[int]:
    active = Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))
    return set(Membership.objects.filter(active, household=household).values_list("person_id", flat=True))


def locked(application_id: int, actor: User) -> Application:
    """The application, locked for the rest of the transaction (``select_for_update``): two users acting
    at once are served one after the other, the second seeing the first one's step. An application the
    actor cannot see is ``NotFound``."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("division", "household")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not Application.objects.visible_to(actor).filter(pk=application_id).exists():
        raise NotFound("申请不存在或不在您的管辖范围内", field="application")
    return application
