"""Service entitlements (政府购买服务资格, issue 17 §3): granted by apply → township review → county
approval (``rules.entitlements.TRANSITIONS``), each change an ``EntitlementEvent`` and an audit event in the
same transaction. An approved entitlement carries its validity and the monthly hours/amount resolved at
approval, with the parameter versions used (or the written manual determination, 人工核定)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.models.people import OlderPerson
from minzheng.eldercare.rules.entitlements import CATEGORY_LABELS, IN_PROGRESS, STATUS_LABELS, Status

__all__ = ["EntitlementEvent", "ServiceEntitlement"]

CATEGORY_CHOICES = [(c.value, label) for c, label in CATEGORY_LABELS.items()]
STATUS_CHOICES = [(s.value, label) for s, label in STATUS_LABELS.items()]


class ServiceEntitlement(models.Model):
    """One application for, and once approved the grant of, government-purchased services to one older
    person in one category. ``division`` is the older person's village (scopes every read)."""

    scope_path = "division__code"

    older_person = models.ForeignKey(OlderPerson, on_delete=models.PROTECT, related_name="entitlements")
    division = models.ForeignKey(Division, verbose_name="居住地", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("服务对象类别", max_length=24, choices=CATEGORY_CHOICES)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=Status.APPLIED.value)
    applied_on = models.DateField("申请日期")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    application_note = models.CharField("申请说明", max_length=300, blank=True)
    # deadlines in working days from parameters, computed once when the step starts (null: no parameter)
    township_due_on = models.DateField("乡镇审核时限", null=True, blank=True)
    county_due_on = models.DateField("旗县审批时限", null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    reason = models.CharField("退回、不予批准或终止理由", max_length=300, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期止（不含）", null=True, blank=True)
    monthly_hours = models.PositiveIntegerField("月服务时长（小时）", null=True, blank=True)
    monthly_amount = models.DecimalField(
        "月服务金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    manual = models.BooleanField("人工核定", default=False)
    manual_note = models.CharField("人工核定说明", max_length=300, blank=True)
    parameters = models.JSONField("所用政策参数", default=list, blank=True)  # [{key, id, version, value}]
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "政府购买服务资格"
        verbose_name_plural = "政府购买服务资格"
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["older_person"],
                condition=Q(status__in=sorted(s.value for s in IN_PROGRESS)),
                name="entitlement_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=False, valid_to__gt=models.F("valid_from")),
                name="entitlement_validity_order",
            ),
        ]
        indexes = [models.Index(fields=["older_person", "status"], name="entitlement_person_status")]

    def __str__(self) -> str:
        return f"服务资格 {self.pk}"


class EntitlementEvent(models.Model):
    entitlement = models.ForeignKey(ServiceEntitlement, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=12, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=STATUS_CHOICES)
    action = models.CharField("操作", max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "服务资格办理记录"
        verbose_name_plural = "服务资格办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.entitlement_id} {self.from_status}→{self.to_status}"
