"""Excel export of the household list (issue 2 §5).

Only stored masked values are written, never decrypted ones (ADR 0008). Small exports are
built in the request; larger ones run as a background job with progress (ADR 0010). Every
export is recorded in the personal-data access log with the number of rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied
from minzheng.common.models import Job
from minzheng.common.selectors import queryset_count_capped
from minzheng.common.services import job_create, job_enqueue, job_fail, job_finish, job_progress, job_running
from minzheng.common.spreadsheets import xlsx_append
from minzheng.divisions.models import UrbanRural
from minzheng.registry.selectors import (
    HouseholdFilters,
    household_export_rows,
    household_list,
)

JOB_KIND = "registry.household_export"
EXPORT_FIELDS = ["name", "id_number_masked", "hukou_division", "hukou_address"]
HEADERS = (
    "户编号",
    "户主",
    "户主身份证号码（脱敏）",
    "在户人数",
    "城乡类别",
    "旗县（市、区）",
    "苏木乡镇（街道）",
    "嘎查村（社区）",
    "区划代码",
    "户籍地址",
    "更新时间",
)
PROGRESS_EVERY = 2000
_URBAN_RURAL = dict(UrbanRural.choices)


def _require_export(actor: User) -> None:
    if not actor.can(Capability.EXPORT):
        raise PermissionDenied("您的角色无权导出数据", code="forbidden")


def _excel_row(row: tuple[Any, ...]) -> list[Any]:
    values = list(row)
    values[4] = _URBAN_RURAL.get(values[4], values[4])
    updated: dt.datetime = values[10]
    values[10] = timezone.localtime(updated).replace(tzinfo=None, microsecond=0)  # Excel has no time zones
    return values


def household_export_write(
    *,
    actor: User,
    filters: HouseholdFilters,
    target: str | os.PathLike[str] | IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the filtered household list as an .xlsx (streaming, write-only); return the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("家庭名单")
    xlsx_append(sheet, HEADERS)
    count = 0
    for row in household_export_rows(actor=actor, filters=filters):
        xlsx_append(sheet, _excel_row(row))
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    workbook.save(target)
    return count


def household_export_now(
    *, actor: User, filters: HouseholdFilters, target: IO[bytes], ip_address: str | None = None
) -> int:
    """Export in the request (up to ``settings.EXPORT_SYNC_LIMIT`` rows) and log the access."""
    _require_export(actor)
    count = household_export_write(actor=actor, filters=filters, target=target)
    personal_data_access_record(
        actor=actor, fields=EXPORT_FIELDS, purpose="export", record_count=count, ip_address=ip_address
    )
    return count


def household_export_start(*, actor: User, filters: HouseholdFilters) -> Job:
    """Queue a background export; the page then follows the job's progress (``jobs:detail``)."""
    from minzheng.registry.tasks import household_export_task

    _require_export(actor)
    job = job_create(
        actor=actor,
        kind=JOB_KIND,
        title="家庭名单导出（Excel）",
        parameters={"filters": dataclasses.asdict(filters)},
    )
    job_enqueue(household_export_task, job)
    return job


def export_path(job_id: int) -> tuple[Path, str]:
    """Absolute path of the job's file under ``MEDIA_ROOT/exports/`` and the path relative to it."""
    relative = f"exports/households-{job_id}-{timezone.localtime():%Y%m%d%H%M%S}.xlsx"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, relative


def household_export_run(*, job_id: int) -> int:
    """Body of the background export. Runs in autocommit (the worker), so progress shows at once."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    actor = job.created_by
    if actor is None:
        job_fail(job_id=job_id, message="发起人账号已不存在")
        return 0
    filters = HouseholdFilters(**job.parameters.get("filters", {}))
    total, _capped = queryset_count_capped(household_list(actor=actor, filters=filters), cap=100_000_000)
    path, relative = export_path(job_id)
    partial = path.with_suffix(".part")
    with job_running(job_id=job_id, total=total):
        try:
            count = household_export_write(
                actor=actor,
                filters=filters,
                target=partial,
                progress=lambda done: job_progress(job_id=job_id, done=done, message=f"已导出 {done} 户"),
            )
            partial.rename(path)
        finally:
            partial.unlink(missing_ok=True)
        personal_data_access_record(actor=actor, fields=EXPORT_FIELDS, purpose="export", record_count=count)
        job_finish(job_id=job_id, result_file=relative, message=f"共导出 {count} 户")
    return count
