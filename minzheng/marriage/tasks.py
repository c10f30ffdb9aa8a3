"""Background tasks of the marriage area (django-tasks; ADR 0010): the daily work — no-shows of past days,
the divorce lapse scan (《民法典》第一千零七十七条第二款), SMS reminders — which cron starts as
``minzheng marriage daily``."""

from __future__ import annotations

from django_tasks import task

from minzheng.marriage.services import marriage_daily


@task()
def marriage_daily_task() -> dict[str, int]:
    return marriage_daily()
