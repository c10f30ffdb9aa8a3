"""Family care beds (家庭养老床位) and home adaptation (居家适老化改造), issue 17 §6: one project model with
a kind, moved along ``rules.home_care.TRANSITIONS`` (applied → assessed → contracted → built → accepted →
subsidised, or rejected) with a ``HomeCareEvent`` and an audit event per change; acceptance photos and visit
photos are ``CarePhoto`` rows (checked like application documents, stored under ``eldercare/photos``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.models.people import OlderPerson
from minzheng.eldercare.models.providers import Provider
from minzheng.eldercare.models.visits import VisitRecord
from minzheng.eldercare.rules.home_care import KIND_LABELS, OPEN, STATUS_LABELS, Status

__all__ = ["CarePhoto", "HomeCareEvent", "HomeCareProject"]

KIND_CHOICES = [(k.value, label) for k, label in KIND_LABELS.items()]
STATUS_CHOICES = [(s.value, label) for s, label in STATUS_LABELS.items()]


class HomeCareProject(models.Model):
    scope_path = "division__code"

    kind = models.CharField("项目类别", max_length=20, choices=KIND_CHOICES)
    older_person = models.ForeignKey(OlderPerson, on_delete=models.PROTECT, related_name="home_care_projects")
    division = models.ForeignKey(Division, verbose_name="居住地", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=Status.APPLIED.value)
    applied_on = models.DateField("申请日期")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    application_note = models.CharField("申请说明", max_length=300, blank=True)
    beds = models.PositiveSmallIntegerField("床位数", default=1)
    # assessment visit (入户评估)
    assessed_on = models.DateField("评估日期", null=True, blank=True)
    assessment_note = models.CharField("评估意见和改造（建床）内容", max_length=500, blank=True)
    # contract
    provider = models.ForeignKey(
        Provider, verbose_name="服务机构", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contracted_on = models.DateField("签约日期", null=True, blank=True)
    contract_amount = models.DecimalField(
        "合同金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    built_on = models.DateField("完工日期", null=True, blank=True)
    # acceptance inspection (验收) and subsidy
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    acceptance_note = models.CharField("验收意见", max_length=500, blank=True)
    subsidy_amount = models.DecimalField(
        "补贴金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    subsidy_manual_reason = models.CharField("补贴需人工核定原因", max_length=300, blank=True)
    manual_note = models.CharField("人工核定说明", max_length=300, blank=True)
    parameters = models.JSONField("所用政策参数", default=list, blank=True)
    subsidised_on = models.DateField("补贴核发日期", null=True, blank=True)
    reason = models.CharField("不予支持理由", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭养老床位和适老化改造"
        verbose_name_plural = "家庭养老床位和适老化改造"
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["older_person", "kind"],
                condition=Q(status__in=sorted(s.value for s in OPEN)),
                name="home_care_one_open_per_kind",
            ),
            models.CheckConstraint(condition=Q(beds__gte=1), name="home_care_beds_positive"),
        ]

    def __str__(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} {self.pk}"  # type: ignore[call-overload]


class HomeCareEvent(models.Model):
    project = models.ForeignKey(HomeCareProject, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=12, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=STATUS_CHOICES)
    action = models.CharField("操作", max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "项目办理记录"
        verbose_name_plural = "项目办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_status}→{self.to_status}"


def photo_path(instance: CarePhoto, filename: str) -> str:
    return f"eldercare/photos/{instance.division.code[:6]}/{filename}"


class CarePhoto(models.Model):
    """A photo of an acceptance inspection or a visit (checked for type and size by
    ``documents.services.upload_read``; read only through the scoped photo view)."""

    scope_path = "division__code"

    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        HomeCareProject, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    visit = models.ForeignKey(
        VisitRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField("照片", upload_to=photo_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "照片"
        verbose_name_plural = "照片"
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False) | Q(visit__isnull=False), name="care_photo_has_owner"
            )
        ]

    def __str__(self) -> str:
        return self.original_name
