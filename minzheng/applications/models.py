"""Applications for assistance and the records of their steps (issue 4).

An ``Application`` moves through the steps of its workflow (``rules.WORKFLOWS``) only through
``services.application_transition``; every move, comment and record lands in ``ApplicationEvent`` (the
case timeline). A household has at most one open application per programme (per person for 特困),
enforced by partial unique indexes, so a double submission cannot create two.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.applications.rules import FINAL_STEPS, Channel, Step, Workflow
from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.registry.models import Household, Person

WORKFLOW_CHOICES = [(w.value, w.value) for w in Workflow]
OPEN = ~Q(step__in=sorted(s.value for s in FINAL_STEPS))  # sorted: a stable migration


class DeadlineStatus(models.TextChoices):
    ON_TIME = "", "正常"
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已超期"


class Application(TimeStampedModel):
    # The household's village: townships and above see what they accepted, a village assistant sees the
    # applications of the village's households (the accepting township always contains the village).
    scope_path = "household__hukou_division__code"

    number = models.CharField("申请编号", max_length=24, unique=True, null=True, blank=True)
    workflow = models.CharField("救助类别", max_length=32, choices=WORKFLOW_CHOICES)
    programme = models.CharField("救助项目", max_length=32)
    household = models.ForeignKey(
        Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        Person, verbose_name="救助对象", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        Division, verbose_name="受理乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("申请渠道", max_length=12, choices=Channel.choices)
    entrusted_name = models.CharField("受托人", max_length=50, blank=True)
    entrusted_relation = models.CharField("受托人身份", max_length=50, blank=True)
    entrustment_note = models.CharField("委托说明", max_length=200, blank=True)
    source_note = models.CharField("线索来源", max_length=200, blank=True)  # 主动发现: alert, visit…
    step = models.CharField("当前环节", max_length=20, choices=Step.choices, default=Step.SUBMITTED)
    step_entered_at = models.DateTimeField("进入环节时间", auto_now_add=True)
    step_due_on = models.DateField("环节办结时限", null=True, blank=True)
    step_due_provisional = models.BooleanField(default=False)
    deadline_status = models.CharField(
        "时限状态", max_length=10, choices=DeadlineStatus.choices, default="", blank=True
    )
    submitted_on = models.DateField("申请日期")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    overall_due_on = models.DateField("总办结时限", null=True, blank=True)
    overall_due_provisional = models.BooleanField(default=False)
    extension_reason = models.CharField("延长时限理由", max_length=40, blank=True)
    staff_relative = models.BooleanField("工作人员近亲属（单独登记备案）", default=False)
    complaint = models.BooleanField("有投诉举报", default=False)
    pledge_signed_at = models.DateTimeField("承诺与授权核对签署时间", null=True, blank=True)
    pledge_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    missing_materials = models.JSONField("一次性告知的缺少材料", default=list, blank=True)
    hardship = models.CharField("困难情形", max_length=200, blank=True)
    assistance_type = models.CharField("临时救助类型", max_length=16, blank=True)
    requested_amount = models.DecimalField("申请金额", max_digits=12, decimal_places=2, null=True, blank=True)
    # 残疾人两项补贴: the subsidies applied for (rules.SUBSIDY_LABELS codes), one or both
    subsidies = models.JSONField("申请的补贴", default=list, blank=True)
    opinion = models.TextField("初审（审核）意见", blank=True)
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示结束", null=True, blank=True)
    notice_ends_provisional = models.BooleanField(default=False)  # a day in a year the calendar lacks
    spot_checked = models.BooleanField("县级抽查", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField("决定理由", blank=True)
    # 人工核定 (ADR 0031): the engine found the case 需人工核定; the approver decided the amount in writing.
    manually_determined = models.BooleanField("人工核定", default=False)
    manual_reason = models.TextField("人工核定理由", blank=True)
    monthly_amount = models.DecimalField("月救助金额", max_digits=12, decimal_places=2, null=True, blank=True)
    one_off_amount = models.DecimalField(
        "一次性救助金额", max_digits=12, decimal_places=2, null=True, blank=True
    )
    level = models.CharField("档次", max_length=40, blank=True)
    starts_month = models.DateField("起始发放月份", null=True, blank=True)
    # 临时救助 一次审批、分阶段发放: [{"month": "2026-12-01", "amount": "1000.00"}, …]; empty = one payment
    instalments = models.JSONField("分阶段发放计划", default=list, blank=True)
    support_mode = models.CharField("供养方式", max_length=16, blank=True)  # 特困: home / institutional
    meeting_note = models.TextField("一事一议会议纪要", blank=True)
    valid_until = models.DateField("认定有效期至", null=True, blank=True)  # 刚性支出困难: ≤ 12 months
    handed_over_from = models.ForeignKey(  # 低保/特困 rejected → margin/rigid-expense without new papers
        "self", verbose_name="转自申请", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.JSONField("测算结果", null=True, blank=True)
    notice_due_on = models.DateField("书面告知时限", null=True, blank=True)
    notice_due_provisional = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "救助申请"
        verbose_name_plural = "救助申请"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "programme"],
                condition=OPEN & Q(subject__isnull=True),
                name="application_one_open_per_household",
            ),
            models.UniqueConstraint(
                fields=["subject", "programme"],
                condition=OPEN & Q(subject__isnull=False),
                name="application_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["division", "step"]),
            models.Index(fields=["step_due_on"], condition=OPEN, name="application_open_due"),
        ]

    def __str__(self) -> str:
        return self.number or f"申请 {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.step not in FINAL_STEPS


class ApplicationEvent(models.Model):
    """One line of the case timeline: a transition, a record, a comment or a deadline change."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=16)  # transition / record / comment / deadline
    code = models.CharField("事项", max_length=40)
    from_step = models.CharField(max_length=20, blank=True)
    to_step = models.CharField(max_length=20, blank=True)
    message = models.CharField("说明", max_length=500)
    basis = models.CharField("依据", max_length=200, blank=True)
    due_on = models.DateField("时限", null=True, blank=True)
    due_provisional = models.BooleanField(default=False)  # ``due_on`` falls in a year the calendar lacks
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"

    def __str__(self) -> str:
        return f"{self.code} {self.at:%Y-%m-%d %H:%M}"


