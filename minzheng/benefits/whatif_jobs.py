"""The what-if as a background job (issue 21): the page submits a proposal, a django-tasks task runs
``whatif.whatif_run`` with a progress bar (ADR 0010), and the report is stored beside the job so the page
can be reloaded and exported without running again.

The same proposal (parameter, place, type, date, normalised value and summary level) submitted by the same
user while a run of it is queued or running reuses that job: a double click, a reload or a second tab never
starts a second run. A finished job is never reused — parameters or households may have changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse

from minzheng.accounts.models import User
from minzheng.benefits import columnar
from minzheng.benefits.exports import whatif_workbook
from minzheng.benefits.whatif import (
    WHATIF_STEPS,
    ProposedChange,
    WhatIfReport,
    WhatIfRow,
    level_for,
    proposed_entry,
)
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.jobs import job_link
from minzheng.common.models import Job
from minzheng.common.selectors import job_get
from minzheng.common.services import ACTIVE_STATUSES, job_create, job_enqueue, job_result_path, jobs_reap
from minzheng.policy.rules import PARAMETER_KEYS, ParameterEntry

WHATIF_JOB = "benefits.whatif"
REPORT_FILE = "whatif.json"
WORKBOOK_FILE = "whatif.xlsx"
WHATIF_STEPS_TOTAL = WHATIF_STEPS + 1  # the run's steps and storing the report


# --- the proposal and the report as JSON (task arguments, the stored result) ------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _plain(value: Any) -> Any:
    """``value`` as JSON would give it back (Decimals and dates as text)."""
    return json.loads(json.dumps(value, default=_json_default))


def change_dump(change: ProposedChange) -> dict[str, Any]:
    return {
        "key": change.key,
        "division_code": change.division_code,
        "urban_rural": change.urban_rural,
        "valid_from": change.valid_from.isoformat(),
        "value": _plain(change.value),
        "percent": None if change.percent is None else str(change.percent),
    }


def change_load(data: dict[str, Any]) -> ProposedChange:
    percent = data.get("percent")
    return ProposedChange(
        data["key"],
        data["division_code"],
        data["urban_rural"],
        dt.date.fromisoformat(data["valid_from"]),
        data.get("value"),
        None if percent is None else Decimal(percent),
    )


_ROW_MONEY = ("monthly_before", "monthly_after", "senior_before", "senior_after")


def _row_dump(row: WhatIfRow) -> dict[str, Any]:
    return {k: str(v) if k in _ROW_MONEY else v for k, v in vars(row).items()}


def _row_load(data: dict[str, Any]) -> WhatIfRow:
    fields: dict[str, Any] = {k: Decimal(v) if k in _ROW_MONEY else v for k, v in data.items()}
    return WhatIfRow(**fields)


def report_dump(report: WhatIfReport) -> dict[str, Any]:
    entry = report.entry
    return _plain(
        {
            "change": change_dump(report.change),
            "entry": {
                "key": entry.key,
                "division_code": entry.division_code,
                "urban_rural": entry.urban_rural,
                "valid_from": entry.valid_from,
                "value": entry.value,
                "status": entry.status,
                "source": entry.source,
            },
            "value_before": report.value_before,
            "value_after": report.value_after,
            "as_of": report.as_of,
            "level": report.level,
            "rows": [_row_dump(row) for row in report.rows],
            "total": _row_dump(report.total),
            "seconds": report.seconds,
            "snapshot": report.snapshot,
        }
    )


def report_load(data: dict[str, Any]) -> WhatIfReport:
    e = data["entry"]
    valid_from = dt.date.fromisoformat(e["valid_from"])
    entry = ParameterEntry(
        e["key"], e["division_code"], e["urban_rural"], valid_from, None, e["value"], e["status"], e["source"]
    )
    return WhatIfReport(
        change_load(data["change"]),
        entry,
        data["value_before"],
        data["value_after"],
        dt.date.fromisoformat(data["as_of"]),
        int(data["level"]),
        [_row_load(row) for row in data["rows"]],
        _row_load(data["total"]),
        float(data["seconds"]),
        dict(data.get("snapshot") or {}),
    )


# --- submitting, storing and reading -------------------------------------------------------------------


def _proposal_key(actor: User, entry: ParameterEntry, level: int) -> str:
    """What makes two submissions the same run: the proposed version, the summary level and the scope."""
    text = json.dumps(
        [actor.scope_prefix, *entry.chain, entry.valid_from, entry.value, level],
        default=_json_default,
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def whatif_start(
    *, actor: User, change: ProposedChange, level: int | None = None, query: dict[str, Any] | None = None
) -> Job:
    """Check the proposal (the errors ``whatif_run`` would raise for it, in Chinese, at once) and run it in
    the background; returns the job — the one already running when the same user submitted the same
    proposal. ``query`` is the form as submitted, kept so the job's page shows the form again."""
    from minzheng.benefits.tasks import whatif_task  # noqa: PLC0415 - tasks import this module

    if not actor.can(Capability.MANAGE_POLICY):
        raise PermissionDenied("您的角色无权进行标准测算")
    baseline = columnar.stored_params()
    entry, _before = proposed_entry(actor, change, baseline)
    baseline.with_entry(entry)  # refuses a version that overlaps a stored one, as the run would
    chosen = level_for(actor, level)
    proposal = _proposal_key(actor, entry, chosen)
    with transaction.atomic():
        # One submission at a time per user, so two clicks cannot both miss the running job.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        jobs_reap()  # a run whose worker died is not "running" any more
        running = Job.objects.filter(
            kind=WHATIF_JOB, created_by=actor, status__in=ACTIVE_STATUSES, parameters__proposal=proposal
        ).first()
        if running is not None:
            return running
        label = PARAMETER_KEYS[change.key].label
        job = job_create(
            actor=actor,
            kind=WHATIF_JOB,
            title=f"标准测算：{label}（{entry.division_code}，自 {change.valid_from} 起）",
            total=WHATIF_STEPS_TOTAL,
            parameters={"proposal": proposal, "query": query or {}},
        )
        job_enqueue(whatif_task, job, user_id=actor.pk, change=change_dump(change), level=chosen)
    job.refresh_from_db()
    return job


def whatif_store(*, job_id: int, report: WhatIfReport) -> str:
    """Write the report (JSON, for the page) and its workbook (the job's download) beside the job; returns
    the workbook's path relative to ``MEDIA_ROOT``."""
    path, _relative = job_result_path(job_id=job_id, filename=REPORT_FILE)
    path.write_text(json.dumps(report_dump(report), ensure_ascii=False), encoding="utf-8")
    book, relative = job_result_path(job_id=job_id, filename=WORKBOOK_FILE)
    book.write_bytes(whatif_workbook(report))
    job_link(job_id=job_id, url=reverse("benefits:whatif_job", args=[job_id]), label="查看测算结果")
    return relative


def whatif_job_get(*, actor: User, job_id: int) -> tuple[Job, WhatIfReport | None]:
    """A what-if job of the actor (every job is seen only by who started it) and, once it has succeeded,
    its stored report."""
    job = job_get(actor=actor, job_id=job_id)
    if job.kind != WHATIF_JOB:
        raise NotFound("任务不存在或不是您发起的")
    if job.status != Job.Status.SUCCEEDED:
        return job, None
    path, _relative = job_result_path(job_id=job.pk, filename=REPORT_FILE)
    if not path.is_file():
        raise NotFound("测算结果文件不存在，请重新测算")
    return job, report_load(json.loads(path.read_text(encoding="utf-8")))
