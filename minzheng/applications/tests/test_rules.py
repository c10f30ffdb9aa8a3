"""The transition tables, checked against an independent statement of the procedure: for every workflow,
every step and every operation code, the operation is allowed exactly when the procedure has it (with its
target step), the roles that may take it, and the deadline the target step gets. No database.

The expected tables below are written out from the regulations (审核确认办法第 9—22 条、第 29 条; 特困人员认定
办法第 12—18 条; 民发〔2018〕23号; 2026 年临时救助意见; 社会救助暂行办法第 48 条; policy-rules.md §6.1–6.3 for the
allowances), not derived from ``rules``.
"""

from __future__ import annotations

import pytest

from minzheng.applications import rules
from minzheng.applications.rules import Step, Workflow
from minzheng.common.workdays import CalendarDays, WorkingDays

S = Step
CASEWORKER, REVIEWER, COUNTY = "township_caseworker", "township_reviewer", "county_approver"
VILLAGE = "village_assistant"
ROLES = (
    VILLAGE, CASEWORKER, REVIEWER, COUNTY, "prefecture_supervisor", "region_supervisor", "auditor",
    "system_admin",
)  # fmt: skip
TOWNSHIP = frozenset({CASEWORKER, REVIEWER})

# code -> (source, target, roles, due of the target step); "keep" = the running limit continues.
INTAKE = {
    "request_materials": (S.SUBMITTED, S.MATERIALS_PENDING, {CASEWORKER}, None),
    "materials_received": (S.MATERIALS_PENDING, S.SUBMITTED, {CASEWORKER}, None),
}
EXPECTED: dict[Workflow, dict[str, tuple[Step, Step, set[str], object]]] = {
    Workflow.DIBAO: {
        "accept": (S.SUBMITTED, S.ACCEPTED, {CASEWORKER}, WorkingDays(3)),
        **INTAKE,
        "start_investigation": (S.ACCEPTED, S.INVESTIGATING, {CASEWORKER}, None),
        "request_verification": (S.INVESTIGATING, S.VERIFYING, {CASEWORKER}, WorkingDays(3)),
        "record_verification": (S.VERIFYING, S.FIRST_REVIEW, {COUNTY}, None),
        "publish_notice": (S.FIRST_REVIEW, S.PUBLIC_NOTICE, TOWNSHIP, CalendarDays(7)),
        "close_notice": (S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, WorkingDays(10)),
        "hold_appraisal": (S.PUBLIC_NOTICE, S.APPRAISAL, TOWNSHIP, None),
        "reinvestigate": (S.PUBLIC_NOTICE, S.INVESTIGATING, TOWNSHIP, None),
        "submit_after_appraisal": (S.APPRAISAL, S.COUNTY_REVIEW, TOWNSHIP, WorkingDays(10)),
        "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY, REVIEWER}, None),
        "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY, REVIEWER}, WorkingDays(3)),
    },
    Workflow.EXTREME_POVERTY: {
        "accept": (S.SUBMITTED, S.ACCEPTED, {CASEWORKER}, WorkingDays(15)),
        **INTAKE,
        "start_investigation": (S.ACCEPTED, S.INVESTIGATING, {CASEWORKER}, "keep"),
        "publish_notice": (S.INVESTIGATING, S.PUBLIC_NOTICE, TOWNSHIP, CalendarDays(7)),
        "close_notice": (S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, WorkingDays(15)),
        "reinvestigate": (S.PUBLIC_NOTICE, S.INVESTIGATING, TOWNSHIP, WorkingDays(15)),
        "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY, REVIEWER}, None),
        "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY, REVIEWER}, WorkingDays(3)),
    },
    Workflow.TEMPORARY_EMERGENCY: {
        "accept": (S.SUBMITTED, S.ACCEPTED, {CASEWORKER}, None),
        "pay_aid_first": (S.ACCEPTED, S.AID_PAID, TOWNSHIP, None),
        # the township completes within its ceiling without any delegation (社会救助暂行办法第 48 条)
        "complete_paperwork": (S.AID_PAID, S.APPROVED, {COUNTY, REVIEWER}, None),
    },
    Workflow.TEMPORARY_SMALL_FAST: {
        "accept": (S.SUBMITTED, S.ACCEPTED, {CASEWORKER}, CalendarDays(3)),
        "approve": (S.ACCEPTED, S.APPROVED, TOWNSHIP, None),
        "reject": (S.ACCEPTED, S.REJECTED, TOWNSHIP, None),
    },
    Workflow.TEMPORARY_EXPENDITURE: {
        # no national time limit for the 支出型 procedure (民发〔2018〕23号 sets none)
        "accept": (S.SUBMITTED, S.ACCEPTED, {CASEWORKER}, None),
        **INTAKE,
        "start_investigation": (S.ACCEPTED, S.INVESTIGATING, {CASEWORKER}, None),
        "request_verification": (S.INVESTIGATING, S.VERIFYING, {CASEWORKER}, WorkingDays(3)),
        "record_verification": (S.VERIFYING, S.FIRST_REVIEW, {COUNTY}, None),
        "publish_notice": (S.FIRST_REVIEW, S.PUBLIC_NOTICE, TOWNSHIP, CalendarDays(7)),
        "close_notice": (S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, None),
        "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY, REVIEWER}, None),
        "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY, REVIEWER}, WorkingDays(3)),
        "refer_case_by_case": (S.COUNTY_REVIEW, S.CASE_BY_CASE, {COUNTY, REVIEWER}, None),
        # 一事一议 (民发〔2018〕23号 §二(三)): only the county mechanism decides
        "approve@case_by_case": (S.CASE_BY_CASE, S.APPROVED, {COUNTY}, None),
        "reject@case_by_case": (S.CASE_BY_CASE, S.REJECTED, {COUNTY}, WorkingDays(3)),
    },
    **{
        workflow: {
            "accept": (S.SUBMITTED, S.ACCEPTED, {CASEWORKER}, WorkingDays(3)),
            **INTAKE,
            "start_investigation": (S.ACCEPTED, S.INVESTIGATING, {CASEWORKER}, None),
            "request_verification": (S.INVESTIGATING, S.VERIFYING, {CASEWORKER}, WorkingDays(3)),
            "record_verification": (S.VERIFYING, S.FIRST_REVIEW, {COUNTY}, None),
            "submit_review": (S.FIRST_REVIEW, S.COUNTY_REVIEW, TOWNSHIP, None),
            "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY, REVIEWER}, None),
            "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY, REVIEWER}, WorkingDays(3)),
        }
        for workflow in (Workflow.MARGIN, Workflow.RIGID_EXPENSE)
    },
    # 高龄津贴 (policy-rules.md §6.1): the village committee's first review within 5 working days, then the
    # township and the banner/county review in turn; no notice
    Workflow.SENIOR_ALLOWANCE: {
        "accept": (S.SUBMITTED, S.VILLAGE_REVIEW, {VILLAGE, CASEWORKER}, WorkingDays(5)),
        "village_review": (S.VILLAGE_REVIEW, S.TOWNSHIP_REVIEW, {VILLAGE, CASEWORKER}, None),
        "township_review": (S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, TOWNSHIP, None),
        "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY}, None),
        "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY}, None),
    },
    # 残疾人两项补贴 (国发〔2015〕52号): township first review → county 残联 → county civil affairs; no limits
    Workflow.DISABILITY_SUBSIDIES: {
        "accept": (S.SUBMITTED, S.FIRST_REVIEW, {CASEWORKER}, None),
        "submit_federation": (S.FIRST_REVIEW, S.FEDERATION_REVIEW, TOWNSHIP, None),
        "record_federation": (S.FEDERATION_REVIEW, S.COUNTY_REVIEW, {COUNTY}, None),
        "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY}, None),
        "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY}, None),
    },
    # 事实无人抚养儿童 (2019 opinion): township 15 working days, county 15 working days, no notice;
    # 孤儿 the same shape without documented limits
    **{
        workflow: {
            "accept": (S.SUBMITTED, S.VERIFYING, {CASEWORKER}, limit),
            "submit_review": (S.VERIFYING, S.COUNTY_REVIEW, TOWNSHIP, limit),
            "approve": (S.COUNTY_REVIEW, S.APPROVED, {COUNTY}, None),
            "reject": (S.COUNTY_REVIEW, S.REJECTED, {COUNTY}, None),
        }
        for workflow, limit in (
            (Workflow.DE_FACTO_ORPHAN_ALLOWANCE, WorkingDays(15)),
            (Workflow.ORPHAN_ALLOWANCE, None),
        )
    },
}
# The open steps each workflow passes through: withdraw and terminate leave from every one of them.
OPEN_STEPS: dict[Workflow, tuple[Step, ...]] = {
    Workflow.DIBAO: (S.SUBMITTED, S.MATERIALS_PENDING, S.ACCEPTED, S.INVESTIGATING, S.VERIFYING,
                     S.FIRST_REVIEW, S.PUBLIC_NOTICE, S.APPRAISAL, S.COUNTY_REVIEW),
    Workflow.EXTREME_POVERTY: (S.SUBMITTED, S.MATERIALS_PENDING, S.ACCEPTED, S.INVESTIGATING, S.PUBLIC_NOTICE,
                               S.COUNTY_REVIEW),
    Workflow.TEMPORARY_EMERGENCY: (S.SUBMITTED, S.ACCEPTED, S.AID_PAID),
    Workflow.TEMPORARY_SMALL_FAST: (S.SUBMITTED, S.ACCEPTED),
    Workflow.TEMPORARY_EXPENDITURE: (S.SUBMITTED, S.MATERIALS_PENDING, S.ACCEPTED, S.INVESTIGATING,
                                     S.VERIFYING, S.FIRST_REVIEW, S.PUBLIC_NOTICE, S.COUNTY_REVIEW,
                                     S.CASE_BY_CASE),
    Workflow.MARGIN: (S.SUBMITTED, S.MATERIALS_PENDING, S.ACCEPTED, S.INVESTIGATING, S.VERIFYING,
                      S.FIRST_REVIEW, S.COUNTY_REVIEW),
    Workflow.RIGID_EXPENSE: (S.SUBMITTED, S.MATERIALS_PENDING, S.ACCEPTED, S.INVESTIGATING, S.VERIFYING,
                             S.FIRST_REVIEW, S.COUNTY_REVIEW),
    Workflow.SENIOR_ALLOWANCE: (S.SUBMITTED, S.VILLAGE_REVIEW, S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW),
    Workflow.DISABILITY_SUBSIDIES: (S.SUBMITTED, S.FIRST_REVIEW, S.FEDERATION_REVIEW, S.COUNTY_REVIEW),
    Workflow.ORPHAN_ALLOWANCE: (S.SUBMITTED, S.VERIFYING, S.COUNTY_REVIEW),
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE: (S.SUBMITTED, S.VERIFYING, S.COUNTY_REVIEW),
}  # fmt: skip
EXITS = {"withdraw": (S.WITHDRAWN, TOWNSHIP), "terminate": (S.TERMINATED, {COUNTY})}
# Confirmations a township reviewer may take only where the county delegated confirmation (第 2 条).
DELEGATED_ONLY = {
    (Workflow.DIBAO, "approve"), (Workflow.DIBAO, "reject"),
    (Workflow.EXTREME_POVERTY, "approve"), (Workflow.EXTREME_POVERTY, "reject"),
    (Workflow.MARGIN, "approve"), (Workflow.MARGIN, "reject"),
    (Workflow.RIGID_EXPENSE, "approve"), (Workflow.RIGID_EXPENSE, "reject"),
}  # fmt: skip


