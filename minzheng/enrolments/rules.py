"""Pure rules of enrolments (no ORM): the change table, month arithmetic, the period split, the
gradual-exit schedule and the review intervals. policy-rules.md §1.10–1.12, §2.8.

``CHANGES`` is the explicit table of change kinds: which statuses each may start from, the status it
leads to, whether it needs a new amount, and the article it rests on (house style §8.5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from minzheng.catalogue.programmes import Programme
from minzheng.common.months import add_months as add_months  # re-exported for the enrolment callers
from minzheng.common.months import month_start as month_start
from minzheng.common.months import parse_month as parse_month
from minzheng.enrolments.models import ChangeKind, EnrolmentStatus, ReviewCategory

DIBAO_MEASURES: Final = "《最低生活保障审核确认办法》"
EP_MEASURES: Final = "《特困人员认定办法》"
INTERIM_MEASURES: Final = "《社会救助暂行办法》"
NOTICE_2022: Final = "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）"
CENT: Final = Decimal("0.01")

A, S, E = EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED, EnrolmentStatus.ENDED


@dataclass(frozen=True)
class ChangeRule:
    kind: ChangeKind
    sources: frozenset[str]
    target: str
    needs_amount: bool
    basis: str


CHANGES: Final[dict[str, ChangeRule]] = {
    r.kind.value: r
    for r in (
        ChangeRule(
            ChangeKind.INCREASE, frozenset({A}), A, True, f"{DIBAO_MEASURES}第31—32条（家庭情况变化，增发）"
        ),
        ChangeRule(
            ChangeKind.DECREASE, frozenset({A}), A, True, f"{DIBAO_MEASURES}第31—32条（减发须书面告知理由）"
        ),
        ChangeRule(
            ChangeKind.STOP,
            frozenset({A, S}),
            E,
            False,
            f"{DIBAO_MEASURES}第31—32条（停发须书面告知理由）；{INTERIM_MEASURES}第13条",
        ),
        ChangeRule(ChangeKind.SUSPEND, frozenset({A}), S, False, f"{DIBAO_MEASURES}第30—31条（情况待核实）"),
        ChangeRule(ChangeKind.RESUME, frozenset({S}), A, False, f"{DIBAO_MEASURES}第31条（核实后恢复发放）"),
        ChangeRule(
            ChangeKind.GRADUAL_EXIT,
            frozenset({A}),
            A,
            False,
            f"{DIBAO_MEASURES}第33条；{NOTICE_2022}§一(三)（渐退期原则上不超过6个月）",
        ),
        ChangeRule(
            ChangeKind.TERMINATION,
            frozenset({A, S}),
            E,
            False,
            f"{EP_MEASURES}第24—27条（公示7天，无异议次月起终止）",
        ),
    )
}

# 特困人员认定办法第 24 条: the grounds of termination.
TERMINATION_GROUNDS: Final[dict[str, str]] = {
    "death": "死亡、被宣告死亡或者被宣告失踪",
    "work_ability": "具备或者恢复劳动能力",
    "imprisonment": "依法被判处刑罚，且在监狱服刑",
    "income_assets": "收入和财产状况不再符合本办法第六条规定",
    "supporter_able": "法定义务人具备了履行义务能力或者新增具备履行义务能力的法定义务人",
    "voluntary": "自愿申请退出救助供养",
}
TERMINATION_NOTICE_DAYS: Final = 7  # 特困人员认定办法第 25 条（公示 7 天）
TRANSFER_PROGRAMMES: Final = frozenset({Programme.DIBAO, Programme.TEMPORARY_ASSISTANCE})  # 第 27 条

# Review intervals in months (审核确认办法第 31 条; 2020 意见第 7 项) and the death review (2022 通知§一(三)).
# All confirmed in policy-rules.md §1.10, so constants citing their article, not parameters.
REVIEW_MONTHS: Final[dict[str, int]] = {
    ReviewCategory.STABLE: 12,
    ReviewCategory.UNSTABLE: 6,
    ReviewCategory.EXTREME_POVERTY: 12,
}
DEATH_REVIEW_MONTHS: Final = 3
REVIEWED_PROGRAMMES: Final = frozenset({Programme.DIBAO, Programme.EXTREME_POVERTY_SUPPORT})
# "Unstable income and members able to work": a member in flexible work or unemployed but able to work.
UNSTABLE_EMPLOYMENT: Final = frozenset({"self_employed", "unemployed"})


@dataclass(frozen=True)
class Span:
    """A period as plain data: [from_month, until_month) at ``amount``; ``until_month`` None = open."""

    from_month: dt.date
    until_month: dt.date | None
    amount: Decimal


@dataclass(frozen=True)
class Split:
    """What a change at ``effective_month`` does to the existing periods: those to close at the month,
    and those (starting at or after it) to remove because the change replaces them."""

    close: tuple[int, ...]
    remove: tuple[int, ...]


def period_split(periods: dict[int, Span], effective_month: dt.date) -> Split:
    """Periods are half-open; a period covering the month is closed at it, later ones are replaced."""
    close = tuple(
        pk
        for pk, p in periods.items()
        if p.from_month < effective_month and (p.until_month is None or p.until_month > effective_month)
    )
    remove = tuple(pk for pk, p in periods.items() if p.from_month >= effective_month)
    return Split(close, remove)


def amount_on(periods: dict[int, Span], month: dt.date) -> Decimal | None:
    """The amount owed for ``month``, or None when no period covers it."""
    for p in periods.values():
        if p.from_month <= month and (p.until_month is None or month < p.until_month):
            return p.amount
    return None


def taper_schedule(amount: Decimal, effective_month: dt.date, months: int, taper: list[str]) -> list[Span]:
    """The gradual-exit schedule (渐退期, 审核确认办法第 33 条; 2022 通知§一(三)): ``months`` one-month
    periods from ``effective_month`` at ``amount × taper[i]`` (the last share repeats if the taper list
    is shorter), rounded half-up to the fen; the payment stops after the last one. Consecutive months with
    the same amount are merged into one period."""
    spans: list[Span] = []
    for index in range(months):
        share = Decimal(taper[min(index, len(taper) - 1)]) if taper else Decimal(1)
        month_amount = (amount * share).quantize(CENT, rounding=ROUND_HALF_UP)
        start = add_months(effective_month, index)
        if spans and spans[-1].amount == month_amount and spans[-1].until_month == start:
            spans[-1] = Span(spans[-1].from_month, add_months(start, 1), month_amount)
        else:
            spans.append(Span(start, add_months(start, 1), month_amount))
    return spans


def review_due(
    category: str, last_review_on: dt.date | None, starts_month: dt.date, death_on: dt.date | None
) -> dt.date:
    """When the next review is due: the category's interval after the last review (or the start), or
    within 3 months of a member's death if that comes first (2022 通知§一(三))."""
    base = last_review_on or starts_month
    due = add_months(base, REVIEW_MONTHS[category])
    if death_on is not None and (last_review_on is None or death_on >= last_review_on):
        due = min(due, add_months(death_on, DEATH_REVIEW_MONTHS))
    return due
