"""社会组织 (issue 19): the register keyed by the unified social credit code, the 业务主管单位 and their
staff,
status history with the documents of each change, the organisation's own sign-in account, annual reports
with their review events, and the 活动异常名录.

Scoping (ADR 0006): an organisation belongs to the division of its registration authority (``division``);
registrars see the organisations registered in their subtree. The legal representative's ID number and
phone are stored encrypted with a blind index and a mask (ADR 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common import crypto
from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.organisations.rules import (
    NOT_FILED,
    AuthorityLevel,
    ChangeKind,
    Conclusion,
    OrganisationStatus,
    OrganisationType,
    ReportAction,
    ReportStatus,
)


class SupervisorUnit(TimeStampedModel):
    """业务主管单位: the department that pre-reviews (and for foundations approves) the annual report."""

    scope_path = "division__code"

    name = models.CharField("单位名称", max_length=100)
    division = models.ForeignKey(
        Division, verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "业务主管单位"
        verbose_name_plural = "业务主管单位"
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="supervisor_unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SupervisorStaff(models.Model):
    """A staff user (role ORGANISATION_SUPERVISOR) working for one 业务主管单位."""

    unit = models.ForeignKey(
        SupervisorUnit, verbose_name="业务主管单位", on_delete=models.CASCADE, related_name="staff"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员",
        on_delete=models.CASCADE,
        related_name="supervisor_membership",
    )

    class Meta:
        verbose_name = "业务主管单位人员"
        verbose_name_plural = "业务主管单位人员"

    def __str__(self) -> str:
        return f"{self.unit} {self.user}"


class Organisation(TimeStampedModel):
    scope_path = "division__code"

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=100, db_index=True)
    organisation_type = models.CharField("组织类型", max_length=16, choices=OrganisationType.choices)
    authority_level = models.CharField("登记管理机关级别", max_length=12, choices=AuthorityLevel.choices)
    division = models.ForeignKey(
        Division, verbose_name="登记管理机关所在区划", on_delete=models.PROTECT, related_name="+"
    )
    supervisor = models.ForeignKey(
        SupervisorUnit,
        verbose_name="业务主管单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text="直接登记的社会组织无业务主管单位",
    )
    legal_representative = models.CharField("法定代表人", max_length=50)
    legal_rep_id_encrypted = models.TextField(blank=True)
    legal_rep_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    legal_rep_id_masked = models.CharField("法定代表人身份证号码", max_length=18, blank=True)
    legal_rep_phone_encrypted = models.TextField(blank=True)
    legal_rep_phone_masked = models.CharField("法定代表人电话", max_length=20, blank=True)
    domicile = models.CharField("住所", max_length=200)
    business_scope = models.TextField("业务范围")
    registered_capital = models.DecimalField("注册资金（元）", max_digits=14, decimal_places=2)
    established_on = models.DateField("成立登记日期")
    status = models.CharField(
        "登记状态", max_length=14, choices=OrganisationStatus.choices, default=OrganisationStatus.ACTIVE
    )
    status_changed_on = models.DateField("状态变更日期", null=True, blank=True)
    abnormal = models.BooleanField("列入活动异常名录", default=False)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "社会组织"
        verbose_name_plural = "社会组织"
        indexes = [
            models.Index(fields=["division", "organisation_type"]),
            models.Index(fields=["supervisor", "status"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def legal_rep_phone(self) -> str:
        return crypto.decrypt(self.legal_rep_phone_encrypted) if self.legal_rep_phone_encrypted else ""


class OrganisationChange(models.Model):
    """One entry of the status history: 成立, 变更, 注销, 撤销, with its decision number and documents."""

    scope_path = "organisation__division__code"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField("事项", max_length=14, choices=ChangeKind.choices)
    occurred_on = models.DateField("日期")
    document_number = models.CharField("文号", max_length=60, blank=True)
    summary = models.CharField("内容", max_length=300, blank=True)
    from_status = models.CharField("变更前状态", max_length=14, blank=True)
    to_status = models.CharField("变更后状态", max_length=14)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "登记事项"
        verbose_name_plural = "登记事项"
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_kind_display()}"


class OrganisationAccount(TimeStampedModel):
    """The organisation's own sign-in (ADR 0034): credit code + password, never a staff ``User``; the phone
    on file receives reminders. One account per organisation."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="account")
    password = models.CharField("密码", max_length=128)
    phone_encrypted = models.TextField(blank=True)
    phone_masked = models.CharField("联系手机", max_length=20, blank=True)
    is_active = models.BooleanField("有效", default=True)
    failed_attempts = models.PositiveSmallIntegerField("连续失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    last_sign_in_at = models.DateTimeField("最近登录", null=True, blank=True)

    class Meta:
        verbose_name = "社会组织账号"
        verbose_name_plural = "社会组织账号"

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""


class AnnualReport(TimeStampedModel):
    """One organisation's report on one year, with the deadlines computed once when the year was opened."""

    scope_path = "organisation__division__code"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    supervisor_due = models.DateField("报业务主管单位截止日", null=True, blank=True)
    authority_due = models.DateField("报登记管理机关截止日")
    # basic data
    member_count = models.PositiveIntegerField("会员（举办者）数", null=True, blank=True)
    staff_count = models.PositiveIntegerField("专职工作人员数", null=True, blank=True)
    # finances (yuan)
    total_income = models.DecimalField(
        "本年收入合计（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    total_expense = models.DecimalField(
        "本年支出合计（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    net_assets = models.DecimalField(
        "年末净资产（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    activities = models.TextField("开展活动情况", blank=True)
    # party building
    party_organisation = models.BooleanField("已建立党组织", default=False)
    party_members = models.PositiveIntegerField("党员人数", null=True, blank=True)
    changes_note = models.TextField("登记事项、人员和机构变动情况", blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    supervisor_opinion = models.CharField("业务主管单位初审意见", max_length=500, blank=True)
    supervisor_reviewed_at = models.DateTimeField("初审时间", null=True, blank=True)
    conclusion = models.CharField("年检结论", max_length=20, choices=Conclusion.choices, blank=True)
    conclusion_reasons = models.CharField("结论理由", max_length=500, blank=True)
    concluded_at = models.DateTimeField("结论时间", null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overdue_since = models.DateField("逾期日期", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度工作报告"
        verbose_name_plural = "年度工作报告"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="annual_report_one_per_year")
        ]
        indexes = [models.Index(fields=["year", "status", "authority_due"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}年度"

    @property
    def is_overdue(self) -> bool:
        """On the overdue list: the deadline passed (the daily scan set ``overdue_since``), not yet filed."""
        return self.overdue_since is not None and self.status in NOT_FILED


class ReportEvent(models.Model):
    """Every move of a report: who (staff user or the organisation's account), from, to, and why."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=16)
    from_status = models.CharField("原状态", max_length=16)
    to_status = models.CharField("新状态", max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_organisation = models.BooleanField("社会组织本身", default=False)
    note = models.CharField("意见", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "年报流转记录"
        verbose_name_plural = "年报流转记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report} {self.action}"

    @property
    def action_label(self) -> str:
        return str(ReportAction(self.action).label) if self.action in ReportAction.values else self.action

    @property
    def to_status_label(self) -> str:
        return (
            str(ReportStatus(self.to_status).label)
            if self.to_status in ReportStatus.values
            else self.to_status
        )


class OrganisationFile(models.Model):
    """A document of a registration change or an annual report's audit report. The bytes are checked and
    virus-scanned with the documents app's rules (``documents.rules.upload_check``, ``upload_scan``); the
    documents app's ``Document`` belongs to applications, hence this small model (ADR 0034)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="files")
    change = models.ForeignKey(
        OrganisationChange, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    report = models.ForeignKey(
        AnnualReport, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    original_name = models.CharField("原文件名", max_length=200)
    file = models.FileField("文件", upload_to="organisations/%Y/%m/", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    scanner = models.CharField("扫描程序", max_length=40, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "社会组织材料"
        verbose_name_plural = "社会组织材料"
        constraints = [
            models.CheckConstraint(
                condition=Q(change__isnull=False) | Q(report__isnull=False),
                name="organisation_file_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class AbnormalListEntry(models.Model):
    """An entry in the 活动异常名录; open while ``removed_on`` is empty (one open entry per organisation)."""

    scope_path = "organisation__division__code"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="abnormal_entries")
    report = models.ForeignKey(
        AnnualReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("列入事由", max_length=200)
    basis = models.CharField("依据", max_length=200)
    listed_on = models.DateField("列入日期")
    notice = models.TextField("告知书")
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.CharField("移出事由", max_length=200, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动异常名录"
        verbose_name_plural = "活动异常名录"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(removed_on__isnull=True), name="abnormal_entry_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.listed_on}"
