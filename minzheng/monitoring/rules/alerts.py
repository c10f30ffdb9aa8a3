"""Alert statuses of the closed loop (国办发〔2023〕39号 §三(三)–(四)) as an explicit transition table
(ADR 0001), and the departments an alert is referred to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from minzheng.monitoring.rules.categories import BASIS_39


class AlertStatus(StrEnum):
    PUSHED = "pushed"
    VERIFYING = "verifying"
    ASSISTING = "assisting"
    REFERRED = "referred"
    DISMISSED = "dismissed"
    CLOSED = "closed"


ALERT_STATUS_LABELS: Final = {
    AlertStatus.PUSHED: "已推送待核实",
    AlertStatus.VERIFYING: "核实中",
    AlertStatus.ASSISTING: "救助帮扶中",
    AlertStatus.REFERRED: "已转办",
    AlertStatus.DISMISSED: "核实排除",
    AlertStatus.CLOSED: "已办结",
}
OPEN_STATUSES: Final = (
    AlertStatus.PUSHED,
    AlertStatus.VERIFYING,
    AlertStatus.ASSISTING,
    AlertStatus.REFERRED,
)


@dataclass(frozen=True)
class AlertTransition:
    code: str
    label: str
    source: AlertStatus
    target: AlertStatus
    reason_required: bool
    basis: str


_DISPOSAL = f"{BASIS_39}§三(四)（分类处置预警信息）"
_VERIFYING = f"{BASIS_39}§三(三)（主动发现、入户核实）"


def _transition(
    code: str,
    label: str,
    source: AlertStatus,
    target: AlertStatus,
    reason_required: bool,
    basis: str = _DISPOSAL,
) -> AlertTransition:
    return AlertTransition(code, label, source, target, reason_required, basis)


ALERT_TRANSITIONS: Final = (
    _transition("verify", "开始核实", AlertStatus.PUSHED, AlertStatus.VERIFYING, False, _VERIFYING),
    _transition("assist", "纳入救助帮扶", AlertStatus.VERIFYING, AlertStatus.ASSISTING, False),
    _transition("refer", "转办其他部门", AlertStatus.VERIFYING, AlertStatus.REFERRED, True),
    _transition("dismiss", "核实排除", AlertStatus.VERIFYING, AlertStatus.DISMISSED, True),
    _transition("close", "办结", AlertStatus.ASSISTING, AlertStatus.CLOSED, True),
    _transition("close", "办结", AlertStatus.REFERRED, AlertStatus.CLOSED, True),
    _transition("close", "办结", AlertStatus.DISMISSED, AlertStatus.CLOSED, False),
)
ALLOWED_TRANSITIONS: Final[dict[AlertStatus, frozenset[AlertStatus]]] = {
    status: frozenset(t.target for t in ALERT_TRANSITIONS if t.source == status) for status in AlertStatus
}


def alert_transition_for(status: str, code: str) -> AlertTransition | None:
    """The transition ``code`` from ``status``, or ``None`` when the table has none (refused)."""
    return next((t for t in ALERT_TRANSITIONS if t.code == code and t.source == status), None)


def alert_transitions_from(status: str) -> list[AlertTransition]:
    return [t for t in ALERT_TRANSITIONS if t.source == status]


class ReferralDepartment(StrEnum):
    """Departments that receive pushes (国办发〔2023〕39号 §三(二), §五(二); policy-rules.md §4.5)."""

    MEDICAL = "medical"
    EDUCATION = "education"
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    DISASTER = "disaster"
    DISABILITY = "disability"
    RURAL = "rural"  # 乡村振兴 (防止返贫监测)
    RED_CROSS = "red_cross"
    CHARITY = "charity"  # 慈善组织 (社会力量参与, §五(三))
    OTHER = "other"


REFERRAL_LABELS: Final = {
    ReferralDepartment.MEDICAL: "医疗保障部门（医疗救助）",
    ReferralDepartment.EDUCATION: "教育部门（教育救助）",
    ReferralDepartment.HOUSING: "住房城乡建设部门（住房救助）",
    ReferralDepartment.EMPLOYMENT: "人力资源社会保障部门（就业救助）",
    ReferralDepartment.DISASTER: "应急管理部门（受灾人员救助）",
    ReferralDepartment.DISABILITY: "残联（残疾人帮扶）",
    ReferralDepartment.RURAL: "乡村振兴部门（防止返贫帮扶）",
    ReferralDepartment.RED_CROSS: "红十字会（人道救助）",
    ReferralDepartment.CHARITY: "慈善组织（慈善帮扶）",
    ReferralDepartment.OTHER: "其他部门",
}
