"""Background tasks of enrolments (django-tasks; ADR 0010): the daily housekeeping run."""

from __future__ import annotations

from django_tasks import task

from minzheng.enrolments.reviews import review_schedule_generate
from minzheng.enrolments.services import enrolments_close_finished


@task()
def enrolments_daily() -> dict[str, int]:
    """End finished schedules (gradual exit, instalments) and generate the reviews falling due."""
    return {"ended": enrolments_close_finished(), "reviews": review_schedule_generate()}
