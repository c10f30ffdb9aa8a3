"""Writes of 动态监测预警 (issue 6): the monitored population refresh, monitoring runs (alerts written
set-based, deduplicated by the open-alert unique index), escalation, the alert closed loop (one service
per transition of ``rules.ALERT_TRANSITIONS``) and warning-rule editing with preview and publication.

Every transition locks the alert (``select_for_update``), compares the status the user saw and writes the
alert's timeline row and an audit event in the same transaction.
"""
# ruff: noqa: S608, E501 - SQL statements are kept whole for reading; SQL from model table names and enum constants; values are bound parameters

from __future__ import annotations

import datetime as dt
import io
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.services import ApplicationData, application_create
from minzheng.audit.services import event_record
from minzheng.benefits.columnar import duck
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.models import Job
from minzheng.common.selectors import working_calendar
from minzheng.common.services import ACTIVE_STATUSES, job_create, job_enqueue, job_progress
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment
from minzheng.monitoring import engine, rules
from minzheng.monitoring.feeds import feed_records_match
from minzheng.monitoring.models import (
    Alert,
    AlertEvent,
    FeedRecord,
    MonitoredPerson,
    MonitoringRun,
    Referral,
    ReviewSchedule,
    RunRuleStat,
    WarningRule,
)
from minzheng.monitoring.rules import AlertStatus, RuleProblem, Subject
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.selectors import parameter_value
from minzheng.registry.models import Household, Membership, Person

BUILTIN_PARAMETERS = Path(__file__).with_name("builtin_parameters.json")
REGION = "150000000000"


class RuleInvalid(ValidationFailed):
    code = "rule_invalid"


class AlertTransitionRefused(Conflict):
    code = "alert_transition_refused"


def _require(actor: User | None, capability: Capability) -> None:
    if actor is not None and not actor.can(capability):
        raise PermissionDenied("您的角色无权执行此操作")


# --- set-up: built-in thresholds and rules ------------------------------------------------------------


def monitoring_parameters_load() -> int:
    """Load the built-in warning thresholds (``builtin_parameters.json``, all unconfirmed local figures)
    into the policy store; only (key, division, urban/rural) chains without any version are filled, so
    a deployment's own figures are never overwritten. Needs the region division; returns rows created."""
    from minzheng.policy.services import parameter_import

    if not Division.objects.filter(code=REGION).exists():
        return 0
    text = BUILTIN_PARAMETERS.read_text(encoding="utf-8")
    return parameter_import(actor=None, text=text, skip_existing_chains=True).created


def rule_builtin_load() -> int:
    """Publish version 1 of every built-in rule whose code has no version yet (idempotent)."""
    existing = set(WarningRule.objects.values_list("code", flat=True))
    now = timezone.now()
    created = [
        WarningRule(
            code=d.code,
            version=1,
            title=d.title,
            category=d.category,
            severity=d.severity.value,
            subject=d.subject.value,
            response_days=d.response_days,
            condition=dict(d.condition),
            basis=d.basis,
            disposal=d.disposal,
            status=WarningRule.Status.PUBLISHED,
            published_at=now,
        )
        for d in rules.BUILTIN_RULES
        if d.code not in existing
    ]
    WarningRule.objects.bulk_create(created, ignore_conflicts=True)
    return len(created)


# --- monitored population --------------------------------------------------------------------------------


