"""就业成本扣减 (《兴安盟低保边缘家庭认定办法（试行）》第15条, ``benefits.work_cost``): exact amounts per
base, where it applies (兴安盟 margin households from 2025-05-19) and where not, the open base or minimum wage
(需人工核定, ADR 0029)."""

from __future__ import annotations

from decimal import Decimal

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import HouseholdFacts, IncomeFact
from minzheng.benefits.tests.builders import D, entry, params, person
from minzheng.benefits.work_cost import covered_days

XINGAN = "152200000000"
XINGAN_VILLAGE = "152201001001"  # a community of Ulanhot, 兴安盟
HOHHOT_VILLAGE = "150102001001"
AS_OF = D(2025, 7, 1)  # reference period 2024-07-01 … 2025-06-30 (365 days)
START, END = D(2024, 7, 1), D(2025, 6, 30)


def earned(key: str | None, monthly: str, start=START, end=END, category: str = "wage") -> IncomeFact:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return IncomeFact(key, category, Decimal(monthly) * months, start, end)


def household(*incomes: IncomeFact, code: str = XINGAN_VILLAGE, as_of=AS_OF) -> HouseholdFacts:
    return HouseholdFacts(
        division_code=code,
        urban_rural="urban",
        as_of=as_of,
        members=(person("p1"), person("p2", relation_to_head="spouse")),
        incomes=incomes,
    )


def work_cost_reasons(result):
    return [r for r in result.reasons if r.rule_code.startswith("income.work_cost")]


def minimum_wage_base(*more):
    return params(entry("income.work_cost_base", "minimum_wage", D(2025, 5, 19), division=XINGAN), *more)


def test_a_xingan_margin_household_with_2000_a_month_in_wages_deducts_200_a_month():
    result = assess("margin_household", household(earned("p1", "2000")), params())
    assert (result.outcome, result.per_capita_monthly_income) == (
        "eligible",
        Decimal("900.00"),
    )  # (2000 − 200) ÷ 2
    [deduction] = work_cost_reasons(result)
    assert deduction.rule_code == "income.work_cost"
    assert deduction.article == "《兴安盟低保边缘家庭认定办法（试行）》第15条"
    assert deduction.value == Decimal("200.00")
    assert deduction.message_zh == (
        "成员“p1”计算期内就业收入 24000.00 元，按就业收入的 10%扣减就业成本 2400.00 元（每月 200.00 元）"
    )
    assert [p.key for p in deduction.parameters] == ["income.work_cost_ratio", "income.work_cost_base"]
    assert deduction.status == "unconfirmed"  # the base is a reading of an ambiguous sentence
    total = next(r for r in result.reasons if r.rule_code == "income.per_capita")
    assert total.inputs["deducted"] == Decimal("2400.00")


def test_elsewhere_there_is_no_deduction_and_no_reason():
    result = assess("margin_household", household(earned("p1", "2000"), code=HOHHOT_VILLAGE), params())
    assert (result.outcome, result.per_capita_monthly_income) == ("eligible", Decimal("1000.00"))
    assert work_cost_reasons(result) == []


def test_before_the_measures_took_effect_there_is_no_deduction():
    facts = household(earned("p1", "2000", D(2024, 1, 1), D(2024, 12, 31)), as_of=D(2025, 1, 1))
    result = assess("margin_household", facts, params())
    assert result.per_capita_monthly_income == Decimal("1000.00")
    assert work_cost_reasons(result) == []


def test_dibao_in_xingan_is_not_reduced_by_the_margin_measure():
    result = assess("dibao", household(earned("p1", "2000")), params())
    assert result.per_capita_monthly_income == Decimal("1000.00")
    assert work_cost_reasons(result) == []


def test_only_employment_income_is_reduced_and_a_household_record_counts_as_one_earner():
    facts = household(earned("p1", "1500"), earned(None, "500"), earned("p2", "300", category="business"))
    result = assess("margin_household", facts, params())
    # 1500 + 500 + 300 − 150 − 50 = 2100 a month, 2 persons
    assert result.per_capita_monthly_income == Decimal("1050.00")
    assert [r.value for r in work_cost_reasons(result)] == [Decimal("150.00"), Decimal("50.00")]
    assert "家庭（未指明成员）" in work_cost_reasons(result)[1].message_zh


