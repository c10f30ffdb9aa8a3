"""Reads of capacity assessments (issue 17 §2), scoped with ``visible_to(actor)``."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from minzheng.accounts.models import User
from minzheng.common.errors import NotFound
from minzheng.eldercare.models import CapacityAssessment, OlderPerson
from minzheng.eldercare.selectors.people import view_require


def assessment_get(*, actor: User, pk: int) -> CapacityAssessment:
    view_require(actor)
    assessment = (
        CapacityAssessment.objects.visible_to(actor)
        .select_related("older_person__person", "older_person__division")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise NotFound("没有找到该评估，或不在您的管辖范围内")
    return assessment


def assessment_history(*, actor: User, older_person: OlderPerson) -> QuerySet[CapacityAssessment]:
    view_require(actor)
    return (
        CapacityAssessment.objects.visible_to(actor)
        .filter(older_person=older_person)
        .order_by("-assessed_on", "-id")
    )


def reassessment_due(*, actor: User, by: dt.date, division: str = "") -> QuerySet[OlderPerson]:
    """Older people in the register whose next assessment falls on or before ``by`` (overdue included)."""
    view_require(actor)
    return (
        OlderPerson.objects.visible_to(actor, within=division)
        .filter(active=True, next_assessment_on__isnull=False, next_assessment_on__lte=by)
        .select_related("person", "division")
        .order_by("next_assessment_on", "id")
    )
