"""Approving an allowance (高龄津贴, 残疾人两项补贴, 孤儿, 事实无人抚养儿童): the engine's amount for each
programme applied for on the person, with what the registry does not hold; a person already enrolled is
refused."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import StepRequirementMissing
from minzheng.applications.models import Application, VerificationOutcome, VerificationSource
from minzheng.applications.rules import Workflow
from minzheng.applications.services.intake import subsidies_named
from minzheng.benefits.engine import assess
from minzheng.benefits.facts import OrphanStatus
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import reason_as_dict, result_as_dict
from minzheng.benefits.selectors import household_facts_many
from minzheng.catalogue.programmes import Programme
from minzheng.common.months import month_start, next_month
from minzheng.enrolments.errors import AlreadyEnrolled
from minzheng.enrolments.models import Enrolment, EnrolmentStatus

FULL_DE_FACTO_EXCLUDES = Programme.DE_FACTO_ORPHAN_ALLOWANCE  # 2019 opinion: no living subsidy on top of it
# The child's own benefits, deducted from the de-facto-orphan subsidy (补差发放, 2019 opinion).
CHILD_BENEFITS_DEDUCTED = (Programme.EXTREME_POVERTY_SUPPORT, rules.DISABILITY_LIVING)


def allowance_programmes(application: Application) -> tuple[str, ...]:
    """The programmes the application may enrol (the disability one names its subsidies)."""
    workflow = Workflow(application.workflow)
    if workflow == Workflow.DISABILITY_SUBSIDIES:
        return tuple(subsidies_named(application.subsidies))
    return rules.ALLOWANCE_PROGRAMMES[workflow]


def _subject_pk(application: Application) -> int:
    subject = application.subject_id
    assert subject is not None  # an allowance application always has its subject (intake)
    return subject


def not_enrolled_check(application: Application, programmes: tuple[str, ...]) -> None:
    """A person already enrolled in the programme (e.g. by the registry's senior-allowance run meanwhile)
    is not approved again: the approval would pay twice."""
    current = (
        Enrolment.objects.filter(person_id=_subject_pk(application), programme__in=programmes)
        .exclude(status=EnrolmentStatus.ENDED)
        .order_by("starts_month", "pk")
        .first()
    )
    if current is not None:
        subject = application.subject
        name = subject.name if subject is not None else ""
        label = (
            rules.SUBSIDY_LABELS.get(current.programme)  # type: ignore[call-overload]
            or rules.WORKFLOW_LABELS[Workflow(application.workflow)]
        )
        raise AlreadyEnrolled(
            f"{name}已在享受“{label}”（自 {current.starts_month:%Y年%m月} 起，"
            f"{EnrolmentStatus(current.status).label}），不能重复批准；请不予批准或撤回本申请，"
            "待遇调整请办理在保对象变更",
            field="subject_id",
        )


def allowance_facts(application: Application, workflow: Workflow, day: dt.date) -> Any:
    """The household's facts on ``day`` with what the registry does not hold: the household programmes
    received (the living subsidy is for 低保 households), and on the subject: the identification the county
    makes by this approval (孤儿, 事实无人抚养儿童), the child's own benefits deducted (补差发放, 2019
    opinion), a de-facto orphan's exclusion from the living subsidy, and the county 残联's finding on the
    long-term care need (a 县残联审核 result “与申报不一致” = not confirmed; 国发〔2015〕52号)."""
    facts = household_facts_many([application.household_id], day)[application.household_id]
    received = frozenset(
        Enrolment.objects.filter(household_id=application.household_id, person__isnull=True)
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("programme", flat=True)
    )
    own = dict(
        Enrolment.objects.filter(person_id=_subject_pk(application))
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("programme", "monthly_amount")
    )
    changes: dict[str, Any] = {}
    if workflow == Workflow.ORPHAN_ALLOWANCE:
        changes["orphan_status"] = OrphanStatus.ORPHAN
    if workflow == Workflow.DE_FACTO_ORPHAN_ALLOWANCE:
        changes["orphan_status"] = OrphanStatus.DE_FACTO_ORPHAN
        changes["other_child_benefits_monthly"] = sum(
            (own[p] for p in CHILD_BENEFITS_DEDUCTED if p in own), Decimal("0.00")
        )
    if workflow == Workflow.DISABILITY_SUBSIDIES:
        if FULL_DE_FACTO_EXCLUDES in own:
            changes["orphan_status"] = OrphanStatus.DE_FACTO_ORPHAN
        federation = application.verifications.filter(source=VerificationSource.DISABILITY_FEDERATION)
        if (
            federation.order_by("-pk").values_list("outcome", flat=True).first()
            == VerificationOutcome.INCONSISTENT
        ):
            changes["needs_long_term_care"] = False
    key = str(application.subject_id)
    members = tuple(replace(m, **changes) if m.key == key else m for m in facts.members)
    return replace(facts, members=members, programmes_received=received)


def tier_label(programme: str, result: Any) -> str:
    """The care subsidy's tier by its label as the engine quotes it; otherwise the engine's level."""
    if programme == rules.DISABILITY_CARE:
        quoted = re.search(r"档次“([^”]+)”", result.reasons[-1].message_zh)
        if quoted:
            return quoted.group(1)[:40]
    return str(result.level)[:40]


def failing_reason(result: Any) -> str:
    return next((r.message_zh for r in reversed(result.reasons) if r.value is False), "")


def allowance_approve(
    application: Application, actor: User, reason: str, today: dt.date, manual: Any = None
) -> None:
    """Approve an allowance with the engine's amount (benefits.allowances) for each programme applied for;
    两项补贴: each subsidy the engine finds eligible is granted, the others are named in the decision.
    高龄津贴 and 两项补贴 are assessed on the application date and paid from that month (Inner Mongolia
    measures; 国发〔2015〕52号); 孤儿 and 事实无人抚养儿童 on the decision day and paid from the next month
    (2019 opinion). A person already enrolled in a programme applied for is refused (``not_enrolled_check``).
    The grants are kept in ``assessment["granted"]``, which ``enrolment_from_application`` enrols. A
    programme the engine finds 需人工核定 (an open tier amount) is granted with the approver's ``manual``
    determination (``inputs.ApprovalInput``: amount, level, written reason; ADR 0031), never dropped."""
    workflow = Workflow(application.workflow)
    programmes = allowance_programmes(application)
    not_enrolled_check(application, programmes)
    from_application = workflow in rules.PAID_FROM_APPLICATION_MONTH
    day = application.submitted_on if from_application else today
    facts = allowance_facts(application, workflow, day)
    person = str(application.subject_id)
    results = [(p, assess(p, facts, SelectorParams(), person_key=person)) for p in programmes]
    results = _manually_determined(application, results, manual)
    granted = [(p, r) for p, r in results if r.eligible]
    refused = [(p, r) for p, r in results if not r.eligible]
    if not granted:
        reasons = "；".join(failing_reason(r) for _, r in refused)
        raise StepRequirementMissing(
            f"按{day}的测算不符合条件，不能批准：{reasons}；请核实或不予批准", field="assessment"
        )
    labels = {p: rules.SUBSIDY_LABELS.get(p) or rules.WORKFLOW_LABELS[workflow] for p in programmes}  # type: ignore[call-overload]
    total = sum((r.monthly_amount for _, r in granted), Decimal("0.00"))
    assessment = result_as_dict(granted[0][1])
    assessment.update(
        programme=application.programme,
        monthly_amount=str(total),
        assessed_on=day.isoformat(),
        reasons=[reason_as_dict(reason) for _, r in results for reason in r.reasons],
        granted=[
            {
                "programme": p,
                "label": labels[p],
                "monthly_amount": str(r.monthly_amount),
                "level": tier_label(p, r),
            }
            for p, r in granted
        ],
        refused=[{"programme": p, "label": labels[p], "reason": failing_reason(r)} for p, r in refused],
    )
    application.monthly_amount = total
    application.level = tier_label(*granted[0]) if len(granted) == 1 else ""
    application.starts_month = month_start(day) if from_application else next_month(today)
    application.assessment = assessment
    application.decided_on, application.decided_by = today, actor
    not_granted = "；".join(f"{labels[p]}不予批准：{failing_reason(r)}" for p, r in refused)
    application.decision_reason = "；".join(x for x in (reason, not_granted) if x)


def _manually_determined(
    application: Application, results: list[tuple[str, Any]], manual: Any
) -> list[tuple[str, Any]]:
    """The 需人工核定 programme granted at the approver's determination (one programme at a time: the amount
    is that programme's). Without a determination the approval is refused with the engine's reasons."""
    open_ones = [p for p, r in results if r.manual_review]
    if not open_ones:
        return results
    why = "；".join(m.message_zh for p, r in results if r.manual_review for m in r.manual_reasons)
    if manual is None or not manual.manual_reason or manual.amount is None:
        raise StepRequirementMissing(
            f"测算结果为需人工核定（{why}）：批准须填写人工核定的金额和书面理由，不符合条件的请不予批准",
            field="manual_reason",
        )
    if len(open_ones) > 1:
        raise StepRequirementMissing(
            "多项补贴均需人工核定：请先配置当地标准，或分别申请后逐项核定", field="amount"
        )
    application.manually_determined, application.manual_reason = True, manual.manual_reason
    level = manual.manual_level[:40]
    return [
        (
            p,
            replace(
                r, eligible=True, manual_review=False, monthly_amount=manual.amount, level=level or r.level
            ),
        )
        if r.manual_review
        else (p, r)
        for p, r in results
    ]
