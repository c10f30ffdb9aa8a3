"""Background tasks of eldercare (django-tasks; ADR 0010), each with its progress bar at ``jobs:detail``."""

from __future__ import annotations

from django_tasks import task

from minzheng.common.services import job_finish, job_running

REFRESH_KIND = "eldercare_older_people_refresh"


@task()
def older_people_refresh_task(job_id: int) -> int:
    """The refresh of the older-people register (``services.people.older_people_refresh``); returns the
    number of older people in the register afterwards."""
    from minzheng.eldercare.services.people import older_people_refresh  # noqa: PLC0415 - services start it

    with job_running(job_id=job_id, total=4):
        outcome = older_people_refresh(job_id=job_id)
        job_finish(
            job_id=job_id,
            message=f"老年人名册已更新：在册 {outcome.active} 人，新增 {outcome.opened}，"
            f"变更 {outcome.updated}，移出 {outcome.closed}，耗时 {outcome.seconds} 秒",
        )
    return outcome.active
