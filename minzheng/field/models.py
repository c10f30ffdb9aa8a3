"""Offline copies received from the field app (ADR 0039): every submission is kept as a version — the
offline copy as the phone sent it (encrypted), what became of it and why — and each photo once, by the
UUID the phone gave it. The unique UUIDs make a replay return the first result instead of a duplicate."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minzheng.applications.models import HomeVisit
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.documents.models import Document
from minzheng.eldercare.models import CarePhoto, VisitRecord
from minzheng.field.rules import KIND_LABELS, OUTCOME_LABELS

__all__ = ["FieldPhoto", "FieldSubmission"]


class FieldSubmission(models.Model):
    """One offline record as received: a version of the subject's records, kept whatever its outcome."""

    scope_path = "division__code"

    uuid = models.UUIDField("客户端编号", unique=True)
    kind = models.CharField("记录类型", max_length=20, choices=list(KIND_LABELS.items()))
    subject_id = models.PositiveBigIntegerField("对象编号")  # the older person or the application
    division = models.ForeignKey(
        Division, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    payload_encrypted = models.TextField("离线填写内容（加密）")
    saved_at = models.DateTimeField("手机保存时间")
    base_at = models.DateTimeField("离线清单时间", null=True, blank=True)
    photos_announced = models.PositiveSmallIntegerField("照片张数", default=0)
    outcome = models.CharField("处理结果", max_length=12, choices=list(OUTCOME_LABELS.items()))
    reason = models.CharField("说明", max_length=400, blank=True)
    visit = models.OneToOneField(
        VisitRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="field_submission"
    )
    home_visit = models.OneToOneField(
        HomeVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="field_submission"
    )
    other_records = models.JSONField("并存的服务器记录", default=list, blank=True)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "离线提交"
        verbose_name_plural = "离线提交"
        indexes = [models.Index(fields=["submitted_by", "received_at"], name="field_submission_user")]

    def __str__(self) -> str:
        return f"离线提交 {self.uuid}"


class FieldPhoto(models.Model):
    """One photo of a submission, received once; stored through the documents checks as a visit photo
    (``CarePhoto``) or an application document (``Document`` 入户调查照片). A rejected version's photos are
    recorded (size, hash) but not stored."""

    uuid = models.UUIDField("客户端编号", unique=True)
    submission = models.ForeignKey(FieldSubmission, on_delete=models.PROTECT, related_name="photos")
    care_photo = models.OneToOneField(
        CarePhoto, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.OneToOneField(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = "离线照片"
        verbose_name_plural = "离线照片"

    def __str__(self) -> str:
        return f"离线照片 {self.uuid}"