def population_refresh(*, today: dt.date | None = None) -> tuple[int, int]:
    """Derive the categories that data can tell (active enrolments of 低保, 特困, 低保边缘, 刚性支出; the
    农业农村 防返贫 list) and bring ``MonitoredPerson`` in line set-based: close rows no longer derived,
    open the new ones. Manually entered rows (source ``manual``) are left alone. Returns (opened, closed)."""
    today = today or timezone.localdate()
    mp, e = MonitoredPerson._meta.db_table, Enrolment._meta.db_table
    m, p, f = Membership._meta.db_table, Person._meta.db_table, FeedRecord._meta.db_table
    cases = " ".join(f"WHEN '{prog}' THEN '{cat.value}'" for prog, cat in rules.PROGRAMME_CATEGORY.items())
    programmes = ", ".join(f"'{prog}'" for prog in rules.PROGRAMME_CATEGORY)
    derived = (
        f"SELECT m.person_id, e.household_id, CASE e.programme {cases} END AS category, "
        f"'enrolment:' || e.programme AS source FROM {e} e JOIN {m} m ON m.household_id = e.household_id "
        f"AND m.left_on IS NULL WHERE e.status = 'active' AND e.person_id IS NULL AND e.programme IN ({programmes}) "
        f"UNION SELECT e.person_id, e.household_id, CASE e.programme {cases} END, 'enrolment:' || e.programme "
        f"FROM {e} e WHERE e.status = 'active' AND e.person_id IS NOT NULL AND e.programme IN ({programmes}) "
        f"UNION SELECT DISTINCT f.person_id, p.household_id, '{rules.Category.RETURN_TO_POVERTY_WATCH.value}', "
        f"'feed:return_to_poverty_watch' FROM {f} f JOIN {p} p ON p.id = f.person_id "
        f"WHERE f.feed = 'return_to_poverty_watch' AND p.household_id IS NOT NULL"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the de-duplicating sort of ~500,000 rows stays in memory
            cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(
            f"UPDATE {mp} SET valid_to = %s WHERE valid_to IS NULL AND source <> 'manual' AND NOT EXISTS "
            f"(SELECT 1 FROM ({derived}) d WHERE d.person_id = {mp}.person_id AND d.category = {mp}.category "
            f"AND d.source = {mp}.source)",
            [today],
        )
        closed = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {mp} (person_id, household_id, category, source, valid_from) "
            f"SELECT d.person_id, d.household_id, d.category, d.source, %s FROM ({derived}) d WHERE NOT EXISTS "
            f"(SELECT 1 FROM {mp} x WHERE x.person_id = d.person_id AND x.category = d.category "
            f"AND x.source = d.source AND x.valid_to IS NULL)",
            [today],
        )
        opened = cursor.rowcount
    return opened, closed


# --- runs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleOutcome:
    hits: int
    new: int
    milliseconds: int
    error: str = ""


def _evidence_sql(compiled: rules.CompiledRule) -> str:
    parts = ", ".join(
        f"'{label.replace(chr(39), chr(39) * 2)}', e{n}" for n, label in enumerate(compiled.evidence_labels)
    )
    return f"CAST(json_object({parts}) AS VARCHAR)" if parts else "'{}'"


