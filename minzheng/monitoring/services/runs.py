"""Monitoring runs (国办发〔2023〕39号 §三(三)): refresh matching and the population, snapshot into DuckDB,
evaluate every published rule and write its new alerts set-based (deduplicated by the open-alert unique
index), then escalate the alerts past their response limit (§三(四)). Runs over a whole jurisdiction are
started as background jobs with a progress bar."""
# ruff: noqa: S608, E501 - SQL statements are kept whole for reading; SQL from model table names and enum constants; values are bound parameters

from __future__ import annotations

import datetime as dt
import io
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.benefits.columnar import duck
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, DomainError
from minzheng.common.models import Job
from minzheng.common.selectors import working_calendar
from minzheng.common.services import INTERRUPTED, job_create, job_enqueue, job_progress, jobs_reap
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.divisions.models import Division
from minzheng.monitoring import engine, rules
from minzheng.monitoring.feeds import feed_records_match
from minzheng.monitoring.models import Alert, AlertEvent, MonitoringRun, RunRuleStat, WarningRule
from minzheng.monitoring.rules import AlertStatus, RuleProblem
from minzheng.monitoring.services.common import capability_require
from minzheng.monitoring.services.population import (
    monitoring_parameters_load,
    population_refresh,
    rule_builtin_load,
)
from minzheng.policy.errors import ParameterMissing
from minzheng.registry.models import Household

RUN_JOB = rules.RUN_JOB_KIND
# A run without a job (the scheduled run started by cron as ``minzheng monitoring run``) has no heartbeat:
# after this many hours it is taken for dead. Runs started from the page are judged by their job's heartbeat.
RUN_STALE_HOURS = 3


@dataclass(frozen=True)
class RuleOutcome:
    hits: int
    new: int
    milliseconds: int
    error: str = ""


def evidence_sql(compiled: rules.CompiledRule) -> str:
    parts = ", ".join(
        f"'{label.replace(chr(39), chr(39) * 2)}', e{n}" for n, label in enumerate(compiled.evidence_labels)
    )
    return f"CAST(json_object({parts}) AS VARCHAR)" if parts else "'{}'"


def alerts_insert(run: MonitoringRun, rule: WarningRule, hits: Any, raised_on: dt.date, offset: int) -> int:
    """Write one rule's hits (household_id, person_id, evidence) as alerts numbered from ``offset`` + 1
    (``alerts_insert_many`` for a single rule); returns the alerts written."""
    return sum(alerts_insert_many(run, [(rule, hits)], raised_on, offset).values())


