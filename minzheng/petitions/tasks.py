"""Background task of 信访 (django-tasks; ADR 0010): the daily limit scan, which cron starts as
``minzheng petitions scan`` (docs/petitions.md)."""

from __future__ import annotations

from django_tasks import task

from minzheng.petitions.scan import petitions_scan


@task()
def petitions_daily_task() -> int:
    """Flag due-soon and overdue matters and escalate the overdue ones; returns the number escalated."""
    return petitions_scan().escalated
