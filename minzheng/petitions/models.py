"""The 信访 register (issue 20): one row per petition, complaint or policy question from any channel, with its
statutory limits computed once and stored, and its timeline (ADR 0035).

The petitioner's identity is personal data: name, ID number and phone are encrypted with a masked copy for
lists, and one blind index (``petitioner_index``) links repeat petitions of the same person without
decrypting anything (``registry.Person`` does the same). Scoping is by the responsible unit (``division``);
the selectors add the rule that hides a complaint from the staff member it names and from their unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.petitions import rules
from minzheng.registry.models import Person


def _choices(labels: Mapping[Any, str]) -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in labels.items()]


class Petition(models.Model):
    scope_path = "division__code"

    number = models.CharField("信访编号", max_length=24, unique=True, null=True, blank=True)
    channel = models.CharField("渠道", max_length=12, choices=_choices(rules.CHANNEL_LABELS))
    kind = models.CharField("类别", max_length=12, choices=_choices(rules.KIND_LABELS))
    matter_type = models.CharField("事项类型", max_length=16, choices=_choices(rules.MATTER_LABELS))
    subject = models.CharField("标题", max_length=100)
    content = models.TextField("信访内容")

    # the petitioner (encrypted + masked; the index links repeat petitions)
    petitioner_name_encrypted = models.TextField()
    petitioner_name_masked = models.CharField("信访人", max_length=50)
    petitioner_id_encrypted = models.TextField(blank=True)
    petitioner_id_masked = models.CharField("身份证号码", max_length=18, blank=True)
    petitioner_phone_encrypted = models.TextField(blank=True)
    petitioner_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    petitioner_index = models.CharField(max_length=64, db_index=True)
    person = models.ForeignKey(
        Person, verbose_name="登记人员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    portal_account = models.ForeignKey(
        "portal.PortalAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # where it is handled
    division = models.ForeignKey(
        Division, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    received_division = models.ForeignKey(
        Division, verbose_name="登记单位", on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    accused_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="被反映工作人员", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    accused_division = models.ForeignKey(
        Division,
        verbose_name="被反映人所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # the case it concerns; eldercare orders (built in parallel) are named in ``related_reference``
    application = models.ForeignKey(
        "applications.Application", verbose_name="关联申请", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    enrolment = models.ForeignKey(
        "enrolments.Enrolment", verbose_name="关联在保记录", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    alert = models.ForeignKey(
        "monitoring.Alert", verbose_name="关联预警", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    related_reference = models.CharField("其他关联事项编号", max_length=60, blank=True)
    repeat_of = models.ForeignKey(
        "self", verbose_name="重复信访（首次）", null=True, blank=True, on_delete=models.PROTECT,
        related_name="repeats",
    )  # fmt: skip

    status = models.CharField("状态", max_length=20, choices=_choices(rules.STATUS_LABELS))
    received_on = models.DateField("收到日期")
    accept_due_on = models.DateField("受理告知期限", null=True, blank=True)
    accepted_on = models.DateField("受理（告知）日期", null=True, blank=True)
    accept_notice = models.TextField("受理告知书内容", blank=True)
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    objection_due_on = models.DateField("交办异议期限", null=True, blank=True)
    handle_due_on = models.DateField("办理期限", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("已延长天数", default=0)
    extension_reason = models.TextField("延期理由", blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    reply_text = models.TextField("处理意见", blank=True)
    replied_on_time = models.BooleanField("按期答复", null=True, blank=True)
    review_request_due_on = models.DateField("请求复查期限", null=True, blank=True)
    review_requested_on = models.DateField("请求复查日期", null=True, blank=True)
    review_due_on = models.DateField("复查期限", null=True, blank=True)
    reviewed_on = models.DateField("复查意见日期", null=True, blank=True)
    review_text = models.TextField("复查意见", blank=True)
    rereview_request_due_on = models.DateField("请求复核期限", null=True, blank=True)
    rereview_requested_on = models.DateField("请求复核日期", null=True, blank=True)
    rereview_due_on = models.DateField("复核期限", null=True, blank=True)
    rereviewed_on = models.DateField("复核意见日期", null=True, blank=True)
    rereview_text = models.TextField("复核意见", blank=True)
    # the limit of the current step, for the daily scan; provisional = a day the calendar did not know
    current_due_on = models.DateField("当前期限", null=True, blank=True)
    current_due_provisional = models.BooleanField(default=False)
    limits_note = models.CharField("期限说明", max_length=300, blank=True)
    due_state = models.CharField(
        "期限状态", max_length=10, blank=True, default="", choices=_choices(rules.DUE_STATE_LABELS)
    )
    escalated_at = models.DateTimeField("超期上报时间", null=True, blank=True)
    escalated_to = models.ForeignKey(
        Division, verbose_name="上报至", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    satisfaction = models.CharField(
        "满意度", max_length=12, blank=True, choices=_choices(rules.SATISFACTION_LABELS)
    )
    evaluation_note = models.TextField("评价意见", blank=True)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # the public Q&A (policy questions only): staff write the public wording, never the petitioner's text
    publishable = models.BooleanField("公开问答", default=False)
    public_question = models.TextField("公开问题", blank=True)
    public_answer = models.TextField("公开答复", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "current_due_on"], name="petition_status_due"),
            models.Index(fields=["division", "status"], name="petition_division_status"),
        ]

    def __str__(self) -> str:
        return self.number or f"信访{self.pk}"

    @property
    def status_label(self) -> str:
        return rules.STATUS_LABELS[rules.Status(self.status)]


class PetitionEvent(models.Model):
    """The timeline: one row per transition, scan flag and escalation."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("事项", max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    basis = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "信访办理记录"
        verbose_name_plural = "信访办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.action}"
