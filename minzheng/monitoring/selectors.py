"""Reads of 动态监测预警 (issue 6 §5): the alert list with filters, one alert with its timeline, the
dashboard figures, feed batches, runs and rules. Alerts are always read through
``Alert.objects.visible_to(actor)``: another county's alert does not exist for the user (404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy

from minzheng.accounts.models import User
from minzheng.catalogue.programmes import label as programme_label
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.models import Job
from minzheng.common.selectors import job_get
from minzheng.divisions.models import Division
from minzheng.divisions.rules import PREFIX_LENGTH, Level
from minzheng.enrolments.models import Enrolment
from minzheng.monitoring import rules
from minzheng.monitoring.models import (
    OPEN,
    Alert,
    AlertEvent,
    FeedBatch,
    FeedRecord,
    MonitoredPerson,
    MonitoringRun,
    Referral,
    ReviewSchedule,
    WarningRule,
)

ALERT_SORTS: dict[str, tuple[Any, ...]] = {
    "due": ("due_on", "id"),
    "-due": ("-due_on", "-id"),
    "raised": ("raised_on", "id"),
    "-raised": ("-raised_on", "-id"),
    "severity": ("severity", "due_on", "id"),  # orange < red < yellow alphabetically: see SEVERITY_ORDER
    "number": ("number",),
}
DEFAULT_SORT = "due"
AGE_BUCKETS = (
    (0, 3, gettext_lazy("3天内")), (4, 7, gettext_lazy("4–7天")), (8, 30, gettext_lazy("8–30天")),
    (31, None, gettext_lazy("30天以上")),
)  # fmt: skip


def _require(actor: User, capability: Capability = Capability.MONITOR) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权查看动态监测预警")


@dataclass(frozen=True)
class AlertFilters:
    status: str = ""  # a status, or "open"
    severity: str = ""
    rule: str = ""
    division: str = ""  # code prefix within the user's jurisdiction
    overdue: bool = False
    escalated: bool = False
    number: str = ""
    raised_from: dt.date | None = None
    raised_to: dt.date | None = None
    sort: str = DEFAULT_SORT


def alert_list(*, actor: User, filters: AlertFilters) -> QuerySet[Alert]:
    _require(actor)
    queryset = Alert.objects.visible_to(actor, within=filters.division).select_related(
        "rule", "division", "household__head", "person"
    )
    if filters.status == "open":
        queryset = queryset.filter(OPEN)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
    if filters.rule:
        queryset = queryset.filter(rule_code=filters.rule)
    if filters.overdue:
        queryset = queryset.filter(OPEN, due_on__lt=timezone.localdate())
    if filters.escalated:
        queryset = queryset.filter(escalated_at__isnull=False)
    if filters.number:
        queryset = queryset.filter(number__startswith=filters.number.strip())
    if filters.raised_from:
        queryset = queryset.filter(raised_on__gte=filters.raised_from)
    if filters.raised_to:
        queryset = queryset.filter(raised_on__lte=filters.raised_to)
    return queryset.order_by(*ALERT_SORTS.get(filters.sort, ALERT_SORTS[DEFAULT_SORT]))


@dataclass(frozen=True)
class AlertDetail:
    alert: Alert
    events: list[AlertEvent]
    referrals: list[Referral]
    reviews: list[ReviewSchedule]
    transitions: list[rules.AlertTransition]
    evidence: list[tuple[str, Any]]


def alert_get(*, actor: User, pk: int) -> Alert:
    _require(actor)
    alert = (
        Alert.objects.visible_to(actor)
        .select_related(
            "rule", "division", "household__head", "household__hukou_division", "person", "application"
        )
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise NotFound("预警不存在或不在您的管辖范围内")
    return alert


def alert_detail(*, actor: User, pk: int) -> AlertDetail:
    alert = alert_get(actor=actor, pk=pk)
    return AlertDetail(
        alert=alert,
        events=list(alert.events.select_related("actor")),
        referrals=list(alert.referrals.select_related("referred_by", "feedback_by").order_by("id")),
        reviews=list(alert.reviews.select_related("scheduled_by").order_by("review_on")),
        transitions=rules.alert_transitions_from(alert.status),
        evidence=sorted((alert.evidence or {}).items()),
    )


def rule_choices() -> list[tuple[str, str]]:
    rows = (
        WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED)
        .order_by("code")
        .values_list("code", "title")
    )
    return [(code, title) for code, title in rows]


def division_filter_choices(*, actor: User) -> list[tuple[str, str]]:
    """The user's division and the divisions below it down to townships, as (prefix, name)."""
    own = actor.division
    if own is None:
        return []
    rows = Division.objects.visible_to(actor).filter(level__lte=Level.TOWNSHIP, abolished_on__isnull=True)
    return [(d.short_code, f"{'　' * (d.level - own.level)}{d.name}") for d in rows.order_by("code")[:500]]


