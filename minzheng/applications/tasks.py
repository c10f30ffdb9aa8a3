"""Background tasks of the applications (django-tasks; the database queue by default, ADR 0010)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from minzheng.applications.services import deadlines_refresh


@task()
def deadlines_refresh_task(day: str | None = None) -> dict[str, int]:
    """The daily deadline scan (``services.deadlines_refresh``) as of ``day`` (ISO date; default today in
    Asia/Shanghai). Idempotent: a second run on the same day changes nothing and returns zeros."""
    return deadlines_refresh(dt.date.fromisoformat(day) if day else None)