def alerts_insert_many(
    run: MonitoringRun, hits: list[tuple[WarningRule, Any]], raised_on: dt.date, offset: int
) -> dict[int, int]:
    """Write the hits (household_id, person_id, evidence) of several rules as alerts numbered from
    ``offset`` + 1 in the order given, in one ``INSERT … SELECT``; a subject that already has an open alert
    of the same rule is skipped by the partial unique index (``ON CONFLICT … DO NOTHING``). PostgreSQL
    stages them with one ``COPY`` of the Arrow tables written as CSV (no Python object per alert); the
    rules' own columns (version, severity, response limit) come from a small second table. Returns the
    alerts written per rule id. One statement for all the rules of a run: the per-statement work (staging
    table, plan, index descents) is paid once, not once per rule."""
    alert, household = Alert._meta.db_table, Household._meta.db_table
    calendar = working_calendar()
    rule_rows = []
    for n, (rule, _) in enumerate(hits):
        due = due_date(raised_on, WorkingDays(rule.response_days), calendar)
        rule_rows.append((n, rule.pk, rule.code, rule.version, rule.severity, due.due_on, due.provisional))
    # The conflict target names the partial index's own predicate (``models.OPEN``), so it is spelled
    # out from the same enum rather than bound: PostgreSQL infers the index from the text.
    open_list = ", ".join(f"'{s}'" for s in sorted(s.value for s in rules.OPEN_STATUSES))
    tables = [table for _, table in hits if table.num_rows]
    total = sum(table.num_rows for table in tables)
    if not total:
        return {rule.pk: 0 for rule, _ in hits}
    staged = pa.table(
        {
            "seq": pa.array(range(offset + 1, offset + total + 1), pa.int64()),
            "rule_no": pa.array([n for n, (_, t) in enumerate(hits) for _ in range(t.num_rows)], pa.int32()),
            **{
                name: pa.chunked_array([t.column(name).cast(kind) for t in tables], kind)
                for name, kind in (
                    ("household_id", pa.int64()),
                    ("person_id", pa.int64()),
                    ("evidence", pa.string()),
                )
            },
        }
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS alert_stage")
        cursor.execute("DROP TABLE IF EXISTS alert_stage_rules")
        cursor.execute(
            "CREATE TEMP TABLE alert_stage (seq integer, rule_no integer, household_id bigint, person_id bigint, "
            "evidence text)"
        )
        cursor.execute(
            "CREATE TEMP TABLE alert_stage_rules (rule_no integer, rule_id bigint, rule_code varchar(40), "
            "rule_version integer, severity varchar(8), due_on date, due_provisional boolean)"
        )
        cursor.executemany("INSERT INTO alert_stage_rules VALUES (%s, %s, %s, %s, %s, %s, %s)", rule_rows)
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            pacsv.write_csv(staged, buffer, pacsv.WriteOptions(include_header=False))
            with cursor.cursor.copy(
                "COPY alert_stage (seq, rule_no, household_id, person_id, evidence) FROM STDIN (FORMAT CSV)"
            ) as copy:
                copy.write(buffer.getbuffer())
        else:
            cursor.executemany(
                "INSERT INTO alert_stage VALUES (%s, %s, %s, %s, %s)",
                [tuple(r.values()) for r in staged.to_pylist()],
            )
        evidence = "s.evidence::jsonb" if connection.vendor == "postgresql" else "s.evidence"
        subject = "CASE WHEN s.person_id IS NULL THEN 'h:' || s.household_id ELSE 'p:' || s.person_id END"
        cursor.execute(
            f"INSERT INTO {alert} (number, rule_id, rule_code, rule_version, severity, subject_key, household_id, "
            f"person_id, division_id, run_id, evidence, status, raised_on, due_on, due_provisional, escalated_to, "
            f"reason, created_at) SELECT %s || s.seq, r.rule_id, r.rule_code, r.rule_version, r.severity, {subject}, "
            f"s.household_id, s.person_id, h.hukou_division_id, %s, {evidence}, %s, %s, r.due_on, r.due_provisional, "
            f"'', '', %s "
            f"FROM alert_stage s JOIN alert_stage_rules r ON r.rule_no = s.rule_no "
            f"JOIN {household} h ON h.id = s.household_id ORDER BY s.seq "
            f"ON CONFLICT (rule_code, subject_key) WHERE status IN ({open_list}) DO NOTHING RETURNING rule_id",
            [f"YJ{run.pk}-", run.pk, AlertStatus.PUSHED.value, raised_on, timezone.now()],
        )
        written = Counter(rule_id for (rule_id,) in cursor.fetchall())
        cursor.execute("DROP TABLE alert_stage")
        cursor.execute("DROP TABLE alert_stage_rules")
    return {rule.pk: written.get(rule.pk, 0) for rule, _ in hits}


def rule_evaluate(
    con: Any, rule: WarningRule, as_of: dt.date, cache: engine.ParamsCache, *, open_known: bool = False
) -> tuple[Any, str]:
    """Hits of one rule (household_id, person_id, evidence JSON) as an Arrow table, or an error message.
    ``open_known``: the table ``open_alerts`` (rule code, subject) is loaded, and a column ``is_open`` says
    which hits already have an open alert (they are counted, not written again)."""
    try:
        compiled = rules.rule_compile_condition(
            rule.condition, rule.subject, as_of, known_params=engine.KNOWN_PARAMS
        )
        engine.place_params_load(con, compiled.params, cache)
    except RuleProblem as problem:
        return None, "规则无法编译：" + "；".join(problem.problems)
    except ParameterMissing as missing:
        return None, missing.message
    is_open = ""
    if open_known:
        code = rule.code.replace("'", "''")
        is_open = (
            ", EXISTS (SELECT 1 FROM open_alerts o WHERE o.rule_code = '" + code + "' AND o.subject_key = "
            "CASE WHEN hits.person_id IS NULL THEN 'h:' || hits.household_id ELSE 'p:' || hits.person_id END)"
            " AS is_open"
        )
    sql = f"SELECT household_id, person_id, {evidence_sql(compiled)} AS evidence{is_open} FROM ({compiled.sql}) hits"
    return con.sql(sql).to_arrow_table(), ""


def monitoring_run(
    *,
    actor: User | None,
    as_of: dt.date | None = None,
    division_prefix: str = "",
    kind: str = "manual",
    job_id: int | None = None,
) -> MonitoringRun:
    """One monitoring run: refresh matching and the population, snapshot into DuckDB, evaluate every
    published rule, write the new alerts of all rules in one statement and one transaction (a run that dies
    writes nothing, the next one writes them), escalate overdue ones. Progress shows per rule evaluated; the
    run row keeps counts and timing per rule (the evaluation's; the write is in the phase "rules")."""
    capability_require(actor, Capability.MONITOR)
    today = timezone.localdate()
    as_of = as_of or today
    prefix = division_prefix or (actor.scope_prefix or "" if actor is not None else "")
    monitoring_parameters_load()
    rule_builtin_load()
    published = list(
        WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED)
        .exclude(condition__has_key="external")  # outside alert kinds (services.external) are not evaluated
        .order_by("code")
    )
    run = MonitoringRun.objects.create(
        kind=kind, as_of=as_of, division_code=prefix, job_id=job_id, started_by=actor
    )
    started = time.perf_counter()
    total = len(published) + 2

    def progress(done: int, message: str) -> None:
        if job_id is not None:
            job_progress(job_id=job_id, done=done, total=total, message=message)

    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 3)
        mark = now

    try:
        feed_records_match()
        phase("match")
        population_refresh(today=today)
        phase("population")
        con = duck()
        feeds = rules.feeds_read([(r.condition, r.subject) for r in published], as_of)
        counts = engine.snapshot_build(
            con, as_of=as_of, division_prefix=prefix, feeds=feeds, open_alerts=True
        )
        phase("snapshot")
        progress(
            1,
            f"已载入 {counts['persons']} 人、{counts['households']} 户和 {counts['feed_records']} 条部门数据",
        )
        cache = engine.ParamsCache(con, as_of)
        evaluated: list[tuple[WarningRule, int, Any, int, str]] = []  # rule, hits, new ones, ms, error
        for n, rule in enumerate(published, start=2):
            begun = time.perf_counter()
            hits, error = rule_evaluate(con, rule, as_of, cache, open_known=True)
            count = hits.num_rows if hits is not None else 0
            fresh = hits.filter(pc.invert(hits.column("is_open"))) if hits is not None and count else None
            ms = int((time.perf_counter() - begun) * 1000)
            evaluated.append((rule, count, fresh, ms, error))
            unknown = fresh.num_rows if fresh is not None else 0
            progress(n, f"规则“{rule.title}”：命中 {count}，待写入新预警 {unknown}")
        con.close()  # DuckDB's memory is given back before the alerts are written
        # every rule's new alerts in one statement and one transaction: a run killed mid-way wrote none,
        # and the next run writes them all once (the open-alert unique index guards a concurrent run)
        with transaction.atomic():
            new = alerts_insert_many(
                run, [(rule, fresh) for rule, _, fresh, _, _ in evaluated if fresh is not None], today, 0
            )
            RunRuleStat.objects.bulk_create(
                RunRuleStat(
                    run=run,
                    rule=rule,
                    hits=count,
                    alerts_new=new.get(rule.pk, 0),
                    alerts_duplicate=count - new.get(rule.pk, 0),
                    milliseconds=ms,
                    error=error[:500],
                )
                for rule, count, _, ms, error in evaluated
            )
        progress(total - 1, f"已写入新增预警 {sum(new.values())} 条")
        phase("rules")
        escalated = alerts_escalate(today=today)
        phase("escalate")
    except DomainError as error:
        run.phase_seconds = phases
        run_finish(
            run, time.perf_counter() - started, status=MonitoringRun.Status.FAILED, message=error.message
        )
        raise
    except Exception as error:
        run.phase_seconds = phases
        run_finish(
            run,
            time.perf_counter() - started,
            status=MonitoringRun.Status.FAILED,
            message=f"运行失败：{error}",
        )
        raise
    run.phase_seconds = phases
    stats = list(run.rule_stats.all())
    run.population, run.households = counts["persons"], counts["households"]
    run.hits = sum(s.hits for s in stats)
    run.alerts_new = sum(s.alerts_new for s in stats)
    run.alerts_duplicate = sum(s.alerts_duplicate for s in stats)
    run.escalated = escalated
    errors = [s for s in stats if s.error]
    message = f"{len(errors)} 条规则未能运行" if errors else ""
    run_finish(run, time.perf_counter() - started, status=MonitoringRun.Status.SUCCEEDED, message=message)
    event_record(
        actor=actor,
        verb="monitoring.run",
        object_type="monitoring.run",
        object_id=run.pk,
        division_code=prefix,
        summary=f"监测运行（{as_of}）：命中 {run.hits}，新增预警 {run.alerts_new}，超期上报 {escalated}",
    )
    return run


