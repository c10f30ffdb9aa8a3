"""低保边缘家庭 (low-income margin household; policy-rules.md §1.4, §4.1). Pure.

An identification, not a cash benefit: the result's amount is 0; the household is then eligible for the
special-purpose assistance of 国办发〔2023〕39号 §四 and may have severely disabled or ill members apply
for 低保 alone (审核确认办法第 8 条, ``assess("dibao", …, person_key=…)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from minzheng.benefits.assets import assets_pass
from minzheng.benefits.dibao import dibao_test
from minzheng.benefits.facts import HouseholdFacts, MemberFacts
from minzheng.benefits.means_test import IncomeSummary, counted_members, household_income
from minzheng.benefits.params import CENT, Params, decimal_of, lookup
from minzheng.benefits.reasons import (
    DIBAO_MEASURES,
    INNER_MONGOLIA_2024,
    MANUAL,
    MONITORING_OPINION_2023,
    AssessmentResult,
    Reason,
    all_of,
    article,
    negate,
    reason,
    verdict_zh,
)
from minzheng.catalogue.programmes import Programme

PROGRAMME = Programme.MARGIN_HOUSEHOLD
BASIS = f"{article(DIBAO_MEASURES, 8)}第二款；{MONITORING_OPINION_2023}§二(四)；{INNER_MONGOLIA_2024}"
EXTREME_POVERTY = Programme.EXTREME_POVERTY_SUPPORT


@dataclass(frozen=True)
class MarginTest:
    eligible: bool | None  # None: 需人工核定
    members: tuple[MemberFacts, ...]
    income: IncomeSummary


def not_dibao(facts: HouseholdFacts, params: Params, log: list[Reason]) -> bool | None:
    """The household does not meet 低保 conditions (computed with the 低保 income rules); one summary
    reason, the 低保 assessment itself explains the figure."""
    scratch: list[Reason] = []
    test = dibao_test(facts, params, scratch)
    log.append(
        reason(
            "margin.not_dibao",
            BASIS,
            f"按低保口径人均月收入 {test.income.per_capita_monthly} 元，低保标准 {test.standard_value} 元，"
            f"财产{verdict_zh(test.assets_ok)}：{verdict_zh(test.qualifies)}低保条件",
            value=negate(test.qualifies),
            inputs={"dibao_per_capita": test.income.per_capita_monthly},
            parameters=(test.standard,),
        )
    )
    return negate(test.qualifies)


def not_extreme_poverty(facts: HouseholdFacts, log: list[Reason], cited: str) -> bool:
    supported = EXTREME_POVERTY in facts.programmes_received
    if supported:
        log.append(reason("margin.extreme_poverty", cited, "家庭已纳入特困人员救助供养", value=False))
    return not supported


def margin_test(facts: HouseholdFacts, params: Params, log: list[Reason]) -> MarginTest:
    """Not 低保-eligible, not 特困, per-capita income below ``margin.income_multiple`` × the 低保 standard
    (1.5 in Inner Mongolia), and assets within the rules (审核确认办法第 8 条; 国办发〔2023〕39号 §二(四);
    内蒙古 2024 measures). The income is net of 兴安盟's 就业成本扣减 where it is in force
    (《兴安盟低保边缘家庭认定办法（试行）》第15条, ``work_cost``); an open deduction makes the income test
    需人工核定."""
    outside = all_of(not_dibao(facts, params, log), not_extreme_poverty(facts, log, BASIS))
    members = counted_members(facts, log)
    income = household_income(facts, PROGRAMME, members, params, log)
    standard = lookup(params, facts, "dibao.standard_monthly")
    multiple = lookup(params, facts, "margin.income_multiple")
    ceiling = (decimal_of(multiple) * decimal_of(standard)).quantize(CENT)
    # An open work-cost deduction (兴安盟 art. 15, benefits.work_cost) leaves the income undecided.
    below = None if income.undecided else income.per_capita_monthly < ceiling
    compared = {True: "低于", False: "不低于", None: "（未扣减就业成本，扣减额需人工核定）对比"}[below]
    log.append(
        reason(
            "margin.income_test",
            BASIS,
            f"人均月收入 {income.per_capita_monthly} 元{compared}低保标准 "
            f"{decimal_of(standard)} × {decimal_of(multiple)} = {ceiling} 元",
            value=below,
            inputs={"per_capita": income.per_capita_monthly, "ceiling": ceiling},
            parameters=(standard, multiple),
            status=MANUAL if below is None else "",
        )
    )
    assets_ok = assets_pass(facts, members, params, log)
    return MarginTest(all_of(outside, below, assets_ok), members, income)


def assess_margin(facts: HouseholdFacts, params: Params) -> AssessmentResult:
    log: list[Reason] = []
    test = margin_test(facts, params, log)
    log.append(
        reason(
            "margin.result",
            BASIS,
            {
                True: "认定为低保边缘家庭",
                False: "不符合低保边缘家庭条件",
                None: "低保边缘家庭条件无法按已配置规则判定：需人工核定",
            }[test.eligible],
            value=test.eligible,
            status=MANUAL if test.eligible is None else "",
        )
    )
    return AssessmentResult(
        programme=PROGRAMME,
        eligible=test.eligible is True,
        manual_review=test.eligible is None,
        per_capita_monthly_income=test.income.per_capita_monthly,
        counted_members=tuple(m.key for m in test.members),
        monthly_amount=Decimal("0.00"),
        reasons=tuple(log),
    )
