"""Append-only business events and the log of who viewed whose personal data (ADR 0011)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from minzheng.common.scoping import ScopedQuerySet


class Event(models.Model):
    """One business action: the case timeline for caseworkers and auditors."""

    scope_path = "division_code"

    # set by the writer before hashing (audit.chain), not by auto_now_add, which would change it after
    occurred_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField("事件", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=40)
    object_id = models.CharField("对象编号", max_length=40)
    division_code = models.CharField("区划代码", max_length=12, blank=True, db_index=True)
    summary = models.CharField("摘要", max_length=300, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # the hash chain (audit.chain): SHA-256 of the previous event's hash and this event's fields
    previous_hash = models.CharField("前序哈希", max_length=64, blank=True, default="")
    hash = models.CharField("哈希", max_length=64, blank=True, default="")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "业务事件"
        verbose_name_plural = "业务事件"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.verb} {self.object_type}#{self.object_id}"


class PersonalDataAccess(models.Model):
    """Someone saw unmasked personal data, or exported personal data."""

    scope_path = "actor__division__code"

    occurred_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    person_id = models.BigIntegerField("人员编号", null=True, blank=True, db_index=True)
    household_id = models.BigIntegerField("家庭编号", null=True, blank=True)
    fields = models.CharField("字段", max_length=200)
    purpose = models.CharField("用途", max_length=60)
    record_count = models.PositiveIntegerField("记录数", default=1)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.purpose} {self.fields}"
