"""低收入人口动态监测预警 (issue 6): the monitored population, department feeds, warning rules as data,
runs, alerts with their closed loop, referrals and scheduled reviews.

Feed rows are a narrow typed table (``FeedRecord``: feed, person, event date, amount, code, payload) so
every rule reads them columnar. Alerts are routed by the household's registration division
(``scope_path``) and deduplicated by a partial unique index: one open alert per rule and subject.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.monitoring.rules import (
    ALERT_STATUS_LABELS,
    CATEGORY_LABELS,
    OPEN_STATUSES,
    REFERRAL_LABELS,
    SEVERITY_LABELS,
    SUBJECT_LABELS,
)
from minzheng.registry.models import Household, Person

CATEGORY_CHOICES = [(k.value, v) for k, v in CATEGORY_LABELS.items()]
SEVERITY_CHOICES = [(k.value, v) for k, v in SEVERITY_LABELS.items()]
STATUS_CHOICES = [(k.value, v) for k, v in ALERT_STATUS_LABELS.items()]
REFERRAL_CHOICES = [(k.value, v) for k, v in REFERRAL_LABELS.items()]
SUBJECT_CHOICES = [(k.value, v) for k, v in SUBJECT_LABELS.items()]
OPEN = Q(status__in=sorted(s.value for s in OPEN_STATUSES))


class MonitoredPerson(models.Model):
    """One person in one of the six categories of 国办发〔2023〕39号 §二, from ``source``, over a validity."""

    scope_path = "household__hukou_division__code"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    category = models.CharField("低收入人口类别", max_length=32, choices=CATEGORY_CHOICES)
    source = models.CharField("来源", max_length=40)  # enrolment:<programme> / feed:<feed> / manual
    valid_from = models.DateField("纳入日期")
    valid_to = models.DateField("退出日期", null=True, blank=True)  # exclusive; null = current
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监测对象"
        verbose_name_plural = "监测对象"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category", "source"],
                condition=Q(valid_to__isnull=True),
                name="monitored_person_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category}"


class FeedBatch(models.Model):
    """One delivered file (or API call) of one feed: provenance and counts. Rejected files are kept with
    their row-level report and no records; a loaded file's content hash is unique per feed."""

    class Status(models.TextChoices):
        LOADED = "loaded", "已导入"
        REJECTED = "rejected", "已拒收"

    feed = models.CharField("部门数据", max_length=40)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("内容摘要（SHA-256）", max_length=64)
    channel = models.CharField("渠道", max_length=10, default="upload")  # upload / api / command
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_new = models.PositiveIntegerField("新增记录", default=0)
    rows_existing = models.PositiveIntegerField("已有记录", default=0)
    rows_matched = models.PositiveIntegerField("匹配到登记人员", default=0)
    rows_unmatched = models.PositiveIntegerField("未匹配", default=0)
    errors = models.JSONField("错误报告", default=list, blank=True)  # [{row, column, value, message}]
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "部门数据批次"
        verbose_name_plural = "部门数据批次"
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "sha256"], condition=Q(status="loaded"), name="feed_batch_content_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feed} {self.file_name}"


