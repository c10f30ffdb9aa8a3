"""刚性支出困难家庭 (rigid-expense hardship household; policy-rules.md §4.1, §5). Pure.

An identification (amount 0): such a household receives temporary assistance directly (内蒙古 2024 measures).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from minzheng.benefits.assets import assets_pass
from minzheng.benefits.dibao import dibao_test
from minzheng.benefits.facts import HouseholdFacts, RigidExpenseKind
from minzheng.benefits.margin import margin_test, not_extreme_poverty
from minzheng.benefits.means_test import counted_members, household_income, reference_period
from minzheng.benefits.params import CENT, Params, decimal_of, fraction_to_yuan, lookup
from minzheng.benefits.reasons import (
    INNER_MONGOLIA_2024,
    MANUAL,
    MONITORING_OPINION_2023,
    RIGID_EXPENSE_MEASURES,
    AssessmentResult,
    Reason,
    all_of,
    article,
    negate,
    reason,
    verdict_zh,
)
from minzheng.catalogue.programmes import Programme

PROGRAMME = Programme.RIGID_EXPENSE_HOUSEHOLD
ART_4 = article(RIGID_EXPENSE_MEASURES, 4)
ART_5 = article(RIGID_EXPENSE_MEASURES, 5)
BASIS = f"{ART_4}；{MONITORING_OPINION_2023}§二(五)；{INNER_MONGOLIA_2024}"
LOOK_BACK_MONTHS = 12  # art. 4 (四): the 12 months before the application
# Items of the two Inner Mongolia ratios (2024 measures, [REPORTED]); basic living and other costs of
# art. 5 (一)(五) are recorded but not in either ratio.
ALL_ITEMS = frozenset(
    {
        RigidExpenseKind.MEDICAL,
        RigidExpenseKind.EDUCATION,
        RigidExpenseKind.REHABILITATION,
        RigidExpenseKind.ACCIDENT,
    }
)
MEDICAL_ACCIDENT_ITEMS = frozenset({RigidExpenseKind.MEDICAL, RigidExpenseKind.ACCIDENT})


def _outside_other_programmes(facts: HouseholdFacts, params: Params, log: list[Reason]) -> bool | None:
    """Art. 4 (一): not 低保, 特困 or 低保边缘 (computed with their own rules)."""
    scratch: list[Reason] = []
    dibao = dibao_test(facts, params, scratch).qualifies
    margin = margin_test(facts, params, scratch).eligible
    outside = all_of(negate(dibao), negate(margin))
    log.append(
        reason(
            "rigid_expense.other_programmes",
            f"{ART_4}第（一）项",
            f"低保：{verdict_zh(dibao)}；低保边缘：{verdict_zh(margin)}",
            value=outside,
            inputs={Programme.DIBAO: dibao, Programme.MARGIN_HOUSEHOLD: margin},
        )
    )
    return all_of(not_extreme_poverty(facts, log, f"{ART_4}第（一）项"), outside)


def _ratio_test(facts: HouseholdFacts, params: Params, log: list[Reason]) -> bool:
    """Art. 4 (四), art. 5: rigid spending of the last 12 months as a share of household income of the
    same months above ``rigid_expense.ratio_all`` (all items) or ``rigid_expense.ratio_medical_accident``
    (medical + accident). Strictly above (超过). No income and some spending → above."""
    start, end = reference_period(facts.as_of, LOOK_BACK_MONTHS)
    spent = {kind: Decimal(0) for kind in RigidExpenseKind}
    for expense in facts.rigid_expenses:
        if start <= expense.incurred_on <= end:
            spent[RigidExpenseKind(expense.kind)] += expense.amount
    scratch: list[Reason] = []
    income = household_income(
        facts, PROGRAMME, counted_members(facts, scratch), params, scratch, months=LOOK_BACK_MONTHS
    ).net
    results = []
    for key, items in (
        ("rigid_expense.ratio_all", ALL_ITEMS),
        ("rigid_expense.ratio_medical_accident", MEDICAL_ACCIDENT_ITEMS),
    ):
        ratio = lookup(params, facts, key)
        total = sum((spent[k] for k in items), Decimal(0))
        above = total > 0 if income == 0 else Fraction(total) / income > Fraction(decimal_of(ratio))
        share = "收入为 0" if income == 0 else f"占 {fraction_to_yuan(Fraction(total) / income * 100)}%"
        log.append(
            reason(
                key,
                f"{ART_4}第（四）项；{ART_5}",
                f"{start} 至 {end} 刚性支出 {total} 元，家庭总收入 {fraction_to_yuan(income)} 元，{share}，"
                f"{'超过' if above else '未超过'} {decimal_of(ratio) * 100:.0f}%",
                value=above,
                inputs={"spent": total, "income": fraction_to_yuan(income), "items": sorted(items)},
                parameters=(ratio,),
            )
        )
        results.append(above)
    return any(results)


def assess_rigid_expense(facts: HouseholdFacts, params: Params) -> AssessmentResult:
    """All of art. 4: outside 低保/特困/边缘; per-capita income below the previous year's local per-capita
    disposable income (``income.previous_year_disposable_per_capita_annual`` ÷ 12; missing → error); assets
    within the rules; a rigid-spending ratio above the local limit."""
    log: list[Reason] = []
    outside = _outside_other_programmes(facts, params, log)
    members = counted_members(facts, log)
    income = household_income(facts, PROGRAMME, members, params, log)
    disposable = lookup(params, facts, "income.previous_year_disposable_per_capita_annual")
    monthly = (decimal_of(disposable) / 12).quantize(CENT)
    below = income.per_capita_monthly < monthly
    log.append(
        reason(
            "rigid_expense.income_test",
            f"{ART_4}第（二）项",
            f"人均月收入 {income.per_capita_monthly} 元{'低于' if below else '不低于'}上年度人均可支配收入"
            f" {decimal_of(disposable)} ÷ 12 = {monthly} 元",
            value=below,
            inputs={"per_capita": income.per_capita_monthly, "limit": monthly},
            parameters=(disposable,),
        )
    )
    assets_ok = assets_pass(facts, members, params, log)
    ratio_ok = _ratio_test(facts, params, log)
    eligible = all_of(outside, below, assets_ok, ratio_ok)
    log.append(
        reason(
            "rigid_expense.result",
            BASIS,
            {
                True: "认定为刚性支出困难家庭",
                False: "不符合刚性支出困难家庭条件",
                None: "刚性支出困难家庭条件无法按已配置规则判定：需人工核定",
            }[eligible],
            value=eligible,
            status=MANUAL if eligible is None else "",
        )
    )
    return AssessmentResult(
        PROGRAMME,
        eligible is True,
        income.per_capita_monthly,
        tuple(m.key for m in members),
        Decimal("0.00"),
        tuple(log),
        manual_review=eligible is None,
    )
