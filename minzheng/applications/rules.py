"""The application workflows as explicit transition tables (pure; architecture decision: one service per
transition, roles checked per step). policy-rules.md §1.2–1.7 (低保), §2.2–2.3 (特困), §3.3 (临时救助).

A workflow is a tuple of ``Transition``s. Each names its source and target step, who may take it, at
which level of the application's jurisdiction (the accepting township, or the county that confirms),
the deadline the *target* step gets (``due``; ``KEEP`` carries the running one over), the records it
requires, and the article it rests on. ``transition_for`` is the only way a service finds a transition,
so a step cannot be skipped or taken twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from django.db import models

from minzheng.common.workdays import CalendarDays, Period, WorkingDays

DIBAO_MEASURES = "《最低生活保障审核确认办法》"
EP_MEASURES = "《特困人员认定办法》"
TEMPORARY_2018 = "民发〔2018〕23号"
TEMPORARY_2026 = "《关于进一步健全完善临时救助制度的意见》（2026）"
NOTICE_2022 = "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）"


class Step(models.TextChoices):
    SUBMITTED = "submitted", "已提交待受理"
    MATERIALS_PENDING = "materials_pending", "待补齐材料"
    ACCEPTED = "accepted", "已受理"
    INVESTIGATING = "investigating", "家庭经济状况调查"
    VERIFYING = "verifying", "信息核对"
    FIRST_REVIEW = "first_review", "乡镇初审"
    PUBLIC_NOTICE = "public_notice", "公示"
    APPRAISAL = "appraisal", "民主评议"
    COUNTY_REVIEW = "county_review", "审核确认"
    AID_PAID = "aid_paid", "已先行救助待补办手续"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"
    TERMINATED = "terminated", "已终止"


FINAL_STEPS: Final = frozenset({Step.APPROVED, Step.REJECTED, Step.WITHDRAWN, Step.TERMINATED})
OPEN_STEPS: Final = tuple(s for s in Step if s not in FINAL_STEPS)


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申请"
    ENTRUSTED = "entrusted", "委托申请"
    PROACTIVE = "proactive", "主动发现"


class Workflow(StrEnum):
    DIBAO = "dibao"
    EXTREME_POVERTY = "extreme_poverty_support"
    TEMPORARY_EMERGENCY = "temporary_emergency"
    TEMPORARY_SMALL_FAST = "temporary_small_fast"
    TEMPORARY_EXPENDITURE = "temporary_expenditure"


class Level(StrEnum):
    """Where the actor must sit: the accepting township (or above it), or the confirming county."""

    TOWNSHIP = "township"
    COUNTY = "county"
    CONFIRMING = "confirming"  # the county, or the township when the county delegated confirmation


class Requirement(StrEnum):
    PLEDGE = "pledge"  # 承诺 + 授权核对 signed (审核确认办法第 9 条)
    MATERIALS_LISTED = "materials_listed"  # 一次性告知 lists every missing item (第 10 条)
    HOME_VISIT = "home_visit"  # 入户调查, ≥ 2 investigators (第 16 条)
    VERIFICATION = "verification"  # 信息核对 results entered (第 17 条)
    OPINION = "opinion"  # 初审意见 written (第 19 条)
    NOTICE_ENDED = "notice_ended"  # the 7-day notice is over (第 19 条)
    OBJECTION = "objection"  # an objection was recorded (第 19 条)
    COUNTY_VISIT_IF_FLAGGED = "county_visit_if_flagged"  # 第 20 条: staff relatives, complaints
    REASON = "reason"  # written reasons (第 21 条)
    SELF_CARE = "self_care"  # 特困 self-care assessed (特困人员认定办法第 20–23 条)
    AMOUNT = "amount"  # temporary assistance: amount decided, within the approval ceiling
    SPOT_CHECK_DRAWN = "spot_check_drawn"  # 特困: the county's ≥ 30 % sample drawn (第 16 条)


class Keep:
    """Marker: the target step keeps the running deadline (e.g. 特困's 15 working days to first review)."""


KEEP: Final = Keep()
Due = Period | Keep | None

CASEWORK: Final = frozenset({"township_caseworker"})
TOWNSHIP: Final = frozenset({"township_caseworker", "township_reviewer"})
TOWNSHIP_LEAD: Final = frozenset({"township_reviewer"})
COUNTY: Final = frozenset({"county_approver"})
CONFIRMERS: Final = frozenset({"county_approver", "township_reviewer"})  # township only when delegated
TEMPORARY_APPROVERS: Final = frozenset({"county_approver", "township_reviewer"})  # 暂行办法第 48 条


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    source: Step
    target: Step
    roles: frozenset[str]
    level: Level
    basis: str
    due: Due = None
    requires: tuple[Requirement, ...] = ()


def _t(code: str, label: str, source: Step, target: Step, roles: frozenset[str], level: Level, basis: str,
       due: Due = None, *requires: Requirement) -> Transition:  # fmt: skip
    return Transition(code, label, source, target, roles, level, basis, due, tuple(requires))


T, C, CF = Level.TOWNSHIP, Level.COUNTY, Level.CONFIRMING
S = Step
R = Requirement

# Every workflow starts at SUBMITTED (online/entrusted) or goes through ``accept`` at the window at once.
_INTAKE = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{DIBAO_MEASURES}第10条；第15条（3个工作日内启动调查）",
       WorkingDays(3), R.PLEDGE),
    _t("request_materials", "一次性告知补齐材料", S.SUBMITTED, S.MATERIALS_PENDING, CASEWORK, T,
       f"{DIBAO_MEASURES}第10条", None, R.MATERIALS_LISTED),
    _t("materials_received", "材料已补齐", S.MATERIALS_PENDING, S.SUBMITTED, CASEWORK, T, f"{DIBAO_MEASURES}第10条"),
)  # fmt: skip

