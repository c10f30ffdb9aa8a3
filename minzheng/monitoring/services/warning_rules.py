"""Warning rules as data (ADR 0019): drafts checked by the condition compiler, a preview of whom a draft
would flag over the whole population (a background job), and publication, refused above
``monitoring.max_flag_share``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.benefits.columnar import duck
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound
from minzheng.common.models import Job
from minzheng.common.services import ACTIVE_STATUSES, job_create, job_enqueue, job_progress, jobs_reap
from minzheng.monitoring import engine, rules
from minzheng.monitoring.models import WarningRule
from minzheng.monitoring.rules import Subject
from minzheng.monitoring.services.common import REGION, RuleInvalid, capability_require
from minzheng.monitoring.services.population import monitoring_parameters_load
from minzheng.monitoring.services.runs import rule_evaluate
from minzheng.policy.selectors import parameter_value

PREVIEW_JOB = rules.PREVIEW_JOB_KIND


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
    if not rules.CODE_RE.match(data.code):
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
    capability_require(actor, Capability.MANAGE_ALERT_RULES)
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
    capability_require(actor, Capability.MANAGE_ALERT_RULES)
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

    capability_require(actor, Capability.MANAGE_ALERT_RULES)
    rule = WarningRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("预警规则不存在")
    if rule.status != WarningRule.Status.DRAFT:
        raise RuleInvalid("只有草稿需要预览", field="status")
    jobs_reap()  # a preview whose worker died must not block the rule forever (ADR 0010)
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


@transaction.atomic
def rule_publish(*, actor: User, rule_id: int) -> WarningRule:
    """Publish a previewed draft; the published version of the code is retired. Refused when the preview
    flags more than ``monitoring.max_flag_share`` of the population (a rule that flags everyone is wrong)."""
    capability_require(actor, Capability.MANAGE_ALERT_RULES)
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
            f"预览命中 {rule.preview_count} / {rule.preview_population}（{percent:.2f}%），"
            f"超过允许的最高比例 {share * 100:.2f}%（参数 monitoring.max_flag_share），请收紧条件后重新预览",
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
