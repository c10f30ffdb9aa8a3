"""The decision panel (issue 14 §3): what the approval would decide if it were taken now, shown beside the
decision buttons, and the proposed amount of a public notice.

The figures come from the very functions the approval runs (``services.decisions.engine_result`` for 低保,
特困, 低保边缘, 刚性支出困难 and 临时救助; ``services.allowances``' facts, tier label and enrolment check for
the allowances), with the same facts on the same day, so the amount shown is the amount the approval stores.
They are reads only: nothing is saved. An engine error (a parameter not in force, a fact missing) is shown
as a message that the case needs a manual determination, never as a server error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils import timezone

from minzheng.applications import rules
from minzheng.applications.inputs import INPUTS, ApprovalInput, ReferralInput
from minzheng.applications.models import Application, CareAssessment
from minzheng.applications.rules import Step, Transition, Workflow
from minzheng.applications.services.allowances import (
    allowance_facts,
    allowance_programmes,
    failing_reason,
    not_enrolled_check,
    tier_label,
)
from minzheng.applications.services.decisions import engine_result
from minzheng.applications.services.manual import manual_reasons, suggested_amount, temporary_tier_ceiling
from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AssistanceType
from minzheng.benefits.params import CENT, decimal_of, lookup
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import AssessmentResult
from minzheng.benefits.selectors import household_facts_many
from minzheng.catalogue.roles import Role
from minzheng.common.errors import DomainError
from minzheng.common.months import add_months, month_start, next_month
from minzheng.enrolments.errors import AlreadyEnrolled
from minzheng.policy.errors import ParameterMissing

MONTHLY = "monthly"  # 低保, 特困: a monthly amount from the next month
IDENTIFICATION = "identification"  # 低保边缘, 刚性支出困难: identified, no cash of its own
TEMPORARY = "temporary"  # 临时救助: a one-off amount within the tier and the approver's ceiling
ALLOWANCE = "allowance"  # 高龄津贴, 两项补贴, 孤儿, 事实无人抚养儿童: a monthly amount per programme
MANUAL = "需人工核定"


@dataclass(frozen=True)
class PanelReason:
    """One line of the engine's reasoning with its article; ``passed`` is the test's outcome, if any."""

    message: str
    article: str
    passed: bool | None
    unconfirmed: bool


@dataclass(frozen=True)
class PanelGrant:
    """One allowance programme applied for: granted with its amount and tier, or refused with why."""

    label: str
    eligible: bool
    monthly_amount: Decimal
    level: str
    refusal: str


@dataclass(frozen=True)
class TemporaryCeiling:
    """临时救助: the tier, its ceiling, the amount for the sum requested, and what this approver may approve
    (``approver_ceiling`` ``None``: no ceiling of the approval level below the tier's)."""

    tier_code: str
    tier_label: str
    tier_multiple: Decimal
    standard: Decimal
    tier_ceiling: Decimal
    requested: Decimal | None
    proposed: Decimal
    approver_ceiling: Decimal | None
    approval_level: str  # township / county, for the sum requested
    county_needed: bool  # the sum requested is above this approver's ceiling
    case_by_case: bool  # 一事一议 may raise the amount above the tier (民发〔2018〕23号 §二(三))


@dataclass(frozen=True)
class DecisionPreview:
    kind: str
    assessed_on: dt.date
    eligible: bool = False
    monthly_amount: Decimal | None = None
    starts_month: dt.date | None = None
    valid_until: dt.date | None = None
    level: str = ""
    support_mode: str = ""
    failing: str = ""  # why the approval would be refused
    reasons: list[PanelReason] = field(default_factory=list)
    grants: list[PanelGrant] = field(default_factory=list)
    temporary: TemporaryCeiling | None = None
    error: str = ""  # the engine could not assess: a manual determination is needed
    unconfirmed: bool = False  # a figure rests on an unconfirmed or unconfigured parameter
    # 需人工核定 (ADR 0031): why, the part the engine could compute, and the configured ceiling (临时救助)
    manual: bool = False
    manual_reasons: list[str] = field(default_factory=list)
    suggested: Decimal | None = None
    manual_ceiling: Decimal | None = None

    @property
    def amount(self) -> Decimal | None:
        """The amount a notice proposes: the monthly amount, or the one-off amount of 临时救助."""
        if self.error or self.manual or not self.eligible:
            return None
        if self.temporary is not None:
            return self.temporary.proposed
        return self.monthly_amount


def is_decision(transition: Transition) -> bool:
    """A transition that decides the case: approves with an amount (``ApprovalInput``), refuses, or refers
    it to 一事一议. 补办审批手续 confirms an amount already paid and is not one."""
    kind = INPUTS.get(transition.code)
    return kind in (ApprovalInput, ReferralInput) or transition.target == Step.REJECTED


def decision_due(application: Application, transitions: list[Transition]) -> bool:
    """The panel is shown when the user may take a decision on the open application now."""
    return application.is_open and any(is_decision(t) for t in transitions)


def _reasons(result: AssessmentResult) -> list[PanelReason]:
    return [
        PanelReason(r.message_zh, r.article, r.value if isinstance(r.value, bool) else None, bool(r.status))
        for r in result.reasons
    ]


def _manual(kind: str, day: dt.date, error: DomainError) -> DecisionPreview:
    """The engine's error as the panel says it: a case the approval would refuse as it stands (already
    enrolled) is said so; otherwise the figures need a manual determination."""
    if isinstance(error, AlreadyEnrolled):
        return DecisionPreview(kind, day, error=f"不能批准：{error.message}")
    if isinstance(error, ParameterMissing):
        text = f"{MANUAL}：系统无法自动测算（{error.message}），请核实政策参数后再作决定，或据实人工核定"
    else:
        text = f"{MANUAL}：系统无法自动测算（{error.message}）"
    return DecisionPreview(kind, day, error=text)


def _manual_part(result: AssessmentResult) -> dict[str, Any]:
    """需人工核定: the reasons in Chinese and the computable part as a suggestion (``services.manual``)."""
    if not result.manual_review:
        return {}
    return {
        "manual": True,
        "manual_reasons": manual_reasons(result),
        "suggested": suggested_amount(result),
    }


def _kind(workflow: Workflow) -> str:
    if workflow in rules.ALLOWANCE_WORKFLOWS:
        return ALLOWANCE
    if workflow in rules.TEMPORARY_WORKFLOWS:
        return TEMPORARY
    if workflow in (Workflow.MARGIN, Workflow.RIGID_EXPENSE):
        return IDENTIFICATION
    return MONTHLY


def decision_preview(
    application: Application, *, role: str = "", day: dt.date | None = None
) -> DecisionPreview:
    """What approving ``application`` on ``day`` (today by default) would decide, as ``services.decisions``
    computes it, for a user of ``role`` (the temporary-assistance ceiling depends on it). The caller has
    read the application through a scoped selector."""
    day = day or timezone.localdate()
    workflow = Workflow(application.workflow)
    kind = _kind(workflow)
    try:
        if kind == ALLOWANCE:
            return _allowance_preview(application, workflow, day)
        if kind == TEMPORARY:
            return _temporary_preview(application, role, day)
        result = engine_result(application, day, None)
    except DomainError as error:
        return _manual(kind, day, error)
    preview = DecisionPreview(
        kind,
        day,
        eligible=result.eligible,
        level=result.level,
        failing=failing_reason(result),
        reasons=_reasons(result),
        unconfirmed=result.unconfirmed,
        starts_month=next_month(day),
        **_manual_part(result),
    )
    if kind == IDENTIFICATION:
        months = rules.VALIDITY_MONTHS.get(workflow)
        until = add_months(next_month(day), months) - dt.timedelta(days=1) if months else None
        return replace(preview, valid_until=until)
    care = CareAssessment.objects.filter(application=application).first()
    mode = care.support_mode if care is not None and workflow == Workflow.EXTREME_POVERTY else ""
    return replace(preview, monthly_amount=result.monthly_amount, support_mode=mode)


def _allowance_preview(application: Application, workflow: Workflow, day: dt.date) -> DecisionPreview:
    """As ``services.allowances.allowance_approve``: each programme applied for on the person, assessed on
    the application date (高龄津贴, 两项补贴) or on the decision day (孤儿, 事实无人抚养儿童)."""
    programmes = allowance_programmes(application)
    not_enrolled_check(application, programmes)
    from_application = workflow in rules.PAID_FROM_APPLICATION_MONTH
    assessed_on = application.submitted_on if from_application else day
    facts = allowance_facts(application, workflow, assessed_on)
    person = str(application.subject_id)
    results = [(p, assess(p, facts, SelectorParams(), person_key=person)) for p in programmes]
    labels = {p: rules.SUBSIDY_LABELS.get(p) or rules.WORKFLOW_LABELS[workflow] for p in programmes}  # type: ignore[call-overload]
    grants = [
        PanelGrant(
            labels[p],
            r.eligible,
            r.monthly_amount if r.eligible else Decimal("0.00"),
            tier_label(p, r) if r.eligible else "",
            "" if r.eligible else _refusal(r),
        )
        for p, r in results
    ]
    open_ones = [r for _, r in results if r.manual_review]
    granted = [(p, r) for p, r in results if r.eligible]
    total = sum((r.monthly_amount for _, r in granted), Decimal("0.00"))
    return DecisionPreview(
        ALLOWANCE,
        assessed_on,
        eligible=bool(granted),
        monthly_amount=total,
        starts_month=month_start(assessed_on) if from_application else next_month(day),
        level=tier_label(*granted[0]) if len(granted) == 1 else "",
        failing="；".join(g.refusal for g in grants if not g.eligible) if not granted else "",
        reasons=[reason for _, r in results for reason in _reasons(r)],
        grants=grants,
        unconfirmed=any(r.unconfirmed for _, r in results),
        manual=bool(open_ones),
        manual_reasons=[m for r in open_ones for m in manual_reasons(r)],
    )


def _refusal(result: AssessmentResult) -> str:
    return (
        f"{MANUAL}：{'；'.join(manual_reasons(result))}" if result.manual_review else failing_reason(result)
    )


def _temporary_preview(application: Application, role: str, day: dt.date) -> DecisionPreview:
    """临时救助 for the sum requested (the approver enters the amount): the tier, its ceiling, and the
    approval level's ceiling (社会救助暂行办法第 48 条: the township approves up to
    ``temporary.township_ceiling_multiple`` × the monthly 低保 standard, 小额快救 always)."""
    requested = application.requested_amount
    result = engine_result(application, day, requested)
    preview = DecisionPreview(
        TEMPORARY,
        day,
        eligible=result.eligible,
        level=result.level,
        failing=failing_reason(result),
        reasons=_reasons(result),
        unconfirmed=result.unconfirmed,
        **_manual_part(result),
    )
    if result.manual_review:
        return replace(preview, manual_ceiling=temporary_tier_ceiling(application, day))
    if not result.eligible:
        return preview
    facts = household_facts_many([application.household_id], day)[application.household_id]
    params = SelectorParams()
    standard = decimal_of(lookup(params, facts, "dibao.standard_monthly"))
    tiers = lookup(params, facts, "temporary.tiers").value
    tier = next((t for t in tiers if t["code"] == result.level), {"label": result.level, "max_multiple": "0"})
    amount_reason = next((r for r in result.reasons if r.rule_code == "temporary.amount"), None)
    tier_ceiling = Decimal(str(amount_reason.inputs["ceiling"])) if amount_reason else result.one_off_amount
    case_by_case = application.step == Step.CASE_BY_CASE
    approver_ceiling: Decimal | None = tier_ceiling
    township_only = application.assistance_type != AssistanceType.SMALL_FAST and role != Role.COUNTY_APPROVER
    if case_by_case:
        approver_ceiling = None
    elif township_only:
        multiple = decimal_of(lookup(params, facts, "temporary.township_ceiling_multiple"))
        approver_ceiling = min(tier_ceiling, (multiple * standard).quantize(CENT))
    ceiling = TemporaryCeiling(
        tier_code=result.level,
        tier_label=str(tier["label"]),
        tier_multiple=Decimal(str(tier["max_multiple"])),
        standard=standard,
        tier_ceiling=tier_ceiling,
        requested=requested,
        proposed=result.one_off_amount,
        approver_ceiling=approver_ceiling,
        approval_level=result.approval_level,
        county_needed=result.approval_level == "county" and role != Role.COUNTY_APPROVER,
        case_by_case=case_by_case,
    )
    return replace(preview, temporary=ceiling)


def notice_amounts(applications: list[Application]) -> dict[int, Decimal | None]:
    """The proposed amount of each application in public notice, assessed as of the first day of its
    notice (审核确认办法第 19 条: the notice names the proposed amount); ``None`` where the engine finds
    the household not eligible or cannot assess it."""
    return {
        a.pk: decision_preview(a, day=a.notice_starts_on or timezone.localdate()).amount for a in applications
    }