DIBAO: Final = (
    *_INTAKE,
    _t("start_investigation", "启动家庭经济状况调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T,
       f"{DIBAO_MEASURES}第15—16条"),
    _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING, CASEWORK, T,
       f"{DIBAO_MEASURES}第17条（县级3个工作日内启动核对）", WorkingDays(3), R.HOME_VISIT),
    _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW, COUNTY, C, f"{DIBAO_MEASURES}第17—18条",
       None, R.VERIFICATION),
    _t("publish_notice", "提出初审意见并公示", S.FIRST_REVIEW, S.PUBLIC_NOTICE, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19条（公示7天）", CalendarDays(7), R.OPINION),
    _t("close_notice", "公示无异议，报送审核确认", S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19—20条（10个工作日内审核确认）", WorkingDays(10), R.NOTICE_ENDED),
    _t("hold_appraisal", "公示有异议，组织民主评议", S.PUBLIC_NOTICE, S.APPRAISAL, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19条", None, R.OBJECTION),
    _t("reinvestigate", "公示有异议，重新调查", S.PUBLIC_NOTICE, S.INVESTIGATING, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19条", None, R.OBJECTION),
    _t("submit_after_appraisal", "评议后报送审核确认", S.APPRAISAL, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19—20条", WorkingDays(10), R.OPINION),
    _t("approve", "审核确认：批准", S.COUNTY_REVIEW, S.APPROVED, CONFIRMERS, CF,
       f"{DIBAO_MEASURES}第20—21条（次月起发放）", None, R.COUNTY_VISIT_IF_FLAGGED),
    _t("reject", "审核确认：不予批准", S.COUNTY_REVIEW, S.REJECTED, CONFIRMERS, CF,
       f"{DIBAO_MEASURES}第21条（3个工作日内书面告知理由）", WorkingDays(3), R.REASON),
)  # fmt: skip

EXTREME_POVERTY: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{EP_MEASURES}第12—13条（15个工作日内调查并初审）",
       WorkingDays(15), R.PLEDGE),
    *_INTAKE[1:],
    _t("start_investigation", "启动调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T, f"{EP_MEASURES}第13条", KEEP),
    _t("publish_notice", "提出初审意见并公示", S.INVESTIGATING, S.PUBLIC_NOTICE, TOWNSHIP, T,
       f"{EP_MEASURES}第13—15条（公示7天）", CalendarDays(7), R.HOME_VISIT, R.SELF_CARE, R.OPINION),
    _t("close_notice", "公示无异议，报送审核确认", S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{EP_MEASURES}第16条（15个工作日内审核确认）", WorkingDays(15), R.NOTICE_ENDED),
    _t("reinvestigate", "公示有异议，重新调查", S.PUBLIC_NOTICE, S.INVESTIGATING, TOWNSHIP, T,
       f"{EP_MEASURES}第15条（15个工作日内重新提出意见）", WorkingDays(15), R.OBJECTION),
    _t("approve", "审核确认：批准", S.COUNTY_REVIEW, S.APPROVED, CONFIRMERS, CF,
       f"{EP_MEASURES}第16—17条（次月起供养）", None, R.SPOT_CHECK_DRAWN, R.COUNTY_VISIT_IF_FLAGGED),
    _t("reject", "审核确认：不予批准", S.COUNTY_REVIEW, S.REJECTED, CONFIRMERS, CF,
       f"{EP_MEASURES}第18条（3个工作日内书面告知理由）", WorkingDays(3), R.REASON),
)  # fmt: skip

TEMPORARY_EMERGENCY: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{TEMPORARY_2018}§二(二)", None),
    _t("pay_aid_first", "先行救助", S.ACCEPTED, S.AID_PAID, TOWNSHIP, T,
       f"{TEMPORARY_2018}§二(二)（急难型先行救助，简化核对、评议和公示）", None, R.AMOUNT),
    _t("complete_paperwork", "补办审批手续", S.AID_PAID, S.APPROVED, CONFIRMERS, CF,
       f"{TEMPORARY_2018}§二(二)（紧急情况解除后补齐手续）", None, R.PLEDGE),
)  # fmt: skip

TEMPORARY_SMALL_FAST: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{TEMPORARY_2026}（小额快救一般不超过3天）",
       CalendarDays(3)),
    _t("approve", "小额快救：直接救助", S.ACCEPTED, S.APPROVED, TOWNSHIP, T,
       f"{TEMPORARY_2026}（免于家庭经济状况核对和公示）", None, R.AMOUNT),
    _t("reject", "不予救助", S.ACCEPTED, S.REJECTED, TOWNSHIP, T, f"{TEMPORARY_2026}", None, R.REASON),
)  # fmt: skip

TEMPORARY_EXPENDITURE: Final = (
    *_INTAKE,
    _t("start_investigation", "启动调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T, f"{TEMPORARY_2018}§二(二)"),
    _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING, CASEWORK, T,
       f"{TEMPORARY_2018}§二(二)", WorkingDays(3), R.HOME_VISIT),
    _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW, COUNTY, C, f"{TEMPORARY_2018}§二(二)",
       None, R.VERIFICATION),
    _t("publish_notice", "提出审核意见并公示", S.FIRST_REVIEW, S.PUBLIC_NOTICE, TOWNSHIP, T,
       f"{TEMPORARY_2018}§二(二)", CalendarDays(7), R.OPINION),
    _t("close_notice", "公示无异议，报送审批", S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{TEMPORARY_2018}§二(二)", None, R.NOTICE_ENDED),
    # Not a 低保 confirmation: the township approves up to its ceiling whatever the county delegated; the
    # amount decides whether the county must (services._temporary_amount).
    _t("approve", "审批：批准", S.COUNTY_REVIEW, S.APPROVED, TEMPORARY_APPROVERS, T,
       "《社会救助暂行办法》第48条（乡镇审批额度内由乡镇审批，超出由县级审批）", None, R.AMOUNT),
    _t("reject", "审批：不予救助", S.COUNTY_REVIEW, S.REJECTED, TEMPORARY_APPROVERS, T,
       "《社会救助暂行办法》第48条", WorkingDays(3), R.REASON),
)  # fmt: skip

# Leaving: the applicant withdraws at any open step; the county ends the procedure when the household
# refuses to cooperate without good reason (审核确认办法第 29 条).
_EXITS = (
    ("withdraw", "申请人撤回申请", Step.WITHDRAWN, TOWNSHIP, T, f"{DIBAO_MEASURES}第9条", R.REASON),
    ("terminate", "无正当理由拒不配合，终止审核确认", Step.TERMINATED, COUNTY, C, f"{DIBAO_MEASURES}第29条", R.REASON),
)  # fmt: skip

WORKFLOWS: Final[dict[Workflow, tuple[Transition, ...]]] = {
    Workflow.DIBAO: DIBAO,
    Workflow.EXTREME_POVERTY: EXTREME_POVERTY,
    Workflow.TEMPORARY_EMERGENCY: TEMPORARY_EMERGENCY,
    Workflow.TEMPORARY_SMALL_FAST: TEMPORARY_SMALL_FAST,
    Workflow.TEMPORARY_EXPENDITURE: TEMPORARY_EXPENDITURE,
}
WORKFLOW_LABELS: Final = {
    Workflow.DIBAO: "最低生活保障",
    Workflow.EXTREME_POVERTY: "特困人员救助供养",
    Workflow.TEMPORARY_EMERGENCY: "临时救助（急难型，先行救助）",
    Workflow.TEMPORARY_SMALL_FAST: "临时救助（小额快救）",
    Workflow.TEMPORARY_EXPENDITURE: "临时救助（支出型）",
}
WORKFLOW_PROGRAMME: Final = {
    Workflow.DIBAO: "dibao",
    Workflow.EXTREME_POVERTY: "extreme_poverty_support",
    Workflow.TEMPORARY_EMERGENCY: "temporary_assistance",
    Workflow.TEMPORARY_SMALL_FAST: "temporary_assistance",
    Workflow.TEMPORARY_EXPENDITURE: "temporary_assistance",
}
PERSON_WORKFLOWS: Final = frozenset({Workflow.EXTREME_POVERTY})  # the applicant is the subject (art. 10)
# 审核确认办法第 22 条: 30 working days from acceptance; 20 when the county delegated confirmation;
# up to 45 in the special cases of the 2022 notice §四(一).
OVERALL_LIMIT: Final = {Workflow.DIBAO: WorkingDays(30)}
OVERALL_LIMIT_DELEGATED: Final = {Workflow.DIBAO: WorkingDays(20)}
OVERALL_LIMIT_EXTENDED: Final = WorkingDays(45)
EXTENSION_REASONS: Final = {
    "objection": "公示有异议",
    "separated_household": "人户分离",
    "outside_registration_place": "在非户籍地申请",
    "hard_investigation": "调查核实难度较大",
}


def transitions(workflow: Workflow) -> tuple[Transition, ...]:
    """The workflow's table plus the exits from every open step."""
    table = WORKFLOWS[workflow]
    sources = sorted({t.source for t in table} | {t.target for t in table if t.target not in FINAL_STEPS})
    exits = tuple(
        _t(code, label, source, target, roles, level, basis, None, req)
        for code, label, target, roles, level, basis, req in _EXITS
        for source in sources
    )
    return table + exits


def transition_for(workflow: Workflow, step: str, code: str) -> Transition | None:
    """The transition ``code`` from ``step``, or ``None`` when the table has none (not allowed)."""
    return next((t for t in transitions(workflow) if t.code == code and t.source == step), None)


def available(workflow: Workflow, step: str, role: str) -> list[Transition]:
    """Transitions from ``step`` the role may take (the page shows only these)."""
    return [t for t in transitions(workflow) if t.source == step and role in t.roles]


def role_may(transition: Transition, role: str, *, delegated: bool) -> bool:
    """The role may take the transition; a township reviewer confirms only where the county delegated
    confirmation (审核确认办法第 2 条)."""
    if role not in transition.roles:
        return False
    return not (transition.level == Level.CONFIRMING and role == "township_reviewer" and not delegated)
