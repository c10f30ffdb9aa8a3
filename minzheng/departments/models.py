"""Working with other departments (issue 23, ADR 0036): automatic verification of applications against the
department feeds and the departments' side of referrals.

``SourceCheck`` is one source's automatic result for one application (one row per source, written by the
set-based job ``verification.verification_run``), with the figures it compared; ``CheckEvidence`` links it to
the feed records it found (their dates and amounts are the records'). ``CheckedMember`` is the members the
run checked, so a member without records shows as “无数据” by name. Staff confirm or correct a check; that
writes the ordinary ``applications.VerificationResult``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.applications.models import Application, VerificationResult
from minzheng.common.scoping import ScopedQuerySet
from minzheng.departments.rules import SOURCES, CheckStatus, Outcome, ReferralState
from minzheng.divisions.models import Division
from minzheng.monitoring.models import FeedRecord, Referral
from minzheng.registry.models import Household, Person

SOURCE_CHOICES = [(s.code, s.label) for s in SOURCES]


class VerificationRun(models.Model):
    """One run of the automatic verification over a range of application ids, in chunks; ``done_through``
    is the last application id of the last committed chunk, so a killed run resumes where it stopped."""

    kind = models.CharField("方式", max_length=10)  # auto (on reaching the step) / batch / bench
    as_of = models.DateField("核对日期")
    first_id = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    done_through = models.BigIntegerField(default=0)
    finished = models.BooleanField(default=False)
    applications = models.PositiveIntegerField("申请数", default=0)
    checks = models.PositiveIntegerField("核对结果数", default=0)
    evidence = models.PositiveIntegerField("依据记录数", default=0)
    seconds = models.DecimalField("耗时（秒）", max_digits=10, decimal_places=3, null=True, blank=True)
    phase_seconds = models.JSONField("各阶段耗时（秒）", default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)

    class Meta:
        verbose_name = "自动核对运行"
        verbose_name_plural = "自动核对运行"

    def __str__(self) -> str:
        return f"自动核对 {self.as_of} #{self.pk}"


class CheckedMember(models.Model):
    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "核对成员"
        verbose_name_plural = "核对成员"
        indexes = [models.Index(fields=["run", "application"], name="checked_member_run_app")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.person_id}"


class SourceCheck(models.Model):
    scope_path = "application__household__hukou_division__code"

    run = models.ForeignKey(VerificationRun, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    source = models.CharField("核对数据来源", max_length=20, choices=SOURCE_CHOICES)
    current = models.BooleanField(default=True)  # false once a later run checked the application again
    outcome = models.CharField("自动核对结果", max_length=12, choices=Outcome.choices, blank=True)
    members_total = models.PositiveIntegerField("核对人数", default=0)
    members_with_data = models.PositiveIntegerField("有数据人数", default=0)
    found_count = models.PositiveIntegerField("部门记录数", default=0)
    flagged_count = models.PositiveIntegerField("比对记录数", default=0)
    found_amount = models.DecimalField("部门记录金额", max_digits=16, decimal_places=2, null=True)
    declared_amount = models.DecimalField("申报金额", max_digits=16, decimal_places=2, null=True)
    declared_count = models.PositiveIntegerField("申报数量", null=True)
    first_on = models.DateField("最早记录日期", null=True)
    last_on = models.DateField("最近记录日期", null=True)
    status = models.CharField("确认状态", max_length=10, choices=CheckStatus.choices, default="pending")
    decided_outcome = models.CharField("确认结果", max_length=12, choices=Outcome.choices, blank=True)
    reason = models.CharField("更正理由", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    result = models.ForeignKey(
        VerificationResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # a department's returned file (``exchange``) replaced the automatic figures with its own result
    exchange = models.ForeignKey(
        "ExchangeReturn", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_note = models.CharField("部门回传说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "自动核对结果"
        verbose_name_plural = "自动核对结果"
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "source"], condition=Q(current=True), name="source_check_one_current"
            ),
        ]
        indexes = [models.Index(fields=["run", "source"], name="source_check_run_source")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.source}: {self.outcome}"


class CheckEvidence(models.Model):
    check_row = models.ForeignKey(SourceCheck, on_delete=models.CASCADE, related_name="evidence")
    record = models.ForeignKey(FeedRecord, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "核对依据"
        verbose_name_plural = "核对依据"

    def __str__(self) -> str:
        return f"{self.check_row_id} ← {self.record_id}"


# --- the departments' side of referrals ---------------------------------------------------------------


class ReferralHandling(models.Model):
    """The receiving department's work on one referral: its state and who closed it. The reply itself is
    the referral's feedback (``monitoring.Referral.feedback``), read by civil affairs on the alert."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="handling")
    state = models.CharField("办理状态", max_length=10, choices=ReferralState.choices, default="open")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "部门办理"
        verbose_name_plural = "部门办理"

    def __str__(self) -> str:
        return f"{self.referral_id} {self.state}"


def attachment_path(instance: ReferralAttachment, filename: str) -> str:
    return f"referrals/{instance.referral_id}/{instance.sha256}.{filename.rsplit('.', 1)[-1]}"


class ReferralAttachment(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("文件名", max_length=200)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("内容摘要", max_length=64)
    scan_status = models.CharField("病毒扫描", max_length=12)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "部门反馈附件"
        verbose_name_plural = "部门反馈附件"

    def __str__(self) -> str:
        return self.name


class ExchangeReturn(models.Model):
    """One returned file of a department (its results for many applications), with its signed manifest;
    accepted once per content. Rejected files are kept with their row-level report and change nothing."""

    class Status(models.TextChoices):
        APPLIED = "applied", "已写入"
        REJECTED = "rejected", "已拒收"

    source = models.CharField("核对数据来源", max_length=20, choices=SOURCE_CHOICES)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("内容摘要（SHA-256）", max_length=64)
    channel = models.CharField("渠道", max_length=10)  # upload / file / http
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField("行数", default=0)
    applied = models.PositiveIntegerField("写入核对结果", default=0)
    errors = models.JSONField("错误报告", default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "部门回传文件"
        verbose_name_plural = "部门回传文件"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sha256"], condition=Q(status="applied"), name="exchange_return_once"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class JointCase(models.Model):
    """社会救助一件事: one intake (the 低保 application) and the linked requests to the other departments."""

    scope_path = "division__code"

    number = models.CharField("一件事编号", max_length=24, unique=True, null=True, blank=True)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(
        Division, verbose_name="受理乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "一件事联办"
        verbose_name_plural = "一件事联办"

    def __str__(self) -> str:
        return self.number or f"一件事 {self.pk}"


class JointRequest(models.Model):
    """One department's part of a joint case, with its own limit and state."""

    joint_case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="requests")
    item = models.CharField("事项", max_length=20)  # rules.JointItem
    department = models.CharField("办理部门", max_length=16)  # rules.Department
    state = models.CharField("状态", max_length=10, choices=ReferralState.choices, default="open")
    due_on = models.DateField("办理时限")
    due_provisional = models.BooleanField(default=False)
    reply = models.TextField("办理结果", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField("办理时间", null=True, blank=True)

    class Meta:
        verbose_name = "一件事部门事项"
        verbose_name_plural = "一件事部门事项"
        constraints = [models.UniqueConstraint(fields=["joint_case", "item"], name="joint_request_once")]

    def __str__(self) -> str:
        return f"{self.joint_case_id} {self.item}"
