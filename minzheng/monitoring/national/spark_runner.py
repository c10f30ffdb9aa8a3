"""Monitoring runs on Spark, the second engine (issue 22 §2; ADR 0038).

The snapshot is built exactly as for DuckDB (``engine.snapshot_build``: PostgreSQL → Arrow → DuckDB), then
written as a job directory of Parquet files (``spark_job``'s layout) with each published rule's compiled
SQL — the very text DuckDB runs — and its ``place_params`` (``spark_run_prepare``). Spark runs the job
(``spark-submit spark_job.py`` on a cluster, ``spark_job.job_run`` in local mode) and leaves one Parquet
alert set per rule, which comes back into PostgreSQL through the same set-based write as a DuckDB run
(``spark_run_import`` → ``services.runs.alerts_insert``: one ``INSERT … SELECT … ON CONFLICT DO NOTHING``
per rule), so importing the same alert sets twice adds nothing.
"""
# ruff: noqa: S608 - SQL from internal table names and a temporary directory's path

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.benefits.columnar import duck, run
from minzheng.catalogue.roles import Capability
from minzheng.monitoring import engine, rules
from minzheng.monitoring.feeds import feed_records_match
from minzheng.monitoring.models import Alert, MonitoringRun, RunRuleStat, WarningRule
from minzheng.monitoring.national.spark_job import JOB_FILE, TABLES
from minzheng.monitoring.services.common import capability_require
from minzheng.monitoring.services.population import (
    monitoring_parameters_load,
    population_refresh,
    rule_builtin_load,
)
from minzheng.monitoring.services.runs import alerts_escalate, alerts_insert, run_finish
from minzheng.policy.errors import ParameterMissing

SPARK_RUN_KIND = "spark"


@dataclass(frozen=True)
class PreparedRule:
    """A published rule in the job: its position (the file ``rules/<index>.parquet``), or why not."""

    rule: WarningRule
    index: int | None
    error: str = ""