def code_of(key: str) -> str:
    """``approve@case_by_case`` names the second ``approve`` of a table (from another step)."""
    return key.split("@")[0]


def expected_moves(workflow: Workflow) -> dict[tuple[Step, str], tuple[Step, set[str]]]:
    """(source, code) -> (target, roles) of the procedure, exits included."""
    moves = {
        (source, code_of(key)): (target, set(roles))
        for key, (source, target, roles, _) in EXPECTED[workflow].items()
    }
    for code, (target, roles) in EXITS.items():
        moves.update({(step, code): (target, set(roles)) for step in OPEN_STEPS[workflow]})
    return moves


def codes_of(workflow: Workflow) -> list[str]:
    return sorted({*map(code_of, EXPECTED[workflow]), *EXITS})


CASES = [
    pytest.param(workflow, step, code, id=f"{workflow.value}-{step.value}-{code}")
    for workflow in Workflow
    for step in Step
    for code in codes_of(workflow)
]


@pytest.mark.parametrize(("workflow", "step", "code"), CASES)
def test_transition_allowed_exactly_when_the_procedure_has_it(workflow, step, code):
    # given
    expected = expected_moves(workflow).get((step, code))

    # when
    transition = rules.transition_for(workflow, step, code)

    # then
    if expected is None:
        assert transition is None
    else:
        assert transition is not None
        assert (transition.target, set(transition.roles)) == expected


