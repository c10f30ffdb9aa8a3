"""What a transition decides besides the step, by the type of its input (``inputs.INPUTS``): acceptance and
the overall limit, the missing materials, the public notice, the objections settled, and the decisions —
the engine's amount on approval (the allowances in ``allowances``), the temporary-assistance amount within
its ceiling, the written reasons of a refusal. ``decide`` raises before the caller writes anything."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import StepRequirementMissing
from minzheng.applications.inputs import (
    AcceptInput,
    AppraisalInput,
    ApprovalInput,
    Instalment,
    MaterialsInput,
    NoticeInput,
    PaperworkInput,
    ReasonInput,
    ReferralInput,
    ReinvestigationInput,
    TransitionInput,
)
from minzheng.applications.models import Application, CareAssessment
from minzheng.applications.rules import Step, Transition, Workflow
from minzheng.applications.services.access import delegated, due
from minzheng.applications.services.allowances import allowance_approve
from minzheng.applications.services.manual import manual_approve
from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AdlItems, RigidExpenseFact, TemporaryRequest
from minzheng.benefits.people import ADL_LABELS
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import result_as_dict
from minzheng.benefits.selectors import household_facts_many
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Role
from minzheng.common.errors import PermissionDenied
from minzheng.common.months import add_months, month_start, next_month
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import notice_period

MAX_INSTALMENTS = 12
NOTICE_DAYS = 7  # 审核确认办法第 19 条


def decide(
    application: Application, actor: User, transition: Transition, data: TransitionInput, day: dt.date
) -> None:
    """Apply what ``transition`` decides with its input ``data`` on ``day`` (not yet saved)."""
    match data:
        case AcceptInput():
            _accept(application, actor, data, day)
        case MaterialsInput():
            application.missing_materials = list(data.missing_materials)
        case NoticeInput():
            application.opinion = data.opinion or application.opinion
            # 民法典第 201 条 (the day itself is not counted) and 第 203 条 (a last day on a holiday moves)
            notice = notice_period(day, NOTICE_DAYS, working_calendar())
            application.notice_starts_on, application.notice_ends_on = notice.starts_on, notice.ends_on
            application.notice_ends_provisional = notice.provisional
        case AppraisalInput():
            application.opinion = data.opinion or application.opinion
            application.objections.filter(resolution="").update(resolution=data.opinion or "民主评议")
        case ReinvestigationInput():
            application.objections.filter(resolution="").update(resolution=data.reason or "重新调查")
        case ReferralInput():
            application.decision_reason = data.reason
        case ApprovalInput():
            _approve(application, actor, data, day)
        case PaperworkInput():
            # Aid paid first was within the township's ceiling (``_temporary_amount`` at payment), so the
            # township may complete its approval as well as the county (社会救助暂行办法第 48 条).
            _pledge(application, actor, data.pledge_signed)
            application.decided_on, application.decided_by = day, actor
            application.decision_reason = data.reason or application.decision_reason
        case ReasonInput():
            _close(application, actor, transition, data, day)


def _accept(application: Application, actor: User, data: AcceptInput, day: dt.date) -> None:
    _pledge(application, actor, data.pledge_signed)
    application.accepted_on = day
    application.missing_materials = []
    workflow = Workflow(application.workflow)
    limits = rules.OVERALL_LIMIT_DELEGATED if delegated(application) else rules.OVERALL_LIMIT
    if workflow in limits:
        overall = due(day, limits[workflow])
        application.overall_due_on, application.overall_due_provisional = overall.due_on, overall.provisional


def _pledge(application: Application, actor: User, signed: bool) -> None:
    """Record the pledge only when it is signed now: 急难型 aid is accepted before the paperwork."""
    if application.pledge_signed_at is None and signed:
        application.pledge_signed_at, application.pledge_recorded_by = timezone.now(), actor


def _close(
    application: Application, actor: User, transition: Transition, data: ReasonInput, day: dt.date
) -> None:
    """不予批准, 撤回, 终止 with written reasons; a refusal is notified within the table's limit (审核确认办法
    第 21 条: 3 个工作日内书面告知理由)."""
    application.decided_on, application.decided_by = day, actor
    application.decision_reason = data.reason
    application.meeting_note = data.meeting_note or application.meeting_note
    if transition.due is not None and not isinstance(transition.due, rules.Keep):
        notice_due = due(day, transition.due)
        application.notice_due_on, application.notice_due_provisional = (
            notice_due.due_on,
            notice_due.provisional,
        )


def _approve(application: Application, actor: User, data: ApprovalInput, day: dt.date) -> None:
    """The amount comes from the benefit engine on the decision day; 低保 and 特困 are paid from the next
    month (审核确认办法第 21 条; 特困人员认定办法第 17 条). Temporary assistance needs an amount within the
    tier and the approval level's ceiling (社会救助暂行办法第 48 条). Allowances: ``allowance_approve``."""
    workflow = Workflow(application.workflow)
    if workflow in rules.ALLOWANCE_WORKFLOWS:
        allowance_approve(application, actor, data.reason, day, data)
        return
    result = engine_result(application, day, data.amount)
    if result.manual_review:
        # 需人工核定: the approver determines the amount in writing (services.manual, ADR 0031).
        manual_approve(application, result, data, day)
    elif not result.eligible:
        failing = next((r.message_zh for r in reversed(result.reasons) if r.value is False), "")
        raise StepRequirementMissing(
            f"按{day}的测算不符合条件，不能批准：{failing}；请核实或不予批准", field="assessment"
        )
    else:
        application.manually_determined, application.manual_reason = False, ""
        application.level = result.level
        application.assessment = result_as_dict(result)
    if workflow in rules.TEMPORARY_WORKFLOWS:
        _temporary_amount(application, actor, result, data, day)
    elif workflow in (Workflow.MARGIN, Workflow.RIGID_EXPENSE):
        _identified(application, workflow, day)
    else:
        amount = data.amount if result.manual_review else result.monthly_amount
        application.monthly_amount = amount
        application.starts_month = next_month(day)
    if workflow == Workflow.EXTREME_POVERTY:
        application.support_mode = CareAssessment.objects.get(application=application).support_mode
    application.decided_on, application.decided_by = day, actor
    application.decision_reason = data.reason


