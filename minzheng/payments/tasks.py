"""Background tasks of payments (django-tasks; ADR 0010): payroll generation with a progress bar.

``services.payroll_generate`` stays synchronous (tests, the CLI, the API); the pages enqueue this task,
which reports the three statements' progress through ``common.jobs.progress_report`` (visible while the
generation's single transaction is still open) and links the finished job to the payroll."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django_tasks import task

from minzheng.accounts.models import User
from minzheng.common.errors import DomainError
from minzheng.common.jobs import job_link, progress_report
from minzheng.common.services import job_fail, job_finish, job_running
from minzheng.divisions.models import Division
from minzheng.payments import services

PAYROLL_GENERATE_KIND = "payroll_generate"
STAGE_LABELS = {"regular": "当月发放", "retry": "失败重发", "adjustment": "补发/扣减"}
STEPS = 4  # checks, then the three statements


@task()
def payroll_generate_task(job_id: int, user_id: int, county_id: int, month: str) -> int | None:
    """Generate (or regenerate) the county's payroll for ``month`` (ISO date); returns the payroll id. A
    refusal (order of months, locked payroll, permission) fails the job with the service's message and
    writes nothing."""
    actor = User.objects.get(pk=user_id)
    county = Division.objects.get(pk=county_id)
    written = {"n": 1}

    def progress(stage: str, lines: int) -> None:
        written["n"] += 1
        progress_report(
            job_id=job_id,
            done=written["n"],
            total=STEPS,
            message=f"已写入{STAGE_LABELS.get(stage, stage)}明细 {lines} 条",
        )

    with job_running(job_id=job_id, total=STEPS):
        progress_report(job_id=job_id, done=1, total=STEPS, message="正在检查并生成发放明细")
        try:
            payroll = services.payroll_generate(
                actor=actor, county=county, month=dt.date.fromisoformat(month), progress=progress
            )
        except DomainError as error:
            job_fail(job_id=job_id, message=error.message)
            return None
        job_link(
            job_id=job_id,
            url=reverse("payments:payroll_detail", args=[payroll.pk]),
            label=f"查看发放批次 {payroll.number}",
        )
        job_finish(
            job_id=job_id,
            message=f"已生成发放批次 {payroll.number}：{payroll.line_count} 条，"
            f"合计 {payroll.total_amount} 元",
        )
    return payroll.pk