class FeedRecord(models.Model):
    """One department record. ``natural_key`` is a keyed hash of the feed's natural key columns (the ID
    number only through its blind index), so a record delivered again in another file is not stored
    twice. ``person`` is set by the matching step (blind index join) and null while unmatched."""

    # No database foreign keys on ``batch`` and ``person`` (issue 21): their check triggers fired once per row
    # at commit and locked every matched person's row — half of PostgreSQL's CPU for an import of these rows
    # (bench/feed_floor.py: 3.8 → 2.1 CPU-s per 200,000 rows). Both ids are written only by statements that
    # take them from the referenced table itself — the import's ``INSERT … SELECT`` (the batch it has just
    # created, the person by the join on the blind index) and ``feed_records_match`` (the same join) — and
    # neither batches nor persons are ever deleted; the ORM keeps ``PROTECT``.
    batch = models.ForeignKey(
        FeedBatch, on_delete=models.PROTECT, related_name="records", db_constraint=False, db_index=False
    )
    feed = models.CharField(max_length=40)
    natural_key = models.CharField(max_length=64)
    row_number = models.PositiveIntegerField()
    id_index = models.CharField(max_length=64)
    id_masked = models.CharField(max_length=18)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    event_date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    code = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "部门数据记录"
        verbose_name_plural = "部门数据记录"
        constraints = [
            models.UniqueConstraint(fields=["feed", "natural_key"], name="feed_record_natural_key_unique")
        ]
        # Every index is paid by every imported row (issue 21, bench/speed-monitoring.md session 12), so each
        # has a reader: ``person`` (its own index, from the foreign key) the 信息核对 joins of
        # ``departments.verification``; the unique key the import and ``population_refresh``'s ``feed = …``;
        # ``batch_unmatched`` both readers of unmatched rows — a batch's list (``feed_batch_unmatched``) and
        # ``feed_records_match``, which walks the few unmatched rows into the persons' unique blind index.
        # PostgreSQL only (monitoring 0008): a BRIN index on ``event_date`` for the monitoring run's windows
        # (``feed = … AND event_date > …``; records arrive month by month, so a block range spans a few
        # months) at a fraction of a btree's cost, and the "C" collation on ``feed`` and ``natural_key``.
        indexes = [
            models.Index(
                fields=["batch", "row_number"],
                name="feed_record_batch_unmatched",
                condition=Q(person__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feed} {self.row_number}"


class WarningRule(models.Model):
    """One version of a warning rule, declared as data (ADR 0019). Editing creates a draft version;
    publishing retires the published one. At most one published version per code."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        RETIRED = "retired", "已停用"

    code = models.CharField("规则代码", max_length=40)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("名称", max_length=100)
    category = models.CharField("预警类别", max_length=40)
    severity = models.CharField("预警等级", max_length=8, choices=SEVERITY_CHOICES)
    subject = models.CharField("预警对象", max_length=10, choices=SUBJECT_CHOICES)
    response_days = models.PositiveSmallIntegerField("响应时限（工作日）")
    condition = models.JSONField("条件")
    basis = models.CharField("依据", max_length=300)
    disposal = models.CharField("处置建议", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    preview_count = models.PositiveIntegerField("预览命中数", null=True, blank=True)
    preview_population = models.PositiveIntegerField("预览对象总数", null=True, blank=True)
    previewed_at = models.DateTimeField("预览时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="warning_rule_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="warning_rule_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class MonitoringRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "运行中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("方式", max_length=10)  # manual / scheduled
    as_of = models.DateField("监测日期")
    division_code = models.CharField("范围", max_length=12)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    population = models.PositiveIntegerField("监测人数", default=0)
    households = models.PositiveIntegerField("家庭数", default=0)
    hits = models.PositiveIntegerField("命中", default=0)
    alerts_new = models.PositiveIntegerField("新增预警", default=0)
    alerts_duplicate = models.PositiveIntegerField("已有未办结预警", default=0)
    escalated = models.PositiveIntegerField("超期上报", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    job = models.ForeignKey("common.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    seconds = models.DecimalField("耗时（秒）", max_digits=10, decimal_places=3, null=True, blank=True)
    # seconds per step: match, population, snapshot, rules, escalate (counts and timing only)
    phase_seconds = models.JSONField("各阶段耗时（秒）", default=dict, blank=True)

    class Meta:
        verbose_name = "监测运行"
        verbose_name_plural = "监测运行"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"监测 {self.as_of} #{self.pk}"


class RunRuleStat(models.Model):
    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="rule_stats")
    rule = models.ForeignKey(WarningRule, on_delete=models.PROTECT, related_name="+")
    hits = models.PositiveIntegerField("命中", default=0)
    alerts_new = models.PositiveIntegerField("新增预警", default=0)
    alerts_duplicate = models.PositiveIntegerField("已有未办结预警", default=0)
    milliseconds = models.PositiveIntegerField("耗时（毫秒）", default=0)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        ordering = ["run", "rule__code"]
        verbose_name = "运行规则统计"
        verbose_name_plural = "运行规则统计"

    def __str__(self) -> str:
        return f"{self.run_id} {self.rule_id}: {self.hits}"


class Alert(models.Model):
    """One warning about one person or household, from one rule version, routed to the household's
    registration village (township and county above it see it); ``due_on`` from the rule's response
    limit in working days; ``escalated_at`` when it went past ``due_on`` unanswered (county level)."""

    scope_path = "division__code"

    # No database foreign keys on the references below (issue 21, ADR 0042): a first run writes hundreds of
    # thousands of alerts in one statement (``services.runs.alerts_insert_many``) and the six check triggers
    # fired once per row at commit — more than half of PostgreSQL's time for that statement (40,000 alerts:
    # 5.9 of 11.0 s). That statement takes the household and its village from the household table itself (a
    # join), the person from the run's own snapshot of the person table, the rule and the run from the rows it
    # was given; ``application`` is null there and set only by ``alert_application_open`` with the
    # application it has just created. None of the referenced rows is ever deleted; the ORM keeps
    # ``PROTECT``; the indexes stay.
    number = models.CharField("预警编号", max_length=24, unique=True)
    rule = models.ForeignKey(
        WarningRule, verbose_name="规则", on_delete=models.PROTECT, related_name="alerts", db_constraint=False
    )
    rule_code = models.CharField("规则代码", max_length=40)
    rule_version = models.PositiveIntegerField("规则版本")
    severity = models.CharField("预警等级", max_length=8, choices=SEVERITY_CHOICES)
    subject_key = models.CharField(max_length=24)  # p:<person id> / h:<household id>
    household = models.ForeignKey(
        Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    division = models.ForeignKey(
        Division,
        verbose_name="责任村（社区）",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    run = models.ForeignKey(
        MonitoringRun, on_delete=models.PROTECT, related_name="alerts", db_constraint=False
    )
    evidence = models.JSONField("依据数据", default=dict)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="pushed")
    raised_on = models.DateField("预警日期")
    due_on = models.DateField("响应时限")
    due_provisional = models.BooleanField(default=False)
    escalated_at = models.DateTimeField("超期上报时间", null=True, blank=True)
    escalated_to = models.CharField("上报至", max_length=12, blank=True)
    responded_at = models.DateTimeField("首次响应时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reason = models.TextField("处理说明", blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="主动发现申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "subject_key"], condition=OPEN, name="alert_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="alert_status_due"),
            models.Index(fields=["division", "status"], name="alert_division_status"),
        ]

    def __str__(self) -> str:
        return self.number


class AlertEvent(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField("事项", max_length=24)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    message = models.CharField("说明", max_length=500)
    basis = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "预警处置记录"
        verbose_name_plural = "预警处置记录"

    def __str__(self) -> str:
        return f"{self.code} {self.at:%Y-%m-%d %H:%M}"


class Referral(models.Model):
    """转办推送: an alert pushed to another department, and that department's feedback."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="referrals")
    department = models.CharField("转办部门", max_length=16, choices=REFERRAL_CHOICES)
    note = models.CharField("转办事项", max_length=500)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(auto_now_add=True)
    feedback = models.TextField("部门反馈", blank=True)
    feedback_on = models.DateField("反馈日期", null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "转办记录"
        verbose_name_plural = "转办记录"

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.department}"


class ReviewSchedule(models.Model):
    """A review of the household's assistance scheduled from an alert (e.g. 3 months after a death)."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="reviews")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    review_on = models.DateField("复核日期")
    note = models.CharField("复核事项", max_length=300)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "复核安排"
        verbose_name_plural = "复核安排"

    def __str__(self) -> str:
        return f"{self.household_id} {self.review_on}"