def _with_care_assessment(application: Application, facts: Any) -> Any:
    """The subject's member facts with what the 特困 investigation established (``CareAssessment``)."""
    care = CareAssessment.objects.filter(application=application).first()
    if care is None:
        return facts
    key = str(application.subject_id)
    adl = AdlItems(**{name: getattr(care, name) for name in ADL_LABELS})
    found = {
        "adl": adl,
        "supporter_status": care.supporter_status,
        "supporter_inability": care.supporter_inability,
        "other_no_work_capacity": care.other_no_work_capacity,
    }
    members = tuple(replace(m, **found) if m.key == key else m for m in facts.members)
    return replace(facts, members=members)


def engine_result(application: Application, day: dt.date, amount: Decimal | None) -> Any:
    """The benefit engine's result for the application on ``day`` (read-only): what the approval decides on,
    and what the decision panel shows beforehand. 特困 adds the care assessment, 刚性支出 the recorded
    expenses, 临时救助 the request (kind, hardship, ``amount``)."""
    facts = household_facts_many([application.household_id], day)[application.household_id]
    programme = application.programme
    if programme == Programme.EXTREME_POVERTY_SUPPORT:
        facts = _with_care_assessment(application, facts)
    if programme == Programme.RIGID_EXPENSE_HOUSEHOLD:
        expenses = tuple(
            RigidExpenseFact(e.kind, e.amount, e.incurred_on, str(e.person_id) if e.person_id else None)
            for e in application.expenses.all()
        )
        facts = replace(facts, rigid_expenses=expenses)
    person = str(application.subject_id) if application.subject_id else None
    if programme == Programme.TEMPORARY_ASSISTANCE:
        request = TemporaryRequest(application.assistance_type, application.hardship or "临时困难", amount)
        return assess(programme, facts, SelectorParams(), temporary_request=request)
    return assess(programme, facts, SelectorParams(), person_key=person)


def _identified(application: Application, workflow: Workflow, day: dt.date) -> None:
    """低保边缘 / 刚性支出困难 identification carries no monthly cash of its own; a rigid-expense
    identification is valid for at most 12 months (刚性支出困难家庭认定办法第 10 条)."""
    application.monthly_amount = None
    application.starts_month = next_month(day)
    months = rules.VALIDITY_MONTHS.get(workflow)
    if months:
        application.valid_until = add_months(application.starts_month, months) - dt.timedelta(days=1)


def _temporary_amount(
    application: Application, actor: User, result: Any, data: ApprovalInput, day: dt.date
) -> None:
    """Within the tier and the approval level's ceiling (社会救助暂行办法第 48 条), except a 一事一议
    decision, which may raise the amount (民发〔2018〕23号 §二(三)); paid once or in stages decided at once
    (一次审批、分阶段救助, 2020 opinion item 15)."""
    amount = data.amount
    assert amount is not None  # Requirement.AMOUNT
    case_by_case = application.step == Step.CASE_BY_CASE
    # A manual determination's ceiling is checked by ``manual_approve`` (services.manual).
    if not result.manual_review and amount > result.one_off_amount and not case_by_case:
        referable = rules.transition_for(
            Workflow(application.workflow), application.step, "refer_case_by_case"
        )
        hint = "；情况复杂、需提高额度的，请提请一事一议" if referable else ""
        raise StepRequirementMissing(
            f"救助金额 {amount} 元超过本档上限 {result.one_off_amount} 元{hint}", field="amount"
        )
    if result.approval_level == "county" and actor.role != Role.COUNTY_APPROVER:
        raise PermissionDenied(f"{amount} 元超过乡镇（街道）审批额度，须报县级民政部门审批", field="amount")
    if case_by_case:
        application.meeting_note = data.meeting_note
    application.one_off_amount = amount
    application.instalments = _instalment_plan(data.instalments, amount, day)


def _instalment_plan(plan: tuple[Instalment, ...], amount: Decimal, day: dt.date) -> list[dict[str, str]]:
    """At most ``MAX_INSTALMENTS`` stages from the decision month on, summing to ``amount`` (each row's
    shape is checked where the input is read, ``inputs``)."""
    if not plan:
        return []
    if len(plan) > MAX_INSTALMENTS or plan[0].month < month_start(day):
        raise StepRequirementMissing(
            f"分阶段发放最多 {MAX_INSTALMENTS} 期，且不能早于审批当月", field="instalments"
        )
    total = sum((item.amount for item in plan), Decimal(0))
    if total != amount:
        raise StepRequirementMissing(
            f"分阶段发放合计 {total} 元，与救助金额 {amount} 元不一致", field="instalments"
        )
    return [item.as_dict() for item in plan]