# --- dashboard ------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    by_division: list[dict[str, Any]] = field(default_factory=list)
    by_rule: list[dict[str, Any]] = field(default_factory=list)
    by_severity: list[dict[str, Any]] = field(default_factory=list)
    by_age: list[dict[str, Any]] = field(default_factory=list)
    by_status: list[dict[str, Any]] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    population_total: int = 0


def _child_width(actor: User) -> int:
    own = actor.division
    level = own.level if own is not None else Level.REGION
    return PREFIX_LENGTH[min(level + 1, Level.VILLAGE)]


def dashboard(*, actor: User, today: dt.date | None = None) -> Dashboard:
    """Alerts by division (one level below the user's), rule, level, status and age; response times; and
    coverage of the monitored population by category and programme received (一户一条救助链)."""
    _require(actor)
    today = today or timezone.localdate()
    alerts = Alert.objects.visible_to(actor)
    board = Dashboard()
    width = _child_width(actor)
    counted = (
        alerts.annotate(prefix=Substr("division__code", 1, width))
        .values("prefix")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=OPEN),
            overdue=Count("id", filter=OPEN & Q(due_on__lt=today)),
            red=Count("id", filter=OPEN & Q(severity="red")),
        )
    )
    by_prefix = {row["prefix"]: row for row in counted}
    own = actor.division
    children = Division.objects.visible_to(actor).filter(parent=own).order_by("code") if own else []
    for child in children:
        row: dict[str, Any] = dict(by_prefix.get(child.code[:width], {}))
        board.by_division.append(
            {
                "code": child.code,
                "prefix": child.code[:width],
                "name": child.name,
                "total": row.get("total", 0),
                "open": row.get("open", 0),
                "overdue": row.get("overdue", 0),
                "red": row.get("red", 0),
            }
        )
    titles = dict(WarningRule.objects.values_list("code", "title"))
    for rule_row in (
        alerts.values("rule_code")
        .annotate(total=Count("id"), open=Count("id", filter=OPEN))
        .order_by("rule_code")
    ):
        board.by_rule.append(
            {
                "code": rule_row["rule_code"],
                "title": titles.get(rule_row["rule_code"], rule_row["rule_code"]),
                "total": rule_row["total"],
                "open": rule_row["open"],
            }
        )
    severities = dict(alerts.filter(OPEN).values_list("severity").annotate(n=Count("id")))
    board.by_severity = [
        {"code": s.value, "label": rules.SEVERITY_LABELS[s], "open": severities.get(s.value, 0)}
        for s in rules.Severity
    ]
    statuses = dict(alerts.values_list("status").annotate(n=Count("id")))
    board.by_status = [
        {"code": s.value, "label": rules.ALERT_STATUS_LABELS[s], "count": statuses.get(s.value, 0)}
        for s in rules.AlertStatus
    ]
    for low, high, label in AGE_BUCKETS:
        window = Q(raised_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            window &= Q(raised_on__gte=today - dt.timedelta(days=high))
        board.by_age.append({"label": label, "open": alerts.filter(OPEN).filter(window).count()})
    board.response = _response_times(alerts)
    board.coverage, board.population_total = _coverage(actor, today)
    return board


def _response_times(alerts: QuerySet[Alert]) -> dict[str, Any]:
    responded = alerts.filter(responded_at__isnull=False)
    first = responded.aggregate(
        avg=Avg(ExpressionWrapper(F("responded_at") - F("created_at"), output_field=DurationField()))
    )["avg"]
    closed = alerts.filter(closed_at__isnull=False).aggregate(
        avg=Avg(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()))
    )["avg"]
    late = alerts.filter(escalated_at__isnull=False).count()
    hours = {
        k: round(v.total_seconds() / 3600, 1) if v is not None else None
        for k, v in (("first", first), ("close", closed))
    }
    return {
        "first_hours": hours["first"],
        "close_hours": hours["close"],
        "responded": responded.count(),
        "escalated": late,
    }


def _coverage(actor: User, today: dt.date) -> tuple[list[dict[str, Any]], int]:
    """Per category: persons monitored, and how many of them receive each programme (active enrolment of
    the person or of the household)."""
    current = MonitoredPerson.objects.visible_to(actor).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=today), valid_from__lte=today
    )
    enrolled = Enrolment.objects.filter(status="active")
    programmes = sorted(set(enrolled.values_list("programme", flat=True)))
    rows = []
    for category, label in rules.CATEGORY_LABELS.items():
        persons = current.filter(category=category.value)
        row: dict[str, Any] = {
            "category": category.value,
            "label": label,
            "persons": persons.values("person").distinct().count(),
        }
        row["programmes"] = [
            {
                "programme": programme,
                "label": programme_label(programme),
                "persons": persons.filter(
                    Q(
                        household__enrolments__programme=programme,
                        household__enrolments__status="active",
                        household__enrolments__person__isnull=True,
                    )
                    | Q(person__enrolments__programme=programme, person__enrolments__status="active")
                )
                .values("person")
                .distinct()
                .count(),
            }
            for programme in programmes
        ]
        rows.append(row)
    total = current.values("person").distinct().count()
    return rows, total