def run_finish(run: MonitoringRun, seconds: float, *, status: str, message: str = "") -> None:
    """Close a run (daily, national or Spark import) with its status, message and wall time."""
    run.status = status
    run.message = message[:500]
    run.finished_at = timezone.now()
    run.seconds = Decimal(f"{seconds:.3f}")
    run.save()


def alerts_escalate(*, today: dt.date | None = None) -> int:
    """Escalate every open alert past its response limit to the county of its division (one UPDATE, then
    one INSERT of the timeline rows). Idempotent: an escalated alert is not escalated again."""
    today = today or timezone.localdate()
    now = timezone.now()
    alert, division, events = Alert._meta.db_table, Division._meta.db_table, AlertEvent._meta.db_table
    open_statuses = [s.value for s in rules.OPEN_STATUSES]
    open_list = ", ".join("%s" for _ in open_statuses)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {alert} SET escalated_at = %s, escalated_to = (SELECT substr(d.code, 1, 6) || '000000' "
            f"FROM {division} d WHERE d.id = {alert}.division_id) "
            f"WHERE status IN ({open_list}) AND due_on < %s AND escalated_at IS NULL",
            [now, *open_statuses, today],
        )
        count = cursor.rowcount
        if count:
            cursor.execute(
                f"INSERT INTO {events} (alert_id, at, code, from_status, to_status, message, basis) "
                f"SELECT id, %s, 'escalate', status, status, '超过响应时限未办结，已上报旗县（市、区）民政部门', %s "
                f"FROM {alert} WHERE escalated_at = %s",
                [now, f"{rules.BASIS_39}§三(四)", now],
            )
    return int(count)


