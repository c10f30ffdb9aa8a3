"""Documents (申请材料) of an application, stored through Django's storage API (issue 4 §6).

The stored name is ``documents/<yyyy>/<mm>/<uuid>.<ext>``: random, so a path cannot be guessed, and
with the extension of the *detected* type. A document is never deleted: removal stamps
``removed_at``/``removed_by``/``removal_reason`` and the file stays for the archive (审批表).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.common.scoping import ScopedQuerySet
from minzheng.documents.scanning import ScanStatus


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", "身份证明"
    HOUSEHOLD_REGISTER = "household_register", "户口簿"
    INCOME = "income", "收入证明"
    PROPERTY = "property", "财产证明"
    MEDICAL = "medical", "医疗费用票据"
    DISABILITY = "disability", "残疾证"
    PLEDGE = "pledge", "承诺书及授权书"
    HOME_VISIT_PHOTO = "home_visit_photo", "入户调查照片"
    DECISION = "decision", "决定书"
    OTHER = "other", "其他"


def document_path(instance: Any, filename: str) -> str:
    """``documents/2026/11/<uuid4>.<ext>``; ``filename`` is the service's ``upload.<ext>``."""
    extension = filename.rsplit(".", 1)[-1]
    now = timezone.localtime()
    return f"documents/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


class Document(models.Model):
    scope_path = "application__household__hukou_division__code"  # the application's scope

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.PROTECT, related_name="documents"
    )
    step = models.CharField("上传时环节", max_length=20, choices=Step.choices)
    kind = models.CharField("材料类别", max_length=24, choices=DocumentKind.choices)
    original_name = models.CharField("原文件名", max_length=200)
    file = models.FileField("文件", upload_to=document_path, max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    scan_status = models.CharField("病毒扫描", max_length=12, choices=ScanStatus.choices)
    scanner = models.CharField("扫描程序", max_length=40, blank=True)
    uploaded_by = models.ForeignKey(  # null only for the applicant's own online uploads (救助通)
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    uploaded_online = models.BooleanField("申请人网上上传", default=False)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    removed_at = models.DateTimeField("移除时间", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="移除人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    removal_reason = models.CharField("移除理由", max_length=200, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        constraints = [
            # the same file twice on one application is refused, even when two uploads race
            models.UniqueConstraint(
                fields=["application", "sha256"], condition=Q(removed_at__isnull=True),
                name="document_unique_content_per_application",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | ~Q(removal_reason=""),
                name="document_removal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(uploaded_by__isnull=False) | Q(uploaded_online=True),
                name="document_uploader_known",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["application", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
