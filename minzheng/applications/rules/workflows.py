"""Every workflow's table, the exits open at every step, the lookups the services and pages use, and the
facts of the workflows the catalogue does not hold (time limits, validity, handover)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Final

from minzheng.applications.rules.allowances import (
    DE_FACTO_ORPHAN,
    DISABILITY_SUBSIDIES,
    ORPHAN,
    SENIOR_ALLOWANCE,
)
from minzheng.applications.rules.assistance import (
    DIBAO,
    EXTREME_POVERTY,
    MARGIN,
    RIGID_EXPENSE,
    TEMPORARY_EMERGENCY,
    TEMPORARY_EXPENDITURE,
    TEMPORARY_SMALL_FAST,
)
from minzheng.applications.rules.steps import (
    CASEWORK,
    COUNTY,
    DIBAO_MEASURES,
    FINAL_STEPS,
    TOWNSHIP,
    C,
    Level,
    R,
    S,
    T,
    Transition,
    _t,
)
from minzheng.catalogue.programmes import (
    ALLOWANCE_WORKFLOWS,
    PROGRAMME_LABELS,
    Programme,
    Workflow,
    programme_of,
)
from minzheng.catalogue.programmes import WORKFLOWS as WORKFLOW_SPECS
from minzheng.catalogue.roles import Role
from minzheng.common.workdays import WorkingDays

# Leaving: the applicant withdraws at any open step; the county ends the procedure when the household
# refuses to cooperate without good reason (审核确认办法第 29 条). ``transitions`` sets the source: every
# open step of the workflow.
_EXITS = (
    _t("withdraw", "申请人撤回申请", S.SUBMITTED, S.WITHDRAWN)
    .by(TOWNSHIP, T)
    .needs(R.REASON)
    .cite(f"{DIBAO_MEASURES}第9条"),
    _t("terminate", "无正当理由拒不配合，终止审核确认", S.SUBMITTED, S.TERMINATED)
    .by(COUNTY, C)
    .needs(R.REASON)
    .cite(f"{DIBAO_MEASURES}第29条"),
)

WORKFLOWS: Final[dict[Workflow, tuple[Transition, ...]]] = {
    Workflow.DIBAO: DIBAO,
    Workflow.EXTREME_POVERTY: EXTREME_POVERTY,
    Workflow.TEMPORARY_EMERGENCY: TEMPORARY_EMERGENCY,
    Workflow.TEMPORARY_SMALL_FAST: TEMPORARY_SMALL_FAST,
    Workflow.TEMPORARY_EXPENDITURE: TEMPORARY_EXPENDITURE,
    Workflow.MARGIN: MARGIN,
    Workflow.RIGID_EXPENSE: RIGID_EXPENSE,
    Workflow.SENIOR_ALLOWANCE: SENIOR_ALLOWANCE,
    Workflow.DISABILITY_SUBSIDIES: DISABILITY_SUBSIDIES,
    Workflow.ORPHAN_ALLOWANCE: ORPHAN,
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE: DE_FACTO_ORPHAN,
}
WORKFLOW_PROGRAMME: Final = {w: programme_of(w) for w in Workflow}
CHILD_AGE: Final = 18  # 国办发〔2010〕54号; 2019 opinion: 未满 18 周岁
# 两项补贴: which the application names (one or both); the engine decides each (国发〔2015〕52号).
DISABILITY_LIVING: Final = Programme.DISABILITY_LIVING_SUBSIDY
DISABILITY_CARE: Final = Programme.SEVERE_DISABILITY_CARE_SUBSIDY
SUBSIDY_LABELS: Final = {
    p: PROGRAMME_LABELS[p] for p in WORKFLOW_SPECS[Workflow.DISABILITY_SUBSIDIES].programmes
}
# The programmes an allowance application may enrol (the disability one names its subsidies).
ALLOWANCE_PROGRAMMES: Final = {w: s.programmes for w, s in WORKFLOW_SPECS.items() if w in ALLOWANCE_WORKFLOWS}
# 审核确认办法第 22 条: 30 working days from acceptance; 20 when the county delegated confirmation;
# up to 45 in the special cases of the 2022 notice §四(一).
# 刚性支出困难家庭认定办法第 8 条: 30 working days, 45 in the special cases; margin households follow it.
OVERALL_LIMIT: Final = {
    Workflow.DIBAO: WorkingDays(30),
    Workflow.MARGIN: WorkingDays(30),
    Workflow.RIGID_EXPENSE: WorkingDays(30),
}
OVERALL_LIMIT_DELEGATED: Final = {**OVERALL_LIMIT, Workflow.DIBAO: WorkingDays(20)}
OVERALL_LIMIT_EXTENDED: Final = WorkingDays(45)
# 刚性支出困难家庭认定办法第 10 条: an identification is valid for at most 12 months, then re-applied for.
VALIDITY_MONTHS: Final = {Workflow.RIGID_EXPENSE: 12}
# Inner Mongolia 2024 measures: a household rejected for 低保/特困 may, with its consent, move straight
# into the margin or rigid-expense procedure without re-submitting its papers.
HANDOVER_FROM: Final = frozenset({Workflow.DIBAO, Workflow.EXTREME_POVERTY})
HANDOVER_TO: Final = (Workflow.MARGIN, Workflow.RIGID_EXPENSE)
HANDOVER_ROLES: Final = CASEWORK  # 转入认定程序由乡镇（街道）经办人员办理
EXTENSION_REASONS: Final = {
    "objection": "公示有异议",
    "separated_household": "人户分离",
    "outside_registration_place": "在非户籍地申请",
    "hard_investigation": "调查核实难度较大",
}


@cache
def transitions(workflow: Workflow) -> tuple[Transition, ...]:
    """The workflow's table plus the exits from every open step."""
    table = WORKFLOWS[workflow]
    sources = sorted({t.source for t in table} | {t.target for t in table if t.target not in FINAL_STEPS})
    exits = tuple(replace(leave, source=source) for leave in _EXITS for source in sources)
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
    return not (transition.level == Level.CONFIRMING and role == Role.TOWNSHIP_REVIEWER and not delegated)
