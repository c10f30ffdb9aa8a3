"""The applicant portal (救助通, issue 7): accounts signed in by phone + SMS code, drafts of online
applications with their uploads, the SMS outbox, and the signed household QR tokens.

A ``PortalAccount`` is not a staff ``User``: it never passes the staff middleware, and what it may see
is decided by the person it is bound to (``person``), never by a division. The phone and the claimed ID
number are stored encrypted with a blind index and a mask, exactly like the registry (ADR 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.applications.models import Application
from minzheng.common.models import TimeStampedModel
from minzheng.documents.scanning import ScanStatus
from minzheng.registry.models import Household, Person


class PortalAccount(TimeStampedModel):
    """One account per phone number. ``person`` is set when the ID number typed on first use matches a
    registry person whose phone on file is this phone (a verified binding); a person not yet in the
    registry keeps only the claimed ID number until an online application creates the household."""

    phone_encrypted = models.TextField()
    phone_index = models.CharField(max_length=64, unique=True)
    phone_masked = models.CharField("手机号", max_length=20)
    id_number_encrypted = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, blank=True)
    id_number_masked = models.CharField("身份证号码", max_length=18, blank=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    person = models.ForeignKey(
        Person, verbose_name="绑定人员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="portal_accounts",
    )  # fmt: skip
    bound_at = models.DateTimeField("绑定时间", null=True, blank=True)
    last_sign_in_at = models.DateTimeField("最近登录", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "门户账号"
        verbose_name_plural = "门户账号"
        constraints = [
            # one account per ID number: a second phone cannot claim the same person
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(id_number_index=""), name="portal_account_one_per_id"
            ),
        ]

    def __str__(self) -> str:
        return self.phone_masked


class SignInCode(models.Model):
    """A one-time SMS code: stored only as a keyed hash, valid for minutes, a few attempts, used once."""

    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField("发送时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [models.Index(fields=["phone_index", "-created_at"])]

    def __str__(self) -> str:
        return f"验证码 {self.pk}"


class SignInFailure(models.Model):
    """One failed code verification, kept for the lockout rule (10 failures of a phone within an hour
    lock it for 15 minutes, ``rules.locked_until``). Holds no code and no plain phone number."""

    phone_index = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    failed_at = models.DateTimeField("失败时间", auto_now_add=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        indexes = [models.Index(fields=["phone_index", "-failed_at"])]

    def __str__(self) -> str:
        return f"登录失败 {self.pk}"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class SmsMessage(models.Model):
    """The SMS outbox: every message the platform sends, whatever the gateway (sign-in codes are stored
    with the code replaced, so the outbox never holds a live code after sending)."""

    phone_encrypted = models.TextField()
    phone_index = models.CharField(max_length=64, db_index=True)
    phone_masked = models.CharField("手机号", max_length=20)
    template = models.CharField("短信模板", max_length=40)
    body = models.CharField("内容", max_length=500)
    application = models.ForeignKey(
        Application, verbose_name="相关申请", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    status = models.CharField("状态", max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    gateway = models.CharField("通道", max_length=40, blank=True)
    gateway_reference = models.CharField("通道回执", max_length=80, blank=True)
    error = models.CharField("失败原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信"

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.template}"


class ApplicationDraft(TimeStampedModel):
    """An online application being filled in between visits (``data`` holds the form's sections); on
    submission it becomes an ``Application`` of the online channel and stays as the record of what
    was typed."""

    account = models.ForeignKey(
        PortalAccount, verbose_name="门户账号", on_delete=models.PROTECT, related_name="drafts"
    )
    workflow = models.CharField("救助类别", max_length=32)
    data = models.JSONField("填写内容", default=dict, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    application = models.OneToOneField(
        Application, verbose_name="提交后的申请", null=True, blank=True, on_delete=models.PROTECT,
        related_name="draft",
    )  # fmt: skip

    class Meta:
        verbose_name = "网上申请草稿"
        verbose_name_plural = "网上申请草稿"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "workflow"], condition=Q(submitted_at__isnull=True),
                name="portal_draft_one_open_per_workflow",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"草稿 {self.pk}"


def draft_document_path(instance: DraftDocument, filename: str) -> str:
    from minzheng.documents.models import document_path

    return document_path(instance, filename)


class DraftDocument(models.Model):
    """A paper photographed with the phone, checked like any upload (type from the bytes, size, virus
    scan); it becomes a ``documents.Document`` of the application on submission."""

    draft = models.ForeignKey(
        ApplicationDraft, verbose_name="草稿", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField("材料类别", max_length=24)
    original_name = models.CharField("原文件名", max_length=200)
    file = models.FileField("文件", upload_to=draft_document_path, max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    scan_status = models.CharField("病毒扫描", max_length=12, choices=ScanStatus.choices)
    scanner = models.CharField("扫描程序", max_length=40, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "草稿材料"
        verbose_name_plural = "草稿材料"
        constraints = [
            models.UniqueConstraint(fields=["draft", "sha256"], name="portal_draft_document_unique_content"),
        ]

    def __str__(self) -> str:
        return self.original_name


class HouseholdToken(models.Model):
    """The token behind a household's printed QR code (幸福清单). The QR carries only a signed, expiring
    reference to this row — never personal data — and staff can revoke it."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="+")
    key = models.CharField("令牌", max_length=32, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "家庭二维码令牌"
        verbose_name_plural = "家庭二维码令牌"

    def __str__(self) -> str:
        return f"二维码 {self.key[:6]}…"
