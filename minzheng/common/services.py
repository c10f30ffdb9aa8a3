"""Background jobs with progress a page can poll (ADR 0010).

A page creates a ``Job`` and enqueues a django-tasks task with ``job_enqueue``; the task reports
through ``job_start`` / ``job_progress`` / ``job_finish`` / ``job_fail``.

Visibility: these writes use ``QuerySet.update()`` and are meant to run in autocommit mode, as
the ``db_worker`` runs tasks (outside any transaction), so each update is visible to the polling
page at once. A task that wraps its work in ``transaction.atomic`` must report progress between
its atomic chunks, not inside them, or the page sees nothing until the end. With the database
backend, ``job_enqueue`` called inside a request (``ATOMIC_REQUESTS``) writes the queue row in the
same transaction as the ``Job``, so the worker never sees a task whose job does not exist yet.

Killed workers (issue 16 §4): every task runs its job inside ``job_running``, which starts the job, beats
``heartbeat_at`` from a small thread every ``JOB_HEARTBEAT_SECONDS`` and fails the job on any exception.
``jobs_reap`` marks failed every job whose heartbeat is older than ``JOB_HEARTBEAT_TIMEOUT`` (the process
died: ``kill -9``, power loss, OOM killer) together with its django-tasks-db queue row; it runs at the
start of every task, on every ``job_enqueue``, on the job pages and as ``minzheng jobs-reap``.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from minzheng.common.models import Job

ACTIVE_STATUSES = (Job.Status.QUEUED, Job.Status.RUNNING)
INTERRUPTED = "后台任务中断（进程退出或超时），已标记为失败，请重新发起"
ABORTED = "后台任务被中止（进程收到退出信号），已标记为失败，请重新发起"


class JobInterrupted(Exception):
    """Recorded as the exception of a queue row whose worker died (the row's ``exception_class_path``)."""


def heartbeat_seconds() -> float:
    """How often a running task beats (setting ``JOB_HEARTBEAT_SECONDS``, default 15 s)."""
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 15))


def heartbeat_timeout() -> float:
    """A running job silent for longer than this is dead (``JOB_HEARTBEAT_TIMEOUT``, default 120 s)."""
    return float(getattr(settings, "JOB_HEARTBEAT_TIMEOUT", 120))


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
    jobs_reap()
    result = task.enqueue(job_id=job.pk, **kwargs)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return result


def job_start(*, job_id: int, total: int | None = None, message: str = "") -> None:
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": Job.Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "message": message[:300],
    }
    if total is not None:
        changes["progress_total"] = max(0, total)
    Job.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES).update(**changes)


def job_progress(*, job_id: int, done: int, total: int | None = None, message: str = "") -> None:
    """Record ``done`` of ``total`` items; never moves backwards and never finishes a job."""
    changes: dict[str, Any] = {
        "progress_done": Greatest(F("progress_done"), max(0, done)),
        "heartbeat_at": timezone.now(),
    }
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


