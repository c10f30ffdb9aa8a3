"""Who records what at which step: one table read by the record services, the detail page (which forms it
shows) and so the API (which calls the services). A row names the record, the steps, the roles and the
workflows; ``refused`` is the message another recorder gets at those steps."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from minzheng.applications.rules.steps import (
    COUNTY,
    DE_FACTO_2019,
    DIBAO_MEASURES,
    DISABILITY_2015,
    NOTICE_2022,
    OPEN_STEPS,
    RECORDERS,
    RIGID_MEASURES,
    TOWNSHIP,
    S,
    Step,
)
from minzheng.applications.rules.workflows import OVERALL_LIMIT
from minzheng.catalogue.programmes import CHILD_WORKFLOWS, Workflow


class Record(StrEnum):
    """The records entered at a step (besides the transitions): each has its form and its service."""

    HOME_VISIT = "home_visit"
    VERIFICATION = "verification"
    CARE = "care"
    EXPENSE = "expense"
    OBJECTION = "objection"
    EXTEND = "extend"


RECORD_LABELS: Final = {
    Record.HOME_VISIT: "入户调查",
    Record.VERIFICATION: "核对结果",
    Record.CARE: "特困人员评估",
    Record.EXPENSE: "刚性支出",
    Record.OBJECTION: "公示异议",
    Record.EXTEND: "延长时限",
}
# Why a record of a kind is refused on a workflow none of its rows names.
RECORD_WORKFLOW_REFUSALS: Final = {
    Record.CARE: "生活自理能力评估只适用于特困人员救助供养申请",
    Record.EXPENSE: "刚性支出只在刚性支出困难家庭认定中录入",
    Record.EXTEND: "该类申请没有总办结时限，无需延长",
}
ALL_WORKFLOWS: Final = frozenset(Workflow)


@dataclass(frozen=True)
class RecordRule:
    """One row: ``record`` may be entered at ``steps`` of ``workflows`` by ``roles``. ``refused`` is the
    message for another recorder at these steps (empty: the step is simply not theirs)."""

    record: Record
    steps: frozenset[Step]
    roles: frozenset[str]
    basis: str
    workflows: frozenset[Workflow] = ALL_WORKFLOWS
    refused: str = ""


def _steps(*steps: Step) -> frozenset[Step]:
    return frozenset(steps)


RECORDS: Final = (
    # 入户调查 by the township while investigating (≥ 2 investigators); the county's own visit during
    # review for staff relatives, complaints and the spot-checked (审核确认办法第 16、20 条; 特困人员认定办法
    # 第 16 条).
    RecordRule(Record.HOME_VISIT, _steps(S.INVESTIGATING), TOWNSHIP, f"{DIBAO_MEASURES}第16条"),
    RecordRule(Record.HOME_VISIT, _steps(S.COUNTY_REVIEW), COUNTY, f"{DIBAO_MEASURES}第16条、第20条"),
    # 信息核对 by county civil affairs (第 17 条); 孤儿 / 事实无人抚养儿童: the township's inter-departmental
    # data matching (2019 opinion); 两项补贴: the county enters the 残联's review (国发〔2015〕52号).
    RecordRule(
        Record.VERIFICATION,
        _steps(S.VERIFYING),
        COUNTY,
        f"{DIBAO_MEASURES}第17条",
        refused="信息核对由县级民政部门办理",
    ),
    RecordRule(
        Record.VERIFICATION,
        _steps(S.VERIFYING),
        TOWNSHIP,
        f"{DE_FACTO_2019}（部门间信息比对）",
        workflows=CHILD_WORKFLOWS,
    ),
    RecordRule(
        Record.VERIFICATION,
        _steps(S.FEDERATION_REVIEW),
        COUNTY,
        f"{DISABILITY_2015}（县级残联审核）",
        workflows=frozenset({Workflow.DISABILITY_SUBSIDIES}),
        refused="县级残联审核意见由县级民政部门录入",
    ),
    RecordRule(
        Record.CARE,
        _steps(S.INVESTIGATING),
        RECORDERS,
        "《特困人员认定办法》第8条、第20—23条；《社会救助暂行办法》第19条",
        workflows=frozenset({Workflow.EXTREME_POVERTY}),
    ),
    # The rigid expenses are found by the township's investigation (刚性支出困难家庭认定办法第 4、5 条).
    RecordRule(
        Record.EXPENSE,
        _steps(S.INVESTIGATING, S.FIRST_REVIEW),
        TOWNSHIP,
        f"{RIGID_MEASURES}第5条",
        workflows=frozenset({Workflow.RIGID_EXPENSE}),
        refused="刚性支出由乡镇（街道）调查核实后录入",
    ),
    RecordRule(Record.OBJECTION, _steps(S.PUBLIC_NOTICE), RECORDERS, f"{DIBAO_MEASURES}第19条"),
    RecordRule(
        Record.EXTEND,
        frozenset(OPEN_STEPS),
        RECORDERS,
        f"{NOTICE_2022}§四(一)",
        workflows=frozenset(OVERALL_LIMIT),
    ),
)


def record_roles(record: Record) -> frozenset[str]:
    """Every role that enters ``record`` somewhere."""
    return frozenset().union(*(r.roles for r in RECORDS if r.record == record))


def record_rules(record: Record, step: str) -> list[RecordRule]:
    """The rows of ``record`` at ``step`` (any workflow, any role)."""
    return [r for r in RECORDS if r.record == record and step in r.steps]


def record_rule(record: Record, *, workflow: Workflow, step: str, role: str) -> RecordRule | None:
    """The row that lets ``role`` enter ``record`` at ``step`` of ``workflow``, or ``None``."""
    return next(
        (r for r in record_rules(record, step) if workflow in r.workflows and role in r.roles),
        None,
    )


def records_open(*, workflow: Workflow, step: str, role: str) -> list[Record]:
    """The records ``role`` may enter now (the detail page shows their forms)."""
    return [k for k in Record if record_rule(k, workflow=workflow, step=step, role=role) is not None]
