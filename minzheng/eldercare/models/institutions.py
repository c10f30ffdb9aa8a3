"""Elderly-care institutions (养老机构) and their 双随机一公开 inspections (issue 17 §8).

* ``Institution``: the county's register (《养老机构管理办法》, 2020: filing 备案 instead of a licence),
  beds, care levels, staff. Scoped by the township where it stands, so a county sees all of its
  institutions and a township its own.
* ``Resident``: a registry person living in an institution, from ``admitted_on`` until the day before
  ``left_on``; a 特困 person in 集中供养 links the active 特困 enrolment.
* ``InspectionPlan`` → ``Draw`` → ``Inspection``: a county's plan for a year and round, the recorded random
  draw of targets and inspectors (seed and both pools snapshotted in the row, ``rules.draw_run``), and one
  inspection per drawn target. A re-drawn plan keeps the old draw, marked superseded and linked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.rules.institutions import (
    DRAW_ALGORITHM,
    CareLevel,
    DrawStatus,
    InspectionResult,
    InspectionStatus,
    InstitutionKind,
    InstitutionStatus,
    PermitKind,
)
from minzheng.enrolments.models import Enrolment
from minzheng.registry.models import Person

__all__ = ["Draw", "Inspection", "InspectionEvent", "InspectionPlan", "Institution", "Resident"]


class Institution(TimeStampedModel):
    """One 养老机构 on a county's register. ``credit_code``: the 18-character unified social credit code
    (GB 32100-2015), check character verified on entry (``stdnum.cn.uscc``)."""

    scope_path = "township__code"

    name = models.CharField("机构名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    kind = models.CharField("机构性质", max_length=16, choices=InstitutionKind.choices)
    permit_kind = models.CharField("登记方式", max_length=10, choices=PermitKind.choices)
    permit_number = models.CharField("备案回执或许可证编号", max_length=60, blank=True)
    permit_on = models.DateField("备案（许可）日期", null=True, blank=True)
    county = models.ForeignKey(Division, verbose_name="备案旗县", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(
        Division, verbose_name="所在乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200)
    beds_total = models.PositiveIntegerField("床位总数")
    nursing_beds = models.PositiveIntegerField("护理型床位", default=0)
    care_levels = models.JSONField("收住类型", default=list)  # CareLevel codes
    staff_total = models.PositiveIntegerField("工作人员", default=0)
    carers = models.PositiveIntegerField("养老护理员", default=0)
    status = models.CharField(
        "状态", max_length=12, choices=InstitutionStatus.choices, default=InstitutionStatus.OPERATING
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "养老机构"
        verbose_name_plural = "养老机构"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nursing_beds__lte=F("beds_total")), name="institution_nursing_within_beds"
            )
        ]
        indexes = [models.Index(fields=["county", "status"], name="institution_county_status")]

    def __str__(self) -> str:
        return self.name

    def care_level_labels(self) -> list[str]:
        return [str(CareLevel(c).label) for c in self.care_levels if c in CareLevel.values]


class Resident(TimeStampedModel):
    """A stay: the person lives in the institution from ``admitted_on`` (counted) to ``left_on`` (not
    counted, the day of leaving); ``left_on`` empty while still there. One open stay per person."""

    scope_path = "institution__township__code"

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="residents")
    person = models.ForeignKey(Person, verbose_name="入住老人", on_delete=models.PROTECT, related_name="+")
    admitted_on = models.DateField("入住日期")
    left_on = models.DateField("离院日期", null=True, blank=True)
    leave_reason = models.CharField("离院原因", max_length=100, blank=True)
    care_level = models.CharField("护理类型", max_length=12, choices=CareLevel.choices)
    institutional_support = models.BooleanField("特困人员集中供养", default=False)
    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name="特困供养在保记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "入住老人"
        verbose_name_plural = "入住老人"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="resident_one_open_stay"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gt=F("admitted_on")),
                name="resident_leaves_after_admission",
            ),
        ]
        indexes = [models.Index(fields=["institution", "admitted_on"], name="resident_institution_dates")]

    def __str__(self) -> str:
        return f"入住 {self.person_id}"


class InspectionPlan(TimeStampedModel):
    """A county's 双随机 plan for a year and round: how many institutions (a number or a share of the
    active ones) and how many inspectors per institution; ``exclude_own_township`` keeps inspectors away
    from institutions of their own township (回避; the county decides — no national rule is cited)."""

    scope_path = "county__code"

    county = models.ForeignKey(Division, verbose_name="旗县", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    round = models.PositiveSmallIntegerField("批次")
    title = models.CharField("计划名称", max_length=100)
    target_number = models.PositiveIntegerField("抽取机构数", null=True, blank=True)
    target_share = models.DecimalField("抽取比例", max_digits=4, decimal_places=3, null=True, blank=True)
    inspectors_per_target = models.PositiveSmallIntegerField("每家检查人员数", default=2)
    exclude_own_township = models.BooleanField("检查人员回避本乡镇（街道）机构", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "双随机检查计划"
        verbose_name_plural = "双随机检查计划"
        ordering = ["-year", "-round"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "round"], name="inspection_plan_once"),
            models.CheckConstraint(
                condition=Q(target_number__isnull=False) | Q(target_share__isnull=False),
                name="inspection_plan_has_size",
            ),
            models.CheckConstraint(
                condition=Q(target_share__isnull=True) | (Q(target_share__gt=0) & Q(target_share__lte=1)),
                name="inspection_plan_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Draw(models.Model):
    """One recorded draw of a plan: everything ``rules.draw_verify`` needs to re-run it — the seed (from
    ``secrets``), the algorithm code, the two pools as they were (ids, names, townships), the count and the
    rule — and its outcome. Rows are never changed except ``status`` (current → superseded)."""

    scope_path = "plan__county__code"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="draws")
    status = models.CharField("状态", max_length=12, choices=DrawStatus.choices, default=DrawStatus.CURRENT)
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("抽取算法", max_length=8, default=DRAW_ALGORITHM)
    target_pool = models.JSONField("检查对象库")
    inspector_pool = models.JSONField("检查人员库")
    target_count = models.PositiveIntegerField("抽取机构数")
    inspectors_per_target = models.PositiveSmallIntegerField("每家检查人员数")
    exclude_own_township = models.BooleanField("回避本乡镇（街道）")
    result = models.JSONField("抽取结果")
    reason = models.CharField("重新抽取理由", max_length=300, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="取代的抽取",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField("抽取时间")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "随机抽取记录"
        verbose_name_plural = "随机抽取记录"
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(status="current"), name="draw_one_current"),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(reason=""), name="draw_redraw_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"抽取 {self.pk}"

    def record(self) -> dict[str, object]:
        """What ``rules.draw_verify`` re-runs."""
        return {
            "algorithm": self.algorithm,
            "seed": self.seed,
            "target_pool": self.target_pool,
            "inspector_pool": self.inspector_pool,
            "target_count": self.target_count,
            "inspectors_per_target": self.inspectors_per_target,
            "exclude_own_township": self.exclude_own_township,
            "result": self.result,
        }


class Inspection(TimeStampedModel):
    """The inspection of one drawn institution. A result of 限期整改 or 不合格 sets the rectification
    deadline (computed once and stored; ``due_note`` says 需人工核定 when the parameter is missing)."""

    scope_path = "draw__plan__county__code"

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="inspections")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="inspections")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="检查人员", related_name="+")
    status = models.CharField(
        "状态", max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    checklist = models.JSONField("检查清单", default=list)  # [{code, label, answer, note}]
    checklist_source = models.CharField("清单依据", max_length=200, blank=True)
    findings = models.TextField("发现的问题", blank=True)
    result = models.CharField("检查结果", max_length=10, choices=InspectionResult.choices, blank=True)
    rectification_due_on = models.DateField("整改期限", null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    due_note = models.CharField("期限说明", max_length=200, blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    rectification_note = models.TextField("整改情况", blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "双随机检查"
        verbose_name_plural = "双随机检查"
        constraints = [
            models.UniqueConstraint(fields=["draw", "institution"], name="inspection_once_per_draw"),
        ]
        indexes = [models.Index(fields=["status", "rectification_due_on"], name="inspection_due")]

    def __str__(self) -> str:
        return f"检查 {self.pk}"


class InspectionEvent(models.Model):
    """One status change of an inspection (written with its audit event, in the same transaction)."""

    scope_path = "inspection__draw__plan__county__code"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=InspectionStatus.choices)
    to_status = models.CharField(max_length=12, choices=InspectionStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "检查办理记录"
        verbose_name_plural = "检查办理记录"
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
