"""Background tasks of benefits (django-tasks; ADR 0010): the what-if of standard setting (标准测算) with its
progress bar (issue 21; ``whatif_jobs``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from minzheng.accounts.models import User
from minzheng.benefits.whatif import whatif_run
from minzheng.benefits.whatif_jobs import WHATIF_STEPS_TOTAL, change_load, whatif_store
from minzheng.common.errors import DomainError
from minzheng.common.jobs import progress_report
from minzheng.common.services import job_fail, job_finish, job_running


@task()
def whatif_task(job_id: int, user_id: int, change: dict[str, Any], level: int) -> int:
    """Run the what-if of ``change`` (``whatif_jobs.change_dump``) for the user and store the report;
    returns the households assessed (-1 when refused: the job carries the Chinese reason)."""
    actor = User.objects.get(pk=user_id)
    with job_running(job_id=job_id, total=WHATIF_STEPS_TOTAL):

        def progress(done: int, message: str) -> None:
            progress_report(job_id=job_id, done=done, total=WHATIF_STEPS_TOTAL, message=message)

        try:
            report = whatif_run(actor=actor, change=change_load(change), level=level, progress=progress)
        except DomainError as error:  # e.g. a place of the jurisdiction has no standard on that date
            job_fail(job_id=job_id, message=error.message)
            return -1
        workbook = whatif_store(job_id=job_id, report=report)
        total = report.total
        job_finish(
            job_id=job_id,
            result_file=workbook,
            message=f"测算完成：{total.households} 户，新增低保 {total.gained} 户，退出 {total.lost} 户，"
            f"月支出变化 {total.monthly_difference} 元，用时 {report.seconds} 秒",
        )
    return total.households