def test_a_prorated_wage_is_reduced_by_10_percent_of_its_share():
    facts = household(earned("p1", "3000", D(2025, 1, 1), D(2025, 12, 31)))  # 181 of 365 days in the period
    result = assess("margin_household", facts, params())
    # share 36000 × 181/365 = 17852.05…; less 10% = 16066.85…; ÷ 12 ÷ 2 = 669.45
    assert result.per_capita_monthly_income == Decimal("669.45")
    assert work_cost_reasons(result)[0].value == Decimal("148.77")


def test_a_minimum_wage_base_without_the_minimum_wage_needs_manual_determination():
    result = assess("margin_household", household(earned("p1", "2000")), minimum_wage_base())
    assert result.outcome == "manual"
    assert (result.eligible, result.monthly_amount) == (False, Decimal("0.00"))
    [open_] = work_cost_reasons(result)
    assert (open_.rule_code, open_.status) == ("income.work_cost_open", "manual")
    assert open_.message_zh == (
        "有就业收入，就业成本按当地最低工资标准扣减，但该参数在 2025-07-01 "
        "未配置（区划 152201001001）：扣减额无法确定，需人工核定"
    )
    assert open_ in result.manual_reasons
    test = next(r for r in result.reasons if r.rule_code == "margin.income_test")
    assert (test.value, test.status) == (None, "manual")


def test_a_minimum_wage_base_without_employment_income_is_decided():
    facts = household(earned("p1", "2000", category="business"))
    result = assess("margin_household", facts, minimum_wage_base())
    assert (result.outcome, result.per_capita_monthly_income) == ("eligible", Decimal("1000.00"))
    assert work_cost_reasons(result) == []


def test_a_refusal_wins_over_an_open_work_cost():
    # 低保-eligible (per capita 250 < 840): not a margin household whatever the deduction
    result = assess("margin_household", household(earned("p1", "500")), minimum_wage_base())
    assert result.outcome == "ineligible"


def test_a_minimum_wage_base_deducts_10_percent_of_the_minimum_wage_per_month_worked():
    wage = entry("income.minimum_wage_monthly", "1980.00", D(2024, 1, 1), division=XINGAN)
    result = assess("margin_household", household(earned("p1", "2500")), minimum_wage_base(wage))
    assert result.per_capita_monthly_income == Decimal("1151.00")  # (2500 − 198) ÷ 2
    [deduction] = work_cost_reasons(result)
    assert deduction.value == Decimal("198.00")
    assert deduction.message_zh == (
        "成员“p1”计算期内就业 365 天（共 365 天），按当地最低工资标准 1980.00 元/月的 10%扣减就业成本 "
        "2376.00 元（每月 198.00 元）"
    )
    assert [p.key for p in deduction.parameters] == [
        "income.work_cost_ratio",
        "income.work_cost_base",
        "income.minimum_wage_monthly",
    ]


def test_two_jobs_at_once_are_one_month_of_work_and_a_small_wage_caps_the_deduction():
    wage = entry("income.minimum_wage_monthly", "1980.00", D(2024, 1, 1), division=XINGAN)
    facts = household(
        earned("p1", "1000"),
        earned("p1", "800", D(2025, 1, 1), D(2025, 6, 30)),
        earned("p2", "100"),
    )
    result = assess("margin_household", facts, minimum_wage_base(wage))
    assert [r.value for r in work_cost_reasons(result)] == [Decimal("198.00"), Decimal("100.00")]
    assert "（以其就业收入为限）" in work_cost_reasons(result)[1].message_zh
    # 1000 + 400 + 100 − 198 − 100 = 1202 a month, 2 persons
    assert result.per_capita_monthly_income == Decimal("601.00")


def test_covered_days_is_the_union_of_spans():
    spans = [(D(2025, 1, 1), D(2025, 1, 10)), (D(2025, 1, 5), D(2025, 1, 20)), (D(2025, 1, 21), D(2025, 1, 21)),
             (D(2025, 3, 1), D(2025, 3, 2))]  # fmt: skip
    assert covered_days(spans) == 21 + 2