class HomeVisit(models.Model):
    """入户调查 (审核确认办法第 16 条): ≥ 2 investigators; ``by_county`` for the county's visit (第 20 条)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="home_visits")
    visited_on = models.DateField("调查日期")
    investigators = models.JSONField("调查人员")
    by_county = models.BooleanField("县级入户核查", default=False)
    members_present = models.CharField("在场家庭成员", max_length=200)
    housing = models.CharField("居住情况", max_length=500, blank=True)
    findings = models.TextField("调查结论")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "入户调查"
        verbose_name_plural = "入户调查"

    def __str__(self) -> str:
        return f"入户调查 {self.visited_on}"


class VerificationSource(models.TextChoices):
    """Data sources of 家庭经济状况核对 (审核确认办法第 17 条; policy-rules.md §4.3)."""

    CIVIL_AFFAIRS = "civil_affairs", "民政（婚姻、殡葬、救助）"
    HUMAN_RESOURCES = "human_resources", "人社（就业、社保、养老金）"
    TAX = "tax", "税务"
    HOUSING_FUND = "housing_fund", "住房公积金"
    REAL_ESTATE = "real_estate", "不动产登记"
    VEHICLE = "vehicle", "公安车辆"
    MARKET = "market", "市场监管（工商登记）"
    BANK = "bank", "银行存款"
    SECURITIES = "securities", "证券"
    INSURANCE = "insurance", "商业保险"
    # 残疾人两项补贴: the county 残联's review (国发〔2015〕52号); 事实无人抚养儿童: the parents' situation by
    # inter-departmental data matching (2019 opinion)
    DISABILITY_FEDERATION = "disability_fed", "县残联审核"
    PUBLIC_SECURITY = "public_security", "公安（户籍、羁押、戒毒、失联）"
    JUSTICE = "justice", "司法行政（服刑）"
    COURT = "court", "人民法院（宣告死亡、失踪）"
    # automatic verification against the department feeds (departments, ADR 0036)
    MEDICAL_INSURANCE = "medical_insurance", "医保（医疗费用）"
    DISABILITY_CERTIFICATE = "disability_cert", "残联（残疾人证）"
    OTHER = "other", "其他"


class VerificationOutcome(models.TextChoices):
    CONSISTENT = "consistent", "与申报一致"
    INCONSISTENT = "inconsistent", "与申报不一致"
    NO_RECORD = "no_record", "无记录"
    NO_DATA = "no_data", "无数据"  # the department has delivered no data on the members: never “一致”


class VerificationResult(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="verifications")
    source = models.CharField("核对数据来源", max_length=20, choices=VerificationSource.choices)
    outcome = models.CharField("核对结果", max_length=16, choices=VerificationOutcome.choices)
    detail = models.CharField("说明", max_length=500, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信息核对结果"
        verbose_name_plural = "信息核对结果"

    def __str__(self) -> str:
        return f"{self.get_source_display()}：{self.get_outcome_display()}"


class Objection(models.Model):
    """An objection to the public notice (审核确认办法第 19 条)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    resolution = models.TextField("处理结果", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"

    def __str__(self) -> str:
        return f"异议 {self.received_on}"


class SupportMode(models.TextChoices):
    """特困: support at home or in an institution, as the person chooses (社会救助暂行办法第 19 条)."""

    HOME = "home", "分散供养"
    INSTITUTIONAL = "institutional", "集中供养"


class CareAssessment(models.Model):
    """特困 investigation facts the engine needs and the registry does not hold: the six-item self-care
    assessment (特困人员认定办法第 20—23 条), the support duty-bearers (第 4 条第 3 项、第 8 条), the
    provincial no-work-capacity case (第 5 条第 4 项), and the support mode the person chose."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="care_assessment")
    assessed_on = models.DateField("评估日期")
    assessors = models.JSONField("评估人员")
    eating = models.BooleanField("自主吃饭")
    dressing = models.BooleanField("自主穿衣")
    getting_in_out_of_bed = models.BooleanField("自主上下床")
    toileting = models.BooleanField("自主如厕")
    walking_indoors = models.BooleanField("室内自主行走")
    bathing = models.BooleanField("自主洗澡")
    self_care = models.CharField("评定结果", max_length=16)  # registry.choices.SelfCare, from the six items
    supporter_status = models.CharField("法定义务人情况", max_length=8)  # benefits.facts.SupporterStatus
    supporter_inability = models.CharField("义务人无履行能力情形", max_length=40, blank=True)
    other_no_work_capacity = models.CharField("其他无劳动能力情形", max_length=200, blank=True)
    support_mode = models.CharField("供养方式", max_length=16, choices=SupportMode.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "特困人员评估"
        verbose_name_plural = "特困人员评估"

    def __str__(self) -> str:
        return f"特困评估 {self.assessed_on}"


class ExpenseRecord(models.Model):
    """A rigid expense established by the investigation, with its receipt (刚性支出困难家庭认定办法第 5 条:
    out-of-pocket medical costs after insurance, education at public-school levels, rehabilitation, basic
    living, others set by the county). The registry keeps no expenses; the engine reads these."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField("支出类别", max_length=16)  # benefits.facts.RigidExpenseKind
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    incurred_on = models.DateField("发生日期")
    person = models.ForeignKey(
        Person, verbose_name="发生人员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("凭证说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "刚性支出"
        verbose_name_plural = "刚性支出"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_amount_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
