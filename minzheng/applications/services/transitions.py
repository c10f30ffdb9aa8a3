"""The one place an application changes step (ADR 0001): ``application_transition`` locks the row, finds the
transition in the workflow's table, compares the step with the one the user saw, checks the role and the
jurisdiction, converts the input to its type (``inputs.INPUTS``), checks the step's requirements, applies
what the transition decides (``decisions.decide``), moves the step with its deadline, and writes the
timeline line and the audit event — all in one transaction, so a refusal at any point writes nothing and
two approvers clicking at once produce exactly one decision and a clear message for the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import StepRequirementMissing, TransitionNotAllowed
from minzheng.applications.inputs import ApprovalInput, TransitionInput, transition_input
from minzheng.applications.models import Application, CareAssessment, DeadlineStatus, VerificationSource
from minzheng.applications.rules import Requirement, Step, Transition, Workflow
from minzheng.applications.services.access import delegated, due, in_scope, locked, today
from minzheng.applications.services.decisions import decide
from minzheng.applications.services.enrolment import enrolment_from_application
from minzheng.applications.timeline import timeline_record
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Role
from minzheng.common.errors import NoticeRunning, PermissionDenied
from minzheng.common.workdays import notice_over
from minzheng.payments.models import ReserveFund
from minzheng.payments.services import reserve_draw

# Aid paid at once in cash from the township's reserve fund (先行救助, 小额快救: 民发〔2018〕23号 §三(三);
# 2020 opinion item 15); everything else approved is paid monthly through the payroll (an enrolment).
RESERVE_PAID = rules.RESERVE_PAID
RESERVE_PAYING = frozenset({"pay_aid_first", "approve"})


@transaction.atomic
def application_transition(
    *,
    actor: User,
    application_id: int,
    code: str,
    expected_step: str | None = None,
    data: TransitionInput | Mapping[str, Any] | None = None,
) -> Application:
    """Take transition ``code`` of the application's workflow with its input (``inputs.INPUTS[code]``; a
    mapping is converted to it). ``expected_step`` is the step the user saw: if another user moved the
    application meanwhile, the request is refused instead of acting on a step the user did not see.
    Raises ``TransitionNotAllowed``, ``PermissionDenied``, ``StepRequirementMissing`` and the engine's
    errors on approval; nothing is written then."""
    application = locked(application_id, actor)
    workflow = Workflow(application.workflow)
    current = Step(application.step)
    transition = rules.transition_for(workflow, current, code)
    if transition is None or (expected_step and expected_step != current):
        known = next((t for t in rules.transitions(workflow) if t.code == code), None)
        label = known.label if known else code
        raise TransitionNotAllowed(
            f"申请 {application.number} 当前处于“{current.label}”环节，不能办理“{label}”"
            "（可能已由他人办理，请刷新）",
            field="step",
        )
    _allowed(actor, application, transition)
    typed = transition_input(code, data)
    day = today()
    _requirements(application, transition, typed, day)
    decide(application, actor, transition, typed, day)
    manual = isinstance(typed, ApprovalInput) and application.manually_determined
    _move(application, transition, day)
    timeline_record(
        application,
        actor,
        "transition",
        code,
        f"{transition.label}：{typed.detail()}" if typed.detail() else transition.label,
        basis=transition.basis,
        from_step=current,
        to_step=transition.target,
        due_on=application.step_due_on,
        due_provisional=application.step_due_provisional,
        data=typed.recorded(),
    )
    if transition.target == Step.APPROVED and workflow not in RESERVE_PAID:
        enrolment_from_application(actor=actor, application=application)
    if workflow in RESERVE_PAID and code in RESERVE_PAYING:
        _reserve_pay(application, actor, day)
    event_record(
        actor=actor,
        verb=f"application.{code}",
        object_type="application",
        object_id=application.pk,
        division_code=application.division.code,
        summary=f"{application.number}：{transition.label}{'（人工核定）' if manual else ''}",
        data=_manual_data(application) if manual else None,
    )
    return application


def _manual_data(application: Application) -> dict[str, Any]:
    """What the audit keeps of a manual determination (ADR 0031): the amount, level and written reason."""
    amount = application.one_off_amount
    if amount is None:
        amount = application.monthly_amount
    return {
        "manually_determined": True,
        "amount": str(amount) if amount is not None else None,
        "level": application.level,
        "manual_reason": application.manual_reason,
    }


def _allowed(actor: User, application: Application, transition: Transition) -> None:
    if not rules.role_may(transition, actor.role, delegated=delegated(application)):
        if transition.level == rules.Level.CONFIRMING and actor.role == Role.TOWNSHIP_REVIEWER:
            raise PermissionDenied("本旗县未将审核确认权限下放乡镇（街道），须由县级民政部门审核确认")
        raise PermissionDenied(f"您的角色不能办理“{transition.label}”")
    place = application.household.hukou_division if transition.level == rules.Level.VILLAGE else None
    if not in_scope(actor, place or application.division):
        raise PermissionDenied("该申请不在您的管辖范围内")


def _move(application: Application, transition: Transition, day: dt.date) -> None:
    """The new step with the deadline the table gives it (none, a new one, or the running one kept)."""
    application.step = transition.target
    application.step_entered_at = timezone.now()
    if transition.due is None:
        application.step_due_on, application.step_due_provisional = None, False
    elif not isinstance(transition.due, rules.Keep):
        limit = due(day, transition.due)
        application.step_due_on, application.step_due_provisional = limit.due_on, limit.provisional
    application.deadline_status = DeadlineStatus.ON_TIME
    application.save()


def _requirements(
    application: Application, transition: Transition, data: TransitionInput, day: dt.date
) -> None:
    """Each requirement of the transition, checked on the stored records and the input, in table order."""
    for requirement in transition.requires:
        problem = _problem(requirement, application, data, day)
        if problem:
            raise StepRequirementMissing(problem, field=requirement.value)


def _problem(requirement: Requirement, application: Application, data: TransitionInput, day: dt.date) -> str:
    """What is missing for ``requirement``, or ``""``."""
    given = getattr  # the input carries the field when its type has it (inputs.INPUTS)
    match requirement:
        case Requirement.PLEDGE if not (application.pledge_signed_at or given(data, "pledge_signed", False)):
            return "申请人尚未签署承诺书和家庭经济状况核对授权书（审核确认办法第 9 条）"
        case Requirement.MATERIALS_LISTED if not given(data, "missing_materials", ()):
            return "请一次性列明需要补齐的全部材料（审核确认办法第 10 条）"
        case Requirement.HOME_VISIT if not application.home_visits.filter(by_county=False).exists():
            return "尚无入户调查记录（至少 2 名调查人员，审核确认办法第 16 条）"
        case Requirement.VERIFICATION if not application.verifications.exists():
            return "尚未录入信息核对结果（审核确认办法第 17 条）"
        case Requirement.OPINION if not (given(data, "opinion", "") or application.opinion):
            return "请填写初审意见"
        case Requirement.NOTICE_ENDED:
            return _notice_over(application, day)
        case Requirement.OBJECTION if not application.objections.exists():
            return "公示期内没有登记异议"
        case Requirement.COUNTY_VISIT_IF_FLAGGED:
            return _county_visit(application)
        case Requirement.REASON if not given(data, "reason", ""):
            return "请填写理由"
        case Requirement.SELF_CARE if not CareAssessment.objects.filter(application=application).exists():
            return "尚未录入生活自理能力六项评估和法定义务人情况（特困人员认定办法第 8 条、第 20—23 条）"
        case Requirement.AMOUNT if given(data, "amount", None) is None:
            return "请填写救助金额"
        case Requirement.SPOT_CHECK_DRAWN if application.spot_checked is None:
            return "县级尚未抽取本批次抽查样本（特困人员认定办法第 16 条，不少于 30%）"
        case Requirement.MEETING if not given(data, "meeting_note", ""):
            return "请填写县级困难群众基本生活保障工作协调机制的一事一议会议纪要（时间、参会单位、议定事项）"
        case Requirement.FEDERATION if not application.verifications.filter(
            source=VerificationSource.DISABILITY_FEDERATION
        ).exists():
            return "尚未录入县级残联审核意见（国发〔2015〕52号）"
    return ""


def _notice_over(application: Application, day: dt.date) -> str:
    """The notice must have run its full term (审核确认办法第 19 条), its last day moved past holidays by
    《民法典》第 203 条 (``workdays.notice_period``); closing it earlier is refused outright."""
    if application.notice_ends_on is None:
        return "尚未公示，不能结束公示（审核确认办法第 19 条）"
    if not notice_over(application.notice_ends_on, day):
        raise NoticeRunning(application.notice_ends_on)
    if application.objections.filter(resolution="").exists():
        return "公示期内有未处理的异议，须重新调查或组织民主评议"
    return ""


def _county_visit(application: Application) -> str:
    flagged = application.staff_relative or application.complaint or application.spot_checked
    if flagged and not application.home_visits.filter(by_county=True).exists():
        return (
            "近亲属备案、有投诉举报或被县级抽查的申请，县级民政部门须入户核查后才能确认"
            "（审核确认办法第 20 条；特困人员认定办法第 16 条）"
        )
    return ""


def _reserve_pay(application: Application, actor: User, day: dt.date) -> None:
    """先行救助 and 小额快救 are paid at once from the township's 临时救助备用金 (民发〔2018〕23号 §三(三);
    2020 opinion item 15); a balance too low refuses the whole transition. A township without a fund pays
    by other means, and the timeline says so."""
    amount = application.one_off_amount
    assert amount is not None  # set by the approval
    if not ReserveFund.objects.filter(township=application.division).exists():
        timeline_record(
            application,
            actor,
            "record",
            "reserve_none",
            f"本乡镇（街道）未设立临时救助备用金，救助金 {amount} 元按其他方式支付",
        )
        return
    entry = reserve_draw(
        actor=actor, township=application.division, application=application, amount=amount, drawn_on=day
    )
    timeline_record(
        application,
        actor,
        "record",
        "reserve_draw",
        f"从临时救助备用金支付 {entry.amount} 元，备用金余额 {entry.balance_after} 元",
        basis=f"{rules.TEMPORARY_2018}§三(三)",
        data={"entry": entry.pk},
    )