class _Heartbeat:
    """A daemon thread that sets the job's ``heartbeat_at`` every ``heartbeat_seconds()`` while the task runs.

    PostgreSQL: the thread writes through its own (autocommit) connection, so the beat is visible even
    while the task holds one long transaction; the connection is opened at the first beat (a task shorter
    than one interval never opens it) and closed when the task ends. SQLite has one writer at a time: the
    thread beats only while the task's connection is outside a transaction (between the task's own writes),
    so it never waits on the task's write lock; during a long SQLite transaction the job's liveness is what
    its progress updates wrote before (ADR 0010).
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.interval = heartbeat_seconds()
        self.task_connection = connections[
            DEFAULT_DB_ALIAS
        ]  # the task thread's own (connections are per thread)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"job-heartbeat-{job_id}", daemon=True)

    def run(self) -> None:
        own = connections[DEFAULT_DB_ALIAS]  # this thread's connection, opened at the first beat
        try:
            while not self.stop.wait(self.interval):
                if own.vendor == "sqlite" and self.task_connection.in_atomic_block:
                    continue
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # noqa: BLE001, S112 - a missed beat is retried at the next interval
                    continue
        finally:
            own.close()

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=max(5.0, self.interval))


@contextmanager
def job_running(*, job_id: int, total: int | None = None) -> Iterator[None]:
    """Run a task's job: reap dead jobs, start this one, beat while the body runs, and mark the job failed
    (then re-raise) if the body raises — also on ``SystemExit`` / ``KeyboardInterrupt`` (the worker's
    second Ctrl+C or SIGTERM). Every task that reports to a ``Job`` uses this, never start/fail by hand."""
    jobs_reap()
    job_start(job_id=job_id, total=total)
    with _Heartbeat(job_id):
        try:
            yield
        except Exception as error:
            job_fail(job_id=job_id, message=f"任务失败：{error}")
            raise
        except BaseException:
            job_fail(job_id=job_id, message=ABORTED)
            raise


@dataclass(frozen=True)
class Reaped:
    jobs: int
    task_results: int


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def jobs_reap(*, timeout: float | None = None) -> Reaped:
    """Mark failed every job whose worker died, and its queue row, so nothing waits for it (issue 16 §4).

    Dead: a running job whose last sign of life (heartbeat, else start) is older than ``timeout`` seconds
    (default ``heartbeat_timeout()``); a queued job whose queue row was claimed (RUNNING) that long ago and
    never started it; a queued or running job whose queue row already finished (the task failed before it
    reached ``job_running``). One UPDATE of the jobs and one of their RUNNING queue rows (status FAILED,
    ``JobInterrupted``); idempotent. The common case — nothing older than the timeout — is one cheap query.
    """
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=heartbeat_timeout() if timeout is None else timeout)
    old = (
        Job.objects.filter(status__in=ACTIVE_STATUSES)
        .alias(beat=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(beat__lt=cutoff)
    )
    if not old.exists():
        return Reaped(0, 0)
    with transaction.atomic():
        candidates = list(old.select_for_update().values_list("pk", "status", "task_result_id"))
        ids = [i for i in (_uuid(rid) for _, _, rid in candidates if rid) if i is not None]
        rows = {
            str(pk): (status, started)
            for pk, status, started in DBTaskResult.objects.filter(id__in=ids).values_list(
                "id", "status", "started_at"
            )
        }
        finished = (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)
        dead: list[tuple[int, str]] = []
        for pk, status, rid in candidates:
            row_status, row_started = rows.get(str(_uuid(rid)) if rid else "", ("", None))
            claimed_long_ago = row_status == TaskResultStatus.RUNNING and row_started and row_started < cutoff
            if status == Job.Status.RUNNING or row_status in finished or claimed_long_ago:
                dead.append((pk, rid))
        if not dead:
            return Reaped(0, 0)
        jobs = Job.objects.filter(pk__in=[pk for pk, _ in dead], status__in=ACTIVE_STATUSES).update(
            status=Job.Status.FAILED, message=INTERRUPTED, finished_at=now
        )
        queue_ids = [i for i in (_uuid(rid) for _, rid in dead if rid) if i is not None]
        task_results = DBTaskResult.objects.filter(id__in=queue_ids, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{JobInterrupted.__module__}.{JobInterrupted.__qualname__}",
            traceback=f"{JobInterrupted.__qualname__}: {INTERRUPTED}",
        )
    return Reaped(jobs, task_results)


def job_result_path(*, job_id: int, filename: str) -> tuple[Path, str]:
    """Absolute path for a job's result file and its name relative to ``MEDIA_ROOT``."""
    relative = f"jobs/{job_id}/{filename}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, relative


def job_upload_keep(*, job_id: int, upload: Any) -> Path:
    """Store an uploaded file beside its job for the task that imports it (``job_upload_taken`` deletes it
    afterwards): the request only stores and enqueues, the import runs in the background."""
    suffix = Path(upload.name).suffix.lower()
    path, _relative = job_result_path(job_id=job_id, filename=f"upload{suffix}")
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return path


@contextmanager
def job_upload_taken(path: str) -> Iterator[Path]:
    """The upload ``job_upload_keep`` stored, deleted when the task is done with it, whatever happened:
    imported files hold personal data (ID numbers, names) that must not stay on disk."""
    upload = Path(path)
    try:
        yield upload
    finally:
        upload.unlink(missing_ok=True)
