"""The transition input table (``inputs.INPUTS``) and the record table (``rules.RECORDS``) against the
transition tables, the forms and each other. No database."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal

import pytest

from minzheng.applications import rules
from minzheng.applications.errors import StepRequirementMissing
from minzheng.applications.forms import REQUIREMENT_FIELDS, transition_fields
from minzheng.applications.inputs import (
    INPUTS,
    AcceptInput,
    ApprovalInput,
    Instalment,
    MaterialsInput,
    ReasonInput,
    TransitionInput,
    transition_input,
)
from minzheng.applications.rules import Record, Step, Workflow

ALL = [(w, t) for w in Workflow for t in rules.transitions(w)]


def test_every_transition_has_its_input_type_and_every_input_type_a_transition():
    codes = {t.code for _, t in ALL}
    assert codes == set(INPUTS)


@pytest.mark.parametrize(("workflow", "transition"), ALL, ids=[f"{w}-{t.code}-{t.source}" for w, t in ALL])
def test_what_a_transition_requires_and_its_form_offers_are_fields_of_its_input(workflow, transition):
    names = {f.name for f in fields(INPUTS[transition.code])}
    required = {REQUIREMENT_FIELDS[r] for r in transition.requires if r in REQUIREMENT_FIELDS}
    if rules.Requirement.PLEDGE in transition.requires:
        required.add("pledge_signed")
    assert required <= names
    for signed in (False, True):
        assert set(transition_fields(transition, workflow=workflow, pledge_signed=signed)) <= names


def test_a_mapping_becomes_the_typed_input_and_unknown_keys_are_ignored():
    assert transition_input("accept", {"pledge_signed": "on", "opinion": "x"}) == AcceptInput(
        pledge_signed=True
    )
    assert transition_input(
        "request_materials", {"missing_materials": "户口簿\n\n 收入证明 "}
    ) == MaterialsInput(missing_materials=("户口簿", "收入证明"))
    assert transition_input("reject", {"reason": "  不符合  "}) == ReasonInput(reason="不符合")
    approval = transition_input("approve", {"amount": 1500, "instalments": "2026-12 1000\n2027-01 500"})
    assert approval == ApprovalInput(
        amount=Decimal("1500"),
        instalments=(
            Instalment(dt.date(2026, 12, 1), Decimal("1000.00")),
            Instalment(dt.date(2027, 1, 1), Decimal("500.00")),
        ),
    )
    assert approval.recorded() == {
        "amount": "1500",
        "instalments": [
            {"month": "2026-12-01", "amount": "1000.00"},
            {"month": "2027-01-01", "amount": "500.00"},
        ],
    }
    assert transition_input("start_investigation", None) == TransitionInput()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "abc"}, "amount", "救助金额不是有效数字"),
        ({"amount": "-5"}, "amount", "救助金额须为正数，最多两位小数"),
        ({"amount": "1.005"}, "amount", "救助金额须为正数，最多两位小数"),
        (
            {"instalments": "下个月 1000"},
            "instalments",
            "分阶段发放计划第 1 行格式有误，应为“年-月 金额”，如“2026-12 500”",
        ),
        (
            {"instalments": "2026-12 500\n2026-11 500"},
            "instalments",
            "分阶段发放计划第 2 行：金额须为正数，月份须逐行递增",
        ),
    ],
)
def test_bad_content_is_refused_in_chinese_naming_the_field(data, field, message):
    with pytest.raises(StepRequirementMissing) as refused:
        transition_input("approve", data)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_a_typed_input_of_another_transition_is_a_programming_error():
    with pytest.raises(TypeError):
        transition_input("approve", ReasonInput(reason="x"))


@pytest.mark.parametrize(
    ("workflow", "step", "role", "expected"),
    [
        (Workflow.DIBAO, Step.INVESTIGATING, "township_caseworker", [Record.HOME_VISIT, Record.EXTEND]),
        (Workflow.DIBAO, Step.INVESTIGATING, "county_approver", [Record.EXTEND]),
        (Workflow.TEMPORARY_EXPENDITURE, Step.INVESTIGATING, "county_approver", []),
        (Workflow.DIBAO, Step.COUNTY_REVIEW, "county_approver", [Record.HOME_VISIT, Record.EXTEND]),
        (Workflow.DIBAO, Step.VERIFYING, "county_approver", [Record.VERIFICATION, Record.EXTEND]),
        (Workflow.DIBAO, Step.VERIFYING, "township_caseworker", [Record.EXTEND]),
        (Workflow.ORPHAN_ALLOWANCE, Step.VERIFYING, "township_reviewer", [Record.VERIFICATION]),
        (Workflow.DISABILITY_SUBSIDIES, Step.FEDERATION_REVIEW, "county_approver", [Record.VERIFICATION]),
        (Workflow.DISABILITY_SUBSIDIES, Step.FEDERATION_REVIEW, "township_caseworker", []),
        (Workflow.EXTREME_POVERTY, Step.INVESTIGATING, "county_approver", [Record.CARE]),
        (Workflow.RIGID_EXPENSE, Step.FIRST_REVIEW, "township_caseworker", [Record.EXPENSE, Record.EXTEND]),
        (Workflow.RIGID_EXPENSE, Step.FIRST_REVIEW, "county_approver", [Record.EXTEND]),
        (Workflow.TEMPORARY_EXPENDITURE, Step.PUBLIC_NOTICE, "township_reviewer", [Record.OBJECTION]),
        (Workflow.DIBAO, Step.PUBLIC_NOTICE, "village_assistant", []),
    ],
)
def test_the_record_table_says_who_records_what_at_which_step(workflow, step, role, expected):
    assert rules.records_open(workflow=workflow, step=step, role=role) == expected
