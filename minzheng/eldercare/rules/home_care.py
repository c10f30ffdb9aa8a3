"""Pure rules of family care beds (家庭养老床位) and home adaptation (居家适老化改造), issue 17 §6:
eligibility, the transition table, and the subsidy from parameters.

Basis: 《关于加快实施老年人居家适老化改造工程的指导意见》 (民发〔2020〕86号) §二: home adaptation for
特殊困难老年人家庭 — 特困、低保、低保边缘 families with older people of advanced age, 失能 or
残疾; a subsidy ceiling per household is set locally. Family care beds:
《居家和社区基本养老服务提升行动项目》 (民政部、财政部, 2022–2023 年度通知, 文号待核实) — beds for
失能、部分失能 older people at home, contracted to a provider, with a subsidy per bed set locally.
Both figures are parameters (``policy/keys/eldercare_services``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from minzheng.divisions.rules import Level
from minzheng.eldercare.rules.entitlements import Flags
from minzheng.policy.keys.eldercare_services import FAMILY_BED_SUBSIDY, HOME_ADAPTATION_CEILING


class Kind(StrEnum):
    FAMILY_BED = "family_bed"
    HOME_ADAPTATION = "home_adaptation"


KIND_LABELS: Final = {Kind.FAMILY_BED: "家庭养老床位", Kind.HOME_ADAPTATION: "居家适老化改造"}
SUBSIDY_KEYS: Final = {Kind.FAMILY_BED: FAMILY_BED_SUBSIDY, Kind.HOME_ADAPTATION: HOME_ADAPTATION_CEILING}


class Status(StrEnum):
    APPLIED = "applied"
    ASSESSED = "assessed"
    CONTRACTED = "contracted"
    BUILT = "built"
    ACCEPTED = "accepted"
    SUBSIDISED = "subsidised"
    REJECTED = "rejected"


STATUS_LABELS: Final = {
    Status.APPLIED: "已申请",
    Status.ASSESSED: "已评估",
    Status.CONTRACTED: "已签约",
    Status.BUILT: "已完工",
    Status.ACCEPTED: "已验收",
    Status.SUBSIDISED: "已补贴",
    Status.REJECTED: "不予支持",
}
OPEN: Final = frozenset({Status.APPLIED, Status.ASSESSED, Status.CONTRACTED, Status.BUILT, Status.ACCEPTED})


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    sources: frozenset[Status]
    target: Status
    level: Level | None  # the actor's division level; None = township or county


TRANSITIONS: Final[tuple[Transition, ...]] = (
    Transition("assess", "入户评估", frozenset({Status.APPLIED}), Status.ASSESSED, None),
    Transition("contract", "签约服务机构", frozenset({Status.ASSESSED}), Status.CONTRACTED, None),
    Transition("build", "完工", frozenset({Status.CONTRACTED}), Status.BUILT, None),
    Transition("accept", "验收", frozenset({Status.BUILT}), Status.ACCEPTED, None),
    Transition("subsidise", "核发补贴", frozenset({Status.ACCEPTED}), Status.SUBSIDISED, Level.COUNTY),
    Transition(
        "reject",
        "不予支持",
        frozenset({Status.APPLIED, Status.ASSESSED, Status.CONTRACTED}),
        Status.REJECTED,
        None,
    ),
)
TRANSITION_BY_CODE: Final = {t.code: t for t in TRANSITIONS}
ALLOWED: Final = frozenset((s, t.target) for t in TRANSITIONS for s in t.sources)


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if status in t.sources]


def transition_problem(code: str, status: str, actor_level: int | None) -> str:
    transition = TRANSITION_BY_CODE.get(code)
    if transition is None:
        return "未知的操作"
    if status not in transition.sources:
        label = STATUS_LABELS[Status(status)] if status in Status._value2member_map_ else status
        return f"当前状态为“{label}”，不能执行“{transition.label}”"
    if actor_level is None:
        return "您的账号没有所属区划"
    if transition.level is not None and actor_level != transition.level:
        return f"“{transition.label}”须由旗县（市、区）民政工作人员办理"
    if actor_level > Level.TOWNSHIP:
        return f"“{transition.label}”须由乡镇（街道）或旗县民政工作人员办理"
    return ""


def eligibility_problem(kind: str, flags: Flags) -> str:
    """'' when eligible. Family care beds: 失能 per the latest capacity assessment. Home adaptation: a
    特殊困难 older person (特困 or 低保, or 高龄/失能/重残)."""
    if kind == Kind.FAMILY_BED:
        if not flags.capacity_level:
            return "家庭养老床位须先完成能力评估（失能老年人）"
        if not flags.incapacitated:
            return "家庭养老床位仅面向经能力评估为失能的老年人"
        return ""
    if kind == Kind.HOME_ADAPTATION:
        hardship = flags.extreme_poverty or flags.dibao
        frail = flags.advanced_age or flags.incapacitated or flags.severe_disability
        if hardship or frail:
            return ""
        return "居家适老化改造面向特困、低保对象及高龄、失能、重度残疾老年人家庭"
    return f"项目类别“{kind}”无效"


@dataclass(frozen=True)
class Subsidy:
    amount: Decimal | None
    manual_reason: str = ""


def subsidy_from(kind: str, cost: Decimal, beds: int, figure: Decimal | None, missing: str) -> Subsidy:
    """Family bed: per-bed subsidy × beds; home adaptation: the ceiling per household. Never more than
    the contracted cost. No figure in force → 需人工核定 with the missing parameter named."""
    if figure is None:
        return Subsidy(None, f"需人工核定：{missing}")
    cap = figure * beds if kind == Kind.FAMILY_BED else figure
    return Subsidy(min(cost, cap).quantize(Decimal("0.01")))