@pytest.mark.parametrize("workflow", list(Workflow))
def test_the_table_has_no_operation_the_procedure_lacks(workflow):
    table = {(t.source, t.code): (t.target, set(t.roles)) for t in rules.transitions(workflow)}
    assert table == expected_moves(workflow)


@pytest.mark.parametrize("workflow", list(Workflow))
def test_no_transition_leaves_a_final_step(workflow):
    assert [t for t in rules.transitions(workflow) if t.source in rules.FINAL_STEPS] == []


@pytest.mark.parametrize(
    ("workflow", "key"),
    [pytest.param(w, key, id=f"{w.value}-{key}") for w in Workflow for key in EXPECTED[w]],
)
def test_due_period_of_the_target_step(workflow, key):
    source, _target, _roles, due = EXPECTED[workflow][key]
    transition = rules.transition_for(workflow, source, code_of(key))
    assert transition is not None
    assert isinstance(transition.due, rules.Keep) if due == "keep" else transition.due == due


@pytest.mark.parametrize(
    ("workflow", "step", "role"),
    [
        pytest.param(workflow, step, role, id=f"{workflow.value}-{step.value}-{role}")
        for workflow in Workflow
        for step in Step
        for role in ROLES
    ],
)
def test_available_per_role(workflow, step, role):
    # given
    expected = sorted(name for (source, name), (_, roles) in expected_moves(workflow).items()
                      if source == step and role in roles)  # fmt: skip

    # when
    codes = sorted(t.code for t in rules.available(workflow, step, role))

    # then
    assert codes == expected


