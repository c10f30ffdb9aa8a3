"""Capacity assessments (老年人能力评估, GB/T 42195-2022; issue 17 §2). See ``rules/assessment.py``
for what the item table and the levels rest on (partly UNCERTAIN; the cut-offs are parameters without
built-in values)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minzheng.common.scoping import ScopedQuerySet
from minzheng.eldercare.models.people import OlderPerson
from minzheng.eldercare.rules.assessment import Level, Status

__all__ = ["CapacityAssessment", "CapacityAssessmentEvent"]


class CapacityAssessment(models.Model):
    """One assessment. A draft holds the scores and what they give; completing it fixes the level (computed,
    or determined by hand with a reason when the result is 需人工核定) and updates the older person."""

    scope_path = "older_person__division__code"

    older_person = models.ForeignKey(OlderPerson, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField("评估日期")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessor_name = models.CharField("评估员", max_length=50)
    assessor_certificate = models.CharField("评估员证书编号", max_length=50, blank=True)
    item_scores = models.JSONField("各项得分", default=dict)
    comatose = models.BooleanField("处于昏迷状态", default=False)
    dimension_scores = models.JSONField("一级指标得分", default=dict)
    total = models.PositiveSmallIntegerField("总分")
    computed_level = models.CharField("评定等级", max_length=12, choices=Level.choices, blank=True)
    manual_level = models.CharField("人工核定等级", max_length=12, choices=Level.choices, blank=True)
    manual_reason = models.CharField("人工核定理由", max_length=300, blank=True)
    level = models.CharField("能力等级", max_length=12, choices=Level.choices, blank=True)
    reasons = models.JSONField("评定依据", default=list)
    parameters = models.JSONField("所用政策参数版本", default=dict)
    next_assessment_on = models.DateField("下次评估日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.CharField("说明", max_length=300, blank=True)
    self_care_note = models.CharField("生活自理能力更新", max_length=200, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "老年人能力评估"
        verbose_name_plural = "老年人能力评估"
        indexes = [models.Index(fields=["older_person", "-assessed_on"], name="capacity_assessment_person")]

    def __str__(self) -> str:
        return f"能力评估 {self.pk}"

    @property
    def manual_review(self) -> bool:
        return self.computed_level == ""


class CapacityAssessmentEvent(models.Model):
    """One status change of an assessment (the transition table is ``rules.assessment.TRANSITIONS``)."""

    assessment = models.ForeignKey(CapacityAssessment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=10, blank=True)
    to_status = models.CharField("新状态", max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField("时间", auto_now_add=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "能力评估状态变更"
        verbose_name_plural = "能力评估状态变更"
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"
