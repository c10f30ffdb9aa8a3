"""Background tasks of 动态监测预警 (django-tasks; ADR 0010): the manual run and the preview of a warning
rule, each with its progress bar, and the scheduled daily run (run + escalation), which cron starts as
``minzheng monitoring run`` (docs/deployment.md §3a)."""

from __future__ import annotations

from django_tasks import task

from minzheng.accounts.models import User
from minzheng.common.errors import DomainError
from minzheng.common.services import job_fail, job_finish, job_running
from minzheng.monitoring.services import monitoring_run, rule_preview


@task()
def monitoring_run_task(job_id: int, user_id: int | None = None, division_prefix: str = "") -> int:
    """A manual run for ``common.Job`` ``job_id``; returns the run id (0 when refused)."""
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    with job_running(job_id=job_id):
        try:
            run = monitoring_run(actor=actor, division_prefix=division_prefix, kind="manual", job_id=job_id)
        except DomainError as error:  # recorded on the run; the page shows the reason
            job_fail(job_id=job_id, message=error.message)
            return 0
        job_finish(
            job_id=job_id,
            message=f"监测完成：命中 {run.hits}，新增预警 {run.alerts_new}，"
            f"已有未办结 {run.alerts_duplicate}，超期上报 {run.escalated}",
        )
    return run.pk


@task()
def rule_preview_task(job_id: int, user_id: int, rule_id: int) -> int:
    """The preview count of a draft rule over the whole population; returns the count (-1 when refused)."""
    actor = User.objects.get(pk=user_id)
    with job_running(job_id=job_id, total=2):
        try:
            rule = rule_preview(actor=actor, rule_id=rule_id, job_id=job_id)
        except DomainError as error:
            job_fail(job_id=job_id, message=error.message)
            return -1
        job_finish(job_id=job_id, message=f"预览完成：命中 {rule.preview_count} / {rule.preview_population}")
    return rule.preview_count or 0


@task()
def monitoring_daily_task() -> int:
    """The scheduled daily run over the whole installation (escalation included); returns the run id."""
    return monitoring_run(actor=None, kind="scheduled").pk
