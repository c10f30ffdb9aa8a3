"""就业成本扣减 (work-cost deduction): 《兴安盟低保边缘家庭认定办法（试行）》第15条 —
"按其就业收入或当地最低工资标准的10%扣减就业成本" (policy-rules.md §1.5; policy-figures.md §4, CONFIRMED).
Pure.

* Who: members' employment income (``IncomeCategory.WAGE``, 工资性收入) counted for the 低保边缘 test
  (``WORK_COST_PROGRAMMES``). The article is in the league's margin-household measures; for 低保 and the
  other programmes the league's own 低保 rules apply (policy-figures.md: "follow each banner's own 低保
  rules"), so no deduction is applied there.
* Where: where ``income.work_cost_ratio`` is in force for the household's place and date. The measure is
  local: a place without the ratio (every other league) simply has no such deduction — the absence is not a
  missing figure, so there is no 需人工核定 and no reason for it.
* How much: ``ratio × base`` for each month of employment, the base per ``income.work_cost_base``:
  ``employment_income`` — the member's wage income itself (ratio × the counted wage income of the period);
  ``minimum_wage`` — ``income.minimum_wage_monthly`` for each month the member had wage income (pro-rated by
  days: the union of the member's wage records inside the period), never more than the member's own wage
  income, so the deduction never eats other income. The household's net income is floored at 0 anyway.
* Not decidable (ADR 0029): the ratio is in force but its base, or the minimum wage a ``minimum_wage`` base
  needs, is not — and the household has wage income. Then the deduction is *open*: the income test of the
  margin test is 需人工核定 with a reason naming the missing parameter, never a silent zero.

Recorded ``employment_cost`` items are still treated per ``income.category_treatment`` (a league that lets
this measure replace them sets that category to ``excluded`` in its margin table).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from minzheng.benefits.facts import HouseholdFacts
from minzheng.benefits.params import Params, decimal_of, fraction_to_yuan, lookup
from minzheng.benefits.reasons import MANUAL, XINGAN_MARGIN_MEASURES, Reason, article, reason
from minzheng.catalogue.programmes import Programme
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.rules import ResolvedParameter
from minzheng.registry.choices import IncomeCategory

WORK_COST_ARTICLE = article(XINGAN_MARGIN_MEASURES, 15)
WORK_COST_PROGRAMMES = frozenset({Programme.MARGIN_HOUSEHOLD.value})
EMPLOYMENT_CATEGORIES = frozenset({IncomeCategory.WAGE.value})
EMPLOYMENT_INCOME = "employment_income"
MINIMUM_WAGE = "minimum_wage"


@dataclass(frozen=True)
class Earning:
    """A counted employment-income record inside the period: its share and the days it covers."""

    person_key: str | None  # None: a household record
    share: Fraction
    first: dt.date
    last: dt.date  # inclusive


@dataclass(frozen=True)
class WorkCost:
    amount: Fraction  # deducted over the whole period
    open: bool = False  # 需人工核定: the base or the minimum wage is not configured


NONE = WorkCost(Fraction(0))


def covered_days(spans: list[tuple[dt.date, dt.date]]) -> int:
    """Days covered by the union of inclusive date spans (two jobs at once are one month of work)."""
    total, reach = 0, None
    for first, last in sorted(spans):
        if reach is None or first > reach:
            total += (last - first).days + 1
            reach = last
        elif last > reach:
            total += (last - reach).days
            reach = last
    return total


def _optional(params: Params, facts: HouseholdFacts, key: str) -> ResolvedParameter | None:
    try:
        return lookup(params, facts, key)
    except ParameterMissing:
        return None


def work_cost(
    facts: HouseholdFacts,
    programme: str,
    earnings: list[Earning],
    period: tuple[dt.date, dt.date],
    months: int,
    params: Params,
    log: list[Reason],
) -> WorkCost:
    """The deduction over the period ``(start, end)`` for ``earnings`` (see the module docstring)."""
    if programme not in WORK_COST_PROGRAMMES or not earnings:
        return NONE
    ratio = _optional(params, facts, "income.work_cost_ratio")
    if ratio is None:
        return NONE  # a local measure not in force here: nothing to deduct, nothing to decide
    base = _optional(params, facts, "income.work_cost_base")
    wage = _optional(params, facts, "income.minimum_wage_monthly")
    missing = _missing(base, wage)
    if missing:
        log.append(
            reason(
                "income.work_cost_open",
                WORK_COST_ARTICLE,
                f"有就业收入，就业成本按{missing}扣减，但该参数在 {facts.as_of} 未配置（区划 "
                f"{facts.division_code}）：扣减额无法确定，需人工核定",
                value=None,
                inputs={"missing": missing},
                parameters=(ratio,) if base is None else (ratio, base),
                status=MANUAL,
            )
        )
        return WorkCost(Fraction(0), open=True)
    assert base is not None  # noqa: S101 - _missing said so
    by_person: dict[str | None, list[Earning]] = defaultdict(list)
    for earning in earnings:
        by_person[earning.person_key].append(earning)
    total = Fraction(0)
    for person, items in by_person.items():
        amount, explained = _person_cost(items, Fraction(decimal_of(ratio)), base.value, wage, period, months)
        total += amount
        used = (ratio, base) if wage is None or base.value != MINIMUM_WAGE else (ratio, base, wage)
        who = f"成员“{person}”" if person is not None else "家庭（未指明成员）"
        log.append(
            reason(
                "income.work_cost",
                WORK_COST_ARTICLE,
                f"{who}{explained}扣减就业成本 {fraction_to_yuan(amount)} 元"
                f"（每月 {fraction_to_yuan(amount / months)} 元）",
                value=fraction_to_yuan(amount / months),
                inputs={"person": person, "base": base.value, "deducted": fraction_to_yuan(amount)},
                parameters=used,
            )
        )
    return WorkCost(total)


def _missing(base: ResolvedParameter | None, wage: ResolvedParameter | None) -> str:
    """The name of the parameter the deduction lacks, or "" when it can be computed."""
    if base is None:
        return "扣减基数"
    if base.value == MINIMUM_WAGE and wage is None:
        return "当地最低工资标准"
    return ""


def _person_cost(
    items: list[Earning],
    ratio: Fraction,
    base: str,
    wage: ResolvedParameter | None,
    period: tuple[dt.date, dt.date],
    months: int,
) -> tuple[Fraction, str]:
    """One earner's deduction over the period, and the sentence that explains it."""
    earned = sum((e.share for e in items), Fraction(0))
    if base == EMPLOYMENT_INCOME:
        return (
            ratio * earned,
            f"计算期内就业收入 {fraction_to_yuan(earned)} 元，按就业收入的 {_percent(ratio)}",
        )
    assert wage is not None  # noqa: S101 - _missing said so
    days = covered_days([(e.first, e.last) for e in items])
    period_days = (period[1] - period[0]).days + 1
    minimum = Fraction(decimal_of(wage))
    full = ratio * minimum * months * days / period_days
    capped = "（以其就业收入为限）" if full > earned else ""
    return min(full, earned), (
        f"计算期内就业 {days} 天（共 {period_days} 天），按当地最低工资标准 {decimal_of(wage)} 元/月的 "
        f"{_percent(ratio)}{capped}"
    )


def _percent(ratio: Fraction) -> str:
    percent = Decimal(ratio.numerator) * 100 / Decimal(ratio.denominator)
    return f"{format(percent.normalize(), 'f')}%"