@pytest.mark.parametrize(
    ("workflow", "key", "role", "delegated", "allowed"),
    [
        pytest.param(w, key, role, delegated, allowed, id=f"{w.value}-{key}-{role}-{delegated}")
        for w in Workflow
        for key, (_, _, roles, _) in EXPECTED[w].items()
        for role in (CASEWORKER, REVIEWER, COUNTY)
        for delegated in (False, True)
        for allowed in [
            role in roles and not (role == REVIEWER and not delegated and (w, key) in DELEGATED_ONLY)
        ]
    ],
)
def test_role_may_respects_the_delegation_of_confirmation(workflow, key, role, delegated, allowed):
    source = EXPECTED[workflow][key][0]
    transition = rules.transition_for(workflow, source, code_of(key))
    assert transition is not None
    assert rules.role_may(transition, role, delegated=delegated) is allowed


def test_expenditure_approval_by_the_township_does_not_need_delegation():
    """社会救助暂行办法第 48 条: the township approves within its ceiling wherever it is."""
    transition = rules.transition_for(Workflow.TEMPORARY_EXPENDITURE, Step.COUNTY_REVIEW, "approve")
    assert transition is not None
    assert rules.role_may(transition, REVIEWER, delegated=False) is True


@pytest.mark.parametrize(
    ("workflow", "key", "requirements"),
    [
        (Workflow.DIBAO, "accept", ("pledge",)),
        (Workflow.DIBAO, "request_verification", ("home_visit",)),
        (Workflow.DIBAO, "approve", ("county_visit_if_flagged",)),
        (Workflow.EXTREME_POVERTY, "publish_notice", ("home_visit", "self_care", "opinion")),
        (Workflow.EXTREME_POVERTY, "approve", ("spot_check_drawn", "county_visit_if_flagged")),
        (Workflow.TEMPORARY_EMERGENCY, "pay_aid_first", ("amount",)),
        (Workflow.TEMPORARY_EMERGENCY, "complete_paperwork", ("pledge",)),
        (Workflow.TEMPORARY_SMALL_FAST, "approve", ("amount",)),
        (Workflow.TEMPORARY_EXPENDITURE, "approve", ("amount",)),
        (Workflow.TEMPORARY_EXPENDITURE, "refer_case_by_case", ("reason",)),
        (Workflow.TEMPORARY_EXPENDITURE, "approve@case_by_case", ("meeting", "amount")),
        (Workflow.MARGIN, "request_verification", ("home_visit",)),
        (Workflow.RIGID_EXPENSE, "submit_review", ("opinion",)),
    ],
)
def test_requirements_of_key_transitions(workflow, key, requirements):
    source = EXPECTED[workflow][key][0]
    transition = rules.transition_for(workflow, source, code_of(key))
    assert transition is not None
    assert tuple(r.value for r in transition.requires) == requirements