def parquet_write(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """One DuckDB table as one Parquet file (types kept: DECIMAL(38,10), DATE, BOOLEAN, BIGINT)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted = str(path).replace("'", "''")
    run(con, f"COPY (SELECT * FROM {table}) TO '{quoted}' (FORMAT parquet)")


def job_prepare(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    published: Sequence[WarningRule],
    as_of: dt.date,
    cache: engine.ParamsCache,
    run_id: int | None = None,
) -> list[PreparedRule]:
    """Write the job directory of ``spark_job`` from a built snapshot: the tables, and per rule that
    compiles and finds its parameters the compiled SQL and ``place_params``. A rule that does not is
    left out with the same message a DuckDB run records."""
    for name in TABLES:
        parquet_write(con, name, directory / "tables" / f"{name}.parquet")
    prepared: list[PreparedRule] = []
    entries: list[dict[str, Any]] = []
    for rule in published:
        try:
            compiled = rules.rule_compile_condition(
                rule.condition, rule.subject, as_of, known_params=engine.KNOWN_PARAMS
            )
            engine.place_params_load(con, compiled.params, cache)
        except rules.RuleProblem as problem:
            prepared.append(PreparedRule(rule, None, "规则无法编译：" + "；".join(problem.problems)))
            continue
        except ParameterMissing as missing:
            prepared.append(PreparedRule(rule, None, missing.message))
            continue
        index = len(entries)
        params = f"rules/{index}.parquet"
        parquet_write(con, "place_params", directory / params)
        entries.append(
            {
                "code": rule.code,
                "version": rule.version,
                "sql": compiled.sql,
                "evidence_labels": list(compiled.evidence_labels),
                "params": params,
            }
        )
        prepared.append(PreparedRule(rule, index))
    skipped = [
        {"code": p.rule.code, "version": p.rule.version, "error": p.error} for p in prepared if p.error
    ]
    job = {"as_of": as_of.isoformat(), "run_id": run_id, "rules": entries, "skipped": skipped}
    (directory / JOB_FILE).write_text(json.dumps(job, ensure_ascii=False, indent=1), encoding="utf-8")
    return prepared


_ALERTS_SCHEMA = pa.schema(
    [("household_id", pa.int64()), ("person_id", pa.int64()), ("evidence", pa.string())]
)


def alerts_read(directory: Path, index: int) -> pa.Table:
    """The alert set Spark wrote for rule ``index`` (household_id, person_id, evidence), ordered by
    subject so that alert numbers follow the same order on every import."""
    folder = directory / "alerts" / f"rule={index}"
    if not folder.exists():  # Spark writes no partition for a rule without hits
        return _ALERTS_SCHEMA.empty_table()
    table = pq.read_table(folder).select(_ALERTS_SCHEMA.names).cast(_ALERTS_SCHEMA)
    return table.sort_by([("household_id", "ascending"), ("person_id", "ascending")])


def spark_alerts_import(
    run_: MonitoringRun, prepared: Sequence[PreparedRule], directory: Path, raised_on: dt.date
) -> dict[str, int]:
    """Every rule's Spark alert set into PostgreSQL, one transaction per rule, through the DuckDB run's
    write (``alerts_insert``): a subject that already has an open alert of the rule is skipped by the
    open-alert unique index, so a second import of the same sets adds nothing. Records a ``RunRuleStat``
    per rule; returns new alerts per rule code."""
    offset, new_by_code = 0, {}
    for item in prepared:
        begun = time.perf_counter()
        hits = alerts_read(directory, item.index) if item.index is not None else None
        count = hits.num_rows if hits is not None else 0
        new = 0
        if hits is not None and count:
            with transaction.atomic():
                new = alerts_insert(run_, item.rule, hits, raised_on, offset)
            offset += count
        RunRuleStat.objects.create(
            run=run_,
            rule=item.rule,
            hits=count,
            alerts_new=new,
            alerts_duplicate=count - new,
            milliseconds=int((time.perf_counter() - begun) * 1000),
            error=item.error[:500],
        )
        new_by_code[item.rule.code] = new
    return new_by_code


def _published() -> list[WarningRule]:
    return list(
        WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED)
        .exclude(condition__has_key="external")
        .order_by("code")
    )


def spark_run_prepare(
    *, actor: User | None, directory: Path, as_of: dt.date | None = None, division_prefix: str = ""
) -> MonitoringRun:
    """The first half of a run on Spark: matching, the population, the snapshot and the job directory
    (``directory``, empty). The run stays ``running`` until ``spark_run_import`` reads Spark's alert sets;
    its ``phase_seconds`` get ``snapshot`` and ``export``."""
    capability_require(actor, Capability.MONITOR)
    today = timezone.localdate()
    as_of = as_of or today
    prefix = division_prefix or (actor.scope_prefix or "" if actor is not None else "")
    monitoring_parameters_load()
    rule_builtin_load()
    published = _published()
    run_ = MonitoringRun.objects.create(
        kind=SPARK_RUN_KIND, as_of=as_of, division_code=prefix, started_by=actor
    )
    clock = _Clock()
    try:
        feed_records_match()
        population_refresh(today=today)
        con = duck()
        feeds = rules.feeds_read([(r.condition, r.subject) for r in published], as_of)
        counts = engine.snapshot_build(con, as_of=as_of, division_prefix=prefix, feeds=feeds)
        clock.phase("snapshot")
        job_prepare(con, directory, published, as_of, engine.ParamsCache(con, as_of), run_id=run_.pk)
        con.close()
        clock.phase("export")
    except Exception as error:
        _finish(run_, clock, status=MonitoringRun.Status.FAILED, message=f"运行失败：{error}")
        raise
    run_.population, run_.households = counts["persons"], counts["households"]
    run_.phase_seconds = clock.phases
    run_.seconds = Decimal(f"{clock.total():.3f}")
    run_.save(update_fields=["population", "households", "phase_seconds", "seconds"])
    return run_


def _prepared_from(job: dict[str, Any]) -> list[PreparedRule]:
    """The job's rules (those Spark ran, then those left out) as ``WarningRule`` rows, by code and version."""
    wanted: list[tuple[str, int, int | None, str]]
    wanted = [(r["code"], r["version"], n, "") for n, r in enumerate(job["rules"])]
    wanted += [(r["code"], r["version"], None, r["error"]) for r in job.get("skipped", [])]
    found = {(r.code, r.version): r for r in WarningRule.objects.filter(code__in=[w[0] for w in wanted])}
    return [PreparedRule(found[(code, version)], index, error) for code, version, index, error in wanted]


def spark_run_import(
    *, actor: User | None, directory: Path, spark_seconds: float | None = None
) -> MonitoringRun:
    """The second half: Spark's alert sets of the job in ``directory`` into PostgreSQL
    (``spark_alerts_import``), then escalation; the run of ``spark_run_prepare`` is finished. Importing
    a directory again (a retried import) adds nothing."""
    capability_require(actor, Capability.MONITOR)
    job = json.loads((directory / JOB_FILE).read_text(encoding="utf-8"))
    run_ = MonitoringRun.objects.get(pk=job["run_id"])
    clock = _Clock(dict(run_.phase_seconds))
    if spark_seconds is not None:  # known when the caller ran the job; a cluster's job is timed by Spark
        clock.phases["spark"] = round(spark_seconds, 3)
    run_.rule_stats.all().delete()  # a retried import counts again; its alerts are skipped as open
    try:
        spark_alerts_import(run_, _prepared_from(job), directory, timezone.localdate())
        clock.phase("import")
        escalated = alerts_escalate(today=timezone.localdate())
    except Exception as error:
        _finish(run_, clock, status=MonitoringRun.Status.FAILED, message=f"运行失败：{error}")
        raise
    stats = list(run_.rule_stats.all())
    run_.hits = sum(s.hits for s in stats)
    run_.alerts_new = Alert.objects.filter(run=run_).count()  # by this import or an earlier one of the run
    run_.alerts_duplicate = run_.hits - run_.alerts_new
    run_.escalated = escalated
    errors = sum(1 for s in stats if s.error)
    _finish(
        run_,
        clock,
        status=MonitoringRun.Status.SUCCEEDED,
        message=f"{errors} 条规则未能运行" if errors else "",
    )
    event_record(
        actor=actor,
        verb="monitoring.run",
        object_type="monitoring.run",
        object_id=run_.pk,
        division_code=run_.division_code,
        summary=f"监测运行（Spark，{run_.as_of}）：命中 {run_.hits}，新增预警 {run_.alerts_new}，"
        f"超期上报 {escalated}",
    )
    return run_


class _Clock:
    """Seconds per phase of a run that may span two processes (prepare, then import): the run's seconds
    are the sum of its phases plus the time since the last one (escalation)."""

    def __init__(self, phases: dict[str, float] | None = None) -> None:
        self.phases = phases or {}
        self.mark = time.perf_counter()

    def phase(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name], self.mark = round(now - self.mark, 3), now

    def total(self) -> float:
        return sum(self.phases.values()) + time.perf_counter() - self.mark


def _finish(run_: MonitoringRun, clock: _Clock, *, status: str, message: str) -> None:
    run_.phase_seconds = clock.phases
    run_finish(run_, clock.total(), status=status, message=message)
