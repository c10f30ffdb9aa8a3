"""Handing a household rejected for 低保/特困 straight into the 低保边缘 or 刚性支出困难 identification (Inner
Mongolia 2024 margin/rigid-expense measures), with its consent and its records."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import ApplicationInvalid, DuplicateApplication, TransitionNotAllowed
from minzheng.applications.models import Application, HomeVisit, VerificationResult
from minzheng.applications.rules import Step, Workflow
from minzheng.applications.services.access import delegated, due, in_scope, locked, today
from minzheng.applications.services.intake import workflow_of
from minzheng.applications.timeline import timeline_record
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied


def _may_hand_over(actor: User) -> bool:
    return actor.can(Capability.ACCEPT_APPLICATIONS) and actor.role in rules.HANDOVER_ROLES


@transaction.atomic
def application_handover(*, actor: User, application_id: int, workflow: str, consent: bool) -> Application:
    """Move a household rejected for 低保/特困 straight into the margin or rigid-expense procedure, with its
    consent, without re-submitting papers (Inner Mongolia 2024 margin/rigid-expense measures): a new
    application at first review carrying the pledge, the home visits and the verification results."""
    target = workflow_of(workflow)
    source = locked(application_id, actor)
    if not _may_hand_over(actor):
        raise PermissionDenied("转入低保边缘、刚性支出困难认定由乡镇（街道）经办人员办理")
    if not in_scope(actor, source.division):
        raise PermissionDenied("该申请不在您的管辖范围内")
    if Workflow(source.workflow) not in rules.HANDOVER_FROM or source.step != Step.REJECTED:
        raise TransitionNotAllowed("只有不予批准的低保、特困申请可以直接转入认定程序", field="step")
    if target not in rules.HANDOVER_TO:
        raise ApplicationInvalid("只能转入低保边缘家庭或刚性支出困难家庭认定", field="workflow")
    if not consent:
        raise ApplicationInvalid("转入认定程序须经申请人同意", field="consent")
    day = today()
    try:
        with transaction.atomic():
            handed = Application.objects.create(
                workflow=target.value,
                programme=rules.WORKFLOW_PROGRAMME[target],
                household=source.household,
                applicant=source.applicant,
                division=source.division,
                channel=source.channel,
                entrusted_name=source.entrusted_name,
                entrusted_relation=source.entrusted_relation,
                source_note=f"由申请 {source.number} 转入",
                submitted_on=day,
                accepted_on=day,
                staff_relative=source.staff_relative,
                complaint=source.complaint,
                pledge_signed_at=source.pledge_signed_at,
                pledge_recorded_by=source.pledge_recorded_by,
                step=Step.FIRST_REVIEW,
                handed_over_from=source,
                created_by=actor,
            )
    except IntegrityError:
        raise DuplicateApplication(
            f"该家庭已有办理中的“{rules.WORKFLOW_LABELS[target]}”申请", field="workflow"
        ) from None
    handed.number = f"{source.division.code[:6]}-{day.year}-{handed.pk:07d}"
    limits = rules.OVERALL_LIMIT_DELEGATED if delegated(handed) else rules.OVERALL_LIMIT
    overall = due(day, limits[target])
    handed.overall_due_on, handed.overall_due_provisional = overall.due_on, overall.provisional
    handed.save(update_fields=["number", "overall_due_on", "overall_due_provisional"])
    _copy_records(source, handed)
    _record(actor, source, handed, target)
    return handed


def _record(actor: User, source: Application, handed: Application, target: Workflow) -> None:
    label = rules.WORKFLOW_LABELS[target]
    timeline_record(
        handed,
        actor,
        "transition",
        "handover",
        f"经申请人同意，由{rules.WORKFLOW_LABELS[Workflow(source.workflow)]}申请 {source.number} "
        "直接转入，沿用原申请材料、入户调查和核对结果",
        basis=rules.MARGIN_RIGID_IM,
        to_step=Step.FIRST_REVIEW,
        data={"from": source.pk},
    )
    timeline_record(
        source, actor, "record", "handed_over", f"转入{label}：{handed.number}", data={"to": handed.pk}
    )
    event_record(
        actor=actor,
        verb="application.handover",
        object_type="application",
        object_id=handed.pk,
        division_code=handed.division.code,
        summary=f"{source.number} 转入{label} {handed.number}",
    )


def _copy_records(source: Application, target: Application) -> None:
    """The investigation's records, set-based (two bulk creates)."""
    HomeVisit.objects.bulk_create(
        HomeVisit(
            application=target,
            visited_on=v.visited_on,
            investigators=v.investigators,
            by_county=v.by_county,
            members_present=v.members_present,
            housing=v.housing,
            findings=v.findings,
            recorded_by=v.recorded_by,
        )
        for v in source.home_visits.all()
    )
    VerificationResult.objects.bulk_create(
        VerificationResult(
            application=target,
            source=r.source,
            outcome=r.outcome,
            detail=r.detail,
            amount=r.amount,
            recorded_by=r.recorded_by,
        )
        for r in source.verifications.all()
    )