# --- feeds, runs, rules --------------------------------------------------------------------------------


def feed_batch_list(*, actor: User) -> QuerySet[FeedBatch]:
    """Batches imported within the user's jurisdiction (ADR 0006): a county sees its own imports, the
    region everything; their unmatched rows carry masked ID numbers only."""
    _require(actor, Capability.IMPORT_FEEDS)
    prefix = actor.scope_prefix
    if prefix is None:
        return FeedBatch.objects.none()
    return (
        FeedBatch.objects.filter(imported_by__division__code__startswith=prefix)
        .select_related("imported_by")
        .order_by("-imported_at", "-id")
    )


def feed_batch_get(*, actor: User, pk: int) -> FeedBatch:
    batch = feed_batch_list(actor=actor).filter(pk=pk).first()
    if batch is None:
        raise NotFound("部门数据批次不存在")
    return batch


def feed_batch_unmatched(*, actor: User, batch: FeedBatch, limit: int = 1000) -> list[FeedRecord]:
    """Rows of the batch without a registered person (masked ID numbers only)."""
    batch = feed_batch_get(actor=actor, pk=batch.pk)
    return list(FeedRecord.objects.filter(batch=batch, person__isnull=True).order_by("row_number")[:limit])


def run_list(*, actor: User) -> QuerySet[MonitoringRun]:
    """Runs the user may see (counts and timing only, no personal data): those over the user's
    jurisdiction or part of it, and those over a wider area that covered it (the daily run of the whole
    installation, a league's or the region's manual run). A region user sees every run."""
    _require(actor)
    prefix = actor.scope_prefix
    if not prefix:
        return MonitoringRun.objects.none()
    wider = [""] + [prefix[:n] for n in PREFIX_LENGTH.values() if n < len(prefix)]
    return (
        MonitoringRun.objects.filter(Q(division_code__startswith=prefix) | Q(division_code__in=wider))
        .select_related("started_by")
        .prefetch_related("rule_stats__rule")
    )


@dataclass(frozen=True)
class RunRow:
    run: MonitoringRun
    scope: str  # the area the run covered
    alerts_new_here: int  # new alerts of the run within the user's jurisdiction
    phases: list[tuple[str, Any]]  # (step label, seconds)


PHASES = list(rules.RUN_PHASE_LABELS.items())


def run_rows(*, actor: User, runs: list[MonitoringRun]) -> list[RunRow]:
    """The page's runs with the name of the area each covered and its new alerts in the user's
    jurisdiction (one grouped count over the scoped alerts)."""
    here = dict(
        Alert.objects.visible_to(actor)
        .filter(run_id__in=[r.pk for r in runs])
        .values_list("run_id")
        .annotate(n=Count("id"))
    )
    codes = {r.division_code.ljust(12, "0") for r in runs if r.division_code}
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        RunRow(
            run,
            names.get(run.division_code.ljust(12, "0"), run.division_code) if run.division_code else "全部",
            here.get(run.pk, 0),
            [(label, run.phase_seconds[k]) for k, label in PHASES if k in run.phase_seconds],
        )
        for run in runs
    ]


def run_job_get(*, actor: User, job_id: int) -> tuple[Job, MonitoringRun | None]:
    """A manual run's job (only its starter sees it, as every job) and the run once it has begun."""
    _require(actor)
    job = job_get(actor=actor, job_id=job_id)
    if job.kind != rules.RUN_JOB_KIND:
        raise NotFound("任务不存在或不是您发起的")
    return job, MonitoringRun.objects.filter(job_id=job.pk).prefetch_related("rule_stats__rule").first()


def rule_preview_job(*, rule: WarningRule) -> Job | None:
    """The latest preview job of a rule (progress and failure message are shown to everyone who sees
    the rule: they carry counts only)."""
    jobs = Job.objects.filter(kind=rules.PREVIEW_JOB_KIND, parameters__rule_id=rule.pk)
    return jobs.order_by("-id").first()


def rule_list() -> QuerySet[WarningRule]:
    return WarningRule.objects.select_related("created_by").order_by("code", "-version")


def rule_get(*, pk: int) -> WarningRule:
    rule = WarningRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound("预警规则不存在")
    return rule
