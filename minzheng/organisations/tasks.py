"""Background task of 社会组织 (django-tasks, ADR 0010): the import of an existing register runs as a job with
a progress bar, so a 60,000-row file holds neither a web worker nor the front proxy's timeout for the minute
it can take; the page shows the stored result afterwards (``selectors.import_job_result``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.urls import reverse
from django_tasks import task

from minzheng.accounts.models import User
from minzheng.common.errors import DomainError
from minzheng.common.jobs import job_link
from minzheng.common.models import Job
from minzheng.common.services import job_fail, job_finish, job_running, job_upload_taken
from minzheng.organisations.services.imports import register_import


@task()
def register_import_task(
    job_id: int, user_id: int, path: str, filename: str, ip_address: str | None = None
) -> dict[str, Any] | None:
    """Import the upload stored at ``path`` (deleted afterwards: it names legal representatives) and keep
    the result — counts and the first problems by row and column — on the job. A file-level error (no
    columns, unreadable, too many rows) fails the job with its message and imports nothing."""
    actor = User.objects.get(pk=user_id)
    with job_upload_taken(path) as upload, job_running(job_id=job_id, total=1):
        try:
            result = register_import(
                actor=actor, filename=filename, content=upload.read_bytes(), ip_address=ip_address
            )
        except DomainError as error:
            job_fail(job_id=job_id, message=error.message)
            return None
        kept = asdict(result)
        job = Job.objects.get(pk=job_id)
        Job.objects.filter(pk=job_id).update(parameters={**job.parameters, "result": kept})
        job_link(job_id=job_id, url=f"{reverse('organisations:import')}?job={job_id}", label="查看导入结果")
        job_finish(job_id=job_id, message=result.summary())
        return kept
