"""Background tasks of the registry (django-tasks; the database queue by default, ADR 0010)."""

from __future__ import annotations

from django_tasks import task

from minzheng.registry.exports import household_export_run


@task()
def household_export_task(job_id: int) -> int:
    """Export a filtered household list to Excel for ``common.Job`` ``job_id``; returns the row count."""
    return household_export_run(job_id=job_id)
