"""Time limits: extending the overall limit for the special cases, and the daily scan that marks open
applications overdue or due soon."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.models import OPEN, Application, DeadlineStatus
from minzheng.applications.rules import Workflow
from minzheng.applications.services import access
from minzheng.applications.services.access import due
from minzheng.applications.timeline import timeline_record

DUE_SOON_DAYS = 3  # calendar days before a step's time limit when it is flagged 即将到期


def extend(application: Application, actor: User, reason: str) -> None:
    """The overall limit to 45 working days from acceptance (2022 notice §四(一)); nothing to do before
    acceptance, for a workflow without an overall limit, or when already extended."""
    if application.accepted_on is None or Workflow(application.workflow) not in rules.OVERALL_LIMIT:
        return
    limit = due(application.accepted_on, rules.OVERALL_LIMIT_EXTENDED)
    if application.overall_due_on == limit.due_on:
        return
    application.overall_due_on, application.overall_due_provisional = limit.due_on, limit.provisional
    application.extension_reason = reason
    application.save(
        update_fields=["overall_due_on", "overall_due_provisional", "extension_reason", "updated_at"]
    )
    timeline_record(
        application,
        actor,
        "deadline",
        "extend",
        f"办理时限延长至 {limit.due_on}（{rules.EXTENSION_REASONS[reason]}）",
        basis=f"{rules.NOTICE_2022}§四(一)",
        due_on=limit.due_on,
        due_provisional=limit.provisional,
    )


def deadlines_refresh(today: dt.date | None = None) -> dict[str, int]:
    """The daily scan: mark open applications whose step limit has passed (已超期) or falls within
    ``DUE_SOON_DAYS`` (即将到期), set-based — three UPDATE statements whatever the number of applications."""
    day = today or access.today()
    soon = day + dt.timedelta(days=DUE_SOON_DAYS)
    open_with_due = Application.objects.filter(OPEN, step_due_on__isnull=False)
    overdue = open_with_due.filter(step_due_on__lt=day).exclude(deadline_status=DeadlineStatus.OVERDUE)
    due_soon = open_with_due.filter(step_due_on__gte=day, step_due_on__lte=soon).exclude(
        deadline_status=DeadlineStatus.DUE_SOON
    )
    on_time = Application.objects.filter(
        Q(step_due_on__isnull=True) | Q(step_due_on__gt=soon) | ~OPEN
    ).exclude(deadline_status=DeadlineStatus.ON_TIME)
    return {
        "overdue": overdue.update(deadline_status=DeadlineStatus.OVERDUE),
        "due_soon": due_soon.update(deadline_status=DeadlineStatus.DUE_SOON),
        "on_time": on_time.update(deadline_status=DeadlineStatus.ON_TIME),
    }
