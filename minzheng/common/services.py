"""Background jobs with progress a page can poll (ADR 0010).

A page creates a ``Job`` and enqueues a django-tasks task with ``job_enqueue``; the task reports
through ``job_start`` / ``job_progress`` / ``job_finish`` / ``job_fail``.

Visibility: these writes use ``QuerySet.update()`` and are meant to run in autocommit mode, as
the ``db_worker`` runs tasks (outside any transaction), so each update is visible to the polling
page at once. A task that wraps its work in ``transaction.atomic`` must report progress between
its atomic chunks, not inside them, or the page sees nothing until the end. With the database
backend, ``job_enqueue`` called inside a request (``ATOMIC_REQUESTS``) writes the queue row in the
same transaction as the ``Job``, so the worker never sees a task whose job does not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks.base import Task, TaskResult

from minzheng.common.models import Job

ACTIVE_STATUSES = (Job.Status.QUEUED, Job.Status.RUNNING)


def job_create(
    *, actor: Any, kind: str, title: str, total: int = 0, parameters: dict[str, Any] | None = None
) -> Job:
    return Job.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        title=title[:200],
        progress_total=max(0, total),
        parameters=parameters or {},
    )


def job_enqueue(task: Task[..., Any], job: Job, **kwargs: Any) -> TaskResult[Any]:
    """Enqueue ``task(job_id=job.pk, **kwargs)`` and remember the task result id on the job.

    With the immediate backend the task has already run when this returns; ``job`` is refreshed.
    """
    result = task.enqueue(job_id=job.pk, **kwargs)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return result


def job_start(*, job_id: int, total: int | None = None, message: str = "") -> None:
    changes: dict[str, Any] = {
        "status": Job.Status.RUNNING,
        "started_at": timezone.now(),
        "message": message[:300],
    }
    if total is not None:
        changes["progress_total"] = max(0, total)
    Job.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES).update(**changes)


def job_progress(*, job_id: int, done: int, total: int | None = None, message: str = "") -> None:
    """Record ``done`` of ``total`` items; never moves backwards and never finishes a job."""
    changes: dict[str, Any] = {"progress_done": Greatest(F("progress_done"), max(0, done))}
    if total is not None:
        changes["progress_total"] = max(0, total)
    if message:
        changes["message"] = message[:300]
    Job.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES).update(**changes)


def job_finish(*, job_id: int, result_file: str = "", message: str = "") -> None:
    """Mark the job succeeded. ``result_file`` is a path relative to ``MEDIA_ROOT``."""
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED,
        progress_done=Greatest(F("progress_done"), F("progress_total")),
        result_file=result_file,
        message=message[:300],
        finished_at=timezone.now(),
    )


def job_fail(*, job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, message=message[:300], finished_at=timezone.now()
    )


@contextmanager
def job_running(*, job_id: int, total: int | None = None) -> Iterator[None]:
    """Start the job, and mark it failed (then re-raise) if the body raises."""
    job_start(job_id=job_id, total=total)
    try:
        yield
    except Exception as error:
        job_fail(job_id=job_id, message=f"任务失败：{error}")
        raise


def job_result_path(*, job_id: int, filename: str) -> tuple[Path, str]:
    """Absolute path for a job's result file and its name relative to ``MEDIA_ROOT``."""
    relative = f"jobs/{job_id}/{filename}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, relative
