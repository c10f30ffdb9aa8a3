"""Reads of the field app (ADR 0039), scoped with ``visible_to(actor)``: the worklist the phone keeps for
offline use — the 探访 list (overdue first) and the applications awaiting 入户调查 of the actor's
jurisdiction — and the actor's own received versions with their outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from minzheng.accounts.models import User
from minzheng.applications import rules as application_rules
from minzheng.applications.models import Application
from minzheng.applications.rules import Record, Step
from minzheng.catalogue.programmes import WORKFLOW_LABELS, Workflow
from minzheng.common.errors import PermissionDenied
from minzheng.eldercare.rules import visits as visit_rules
from minzheng.eldercare.selectors.visits import ScheduleFilters, schedule_list
from minzheng.field.models import FieldSubmission

WORKLIST_SIZE = 200  # per list: a village's or township's work for the coming weeks, small enough for a phone


@dataclass(frozen=True)
class VisitItem:
    older_person_id: int
    name: str
    village: str
    categories: str
    next_due_on: dt.date | None
    overdue: bool


@dataclass(frozen=True)
class InvestigationItem:
    application_id: int
    number: str
    applicant: str
    workflow: str
    village: str
    home_visits: int


@dataclass(frozen=True)
class Worklist:
    taken_at: dt.datetime
    user_id: int
    user_name: str
    can_visit: bool
    can_home_visit: bool
    visits: list[VisitItem]
    investigations: list[InvestigationItem]


def can_record_visits(actor: User) -> bool:
    return any(actor.can(c) for c in visit_rules.RECORD_CAPABILITIES) and any(
        actor.can(c) for c in visit_rules.VIEW_CAPABILITIES
    )


def can_record_home_visits(actor: User) -> bool:
    return actor.role in application_rules.record_roles(Record.HOME_VISIT)


def field_require(actor: User) -> None:
    if not (can_record_visits(actor) or can_record_home_visits(actor)):
        raise PermissionDenied("您的角色没有离线走访任务")


def _visits(actor: User, today: dt.date) -> list[VisitItem]:
    if not can_record_visits(actor):
        return []
    rows = schedule_list(actor=actor, filters=ScheduleFilters(), today=today)[:WORKLIST_SIZE]
    return [
        VisitItem(
            older_person_id=r.older_person_id,
            name=r.older_person.person.name,
            village=r.division.name,
            categories=r.categories,
            next_due_on=r.next_due_on,
            overdue=bool(r.next_due_on and r.next_due_on < today),
        )
        for r in rows
    ]


def _investigations(actor: User) -> list[InvestigationItem]:
    if not can_record_home_visits(actor):
        return []
    rows = (
        Application.objects.visible_to(actor)
        .filter(step=Step.INVESTIGATING)
        .select_related("applicant", "household__hukou_division")
        .annotate(visit_count=Count("home_visits"))
        .order_by("step_due_on", "id")[:WORKLIST_SIZE]
    )
    return [
        InvestigationItem(
            application_id=a.pk,
            number=a.number or "",
            applicant=a.applicant.name,
            workflow=WORKFLOW_LABELS.get(Workflow(a.workflow), a.workflow),
            village=a.household.hukou_division.name,
            home_visits=a.visit_count,
        )
        for a in rows
    ]


def worklist_get(*, actor: User, now: dt.datetime, today: dt.date) -> Worklist:
    field_require(actor)
    return Worklist(
        taken_at=now,
        user_id=actor.pk,
        user_name=actor.full_name or actor.username,
        can_visit=can_record_visits(actor),
        can_home_visit=can_record_home_visits(actor),
        visits=_visits(actor, today),
        investigations=_investigations(actor),
    )


def submission_list(*, actor: User) -> QuerySet[FieldSubmission]:
    """The actor's own versions, newest first (the phone shows the rejected ones with their reason)."""
    field_require(actor)
    return (
        FieldSubmission.objects.visible_to(actor).filter(submitted_by=actor).order_by("-received_at", "-id")
    )
