"""The alert set of a national run (``national.duckdb_runner``, over a Parquet snapshot) written into the
database (issue 22 §2; ADR 0037): set-based and idempotent through the daily run's own write path
(``runs.alerts_insert``: staging ``COPY``, one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` against the
open-alert unique index), so importing the same hits twice adds nothing, and a subject that already has
an open alert of the rule keeps it (国办发〔2023〕39号 §三(三): one alert per open case)."""
# ruff: noqa: E501 - messages kept whole

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.monitoring.models import MonitoringRun, RunRuleStat, WarningRule
from minzheng.monitoring.services.common import capability_require
from minzheng.monitoring.services.runs import alerts_insert, run_finish

NATIONAL_KIND = "national"
IMPORT_BATCH_ROWS = 200_000  # hits staged and inserted per transaction


def published_rules() -> list[WarningRule]:
    """The rules a national run evaluates: the published ones, outside alert kinds excepted."""
    return list(
        WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED)
        .exclude(condition__has_key="external")
        .order_by("code")
    )


def _rule_import(
    run: MonitoringRun, rule: WarningRule, path: Path, today: dt.date, offset: int
) -> tuple[int, int]:
    """Hits and new alerts of one rule's file, in batches of ``IMPORT_BATCH_ROWS``."""
    hits = new = 0
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(IMPORT_BATCH_ROWS, columns=["household_id", "person_id", "evidence"]):
        table = pa.Table.from_batches([batch])
        with transaction.atomic():
            new += alerts_insert(run, rule, table, today, offset + hits)
        hits += table.num_rows
    return hits, new


def alerts_import(
    *,
    actor: User | None,
    alerts: Path,
    as_of: dt.date,
    division_prefix: str = "",
    population: int = 0,
    households: int = 0,
) -> MonitoringRun:
    """Write the hits in ``alerts/<rule code>.parquet`` of every published rule as alerts of a new run of
    kind ``national``. Hits whose household is not in the database are skipped by the insert's join
    (a synthetic snapshot writes none); rules without a file are not counted."""
    capability_require(actor, Capability.MONITOR)
    started = time.perf_counter()
    today = timezone.localdate()
    run = MonitoringRun.objects.create(
        kind=NATIONAL_KIND, as_of=as_of, division_code=division_prefix, started_by=actor,
        population=population, households=households,
    )  # fmt: skip
    offset = 0
    for rule in published_rules():
        path = alerts / f"{rule.code}.parquet"
        if not path.is_file():
            continue
        begun = time.perf_counter()
        hits, new = _rule_import(run, rule, path, today, offset)
        offset += hits
        RunRuleStat.objects.create(
            run=run, rule=rule, hits=hits, alerts_new=new, alerts_duplicate=hits - new,
            milliseconds=int((time.perf_counter() - begun) * 1000),
        )  # fmt: skip
    stats = list(run.rule_stats.all())
    run.hits = sum(s.hits for s in stats)
    run.alerts_new = sum(s.alerts_new for s in stats)
    run.alerts_duplicate = sum(s.alerts_duplicate for s in stats)
    run_finish(run, time.perf_counter() - started, status=MonitoringRun.Status.SUCCEEDED)
    event_record(
        actor=actor,
        verb="monitoring.national_import",
        object_type="monitoring.run",
        object_id=run.pk,
        division_code=division_prefix,
        summary=f"导入全国监测运行结果（{as_of}）：命中 {run.hits}，新增预警 {run.alerts_new}",
    )
    return run
