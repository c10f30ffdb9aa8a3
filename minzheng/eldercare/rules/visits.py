"""Pure rules of visits (探访关爱, issue 17 §5): the visited categories and the flags they read, the
interval parameter per category, who may see and record visits, and the alert kinds raised into monitoring.

Basis: 《民政部 财政部等关于加快建立健全农村留守老年人关爱服务体系的意见》 (民发〔2017〕193号) and
《关于开展特殊困难老年人探访关爱服务的指导意见》 (民发〔2023〕... 民政部等十部门, 文号待核实): regular visits
to older people who live alone, in empty nests, left behind, bereaved of their only child or of advanced age;
the frequency is set locally (a parameter per category, ``eldercare.visit.interval_days.<category>``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from minzheng.catalogue.roles import Capability, Role
from minzheng.policy.keys.eldercare_services import VISIT_CATEGORY_LABELS, VISIT_INTERVAL_KEY


class VisitCategory(StrEnum):
    LIVES_ALONE = "lives_alone"
    EMPTY_NEST = "empty_nest"
    LEFT_BEHIND = "left_behind"
    BEREAVED_PARENT = "bereaved_parent"
    ADVANCED_AGE = "advanced_age"


CATEGORY_LABELS: Final = {VisitCategory(code): label for code, label in VISIT_CATEGORY_LABELS.items()}
# The ``OlderPerson`` boolean column each category reads (the schedule's SQL selects on it).
CATEGORY_COLUMNS: Final = {
    VisitCategory.LIVES_ALONE: "lives_alone",
    VisitCategory.EMPTY_NEST: "empty_nest",
    VisitCategory.LEFT_BEHIND: "left_behind",
    VisitCategory.BEREAVED_PARENT: "bereaved_parent",
    VisitCategory.ADVANCED_AGE: "advanced_age",
}


def interval_key(category: str) -> str:
    return f"{VISIT_INTERVAL_KEY}{category}"


def categories_text(codes: str) -> str:
    """'lives_alone,advanced_age' → '独居、高龄'."""
    return "、".join(
        CATEGORY_LABELS[VisitCategory(c)] for c in codes.split(",") if c in VISIT_CATEGORY_LABELS
    )


# Who may see the visit list and record a visit. Village assistants (村级协理员) do most visits; they hold
# VIEW_ELDERCARE (catalogue/roles.py: read-only, scoped to their village) and ACCEPT_APPLICATIONS — the
# fieldwork capability of intake (入户调查) — which is what recording a visit asks for besides
# MANAGE_ELDERCARE (township and county eldercare staff). Supervisors see visits but do not record them.
VIEW_CAPABILITIES: Final = (Capability.VIEW_ELDERCARE,)
RECORD_CAPABILITIES: Final = (Capability.MANAGE_ELDERCARE, Capability.ACCEPT_APPLICATIONS)


class AlertKind(StrEnum):
    """The eldercare alert kinds raised into monitoring (one built-in warning rule row each)."""

    VISIT_OVERDUE = "eldercare_visit_overdue"
    VISIT_RISK = "eldercare_visit_risk"


ALERT_TITLES: Final = {
    AlertKind.VISIT_OVERDUE: "探访关爱逾期未探访",
    AlertKind.VISIT_RISK: "探访发现安全风险",
}
ALERT_BASIS: Final = "民发〔2017〕193号；特殊困难老年人探访关爱服务（民政部等部门指导意见）"
ALERT_RESPONSE_DAYS: Final = {AlertKind.VISIT_OVERDUE: 5, AlertKind.VISIT_RISK: 2}  # working days


class VisitorKind(StrEnum):
    VILLAGE_ASSISTANT = Role.VILLAGE_ASSISTANT.value
    CASEWORKER = "caseworker"


VISITOR_LABELS: Final = {
    VisitorKind.VILLAGE_ASSISTANT: "村（社区）协理员",
    VisitorKind.CASEWORKER: "民政工作人员",
}


def visit_problems(
    *, visited_on: object, today: object, findings: str, risk_found: bool, risks: str
) -> list[str]:
    """Problems of a visit record's input (Chinese), empty when it may be saved."""
    problems = []
    if visited_on is None:
        problems.append("请填写探访日期")
    elif visited_on > today:  # type: ignore[operator]
        problems.append("探访日期不能晚于今天")
    if not findings.strip():
        problems.append("请填写探访发现")
    if risk_found and not risks.strip():
        problems.append("发现安全风险时请写明风险情况")
    return problems
