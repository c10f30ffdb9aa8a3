"""Writes of the departments area: staff confirm or correct an automatic check (which records the ordinary
verification result), and a department user replies to, attaches to and closes a referral sent to them.
Every write is audited in its transaction."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import VerificationOutcome
from minzheng.applications.services import verification_record
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied, ValidationFailed
from minzheng.departments import rules
from minzheng.departments.models import ReferralAttachment, ReferralHandling, SourceCheck
from minzheng.departments.rules import CheckStatus, Outcome, ReferralState
from minzheng.departments.selectors import check_lines, department_of, referral_for_department
from minzheng.documents.rules import upload_check
from minzheng.documents.services import upload_scan
from minzheng.monitoring.models import Referral
from minzheng.monitoring.services import referral_reply_by_department

# the automatic outcome → the recorded verification result (部分成员无数据 needs a person's conclusion)
RECORDED: dict[str, str] = {
    Outcome.CONSISTENT: VerificationOutcome.CONSISTENT,
    Outcome.INCONSISTENT: VerificationOutcome.INCONSISTENT,
    Outcome.NO_DATA: VerificationOutcome.NO_DATA,
}
ATTACHMENT_LIMIT = 10 * 1024 * 1024


def _pending_check(actor: User, check_id: int) -> SourceCheck:
    check = (
        SourceCheck.objects.visible_to(actor)
        .select_for_update()
        .filter(pk=check_id, current=True)
        .select_related("application")
        .first()
    )
    if check is None:
        raise NotFound("核对结果不存在或不在您的管辖范围内")
    if check.status != CheckStatus.PENDING:
        raise ValidationFailed("该核对结果已确认，不能重复办理", field="status")
    return check


def _decide(actor: User, check: SourceCheck, outcome: str, reason: str) -> SourceCheck:
    source = rules.SOURCE_BY_CODE[check.source]
    lines = check_lines(check)
    detail = "；".join(["自动核对", *lines, *([f"更正理由：{reason}"] if reason else [])])
    # the ordinary record: the step's guard (county approver at 信息核对, in jurisdiction) applies
    result = verification_record(
        actor=actor,
        application_id=check.application_id,
        source=check.source,
        outcome=RECORDED[outcome],
        detail=detail[:500],
        amount=check.found_amount,
    )
    check.status = CheckStatus.CORRECTED if reason else CheckStatus.CONFIRMED
    check.decided_outcome, check.reason = outcome, reason
    check.decided_by, check.decided_at, check.result = actor, timezone.now(), result
    check.save(update_fields=["status", "decided_outcome", "reason", "decided_by", "decided_at", "result"])
    event_record(
        actor=actor,
        verb=f"departments.check_{check.status}",
        object_type="departments.source_check",
        object_id=check.pk,
        summary=f"{check.application.number}：{source.label} 自动核对“{Outcome(check.outcome).label}”"
        f"{'更正为' if reason else '确认为'}“{Outcome(outcome).label}”"
        + (f"，理由：{reason}" if reason else ""),
        data={"automatic": check.outcome, "decided": outcome, "reason": reason},
    )
    return check


@transaction.atomic
def check_confirm(*, actor: User, check_id: int) -> SourceCheck:
    """Confirm the automatic outcome as the source's verification result."""
    check = _pending_check(actor, check_id)
    if check.outcome not in RECORDED:
        raise ValidationFailed("部分成员无数据，请选择核对结论并填写理由后更正", field="outcome")
    return _decide(actor, check, check.outcome, "")


@transaction.atomic
def check_correct(*, actor: User, check_id: int, outcome: str, reason: str) -> SourceCheck:
    """Record another conclusion than the automatic one, with the reason (audited)."""
    check = _pending_check(actor, check_id)
    if outcome not in RECORDED:
        raise ValidationFailed("请选择核对结论：与申报一致、与申报不一致或无数据", field="outcome")
    if not reason.strip():
        raise ValidationFailed("更正自动核对结果须填写理由", field="reason")
    return _decide(actor, check, outcome, reason.strip()[:500])


# --- referrals, by the receiving department --------------------------------------------------------------


def _handling(referral: Referral) -> ReferralHandling:
    handling, _created = ReferralHandling.objects.select_for_update().get_or_create(referral=referral)
    return handling


def _audit(actor: User, referral: Referral, verb: str, summary: str) -> None:
    event_record(
        actor=actor,
        verb=f"departments.referral_{verb}",
        object_type="monitoring.referral",
        object_id=referral.pk,
        division_code=referral.alert.division.code,
        summary=summary,
    )


@transaction.atomic
def referral_reply(*, actor: User, referral_id: int, feedback: str, feedback_on: dt.date) -> Referral:
    """The department's reply: written as the referral's feedback, which civil affairs reads on the alert."""
    department = department_of(actor)
    division = actor.scope_prefix or ""
    referral = referral_reply_by_department(
        actor=actor,
        referral_id=referral_id,
        department=department,
        division_code=division,
        feedback=feedback,
        feedback_on=feedback_on,
    )
    handling = _handling(referral)
    if handling.state == ReferralState.CLOSED:
        raise ValidationFailed("该转办事项已办结", field="feedback")
    handling.state = ReferralState.REPLIED
    handling.save(update_fields=["state"])
    _audit(actor, referral, "replied", f"{referral.get_department_display()}反馈转办事项 {referral.pk}")
    return referral


@transaction.atomic
def referral_attach(
    *, actor: User, referral_id: int, name: str, data: bytes, ip_address: str | None = None
) -> ReferralAttachment:
    """A document for the reply (PDF or image), checked and virus-scanned like every upload (ADR 0028)."""
    referral = referral_for_department(actor, referral_id, lock=True)
    checked = upload_check(name, data, ATTACHMENT_LIMIT)
    scan, _scanner = upload_scan(
        data=data,
        name=name,
        sha256=checked.sha256,
        actor=actor,
        object_type="monitoring.referral",
        object_id=referral.pk,
        division_code=referral.alert.division.code,
        subject=f"转办 {referral.pk}",
        ip_address=ip_address,
    )
    attachment = ReferralAttachment(
        referral=referral,
        name=name[:200],
        size=checked.size,
        sha256=checked.sha256,
        scan_status=scan.status,
        uploaded_by=actor,
    )
    attachment.file.save(f"{checked.sha256}.{checked.extension}", ContentFile(data), save=False)
    attachment.save()
    _audit(actor, referral, "attached", f"转办事项 {referral.pk} 上传附件“{name[:100]}”")
    return attachment


@transaction.atomic
def referral_close(*, actor: User, referral_id: int) -> ReferralHandling:
    """Close the department's work on the referral; only after its reply."""
    referral = referral_for_department(actor, referral_id, lock=True)
    if not referral.feedback:
        raise ValidationFailed("请先填写部门反馈再办结", field="feedback")
    handling = _handling(referral)
    if handling.state == ReferralState.CLOSED:
        raise ValidationFailed("该转办事项已办结", field="state")
    handling.state, handling.closed_at, handling.closed_by = ReferralState.CLOSED, timezone.now(), actor
    handling.save(update_fields=["state", "closed_at", "closed_by"])
    _audit(actor, referral, "closed", f"{referral.get_department_display()}办结转办事项 {referral.pk}")
    return handling


def department_require(actor: User) -> None:
    if not actor.can(Capability.ANSWER_REFERRALS):
        raise PermissionDenied("您的角色不能办理部门转办事项")
