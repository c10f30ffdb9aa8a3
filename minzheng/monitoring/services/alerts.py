"""The alert closed loop (国办发〔2023〕39号 §三(三)–(四)): one service per transition of
``rules.ALERT_TRANSITIONS``, referral feedback, scheduled reviews and the proactive application
(主动发现).

Every transition locks the alert (``select_for_update``), compares the status the user saw and writes the
alert's timeline row and an audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.rules import Channel
from minzheng.applications.services import ApplicationData, application_create
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import TEMPORARY_WORKFLOWS
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, ValidationFailed
from minzheng.monitoring import rules
from minzheng.monitoring.models import Alert, AlertEvent, Referral, ReviewSchedule
from minzheng.monitoring.rules import AlertStatus
from minzheng.monitoring.services.common import AlertTransitionRefused, capability_require


def _alert_locked(actor: User, alert_id: int) -> Alert:
    capability_require(actor, Capability.MONITOR)
    alert = Alert.objects.visible_to(actor).select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("预警不存在或不在您的管辖范围内")
    return alert


def _timeline(
    alert: Alert,
    actor: User | None,
    code: str,
    message: str,
    *,
    from_status: str = "",
    to_status: str = "",
    basis: str = "",
) -> None:
    AlertEvent.objects.create(
        alert=alert,
        actor=actor,
        code=code,
        from_status=from_status,
        to_status=to_status,
        message=message[:500],
        basis=basis[:200],
    )
    event_record(
        actor=actor,
        verb=f"monitoring.alert_{code}",
        object_type="monitoring.alert",
        object_id=alert.pk,
        division_code=alert.division.code,
        summary=f"预警 {alert.number}：{message}"[:300],
    )


def _transition(actor: User, alert_id: int, code: str, expected_status: str, reason: str = "") -> Alert:
    alert = _alert_locked(actor, alert_id)
    if alert.status != expected_status:
        label = rules.ALERT_STATUS_LABELS[AlertStatus(alert.status)]
        raise AlertTransitionRefused(f"预警状态已变为“{label}”，请刷新后再办理", field="expected_status")
    transition = rules.alert_transition_for(alert.status, code)
    if transition is None:
        label = rules.ALERT_STATUS_LABELS[AlertStatus(alert.status)]
        raise AlertTransitionRefused(f"预警处于“{label}”状态，不能办理“{code}”")
    if transition.reason_required and not reason.strip():
        raise ValidationFailed(f"“{transition.label}”须填写说明", field="reason")
    if (
        code == "close"
        and alert.status == AlertStatus.REFERRED
        and alert.referrals.filter(feedback="").exists()
    ):
        raise ValidationFailed("转办部门尚未反馈，请先登记部门反馈再办结", field="reason")
    now = timezone.now()
    alert.status = transition.target.value
    if reason.strip():
        alert.reason = reason.strip()
    fields = ["status", "reason"]
    if alert.responded_at is None:
        alert.responded_at = now
        fields.append("responded_at")
    if transition.target == AlertStatus.CLOSED:
        alert.closed_at = now
        fields.append("closed_at")
    alert.save(update_fields=fields)
    _timeline(
        alert,
        actor,
        code,
        f"{transition.label}{'：' + reason.strip() if reason.strip() else ''}",
        from_status=transition.source.value,
        to_status=transition.target.value,
        basis=transition.basis,
    )
    return alert


@transaction.atomic
def alert_verify(*, actor: User, alert_id: int, expected_status: str) -> Alert:
    """已推送 → 核实中: the village or township starts verifying (国办发〔2023〕39号 §三(三))."""
    return _transition(actor, alert_id, "verify", expected_status)


@transaction.atomic
def alert_assist(*, actor: User, alert_id: int, expected_status: str, reason: str = "") -> Alert:
    """核实中 → 救助帮扶中 (§三(四)1–2: deliver the policy or start assistance)."""
    return _transition(actor, alert_id, "assist", expected_status, reason)


@transaction.atomic
def alert_dismiss(*, actor: User, alert_id: int, expected_status: str, reason: str) -> Alert:
    """核实中 → 核实排除, with the reason (the verification found no hardship or no change)."""
    return _transition(actor, alert_id, "dismiss", expected_status, reason)


@transaction.atomic
def alert_close(*, actor: User, alert_id: int, expected_status: str, reason: str = "") -> Alert:
    """→ 已办结. From 已转办 only once every referral has the department's feedback."""
    return _transition(actor, alert_id, "close", expected_status, reason)


@transaction.atomic
def alert_refer(*, actor: User, alert_id: int, expected_status: str, department: str, note: str) -> Referral:
    """核实中 → 已转办: push to the responsible department by hardship type (§三(四)2, 转办推送 §三(二))."""
    if department not in {d.value for d in rules.ReferralDepartment}:
        raise ValidationFailed(f"转办部门“{department}”无效", field="department")
    if not note.strip():
        raise ValidationFailed("请填写转办事项", field="note")
    alert = _transition(actor, alert_id, "refer", expected_status, note)
    return Referral.objects.create(
        alert=alert, department=department, note=note.strip()[:500], referred_by=actor
    )


