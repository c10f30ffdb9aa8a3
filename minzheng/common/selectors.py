"""Reads of shared reference data and of background jobs (a user sees only the jobs they started)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import QuerySet

from minzheng.common.errors import NotFound
from minzheng.common.models import CalendarDay, Job
from minzheng.common.workdays import WorkingCalendar

_Row = TypeVar("_Row")


def unique_row(queryset: QuerySet[Any, _Row]) -> _Row | None:
    """The row a filter on a unique key (the primary key, a unique hash) matches, or ``None``: what
    ``first()`` returns for such a filter, without the ``ORDER BY id`` it adds — compiling that ordering
    is about a third of the Python time of a one-row read (bench/speed-web.md, session 10)."""
    return next(iter(queryset[:1]), None)


def working_calendar() -> WorkingCalendar:
    """The working-day calendar with every override entered in the ``CalendarDay`` table."""
    return WorkingCalendar(dict(CalendarDay.objects.values_list("date", "is_workday")))


def job_list(*, actor: Any) -> QuerySet[Job]:
    if not getattr(actor, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(created_by=actor)


def job_get(*, actor: Any, job_id: int) -> Job:
    job = job_list(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound("任务不存在或不是您发起的")
    return job


def job_download_path(*, actor: Any, job_id: int) -> Path:
    """The finished job's result file; refuses paths outside ``MEDIA_ROOT``."""
    job = job_get(actor=actor, job_id=job_id)
    if job.status != Job.Status.SUCCEEDED or not job.result_file:
        raise NotFound("该任务没有可下载的结果")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.result_file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("结果文件不存在")
    return path


def queryset_count_capped(queryset: QuerySet[Any], *, cap: int) -> tuple[int, bool]:
    """Rows in ``queryset`` up to ``cap``; the flag says the real number is larger.

    ``COUNT(*)`` over a million households on every page view costs more than the page itself;
    counting at most ``cap + 1`` rows keeps the cost bounded (``SELECT COUNT(*) FROM (… LIMIT n)``).
    """
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


@dataclass(frozen=True)
class ListCount:
    """How many rows a list has, as shown under it: exact, exact up to a cap ("共超过 n 条"), or an
    estimate ("约 n 条") where counting exactly would cost more than the page itself."""

    total: int
    capped: bool = False
    estimated: bool = False


# Counting stops here ("共超过 1,000 条"). Measured with 1,000,000 people (county user, division=150102
# and name=张, ~5,800 matching households): capped at 1,000 the count takes ~38 ms, at 10,000 ~95 ms,
# while a full COUNT(*) of a region's 350,000 households takes several hundred.
LIST_COUNT_CAP = 1000


def count_capped(queryset: QuerySet[Any]) -> ListCount:
    total, capped = queryset_count_capped(queryset, cap=LIST_COUNT_CAP)
    return ListCount(total, capped)
