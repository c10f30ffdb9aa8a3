"""Reasons and results: every figure of an assessment is traced to a rule, an article and, where one was
used, a parameter version (issue 3 §5). Pure; no ORM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minzheng.policy.rules import ResolvedParameter, Status

# Documents cited by the rules (policy-rules.md §9).
DIBAO_MEASURES = "《最低生活保障审核确认办法》"
INTERIM_MEASURES = "《社会救助暂行办法》"
EXTREME_POVERTY_MEASURES = "《特困人员认定办法》"
NOTICE_2022 = "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）"
OPINION_2020 = "《关于改革完善社会救助制度的意见》（2020）"
RIGID_EXPENSE_MEASURES = "《刚性支出困难家庭认定办法》（2024）"
INNER_MONGOLIA_2024 = "《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）"
XINGAN_MARGIN_MEASURES = "《兴安盟低保边缘家庭认定办法（试行）》"
MONITORING_OPINION_2023 = "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》（国办发〔2023〕39号）"
TEMPORARY_OPINION_2018 = "《关于进一步加强和改进临时救助工作的意见》（民发〔2018〕23号）"
TEMPORARY_OPINION_2026 = "《关于进一步健全完善临时救助制度的意见》（2026）"
DISABILITY_OPINION_2015 = (
    "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）"
)
ORPHAN_OPINION_2010 = "《国务院办公厅关于加强孤儿保障工作的意见》（国办发〔2010〕54号）"
DE_FACTO_ORPHAN_OPINION_2019 = "《关于进一步加强事实无人抚养儿童保障工作的意见》（2019）"
SENIOR_ALLOWANCE_BASIS = "《老年人权益保障法》第33条；内蒙古自治区高龄津贴制度（2017-01-01 起普惠）"
SUPPORT_OPINION_2016 = "《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）"

UNCONFIGURED = "unconfigured"  # a rule set is empty in the parameters: shown as 未配置
MANUAL = "manual"  # a rule cannot be decided from the parameters (not configured, figure open, missing)
OUTCOME_LABELS = {"eligible": "符合", "ineligible": "不符合", "manual": "需人工核定"}


def all_of(*tests: bool | None) -> bool | None:
    """Three-valued AND: ``False`` when any test fails (a configured rule refuses), else ``None`` when any
    is undecided (需人工核定), else ``True``."""
    if any(t is False for t in tests):
        return False
    return None if any(t is None for t in tests) else True


def negate(test: bool | None) -> bool | None:
    return None if test is None else not test


def verdict_zh(test: bool | None) -> str:
    return "需人工核定" if test is None else ("符合" if test else "不符合")


class ManualDetermination(Exception):  # noqa: N818 - a result, not an error: caught by engine.assess
    """A rule reached a figure that is not configured: the assessment ends as 需人工核定 with the reasons
    gathered so far. Raised inside the pure rules, turned into a result by ``engine.assess``."""

    def __init__(self, log: list[Reason]) -> None:
        super().__init__(log[-1].message_zh if log else "需人工核定")
        self.log = tuple(log)


def article(document: str, number: int | str) -> str:
    return f"{document}第{number}条"


@dataclass(frozen=True)
class ParameterUse:
    """Which parameter version a reason used (``policy.Parameter`` id and version)."""

    key: str
    parameter_id: int
    version: int
    division_code: str
    urban_rural: str
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    source: str

    @classmethod
    def of(cls, resolved: ResolvedParameter) -> ParameterUse:
        return cls(
            resolved.key,
            resolved.parameter_id,
            resolved.version,
            resolved.division_code,
            resolved.urban_rural,
            resolved.valid_from,
            resolved.valid_to,
            resolved.status,
            resolved.source,
        )


@dataclass(frozen=True)
class Reason:
    """One step of an assessment. ``status`` is ``unconfirmed`` when a parameter used is unconfirmed,
    ``unconfigured`` when the rule set it needs is empty (shown as 未配置) and ``manual`` when the step
    cannot be decided from the parameters (需人工核定)."""

    rule_code: str
    article: str
    message_zh: str
    value: Any = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    parameters: tuple[ParameterUse, ...] = ()
    status: str = ""


def reason(
    rule_code: str,
    cited: str,
    message: str,
    *,
    value: Any = None,
    inputs: Mapping[str, Any] | None = None,
    parameters: tuple[ResolvedParameter, ...] = (),
    status: str = "",
) -> Reason:
    """A ``Reason``; its status is ``unconfirmed`` when any parameter used is, unless given."""
    uses = tuple(ParameterUse.of(p) for p in parameters)
    if not status and any(u.status == Status.UNCONFIRMED for u in uses):
        status = Status.UNCONFIRMED.value
    return Reason(rule_code, cited, message, value, dict(inputs or {}), uses, status)


@dataclass(frozen=True)
class MemberAmount:
    """The result for one person of a person programme (特困, allowances, subsidies)."""

    person_key: str
    eligible: bool
    monthly_amount: Decimal
    level: str = ""


@dataclass(frozen=True)
class AssessmentResult:
    programme: str
    eligible: bool
    per_capita_monthly_income: Decimal | None  # None for programmes without a means test
    counted_members: tuple[str, ...]
    monthly_amount: Decimal
    reasons: tuple[Reason, ...]
    level: str = ""  # tier, self-care category, age bracket, "gradual_exit"
    approval_level: str = ""  # temporary assistance: township / county
    one_off_amount: Decimal = Decimal("0.00")  # temporary assistance is paid once
    members: tuple[MemberAmount, ...] = ()
    procedure: tuple[str, ...] = ()  # e.g. no_financial_verification, no_publicity
    # 需人工核定: a rule needed for the decision is not configured or its figure is missing; then
    # ``eligible`` is False and the amount 0 — never a silent pass (policy-rules.md conventions).
    manual_review: bool = False

    @property
    def outcome(self) -> str:
        """``eligible`` (符合), ``ineligible`` (不符合) or ``manual`` (需人工核定)."""
        if self.manual_review:
            return "manual"
        return "eligible" if self.eligible else "ineligible"

    @property
    def manual_reasons(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.status == MANUAL)

    @property
    def unconfirmed(self) -> bool:
        """True when any figure rests on an unconfirmed or unconfigured rule."""
        return any(r.status for r in self.reasons)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    return value


def reason_as_dict(item: Reason) -> dict[str, Any]:
    return {
        "rule_code": item.rule_code,
        "article": item.article,
        "message": item.message_zh,
        "value": _plain(item.value),
        "inputs": _plain(item.inputs),
        "parameters": [_plain(vars(p)) for p in item.parameters],
        "status": item.status,
    }


def result_as_dict(result: AssessmentResult) -> dict[str, Any]:
    """JSON-ready form (money as strings) for ``minzheng assess`` and the API."""
    return {
        "programme": result.programme,
        "eligible": result.eligible,
        "outcome": result.outcome,
        "manual_review": result.manual_review,
        "per_capita_monthly_income": _plain(result.per_capita_monthly_income),
        "counted_members": list(result.counted_members),
        "monthly_amount": str(result.monthly_amount),
        "one_off_amount": str(result.one_off_amount),
        "level": result.level,
        "approval_level": result.approval_level,
        "procedure": list(result.procedure),
        "members": [_plain(vars(m)) for m in result.members],
        "unconfirmed": result.unconfirmed,
        "reasons": [reason_as_dict(r) for r in result.reasons],
    }
