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

from minzheng.accounts.scoping import ScopedQuerySet
from minzheng.common.models import TimeStampedModel
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


class SupportMode(models.TextChoices):
    """特困: 分散供养 at home or 集中供养 in an institution, as the person chooses
    (特困人员认定办法第 17 条)."""

    NONE = "", "—"
    HOME = "home", "分散供养"
    INSTITUTIONAL = "institutional", "集中供养"


class Enrolment(TimeStampedModel):
    scope_path = "household__hukou_division__code"

    programme = models.CharField("救助项目", max_length=32)  # a policy.rules.PROGRAMME_CODES code
    household = models.ForeignKey(
        Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(  # set for person programmes (特困, allowances); null = the household
        Person,
        verbose_name="救助对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    division = models.ForeignKey(  # the paying township
        Division, verbose_name="发放乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("纳入方式", max_length=16, choices=EnrolmentSource.choices)
    application = models.ForeignKey(
        "applications.Application", verbose_name="审批申请", null=True, blank=True,
        on_delete=models.PROTECT, related_name="enrolments",
    )  # fmt: skip
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "在保对象"
        verbose_name_plural = "在保对象"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "programme"], condition=~Q(status="ended") & Q(person__isnull=True),
                name="enrolment_one_current_per_household",
            ),
            models.UniqueConstraint(
                fields=["person", "programme"], condition=~Q(status="ended") & Q(person__isnull=False),
                name="enrolment_one_current_per_person",
            ),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="enrolment_amount_not_negative"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["division", "programme", "status"])]

    def __str__(self) -> str:
        return f"{self.programme} {self.household_id}"


class EntitlementPeriod(models.Model):
    """What the enrolment is owed each month from ``from_month`` up to (not including) ``until_month``.

    Periods of one enrolment never overlap; a change closes the running period and opens a new one.
    A suspended month is simply not covered by any period (or covered at 0 with the reason)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="periods")
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