def runs_interrupted_close() -> int:
    """Close as failed every run still marked running whose job failed (its worker died and the job was
    reaped, or the task failed before the run could record it). One UPDATE; idempotent."""
    return MonitoringRun.objects.filter(
        status=MonitoringRun.Status.RUNNING, job__status=Job.Status.FAILED
    ).update(status=MonitoringRun.Status.FAILED, message=INTERRUPTED, finished_at=timezone.now())


def runs_live_scopes() -> list[str]:
    """Division prefixes of the runs that are really going on: a job queued or running with a fresh
    heartbeat (dead jobs are reaped first), a run still marked running whose job did not fail, and a run
    without a job (scheduled) started less than ``RUN_STALE_HOURS`` ago."""
    jobs_reap()
    runs_interrupted_close()
    live_jobs = Job.objects.filter(kind=RUN_JOB, status__in=(Job.Status.QUEUED, Job.Status.RUNNING))
    scopes = [
        str((p or {}).get("division_prefix", "")) for p in live_jobs.values_list("parameters", flat=True)
    ]
    running = MonitoringRun.objects.filter(status=MonitoringRun.Status.RUNNING)  # those of dead jobs closed
    recent = timezone.now() - dt.timedelta(hours=RUN_STALE_HOURS)
    without_job = running.filter(job__isnull=True, started_at__gte=recent)
    return [
        *scopes,
        *running.filter(job__isnull=False).values_list("division_code", flat=True),
        *without_job.values_list("division_code", flat=True),
    ]


def monitoring_run_start(*, actor: User) -> Job:
    """Start a manual run over the actor's jurisdiction in the background (progress bar). Refused while
    a live run covering an overlapping jurisdiction is queued or running (``runs_live_scopes``): alerts
    would be the same. A run whose worker died no longer blocks once its heartbeat is stale."""
    from minzheng.monitoring.tasks import monitoring_run_task  # noqa: PLC0415 - tasks import services

    capability_require(actor, Capability.IMPORT_FEEDS)
    prefix = actor.scope_prefix or ""
    if any(theirs.startswith(prefix) or prefix.startswith(theirs) for theirs in runs_live_scopes()):
        raise Conflict("已有监测运行正在进行（覆盖您的辖区），请等它完成后再运行")
    job = job_create(
        actor=actor,
        kind=RUN_JOB,
        title="动态监测预警运行",
        total=WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED)
        .exclude(condition__has_key="external")
        .count()
        + 2,
        parameters={"division_prefix": prefix},
    )
    job_enqueue(monitoring_run_task, job, user_id=actor.pk, division_prefix=prefix)
    return job
