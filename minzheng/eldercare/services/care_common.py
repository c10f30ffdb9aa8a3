"""What the writes of entitlements, visits and home care share: the capability guard, the actor's level,
the eligibility flags of an older person, and the deadline from a working-day parameter."""

from __future__ import annotations

import datetime as dt

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import DueDate, WorkingDays, due_date
from minzheng.divisions.models import Division
from minzheng.eldercare.models import OlderPerson
from minzheng.eldercare.rules.entitlements import Flags
from minzheng.eldercare.selectors.entitlements import parameters_in_force


def capability_require(actor: User, *capabilities: Capability) -> None:
    """Refuse a user holding none of ``capabilities``."""
    if not any(actor.can(c) for c in capabilities):
        raise PermissionDenied("您的角色无权执行此操作")


def actor_level(actor: User) -> int | None:
    return int(actor.division.level) if actor.division_id and actor.division else None


def flags_of(older: OlderPerson) -> Flags:
    return Flags(
        extreme_poverty=older.extreme_poverty,
        dibao=older.dibao,
        incapacitated=older.incapacitated,
        capacity_level=older.capacity_level,
        advanced_age=older.advanced_age,
        lives_alone=older.lives_alone,
        bereaved_parent=older.bereaved_parent,
        severe_disability=older.severe_disability,
    )


def deadline(key: str, division: Division, start: dt.date) -> DueDate | None:
    """The last day of a limit in working days set by parameter ``key``; ``None`` when none is in force
    (the page then says the limit is not set rather than inventing one)."""
    found = parameters_in_force([key], division, start).found.get(key)
    if found is None:
        return None
    return due_date(start, WorkingDays(int(found.value)), working_calendar())
