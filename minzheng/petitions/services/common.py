"""Helpers shared by the petition services: the capability check, the timeline row with its audit event,
choice validation and the limits in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.divisions.models import Division
from minzheng.petitions import rules, selectors
from minzheng.petitions.models import Petition, PetitionEvent

ID_INDEX = "id_number"  # the registry's purpose: a petitioner's index equals Person.id_number_index
CONTACT_INDEX = "petitioner"  # name + phone, when no ID number was given
OBJECT_TYPE = "petitions.petition"


def handler_require(actor: User, capability: Capability = Capability.HANDLE_PETITIONS) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权办理信访事项")


def timeline_write(
    petition: Petition, actor: User | None, action: str, message: str, source: str = "", target: str = ""
) -> None:
    transition = rules.transition_for(source, action) if source else None
    PetitionEvent.objects.create(
        petition=petition,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_status=source,
        to_status=target,
        message=message[:500],
        basis=transition.basis if transition else "",
    )
    event_record(
        actor=actor,
        verb=f"petitions.{action}",
        object_type=OBJECT_TYPE,
        object_id=petition.pk,
        division_code=petition.division.code,
        summary=f"信访 {petition.number}：{message}"[:300],
    )


def choice_check(value: str, labels: dict[Any, str], field: str, what: str) -> str:
    if value not in {str(k) for k in labels}:
        raise ValidationFailed(f"请选择{what}", field=field)
    return value


def limits_of(division: Division, day: dt.date) -> rules.Limits:
    return selectors.limits_in_force(division, day)
