"""Background tasks of enrolments (django-tasks; ADR 0010): the daily housekeeping run, the legacy import and
the registry runs of the allowances, each reporting to a ``common.Job`` with a progress bar."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django_tasks import task

from minzheng.accounts.models import User
from minzheng.common.errors import DomainError
from minzheng.common.jobs import job_link, progress_report
from minzheng.common.services import job_fail, job_finish, job_running, job_upload_taken
from minzheng.enrolments import allowances
from minzheng.enrolments.legacy import legacy_import
from minzheng.enrolments.reviews import review_schedule_generate
from minzheng.enrolments.services import enrolments_close_finished

LEGACY_IMPORT_KIND = "legacy_import"
ALLOWANCE_RUN_KIND = "allowance_run"
RUNS = {
    "senior": "高龄津贴按年龄纳入",
    "disability": "残疾人两项补贴主动发现",
    "orphan": "孤儿基本生活保障主动发现",
}


@task()
def enrolments_daily() -> dict[str, int]:
    """End finished schedules (gradual exit, instalments) and generate the reviews falling due."""
    return {"ended": enrolments_close_finished(), "reviews": review_schedule_generate()}


@task()
def legacy_import_task(job_id: int, user_id: int, path: str, filename: str) -> int | None:
    """Import the uploaded legacy file stored at ``path`` (deleted afterwards: it holds ID numbers);
    returns the ``LegacyImport`` id. A file-level error (unreadable, too many rows) fails the job with its
    message; row errors give a rejected import with its report."""
    actor = User.objects.get(pk=user_id)
    with job_upload_taken(path) as upload, job_running(job_id=job_id, total=5):
        try:
            record = legacy_import(
                actor=actor,
                filename=filename,
                content=upload.read_bytes(),
                progress=lambda done, total, message: progress_report(
                    job_id=job_id, done=done, total=total, message=message
                ),
            )
        except DomainError as error:
            job_fail(job_id=job_id, message=error.message)
            return None
        job_link(
            job_id=job_id,
            url=f"{reverse('enrolments:legacy_import')}?record={record.pk}",
            label="查看导入结果",
        )
        if record.status == record.Status.SUCCEEDED:
            message = f"导入成功：{record.households} 户、{record.persons} 人、{record.enrolments} 条在保"
        else:
            message = f"有 {record.error_count} 个错误，未导入（可下载错误报告）"
        job_finish(job_id=job_id, message=message)
        return record.pk


@task()
def allowance_run_task(job_id: int, user_id: int, kind: str, month: str) -> int:
    """Run one allowance rule over the user's jurisdiction for ``month`` (ISO date): 高龄津贴 enrols, the
    disability subsidies and the orphan allowance list candidates. Returns the number enrolled/found."""
    actor = User.objects.get(pk=user_id)
    day = dt.date.fromisoformat(month)
    within = actor.scope_prefix or ""

    def progress(done: int, total: int, message: str) -> None:
        progress_report(job_id=job_id, done=done, total=total, message=message)

    with job_running(job_id=job_id, total=3):
        try:
            if kind == "senior":
                run = allowances.senior_allowance_enrol(month=day, actor=actor, within=within)
                count, message = (
                    run.enrolled,
                    f"高龄津贴：新纳入 {run.enrolled} 人，调整档次 {run.changed} 人",
                )
                url = f"{reverse('enrolments:list')}?programme=senior_allowance"
            else:
                call = (
                    allowances.disability_subsidies_enrol
                    if kind == "disability"
                    else allowances.orphan_allowances_enrol
                )
                found = call(month=day, actor=actor, within=within, progress=progress)
                count = found.total
                message = f"主动发现 {found.total} 人待确认" + (
                    f"（已在保或已处理 {found.already} 人未重复列出）" if found.already else ""
                )
                url = reverse("enrolments:candidates")
        except DomainError as error:
            job_fail(job_id=job_id, message=error.message)
            return 0
        job_link(job_id=job_id, url=url, label="查看结果")
        job_finish(job_id=job_id, message=message)
    return count
