"""Who receives which programme, from which month, at what amount (issue 5).

An ``Enrolment`` is one household's (or, for person programmes, one person's) entitlement to one
programme, created by a decision: an approved application, a legacy-system import, or a registry rule
(senior allowance on reaching the age). What is owed for any month is read from ``EntitlementPeriod``
rows — half-open month ranges with a monthly amount — so a change (增发/减发/停发, 渐退) is a new period
from its effective month, never an edit of the past, and the payroll can compare "owed" with "paid"
set-based to produce back-pay and adjustments.

Statuses move only through ``enrolments.services`` (transition table in ``enrolments.rules``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.catalogue.programmes import Programme
from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.registry.models import Household, Person


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "在保"
    SUSPENDED = "suspended", "暂停发放"
    ENDED = "ended", "已退出"


class EnrolmentSource(models.TextChoices):
    APPLICATION = "application", "申请审批"
    LEGACY = "legacy", "原系统导入"
    REGISTRY_RULE = "registry_rule", "按条件直接纳入"
    TRANSFER = "transfer", "转入（特困终止后转低保等）"
    DEMO = "demo", "演示数据"


class SupportMode(models.TextChoices):
    """特困: 分散供养 at home or 集中供养 in an institution, as the person chooses
    (特困人员认定办法第 17 条)."""

    NONE = "", "—"
    HOME = "home", "分散供养"
    INSTITUTIONAL = "institutional", "集中供养"


class Enrolment(TimeStampedModel):
    scope_path = "household__hukou_division__code"

    programme = models.CharField("救助项目", max_length=32)  # a policy.rules.PROGRAMME_CODES code
    # No database foreign keys on household, person, division and transferred_from (ADR 0042): the legacy
    # import writes them in bulk from the rows it has just created and the townships it has just looked
    # up; households, persons, divisions and enrolments are never deleted; the services take them from
    # model instances. The ORM's on_delete stays.
    household = models.ForeignKey(
        Household,
        verbose_name="家庭",
        on_delete=models.PROTECT,
        related_name="enrolments",
        db_constraint=False,
    )
    person = models.ForeignKey(  # set for person programmes (特困, allowances); null = the household
        Person,
        verbose_name="救助对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        db_constraint=False,
        db_index=False,  # a partial index (Meta): household programmes leave it empty
    )
    division = models.ForeignKey(  # the paying township; (division, programme, status) serves lookups
        Division,
        verbose_name="发放乡镇（街道）",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source = models.CharField("纳入方式", max_length=16, choices=EnrolmentSource.choices)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="审批申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        db_index=False,  # a partial index (Meta): legacy and most enrolments have none
    )
    decision_ref = models.CharField("决定文号或说明", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    starts_month = models.DateField("起始月份")  # always the 1st of a month
    ends_month = models.DateField("截止月份", null=True, blank=True)  # last month owed (1st), null = open
    monthly_amount = models.DecimalField("当前月发放金额", max_digits=12, decimal_places=2)
    level = models.CharField("档次", max_length=40, blank=True)  # dibao category / 特困 care tier / grade
    support_mode = models.CharField(
        "供养方式", max_length=16, choices=SupportMode.choices, blank=True, default=SupportMode.NONE
    )
    end_reason = models.CharField("退出原因", max_length=200, blank=True)
    # A transfer (特困人员认定办法第 27 条: a terminated 特困 person moved to 低保 or 临时救助) names the
    # enrolment it continues.
    transferred_from = models.ForeignKey(
        "self",
        verbose_name="转自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        db_constraint=False,
        db_index=False,  # a partial index (Meta)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "在保对象"
        verbose_name_plural = "在保对象"
        constraints = [
            # 临时救助 is one-off aid: a household may receive it again while an earlier grant is still
            # being paid in instalments, so it is not limited to one current enrolment.
            models.UniqueConstraint(
                fields=["household", "programme"],
                condition=~Q(status="ended")
                & Q(person__isnull=True)
                & ~Q(programme=Programme.TEMPORARY_ASSISTANCE),
                name="enrolment_one_current_per_household",
            ),
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=~Q(status="ended") & Q(person__isnull=False),
                name="enrolment_one_current_per_person",
            ),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="enrolment_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["division", "programme", "status"]),
            # Mostly-empty references: indexed where set (an equality implies IS NOT NULL).
            models.Index(fields=["person"], name="enrolment_person", condition=Q(person__isnull=False)),
            models.Index(
                fields=["application"], name="enrolment_application", condition=Q(application__isnull=False)
            ),
            models.Index(
                fields=["transferred_from"],
                name="enrolment_transferred_from",
                condition=Q(transferred_from__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.household_id}"


class EntitlementPeriod(models.Model):
    """What the enrolment is owed each month from ``from_month`` up to (not including) ``until_month``.

    Periods of one enrolment never overlap; a change closes the running period and opens a new one.
    A suspended month is simply not covered by any period (or covered at 0 with the reason)."""

    # ADR 0042: the legacy import writes the enrolments it has just created; enrolments are never deleted
    # (the ORM's CASCADE stays for any ORM delete).
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="periods", db_constraint=False
    )
    from_month = models.DateField("起始月份")  # 1st of a month
    until_month = models.DateField("截止月份（不含）", null=True, blank=True)  # 1st of a month; null = open
    monthly_amount = models.DecimalField("月金额", max_digits=12, decimal_places=2)
    reason = models.CharField("原因", max_length=200)
    basis = models.CharField("依据", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "待遇期间"
        verbose_name_plural = "待遇期间"
        ordering = ["enrolment_id", "from_month"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="period_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(until_month__isnull=True) | Q(until_month__gt=models.F("from_month")),
                name="period_until_after_from",
            ),
        ]
        indexes = [models.Index(fields=["from_month", "until_month"])]

    def __str__(self) -> str:
        return f"{self.from_month}–{self.until_month or '…'} {self.monthly_amount}"


class ChangeKind(models.TextChoices):
    """The kinds of change to an enrolment; the table of what each may start from is ``rules.CHANGES``."""

    INCREASE = "increase", "增发"
    DECREASE = "decrease", "减发"
    STOP = "stop", "停发"
    SUSPEND = "suspend", "暂停"
    RESUME = "resume", "恢复"
    GRADUAL_EXIT = "gradual_exit", "渐退"
    TERMINATION = "termination", "特困终止"


class ChangeState(models.TextChoices):
    APPLIED = "applied", "已生效"
    NOTICE = "notice", "公示中"  # 特困 termination waiting for its 7-day notice to end
    WITHDRAWN = "withdrawn", "已撤回"


class EnrolmentChange(models.Model):
    """One change of an enrolment (增发/减发/停发/暂停/恢复/渐退/特困终止), with its reason and legal basis.

    ``removed_periods`` keeps the periods a back-dated change replaced, so the history stays
    explainable even though the owed amounts from ``effective_month`` on were rewritten."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField("变更类型", max_length=16, choices=ChangeKind.choices)
    state = models.CharField("状态", max_length=10, choices=ChangeState.choices, default=ChangeState.APPLIED)
    effective_month = models.DateField("生效月份", null=True, blank=True)  # 1st of a month
    amount_before = models.DecimalField(
        "变更前月金额", max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_after = models.DecimalField("变更后月金额", max_digits=12, decimal_places=2, null=True, blank=True)
    status_before = models.CharField("变更前状态", max_length=10, blank=True)
    status_after = models.CharField("变更后状态", max_length=10, blank=True)
    reason = models.CharField("原因", max_length=200)
    basis = models.CharField("依据", max_length=200, blank=True)
    ground = models.CharField("终止情形", max_length=24, blank=True)  # 特困人员认定办法第 24 条
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示结束", null=True, blank=True)
    notice_ends_provisional = models.BooleanField(default=False)  # a day in a year the calendar lacks
    removed_periods = models.JSONField("被替换的待遇期间", default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "待遇变更"
        verbose_name_plural = "待遇变更"
        ordering = ["enrolment_id", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(state="notice"),
                name="enrolment_change_one_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_month}"


class ReviewTrigger(models.TextChoices):
    SCHEDULE = "schedule", "定期核查"
    MEMBER_DEATH = "member_death", "家庭成员死亡"
    SELF_REPORT = "self_report", "定期报告"  # hook for the portal's 定期报告 (periodic self-reports)
    MANUAL = "manual", "临时核查"


class ReviewCategory(models.TextChoices):
    """Review frequency categories (《最低生活保障审核确认办法》第 31 条; 2020 意见第 7 项)."""

    STABLE = "stable", "收入基本稳定（每年）"
    UNSTABLE = "unstable", "收入不稳定且有劳动能力（每半年）"
    EXTREME_POVERTY = "extreme_poverty", "特困人员（每年）"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "待核查"
    DONE = "done", "已完成"


class ReviewOutcome(models.TextChoices):
    UNCHANGED = "unchanged", "维持不变"
    CHANGE_AMOUNT = "change_amount", "调整金额（次月起）"
    GRADUAL_EXIT = "gradual_exit", "渐退"
    STOP = "stop", "停发"


class Review(models.Model):
    """A review (复核) of an enrolment due on ``due_on``; at most one open per enrolment.

    Scheduled reviews are generated set-based (``services.review_schedule_generate``); a recipient's
    定期报告 from the portal becomes a review with ``trigger=self_report`` and the report in ``report``."""

    scope_path = "enrolment__household__hukou_division__code"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reviews")
    trigger = models.CharField("核查原因", max_length=16, choices=ReviewTrigger.choices)
    category = models.CharField("核查类别", max_length=16, choices=ReviewCategory.choices, blank=True)
    due_on = models.DateField("核查期限")
    status = models.CharField("状态", max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    report = models.JSONField("定期报告内容", default=dict, blank=True)
    findings = models.TextField("核查情况", blank=True)
    assessment = models.JSONField("测算结果", null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=16, choices=ReviewOutcome.choices, blank=True)
    new_amount = models.DecimalField("调整后月金额", max_digits=12, decimal_places=2, null=True, blank=True)
    change = models.ForeignKey(
        EnrolmentChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_on = models.DateField("完成日期", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "复核"
        verbose_name_plural = "复核"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment"], condition=Q(status="open"), name="review_one_open"),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"复核 {self.enrolment_id} {self.due_on}"


class LegacyImport(models.Model):
    """One legacy-system file import (原系统数据导入): all-or-nothing; the error report is a job file."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "导入成功"
        REJECTED = "rejected", "有错误，未导入"

    scope_path = "division__code"

    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("文件名", max_length=200)
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField("数据行数", default=0)
    households = models.PositiveIntegerField("新建家庭", default=0)
    persons = models.PositiveIntegerField("新建人员", default=0)
    enrolments = models.PositiveIntegerField("纳入在保", default=0)
    errors = models.JSONField("错误", default=list, blank=True)  # [[row, column, message], …] (first 1000)
    error_count = models.PositiveIntegerField("错误数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "原系统数据导入"
        verbose_name_plural = "原系统数据导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已纳入"
    DISMISSED = "dismissed", "不予纳入"


class AllowanceCandidate(models.Model):
    """A person the registry run found for an allowance that the policy grants on application or after an
    identification (主动发现): 残疾人两项补贴 (国发〔2015〕52号: written application, 残联 review, county
    decision) and 孤儿 (国办发〔2010〕54号: identified by county civil affairs). The caseworker confirms
    (which enrols them) or dismisses them, in bulk; nothing is paid before that."""

    scope_path = "household__hukou_division__code"

    programme = models.CharField("救助项目", max_length=32)
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(
        Division, verbose_name="发放乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    found_month = models.DateField("发现月份")  # the 1st of the month the run assessed
    monthly_amount = models.DecimalField("测算月金额", max_digits=12, decimal_places=2)
    level = models.CharField("档次", max_length=40, blank=True)
    reason = models.CharField("发现依据", max_length=300)
    basis = models.CharField("政策依据", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name="在保记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("处理说明", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "待遇主动发现对象"
        verbose_name_plural = "待遇主动发现对象"
        ordering = ["division_id", "household_id", "person_id", "programme"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=Q(status="pending"),
                name="allowance_candidate_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self) -> str:
        return f"{self.programme} {self.person_id}"
