"""Background tasks of 动态监测预警 (django-tasks; ADR 0010): the manual run with its progress bar and
the scheduled daily run (run + escalation), also started by ``minzheng monitoring run``."""

from __future__ import annotations

from django_tasks import task

from minzheng.accounts.models import User
from minzheng.common.services import job_finish, job_running
from minzheng.monitoring.services import monitoring_run


@task()
def monitoring_run_task(job_id: int, user_id: int | None = None, division_prefix: str = "") -> int:
    """A manual run for ``common.Job`` ``job_id``; returns the run id."""
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    with job_running(job_id=job_id):
        run = monitoring_run(actor=actor, division_prefix=division_prefix, kind="manual", job_id=job_id)
        job_finish(
            job_id=job_id,
            message=f"监测完成：命中 {run.hits}，新增预警 {run.alerts_new}，"
            f"已有未办结 {run.alerts_duplicate}，超期上报 {run.escalated}",
        )
    return run.pk


@task()
def monitoring_daily_task() -> int:
    """The scheduled daily run over the whole installation (escalation included); returns the run id."""
    return monitoring_run(actor=None, kind="scheduled").pk
