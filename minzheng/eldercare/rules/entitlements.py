"""Pure rules of service entitlements (政府购买服务, issue 17 §3): who is eligible in which category, the
workflow's transition table, and the monthly allowance resolved from policy parameters. No ORM.

Basis: 《老年人权益保障法》 art. 31 (the state gives 特困 and low-income older people who lack the
capacity to care for themselves care subsidies) and art. 33 (the state builds a social elderly-care service
system and purchases services); 《国务院关于加快发展养老服务业的若干意见》 (国发〔2013〕35号) §三(七)
(government purchase of services for 特困、低保、失能、高龄、计划生育特殊家庭 older people); the categories
of a jurisdiction and their monthly hours or amounts are local figures (e.g. Wuhai's nine categories), so
they are effective-dated policy parameters (``policy/keys/eldercare_services.py``) and a missing figure is
需人工核定, never a silent grant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability
from minzheng.divisions.rules import Level
from minzheng.policy.keys.eldercare_services import AMOUNT_KEY, ENTITLEMENT_CATEGORY_LABELS, HOURS_KEY


class Category(StrEnum):
    EXTREME_POVERTY = "extreme_poverty"
    DIBAO = Programme.DIBAO.value
    INCAPACITATED = "incapacitated"
    ADVANCED_AGE_ALONE = "advanced_age_alone"
    BEREAVED_PARENT = "bereaved_parent"
    SEVERE_DISABILITY = "severe_disability"


CATEGORY_LABELS: Final = {Category(code): label for code, label in ENTITLEMENT_CATEGORY_LABELS.items()}


class Status(StrEnum):
    APPLIED = "applied"  # waiting for the township's review
    RETURNED = "returned"  # returned for correction (补正); the applicant's side resubmits
    REVIEWED = "reviewed"  # township reviewed, waiting for the county's approval
    APPROVED = "approved"  # granted: valid_from … valid_to with its monthly allowance
    REJECTED = "rejected"
    ENDED = "ended"  # an approved entitlement ended early (death, moved out, no longer eligible)


STATUS_LABELS: Final = {
    Status.APPLIED: "待乡镇审核",
    Status.RETURNED: "退回补正",
    Status.REVIEWED: "待旗县审批",
    Status.APPROVED: "已批准",
    Status.REJECTED: "不予批准",
    Status.ENDED: "已终止",
}
IN_PROGRESS: Final = frozenset({Status.APPLIED, Status.RETURNED, Status.REVIEWED})


@dataclass(frozen=True)
class Flags:
    """What eligibility reads of an older person (``OlderPerson`` flags and capacity)."""

    extreme_poverty: bool = False
    dibao: bool = False
    incapacitated: bool = False
    capacity_level: str = ""
    advanced_age: bool = False
    lives_alone: bool = False
    bereaved_parent: bool = False
    severe_disability: bool = False


def categories_met(flags: Flags) -> list[Category]:
    """The categories the person belongs to, in the order of ``Category``. 失能 reads the latest capacity
    assessment (``incapacitated`` is set by the assessment service from the GB/T 42195-2022 level)."""
    met = {
        Category.EXTREME_POVERTY: flags.extreme_poverty,
        Category.DIBAO: flags.dibao,
        Category.INCAPACITATED: flags.incapacitated,
        Category.ADVANCED_AGE_ALONE: flags.advanced_age and flags.lives_alone,
        Category.BEREAVED_PARENT: flags.bereaved_parent,
        Category.SEVERE_DISABILITY: flags.severe_disability,
    }
    return [category for category, ok in met.items() if ok]


def eligibility_problem(flags: Flags, category: str) -> str:
    """'' when the person belongs to ``category``, else why not (Chinese)."""
    if category not in {c.value for c in Category}:
        return f"服务资格类别“{category}”无效"
    if Category(category) in categories_met(flags):
        return ""
    label = CATEGORY_LABELS[Category(category)]
    if category == Category.INCAPACITATED and not flags.capacity_level:
        return f"该老年人尚未进行能力评估，不能按“{label}”申请"
    return f"该老年人不属于“{label}”，不能按此类别申请"


# --- the workflow -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    sources: frozenset[Status]
    target: Status
    level: Level | None  # the division level the actor must sit at (None: township or above)
    needs_reason: bool = False


def _t(
    code: str, label: str, sources: set[Status], target: Status, level: Level | None, reason: bool = False
) -> Transition:
    return Transition(code, label, frozenset(sources), target, level, reason)


# apply → township review → county approval (《老年人权益保障法》 art. 31, 33; the levels follow the
# social-assistance practice of 乡镇审核、旗县审批, 社会救助暂行办法 art. 11). Reject and return need reasons.
TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t("resubmit", "重新提交", {Status.RETURNED}, Status.APPLIED, None),
    _t("review", "乡镇审核通过", {Status.APPLIED}, Status.REVIEWED, Level.TOWNSHIP),
    _t("return", "退回补正", {Status.APPLIED}, Status.RETURNED, Level.TOWNSHIP, True),
    _t("township_reject", "乡镇审核不通过", {Status.APPLIED}, Status.REJECTED, Level.TOWNSHIP, True),
    _t("approve", "旗县审批通过", {Status.REVIEWED}, Status.APPROVED, Level.COUNTY),
    _t("county_return", "退回乡镇重新审核", {Status.REVIEWED}, Status.APPLIED, Level.COUNTY, True),
    _t("county_reject", "旗县不予批准", {Status.REVIEWED}, Status.REJECTED, Level.COUNTY, True),
    _t("end", "终止服务资格", {Status.APPROVED}, Status.ENDED, Level.COUNTY, True),
)
TRANSITION_BY_CODE: Final = {t.code: t for t in TRANSITIONS}
CAPABILITY: Final = Capability.MANAGE_ELDERCARE
ALLOWED: Final = frozenset((s, t.target) for t in TRANSITIONS for s in t.sources)


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if status in t.sources]


def transition_problem(code: str, status: str, actor_level: int | None) -> str:
    """'' when ``code`` may be taken from ``status`` by an actor at ``actor_level``, else why not."""
    transition = TRANSITION_BY_CODE.get(code)
    if transition is None:
        return "未知的操作"
    if status not in transition.sources:
        label = STATUS_LABELS.get(Status(status), status) if status in Status._value2member_map_ else status
        return f"当前状态为“{label}”，不能执行“{transition.label}”"
    if actor_level is None:
        return "您的账号没有所属区划"
    if transition.level is not None and actor_level != transition.level:
        where = {Level.TOWNSHIP: "乡镇（街道）", Level.COUNTY: "旗县（市、区）"}[transition.level]
        return f"“{transition.label}”须由{where}民政工作人员办理"
    if transition.level is None and actor_level > Level.TOWNSHIP:
        return f"“{transition.label}”须由乡镇（街道）或旗县民政工作人员办理"
    return ""


# --- the allowance ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """The monthly allowance of an entitlement. ``manual_reason`` non-empty = 需人工核定 (no figure)."""

    hours: int | None
    amount: Decimal | None
    manual_reason: str = ""

    @property
    def needs_manual(self) -> bool:
        return bool(self.manual_reason)


def allowance_keys(category: str) -> tuple[str, str]:
    return f"{HOURS_KEY}{category}", f"{AMOUNT_KEY}{category}"


def allowance_from(category: str, found: Mapping[str, object], missing: Mapping[str, str]) -> Allowance:
    """The allowance from the resolved parameters (``found``: key → value) of the category; the missing
    ones' messages in ``missing``. Hours or amount may each be left unset by a jurisdiction that grants
    only the other; when neither is in force the allowance is 需人工核定 and says which figures lack."""
    hours_key, amount_key = allowance_keys(category)
    hours, amount = found.get(hours_key), found.get(amount_key)
    if hours is None and amount is None:
        reasons = "；".join(missing[k] for k in (hours_key, amount_key) if k in missing)
        return Allowance(None, None, f"需人工核定：{reasons}")
    return Allowance(
        int(str(hours)) if hours is not None else None, Decimal(str(amount)) if amount is not None else None
    )


def manual_allowance_problem(hours: int | None, amount: Decimal | None, note: str) -> str:
    """A manual determination (人工核定) needs a figure and the written reason (ADR 0031)."""
    if hours is None and amount is None:
        return "请填写人工核定的月服务时长或月服务金额"
    if (hours is not None and hours <= 0) or (amount is not None and amount <= 0):
        return "人工核定的时长和金额必须大于零"
    if not note.strip():
        return "请填写人工核定说明（依据和理由）"
    return ""
