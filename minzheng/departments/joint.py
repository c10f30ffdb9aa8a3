"""社会救助一件事 (issue 23 §3): one intake — the household's 低保 application — opens linked requests to
the departments concerned (医疗救助 → 医保, 教育资助 → 教育, 住房救助 → 住建), each with its own limit and
state. The departments answer their request with their own login (scoped like referrals: their department,
their division); civil affairs and the applicant (portal) each have one progress view of the whole case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied, ValidationFailed
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.departments import rules
from minzheng.departments.models import JointCase, JointRequest
from minzheng.departments.rules import JointItem, ReferralState
from minzheng.departments.selectors import department_of


@transaction.atomic
def joint_case_open(*, actor: User, application_id: int, items: Sequence[str]) -> JointCase:
    """Open the joint case of an application (once), with one request per item, each due in
    ``rules.JOINT_WORKING_DAYS`` working days from today."""
    if not actor.can(Capability.ACCEPT_APPLICATIONS):
        raise PermissionDenied("您的角色不能受理一件事联办")
    application = (
        Application.objects.visible_to(actor).select_related("household").filter(pk=application_id).first()
    )
    if application is None:
        raise NotFound("申请不存在或不在您的管辖范围内")
    chosen = [JointItem(i) for i in dict.fromkeys(items) if i in {j.value for j in JointItem}]
    if not chosen or len(chosen) != len(set(items)):
        raise ValidationFailed("请选择联办事项：医疗救助、教育资助、住房救助", field="items")
    if JointCase.objects.filter(application=application).exists():
        raise ValidationFailed("该申请已开启一件事联办", field="application")
    case = JointCase.objects.create(
        application=application,
        household=application.household,
        division=application.division,
        created_by=actor,
    )
    case.number = f"YJS-{application.number}"[:24]
    case.save(update_fields=["number"])
    due = due_date(timezone.localdate(), WorkingDays(rules.JOINT_WORKING_DAYS), working_calendar())
    JointRequest.objects.bulk_create(
        JointRequest(
            joint_case=case,
            item=item,
            department=rules.JOINT_ITEMS[item][1],
            due_on=due.due_on,
            due_provisional=due.provisional,
        )
        for item in chosen
    )
    labels = "、".join(rules.JOINT_ITEMS[i][0] for i in chosen)
    event_record(
        actor=actor,
        verb="departments.joint_opened",
        object_type="departments.joint_case",
        object_id=case.pk,
        division_code=application.division.code,
        summary=f"{application.number} 开启一件事联办：低保、{labels}",
    )
    return case


def department_joint_requests(actor: User) -> QuerySet[JointRequest]:
    prefix = actor.scope_prefix
    if not prefix:
        return JointRequest.objects.none()
    return (
        JointRequest.objects.filter(
            department=department_of(actor), joint_case__division__code__startswith=prefix
        )
        .select_related("joint_case__application", "joint_case__division")
        .order_by("due_on", "id")
    )


@transaction.atomic
def joint_request_answer(*, actor: User, request_id: int, reply: str) -> JointRequest:
    """The department's result for its request; closes it."""
    request = department_joint_requests(actor).select_for_update(of=("self",)).filter(pk=request_id).first()
    if request is None:
        raise NotFound("联办事项不存在或不是本部门的")
    if request.state == ReferralState.CLOSED:
        raise ValidationFailed("该联办事项已办结", field="reply")
    if not reply.strip():
        raise ValidationFailed("请填写办理结果", field="reply")
    request.reply, request.state = reply.strip()[:2000], ReferralState.CLOSED
    request.replied_by, request.replied_at = actor, timezone.now()
    request.save(update_fields=["reply", "state", "replied_by", "replied_at"])
    event_record(
        actor=actor,
        verb="departments.joint_answered",
        object_type="departments.joint_request",
        object_id=request.pk,
        division_code=request.joint_case.division.code,
        summary=f"{request.joint_case.number}：{rules.JOINT_ITEMS[JointItem(request.item)][0]}已办结",
    )
    return request


@dataclass(frozen=True)
class ProgressLine:
    item: str
    department: str
    state: str
    due_on: str
    reply: str
    overdue: bool


def joint_progress(case: JointCase) -> list[ProgressLine]:
    """The 低保 application's step and every department request: one list for both progress views."""
    application = case.application
    lines = [
        ProgressLine(
            "最低生活保障",
            "民政",
            Step(application.step).label,
            f"{application.overall_due_on:%Y-%m-%d}" if application.overall_due_on else "—",
            application.decision_reason,
            False,
        )
    ]
    today = timezone.localdate()
    for request in case.requests.order_by("id"):
        label, department = rules.JOINT_ITEMS[JointItem(request.item)]
        lines.append(
            ProgressLine(
                label,
                rules.DEPARTMENT_LABELS[department],
                ReferralState(request.state).label,
                f"{request.due_on:%Y-%m-%d}",
                request.reply,
                request.state != ReferralState.CLOSED and request.due_on < today,
            )
        )
    return lines


def joint_case_for_staff(actor: User, pk: int) -> JointCase:
    case = JointCase.objects.visible_to(actor).select_related("application").filter(pk=pk).first()
    if case is None:
        raise NotFound("一件事联办不存在或不在您的管辖范围内")
    return case


def joint_cases_for_household(household_id: int) -> QuerySet[JointCase]:
    return JointCase.objects.filter(household_id=household_id).select_related("application").order_by("-id")