@transaction.atomic
def referral_feedback_record(
    *, actor: User, referral_id: int, feedback: str, feedback_on: dt.date
) -> Referral:
    """The receiving department's feedback (一户（人）一条救助链, §三(二))."""
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("转办记录不存在")
    alert = _alert_locked(actor, referral.alert_id)
    return _feedback_write(actor, alert, referral, feedback, feedback_on)


def _feedback_write(
    actor: User, alert: Alert, referral: Referral, feedback: str, feedback_on: dt.date
) -> Referral:
    if not feedback.strip():
        raise ValidationFailed("请填写部门反馈", field="feedback")
    if feedback_on > timezone.localdate():
        raise ValidationFailed("反馈日期不能晚于今天", field="feedback_on")
    referral.feedback, referral.feedback_on, referral.feedback_by = feedback.strip(), feedback_on, actor
    referral.save(update_fields=["feedback", "feedback_on", "feedback_by"])
    _timeline(alert, actor, "feedback", f"{referral.get_department_display()}反馈：{feedback.strip()}")
    return referral


@transaction.atomic
def referral_reply_by_department(
    *, actor: User, referral_id: int, department: str, division_code: str, feedback: str, feedback_on: dt.date
) -> Referral:
    """The receiving department's own reply (departments, ADR 0036): the same feedback civil affairs reads on
    the alert, entered by the department's user. Only a referral to ``department`` whose alert lies in the
    user's division (``division_code`` prefix) is found; the caller checks the role."""
    referral = (
        Referral.objects.select_for_update()
        .filter(pk=referral_id, department=department, alert__division__code__startswith=division_code)
        .select_related("alert__division")
        .first()
    )
    if referral is None or not division_code:
        raise NotFound("转办记录不存在或不是转给本部门的")
    return _feedback_write(actor, referral.alert, referral, feedback, feedback_on)


@transaction.atomic
def alert_review_schedule(*, actor: User, alert_id: int, review_on: dt.date, note: str) -> ReviewSchedule:
    """Schedule a review of the household (e.g. within 3 months of a member's death)."""
    alert = _alert_locked(actor, alert_id)
    if alert.status not in {s.value for s in rules.OPEN_STATUSES}:
        raise AlertTransitionRefused("预警已办结或已排除，不能再安排复核")
    if review_on < timezone.localdate():
        raise ValidationFailed("复核日期不能早于今天", field="review_on")
    if not note.strip():
        raise ValidationFailed("请填写复核事项", field="note")
    review = ReviewSchedule.objects.create(
        alert=alert,
        household=alert.household,
        review_on=review_on,
        note=note.strip()[:300],
        scheduled_by=actor,
    )
    _timeline(alert, actor, "review", f"安排 {review_on} 复核：{note.strip()}")
    return review


@transaction.atomic
def alert_application_open(*, actor: User, alert_id: int, expected_status: str, workflow: str) -> Alert:
    """主动发现: open a proactive application for the alert's household through the applications app
    (channel ``proactive``, the alert as the source), then move the alert to 救助帮扶中 if it was being
    verified. The application rules (one open application per programme, roles) apply unchanged."""
    alert = _alert_locked(actor, alert_id)
    if alert.status != expected_status:
        raise AlertTransitionRefused("预警状态已变化，请刷新后再办理", field="expected_status")
    if alert.status not in (AlertStatus.VERIFYING, AlertStatus.ASSISTING):
        raise AlertTransitionRefused("请先开始核实，核实中或救助帮扶中的预警才能发起主动发现申请")
    if alert.application_id is not None:
        raise AlertTransitionRefused("该预警已发起过申请")
    household = alert.household
    person = alert.person
    applicant = (
        person
        if person is not None and person.death_date is None and person.household_id == household.pk
        else household.head
    )
    if applicant is None:
        raise ValidationFailed("该家庭没有户主，无法确定申请人", field="workflow")
    rule = alert.rule
    application = application_create(
        actor=actor,
        data=ApplicationData(
            workflow=workflow,
            household_id=household.pk,
            applicant_id=applicant.pk,
            channel=Channel.PROACTIVE,
            source_note=f"预警 {alert.number}：{rule.title}"[:200],
            hardship=rule.title if workflow in TEMPORARY_WORKFLOWS else "",
        ),
    )
    alert.application = application
    alert.save(update_fields=["application"])
    _timeline(alert, actor, "application", f"发起主动发现申请 {application.number}")
    if alert.status == AlertStatus.VERIFYING:
        _transition(actor, alert.pk, "assist", AlertStatus.VERIFYING, f"已发起申请 {application.number}")
    alert.refresh_from_db()
    return alert
