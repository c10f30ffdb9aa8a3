"""人工核定 (ADR 0031): the benefit engine found the case 需人工核定 — a figure the rules leave to the local
authority (an asset limit, a 分类施保 amount, a temporary-assistance multiple or the township's ceiling) is
not configured. The approving authority then decides in writing, with reasons: it approves with the amount
(and level) it determines, or refuses with written reasons (审核确认办法第 21 条: the county approves and
fixes the amount, a refusal is notified in writing with reasons; 社会救助暂行办法第 10 条: the standards and
the assessment methods are the local government's; 第 48 条: temporary assistance is approved by the county,
small amounts by the township). Never an automatic refusal, never a silent pass."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from minzheng.applications import rules
from minzheng.applications.errors import StepRequirementMissing
from minzheng.applications.inputs import ApprovalInput
from minzheng.applications.models import Application
from minzheng.applications.rules import Step, Workflow
from minzheng.benefits.params import CENT, decimal_of, lookup
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import AssessmentResult, result_as_dict
from minzheng.benefits.selectors import household_facts_many
from minzheng.common.errors import DomainError

# The engine's computable part of a manual 低保 result: the gap payment before the open 分类施保 amounts.
SUGGESTED_CODES = ("dibao.gap_payment",)


def manual_reasons(result: AssessmentResult) -> list[str]:
    """Why the engine could not decide, in Chinese (the reasons of status ``manual``)."""
    return [r.message_zh for r in result.manual_reasons]


def suggested_amount(result: AssessmentResult) -> Decimal | None:
    """The part of the amount the engine could compute (e.g. the gap payment before open supplements), as a
    suggestion for the approver; ``None`` when it computed none."""
    values = [r.value for r in result.reasons if r.rule_code in SUGGESTED_CODES]
    found = [v for v in values if isinstance(v, Decimal)]
    return max(found[-1], Decimal("0.00")) if found else None


def temporary_tier_ceiling(application: Application, day: dt.date) -> Decimal | None:
    """The configured ceiling of the request's type (the highest configured multiple × the monthly 低保
    standard), or ``None`` when a tier of the type is open or the parameters are missing."""
    facts = household_facts_many([application.household_id], day)[application.household_id]
    try:
        params = SelectorParams()
        standard = decimal_of(lookup(params, facts, "dibao.standard_monthly"))
        tiers = lookup(params, facts, "temporary.tiers").value
    except DomainError:
        return None
    of_type = [t for t in tiers if t.get("assistance_type") == application.assistance_type]
    if not of_type or any(t.get("max_multiple") is None for t in of_type):
        return None
    highest = max(Decimal(str(t["max_multiple"])) for t in of_type)
    return (highest * standard).quantize(CENT)


def manual_approve(
    application: Application, result: AssessmentResult, data: ApprovalInput, day: dt.date
) -> None:
    """Approve a 需人工核定 case with the approver's determination: a written ``manual_reason`` always; an
    amount for the programmes that pay (monthly, or once for 临时救助 within the configured ceiling of the
    type when there is one, except 一事一议). Raises before anything is saved."""
    workflow = Workflow(application.workflow)
    if not data.manual_reason:
        raise StepRequirementMissing(
            "测算结果为需人工核定：批准须书面说明人工核定的依据和理由；不符合条件的请不予批准并说明理由",
            field="manual_reason",
        )
    pays = workflow not in (Workflow.MARGIN, Workflow.RIGID_EXPENSE)
    if pays and data.amount is None:
        raise StepRequirementMissing("测算结果为需人工核定：请填写人工核定的救助金额", field="amount")
    if workflow in rules.TEMPORARY_WORKFLOWS:
        _temporary_within_ceiling(application, data.amount, day)
    application.manually_determined = True
    application.manual_reason = data.manual_reason
    application.level = data.manual_level[:40] or result.level
    application.assessment = _assessment(result, data)


def _temporary_within_ceiling(application: Application, amount: Decimal | None, day: dt.date) -> None:
    """Within the tier's configured ceiling when there is one (社会救助暂行办法第 48 条); 一事一议 may raise
    it (民发〔2018〕23号 §二(三)); when the ceiling is open the amount is the approver's, with the reason."""
    if amount is None or application.step == Step.CASE_BY_CASE:
        return
    ceiling = temporary_tier_ceiling(application, day)
    if ceiling is not None and amount > ceiling:
        raise StepRequirementMissing(
            f"人工核定金额 {amount} 元超过本类型临时救助上限 {ceiling} 元；需提高额度的，请提请一事一议",
            field="amount",
        )


def _assessment(result: AssessmentResult, data: ApprovalInput) -> dict[str, Any]:
    saved = result_as_dict(result)
    saved["manual_determination"] = {
        "amount": str(data.amount) if data.amount is not None else None,
        "level": data.manual_level,
        "reason": data.manual_reason,
        "engine_reasons": manual_reasons(result),
    }
    return saved
