"""Progress of long background jobs (payroll generation, imports): progress that a page can see while a long
transaction runs, and the link a finished job offers (ADR 0010; ``common.services`` for the job lifecycle).

A payroll generation and a legacy import each write in **one** transaction, so their progress updates,
made on the same connection, would stay invisible to the polling page until the commit.
``progress_report`` therefore writes through a second, autocommit connection on PostgreSQL; on SQLite
(one writer at a time) it writes in the current transaction and the page sees the bar jump at the end.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from minzheng.common.models import Job
from minzheng.common.services import job_progress

ACTIVE = (Job.Status.QUEUED.value, Job.Status.RUNNING.value)


def progress_report(*, job_id: int, done: int, total: int, message: str = "") -> None:
    """Record ``done`` of ``total`` for the job, visible at once even inside a transaction (PostgreSQL)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        job_progress(job_id=job_id, done=done, total=total, message=message)
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET progress_done = GREATEST(progress_done, %s), "  # noqa: S608
                "progress_total = %s, message = %s, heartbeat_at = %s WHERE id = %s AND status IN (%s, %s)",
                [max(0, done), max(0, total), message[:300], timezone.now(), job_id, *ACTIVE],
            )
    finally:
        side.close()


def job_link(*, job_id: int, url: str, label: str) -> None:
    """Remember where the finished job's result is (the job page shows it as a button)."""
    job = Job.objects.filter(pk=job_id).only("parameters").first()
    if job is not None:
        parameters: dict[str, Any] = {**job.parameters, "result_url": url, "result_label": label}
        Job.objects.filter(pk=job_id).update(parameters=parameters)