def _alerts_insert(run: MonitoringRun, rule: WarningRule, hits: Any, raised_on: dt.date, offset: int) -> int:
    """Write the rule's hits (household_id, person_id, evidence) as alerts numbered from ``offset`` + 1 in
    one ``INSERT … SELECT``; a subject that already has an open alert of the same rule is skipped by the
    partial unique index (``ON CONFLICT … DO NOTHING``). PostgreSQL stages them with ``COPY`` of the
    Arrow table written as CSV (no Python object per alert)."""
    due = due_date(raised_on, WorkingDays(rule.response_days), working_calendar())
    alert, household = Alert._meta.db_table, Household._meta.db_table
    open_list = ", ".join(f"'{s}'" for s in sorted(s.value for s in rules.OPEN_STATUSES))
    staged = pa.table(
        {
            "seq": pa.array(range(offset + 1, offset + hits.num_rows + 1), pa.int64()),
            "household_id": hits.column("household_id"),
            "person_id": hits.column("person_id"),
            "evidence": hits.column("evidence"),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS alert_stage")
        cursor.execute(
            "CREATE TEMP TABLE alert_stage (seq integer, household_id bigint, person_id bigint, evidence text)"
        )
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            pacsv.write_csv(staged, buffer, pacsv.WriteOptions(include_header=False))
            with cursor.cursor.copy(
                "COPY alert_stage (seq, household_id, person_id, evidence) FROM STDIN (FORMAT CSV)"
            ) as copy:
                copy.write(buffer.getbuffer())
        else:
            rows = staged.to_pylist()
            cursor.executemany(
                "INSERT INTO alert_stage VALUES (%s, %s, %s, %s)",
                [(r["seq"], r["household_id"], r["person_id"], r["evidence"]) for r in rows],
            )
        evidence = "s.evidence::jsonb" if connection.vendor == "postgresql" else "s.evidence"
        subject = "CASE WHEN s.person_id IS NULL THEN 'h:' || s.household_id ELSE 'p:' || s.person_id END"
        cursor.execute(
            f"INSERT INTO {alert} (number, rule_id, rule_code, rule_version, severity, subject_key, household_id, "
            f"person_id, division_id, run_id, evidence, status, raised_on, due_on, due_provisional, escalated_to, "
            f"reason, created_at) SELECT %s || s.seq, %s, %s, %s, %s, {subject}, s.household_id, s.person_id, "
            f"h.hukou_division_id, %s, {evidence}, 'pushed', %s, %s, %s, '', '', %s "
            f"FROM alert_stage s JOIN {household} h ON h.id = s.household_id ORDER BY s.seq "
            f"ON CONFLICT (rule_code, subject_key) WHERE status IN ({open_list}) DO NOTHING",
            [
                f"YJ{run.pk}-",
                rule.pk,
                rule.code,
                rule.version,
                rule.severity,
                run.pk,
                raised_on,
                due.due_on,
                due.provisional,
                timezone.now(),
            ],
        )
        new = cursor.rowcount
        cursor.execute("DROP TABLE alert_stage")
    return int(new)


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
    sql = f"SELECT household_id, person_id, {_evidence_sql(compiled)} AS evidence{is_open} FROM ({compiled.sql}) hits"
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
    published rule, write new alerts, escalate overdue ones. Each rule's alerts are one transaction, so
    progress shows while the run goes on; the run row keeps counts and timing per rule."""
    _require(actor, Capability.MONITOR)
    today = timezone.localdate()
    as_of = as_of or today
    prefix = division_prefix or (actor.scope_prefix or "" if actor is not None else "")
    monitoring_parameters_load()
    rule_builtin_load()
    published = list(WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED).order_by("code"))
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
        counts = engine.snapshot_build(con, as_of=as_of, division_prefix=prefix, feeds=feeds)
        phase("snapshot")
        progress(
            1,
            f"已载入 {counts['persons']} 人、{counts['households']} 户和 {counts['feed_records']} 条部门数据",
        )
        engine.open_alerts_load(con)
        cache = engine.ParamsCache(con, as_of)
        offset = 0
        for n, rule in enumerate(published, start=2):
            begun = time.perf_counter()
            hits, error = rule_evaluate(con, rule, as_of, cache, open_known=True)
            count = hits.num_rows if hits is not None else 0
            new = 0
            if hits is not None and count:
                fresh = hits.filter(pc.invert(hits.column("is_open")))
                if fresh.num_rows:
                    with transaction.atomic():
                        new = _alerts_insert(run, rule, fresh, today, offset)
                    offset += fresh.num_rows
            RunRuleStat.objects.create(
                run=run,
                rule=rule,
                hits=count,
                alerts_new=new,
                alerts_duplicate=count - new,
                milliseconds=int((time.perf_counter() - begun) * 1000),
                error=error[:500],
            )
            progress(n, f"规则“{rule.title}”：命中 {count}，新增预警 {new}")
        con.close()
        phase("rules")
        escalated = alerts_escalate(today=today)
        phase("escalate")
    except DomainError as error:
        run.phase_seconds = phases
        _run_finish(run, started, status=MonitoringRun.Status.FAILED, message=error.message)
        raise
    except Exception as error:
        run.phase_seconds = phases
        _run_finish(run, started, status=MonitoringRun.Status.FAILED, message=f"运行失败：{error}")
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
    _run_finish(run, started, status=MonitoringRun.Status.SUCCEEDED, message=message)
    event_record(
        actor=actor,
        verb="monitoring.run",
        object_type="monitoring.run",
        object_id=run.pk,
        division_code=prefix,
        summary=f"监测运行（{as_of}）：命中 {run.hits}，新增预警 {run.alerts_new}，超期上报 {escalated}",
    )
    return run


def _run_finish(run: MonitoringRun, started: float, *, status: str, message: str) -> None:
    run.status = status
    run.message = message[:500]
    run.finished_at = timezone.now()
    run.seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    run.save()


def alerts_escalate(*, today: dt.date | None = None) -> int:
    """Escalate every open alert past its response limit to the county of its division (one UPDATE, then
    one INSERT of the timeline rows). Idempotent: an escalated alert is not escalated again."""
    today = today or timezone.localdate()
    now = timezone.now()
    alert, division, events = Alert._meta.db_table, Division._meta.db_table, AlertEvent._meta.db_table
    open_list = ", ".join(f"'{s.value}'" for s in rules.OPEN_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {alert} SET escalated_at = %s, escalated_to = (SELECT substr(d.code, 1, 6) || '000000' "
            f"FROM {division} d WHERE d.id = {alert}.division_id) "
            f"WHERE status IN ({open_list}) AND due_on < %s AND escalated_at IS NULL",
            [now, today],
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


# --- the closed loop ------------------------------------------------------------------------------------


def _alert_locked(actor: User, alert_id: int) -> Alert:
    _require(actor, Capability.MONITOR)
    alert = Alert.objects.visible_to(actor).select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("预警不存在或不在您的管辖范围内")
    return alert


def _timeline(
    alert: Alert,
    actor: User | None,
    code: str,
    message: str,
    *,
    from_status: str = "",
    to_status: str = "",
    basis: str = "",
) -> None:
    AlertEvent.objects.create(
        alert=alert,
        actor=actor,
        code=code,
        from_status=from_status,
        to_status=to_status,
        message=message[:500],
        basis=basis[:200],
    )
    event_record(
        actor=actor,
        verb=f"monitoring.alert_{code}",
        object_type="monitoring.alert",
        object_id=alert.pk,
        division_code=alert.division.code,
        summary=f"预警 {alert.number}：{message}"[:300],
    )


def _transition(actor: User, alert_id: int, code: str, expected_status: str, reason: str = "") -> Alert:
    alert = _alert_locked(actor, alert_id)
    if alert.status != expected_status:
        label = rules.ALERT_STATUS_LABELS[AlertStatus(alert.status)]
        raise AlertTransitionRefused(f"预警状态已变为“{label}”，请刷新后再办理", field="expected_status")
    transition = rules.alert_transition_for(alert.status, code)
    if transition is None:
        label = rules.ALERT_STATUS_LABELS[AlertStatus(alert.status)]
        raise AlertTransitionRefused(f"预警处于“{label}”状态，不能办理“{code}”")
    if transition.reason_required and not reason.strip():
        raise ValidationFailed(f"“{transition.label}”须填写说明", field="reason")
    if (
        code == "close"
        and alert.status == AlertStatus.REFERRED
        and alert.referrals.filter(feedback="").exists()
    ):
        raise ValidationFailed("转办部门尚未反馈，请先登记部门反馈再办结", field="reason")
    now = timezone.now()
    alert.status = transition.target.value
    if reason.strip():
        alert.reason = reason.strip()
    fields = ["status", "reason"]
    if alert.responded_at is None:
        alert.responded_at = now
        fields.append("responded_at")
    if transition.target == AlertStatus.CLOSED:
        alert.closed_at = now
        fields.append("closed_at")
    alert.save(update_fields=fields)
    _timeline(
        alert,
        actor,
        code,
        f"{transition.label}{'：' + reason.strip() if reason.strip() else ''}",
        from_status=transition.source.value,
        to_status=transition.target.value,
        basis=transition.basis,
    )
    return alert


@transaction.atomic
def alert_verify(*, actor: User, alert_id: int, expected_status: str) -> Alert:
    """已推送 → 核实中: the village or township starts verifying (国办发〔2023〕39号 §三(三))."""
    return _transition(actor, alert_id, "verify", expected_status)


@transaction.atomic
def alert_assist(*, actor: User, alert_id: int, expected_status: str, reason: str = "") -> Alert:
    """核实中 → 救助帮扶中 (§三(四)1–2: deliver the policy or start assistance)."""
    return _transition(actor, alert_id, "assist", expected_status, reason)


@transaction.atomic
def alert_dismiss(*, actor: User, alert_id: int, expected_status: str, reason: str) -> Alert:
    """核实中 → 核实排除, with the reason (the verification found no hardship or no change)."""
    return _transition(actor, alert_id, "dismiss", expected_status, reason)


@transaction.atomic
def alert_close(*, actor: User, alert_id: int, expected_status: str, reason: str = "") -> Alert:
    """→ 已办结. From 已转办 only once every referral has the department's feedback."""
    return _transition(actor, alert_id, "close", expected_status, reason)


@transaction.atomic
def alert_refer(*, actor: User, alert_id: int, expected_status: str, department: str, note: str) -> Referral:
    """核实中 → 已转办: push to the responsible department by hardship type (§三(四)2, 转办推送 §三(二))."""
    if department not in {d.value for d in rules.ReferralDepartment}:
        raise ValidationFailed(f"转办部门“{department}”无效", field="department")
    if not note.strip():
        raise ValidationFailed("请填写转办事项", field="note")
    alert = _transition(actor, alert_id, "refer", expected_status, note)
    return Referral.objects.create(
        alert=alert, department=department, note=note.strip()[:500], referred_by=actor
    )


@transaction.atomic
def referral_feedback_record(
    *, actor: User, referral_id: int, feedback: str, feedback_on: dt.date
) -> Referral:
    """The receiving department's feedback (一户（人）一条救助链, §三(二))."""
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("转办记录不存在")
    alert = _alert_locked(actor, referral.alert_id)
    if not feedback.strip():
        raise ValidationFailed("请填写部门反馈", field="feedback")
    if feedback_on > timezone.localdate():
        raise ValidationFailed("反馈日期不能晚于今天", field="feedback_on")
    referral.feedback, referral.feedback_on, referral.feedback_by = feedback.strip(), feedback_on, actor
    referral.save(update_fields=["feedback", "feedback_on", "feedback_by"])
    _timeline(alert, actor, "feedback", f"{referral.get_department_display()}反馈：{feedback.strip()}")
    return referral


@transaction.atomic
def alert_review_schedule(*, actor: User, alert_id: int, review_on: dt.date, note: str) -> ReviewSchedule:
    """Schedule a review of the household (e.g. within 3 months of a member's death)."""
    alert = _alert_locked(actor, alert_id)
    if alert.status not in {s.value for s in rules.OPEN_STATUSES}:
        raise AlertTransitionRefused("预警已办结或已排除，不能再安排复核")
    if review_on < timezone.localdate():
        raise ValidationFailed("复核日期不能早于今天", field="review_on")
    if not note.strip():
        raise ValidationFailed("请填写复核事项", field="note")
    review = ReviewSchedule.objects.create(
        alert=alert,
        household=alert.household,
        review_on=review_on,
        note=note.strip()[:300],
        scheduled_by=actor,
    )
    _timeline(alert, actor, "review", f"安排 {review_on} 复核：{note.strip()}")
    return review


@transaction.atomic
def alert_application_open(*, actor: User, alert_id: int, expected_status: str, workflow: str) -> Alert:
    """主动发现: open a proactive application for the alert's household through the applications app
    (channel ``proactive``, the alert as the source), then move the alert to 救助帮扶中 if it was being
    verified. The application rules (one open application per programme, roles) apply unchanged."""
    alert = _alert_locked(actor, alert_id)
    if alert.status != expected_status:
        raise AlertTransitionRefused("预警状态已变化，请刷新后再办理", field="expected_status")
    if alert.status not in (AlertStatus.VERIFYING, AlertStatus.ASSISTING):
        raise AlertTransitionRefused("请先开始核实，核实中或救助帮扶中的预警才能发起主动发现申请")
    if alert.application_id is not None:
        raise AlertTransitionRefused("该预警已发起过申请")
    household = alert.household
    person = alert.person
    applicant = (
        person
        if person is not None and person.death_date is None and person.household_id == household.pk
        else household.head
    )
    if applicant is None:
        raise ValidationFailed("该家庭没有户主，无法确定申请人", field="workflow")
    rule = alert.rule
    application = application_create(
        actor=actor,
        data=ApplicationData(
            workflow=workflow,
            household_id=household.pk,
            applicant_id=applicant.pk,
            channel="proactive",
            source_note=f"预警 {alert.number}：{rule.title}"[:200],
            hardship=rule.title if workflow.startswith("temporary") else "",
        ),
    )
    alert.application = application
    alert.save(update_fields=["application"])
    _timeline(alert, actor, "application", f"发起主动发现申请 {application.number}")
    if alert.status == AlertStatus.VERIFYING:
        _transition(actor, alert.pk, "assist", AlertStatus.VERIFYING, f"已发起申请 {application.number}")
    alert.refresh_from_db()
    return alert


# --- warning rules as data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleData:
    code: str
    title: str
    category: str
    severity: str
    subject: str
    response_days: int
    condition: Any
    basis: str
    disposal: str = ""


def _rule_check(data: RuleData) -> None:
    if not rules._CODE_RE.match(data.code):
        raise RuleInvalid("规则代码只能包含小写字母、数字和下划线（最多 40 个字符）", field="code")
    if not data.title.strip():
        raise RuleInvalid("请填写规则名称", field="title")
    if data.severity not in {s.value for s in rules.Severity}:
        raise RuleInvalid("预警等级应为红色、橙色或黄色", field="severity")
    if not 1 <= data.response_days <= 250:
        raise RuleInvalid("响应时限应为 1–250 个工作日", field="response_days")
    if not data.basis.strip():
        raise RuleInvalid("请填写规则依据", field="basis")
    problems = rules.condition_validate(data.condition, data.subject, known_params=engine.KNOWN_PARAMS)
    if problems:
        raise RuleInvalid("条件无法编译：" + "；".join(problems), field="condition")


@transaction.atomic
def rule_draft_save(*, actor: User, data: RuleData) -> WarningRule:
    """Save a new draft version of a rule (a new code or the next version of an existing one). It is
    not evaluated until previewed and published."""
    _require(actor, Capability.MANAGE_ALERT_RULES)
    _rule_check(data)
    latest = WarningRule.objects.select_for_update().filter(code=data.code).aggregate(v=Max("version"))["v"]
    rule = WarningRule.objects.create(
        code=data.code,
        version=(latest or 0) + 1,
        title=data.title.strip(),
        category=data.category.strip(),
        severity=data.severity,
        subject=data.subject,
        response_days=data.response_days,
        condition=data.condition,
        basis=data.basis.strip(),
        disposal=data.disposal.strip(),
        created_by=actor,
    )
    event_record(
        actor=actor,
        verb="monitoring.rule_drafted",
        object_type="monitoring.rule",
        object_id=rule.pk,
        summary=f"预警规则 {rule.code} v{rule.version} 草稿：{rule.title}",
    )
    return rule


PREVIEW_JOB, RUN_JOB = rules.PREVIEW_JOB_KIND, rules.RUN_JOB_KIND
RUN_STALE_HOURS = 3


def max_flag_share(today: dt.date | None = None) -> Decimal:
    """The largest share of the population a rule may flag and still be published
    (``monitoring.max_flag_share``, region level, effective-dated)."""
    return Decimal(
        str(parameter_value("monitoring.max_flag_share", REGION, today or timezone.localdate(), "").value)
    )


def rule_preview(
    *, actor: User, rule_id: int, as_of: dt.date | None = None, job_id: int | None = None
) -> WarningRule:
    """Count whom the rule would flag today over the whole population (no alert written). Reads the
    whole population, so pages start it as a background job (``rule_preview_start``) whose progress
    is reported to ``job_id``."""
    _require(actor, Capability.MANAGE_ALERT_RULES)
    rule = WarningRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("预警规则不存在")
    as_of = as_of or timezone.localdate()

    def progress(done: int, message: str) -> None:
        if job_id is not None:
            job_progress(job_id=job_id, done=done, total=2, message=message)

    monitoring_parameters_load()
    con = duck()
    try:
        feeds = rules.feeds_read([(rule.condition, rule.subject)], as_of)
        counts = engine.snapshot_build(con, as_of=as_of, division_prefix="", feeds=feeds)
        progress(
            1,
            f"已载入 {counts['persons']} 人、{counts['households']} 户和 {counts['feed_records']} 条部门数据",
        )
        hits, error = rule_evaluate(con, rule, as_of, engine.ParamsCache(con, as_of))
    finally:
        con.close()
    if hits is None:
        raise RuleInvalid(error, field="condition")
    population = counts["persons"] if rule.subject == Subject.PERSON else counts["households"]
    WarningRule.objects.filter(pk=rule.pk).update(
        preview_count=hits.num_rows, preview_population=population, previewed_at=timezone.now()
    )
    rule.refresh_from_db()
    progress(2, f"预览完成：命中 {rule.preview_count} / {population}")
    return rule


def _job_active(kind: str, **parameters: Any) -> Job | None:
    return (
        Job.objects.filter(
            kind=kind, status__in=ACTIVE_STATUSES, **{f"parameters__{k}": v for k, v in parameters.items()}
        )
        .order_by("-id")
        .first()
    )


def rule_preview_start(*, actor: User, rule_id: int) -> Job:
    """Start the preview of a draft in the background (a job with a progress bar on the rule's page).
    Refused while a preview of the same rule is still running."""
    from minzheng.monitoring.tasks import rule_preview_task  # noqa: PLC0415 - tasks import services

    _require(actor, Capability.MANAGE_ALERT_RULES)
    rule = WarningRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("预警规则不存在")
    if rule.status != WarningRule.Status.DRAFT:
        raise RuleInvalid("只有草稿需要预览", field="status")
    if _job_active(PREVIEW_JOB, rule_id=rule.pk) is not None:
        raise Conflict("该规则的预览正在进行，请稍候")
    job = job_create(
        actor=actor,
        kind=PREVIEW_JOB,
        title=f"预警规则预览：{rule.title}（{rule.code} v{rule.version}）",
        total=2,
        parameters={"rule_id": rule.pk},
    )
    job_enqueue(rule_preview_task, job, user_id=actor.pk, rule_id=rule.pk)
    return job


def monitoring_run_start(*, actor: User) -> Job:
    """Start a manual run over the actor's jurisdiction in the background (progress bar). Refused while
    a run covering an overlapping jurisdiction is queued or running: alerts would be the same."""
    from minzheng.monitoring.tasks import monitoring_run_task  # noqa: PLC0415 - tasks import services

    _require(actor, Capability.IMPORT_FEEDS)
    prefix = actor.scope_prefix or ""
    recent = timezone.now() - dt.timedelta(hours=RUN_STALE_HOURS)  # older: a run whose process died
    scopes = [
        str((job.parameters or {}).get("division_prefix", ""))
        for job in Job.objects.filter(kind=RUN_JOB, status__in=ACTIVE_STATUSES, created_at__gte=recent)
    ] + list(
        MonitoringRun.objects.filter(status=MonitoringRun.Status.RUNNING, started_at__gte=recent).values_list(
            "division_code", flat=True
        )
    )
    if any(theirs.startswith(prefix) or prefix.startswith(theirs) for theirs in scopes):
        raise Conflict("已有监测运行正在进行（覆盖您的辖区），请等它完成后再运行")
    job = job_create(
        actor=actor,
        kind=RUN_JOB,
        title="动态监测预警运行",
        total=WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED).count() + 2,
        parameters={"division_prefix": prefix},
    )
    job_enqueue(monitoring_run_task, job, user_id=actor.pk, division_prefix=prefix)
    return job


@transaction.atomic
def rule_publish(*, actor: User, rule_id: int) -> WarningRule:
    """Publish a previewed draft; the published version of the code is retired. Refused when the preview
    flags more than ``monitoring.max_flag_share`` of the population (a rule that flags everyone is wrong)."""
    _require(actor, Capability.MANAGE_ALERT_RULES)
    rule = WarningRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("预警规则不存在")
    if rule.status != WarningRule.Status.DRAFT:
        raise RuleInvalid("只有草稿可以发布", field="status")
    if rule.preview_count is None or not rule.preview_population:
        raise RuleInvalid("发布前须先预览命中人数", field="status")
    share = max_flag_share()
    if Decimal(rule.preview_count) > share * rule.preview_population:
        percent = Decimal(rule.preview_count * 100) / rule.preview_population
        raise RuleInvalid(
            f"预览命中 {rule.preview_count} / {rule.preview_population}（{percent:.2f}%），超过允许的最高比例 "
            f"{share * 100:.2f}%（参数 monitoring.max_flag_share），请收紧条件后重新预览",
            field="condition",
        )
    WarningRule.objects.filter(code=rule.code, status=WarningRule.Status.PUBLISHED).update(
        status=WarningRule.Status.RETIRED
    )
    rule.status, rule.published_at = WarningRule.Status.PUBLISHED, timezone.now()
    rule.save(update_fields=["status", "published_at"])
    event_record(
        actor=actor,
        verb="monitoring.rule_published",
        object_type="monitoring.rule",
        object_id=rule.pk,
        summary=f"发布预警规则 {rule.code} v{rule.version}（预览命中 {rule.preview_count}）",
    )
    return rule


def rule_data_from(rule: WarningRule) -> RuleData:
    return RuleData(
        rule.code,
        rule.title,
        rule.category,
        rule.severity,
        rule.subject,
        rule.response_days,
        rule.condition,
        rule.basis,
        rule.disposal,
    )


def condition_text(condition: Any) -> str:
    return json.dumps(condition, ensure_ascii=False, indent=2)
