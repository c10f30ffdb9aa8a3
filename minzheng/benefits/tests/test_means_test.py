"""Household members (审核确认办法第7条), income over the reference period (第13条), assets (第14条)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AssetFact, IncomeFact, TemporaryRequest
from minzheng.benefits.means_test import counted_members, reference_period

from .builders import AS_OF, D, codes, entry, household, params, person, wage


@pytest.mark.parametrize(
    ("member", "counted", "rule_code"),
    [
        pytest.param(person("x", death_date=D(2023, 6, 30)), False, "household.member_deceased", id="第7条-死亡不计入"),
        pytest.param(person("x", death_date=D(2023, 7, 2)), True, None, id="第7条-评估日后死亡仍计入"),
        pytest.param(person("x", religious_professional_apart_since=D(2020, 7, 1)), False, "household.religious_apart",
                     id="第7条第二款(一)-宗教教职人员满3年"),
        pytest.param(person("x", religious_professional_apart_since=D(2020, 7, 2)), True, None,
                     id="第7条第二款(一)-差一天不满3年"),
        pytest.param(person("x", imprisoned=True), False, "household.excluded_status", id="第7条第二款(二)-服刑"),
        pytest.param(person("x", compulsory_rehabilitation=True), False, "household.excluded_status", id="第7条第二款(二)-戒毒"),
        pytest.param(person("x", declared_missing=True), False, "household.excluded_status", id="第7条第二款(二)-宣告失踪"),
        pytest.param(person("x", provincial_exclusion="自治区规定"), False, "household.provincial_exclusion",
                     id="第7条第二款(三)-省级规定"),
        pytest.param(person("x", relation_to_head="other"), False, "household.not_family", id="第7条第一款-非亲属"),
        pytest.param(person("x", relation_to_head="sibling", lives_together_long_term=False), False,
                     "household.not_co_resident", id="第7条第一款(四)-未长期共同居住"),
        pytest.param(person("x", D(2003, 1, 1), relation_to_head="son", lives_together_long_term=False,
                            school_enrolment="undergraduate"), True, None, id="第7条第一款(三)-在校本科子女"),
        pytest.param(person("x", D(2003, 1, 1), relation_to_head="son", lives_together_long_term=False,
                            school_enrolment="postgraduate"), False, "household.not_co_resident", id="第7条第一款(三)-研究生不在内"),
        pytest.param(person("x", D(2010, 1, 1), relation_to_head="daughter", lives_together_long_term=False), True, None,
                     id="第7条第一款(二)-未成年子女"),
    ],
)  # fmt: skip
def test_who_counts(member, counted, rule_code):
    log = []
    members = counted_members(household(person("head"), member), log)
    assert ("x" in [m.key for m in members]) is counted
    if rule_code:
        assert rule_code in [r.rule_code for r in log]


def test_reference_period_is_the_whole_months_before_as_of():
    assert reference_period(D(2023, 7, 1), 12) == (D(2022, 7, 1), D(2023, 6, 30))
    assert reference_period(D(2024, 3, 31), 6) == (D(2023, 9, 30), D(2024, 3, 30))


def test_partial_overlap_is_prorated_by_days():
    # 1,200 over 2023-01-01…2023-12-31 (365 days): 181 days fall in the period → 595.07; basic pension
    # excluded 2021–2025 (第13条 不计入(三)), a wage record of 12,000 half inside → 6,000 counted
    facts = household(person("a"), incomes=(
        IncomeFact("a", "basic_pension", Decimal("1200"), D(2023, 1, 1), D(2023, 12, 31)),
        IncomeFact("a", "wage", Decimal("12000"), D(2022, 1, 1), D(2022, 12, 31)),
    ))  # fmt: skip
    result = assess("dibao", facts, params())
    lines = {r.rule_code: r.value for r in result.reasons if r.rule_code.startswith("income.")}
    assert lines["income.excluded"] == Decimal("595.07")
    # 2022-07-01…2022-12-31 = 184 of 365 days → 6,049.32
    assert lines["income.counted"] == Decimal("6049.32")
    assert result.per_capita_monthly_income == Decimal("504.11")


def test_deductions_subtract_and_the_total_never_goes_negative():
    facts = household(person("a"), person("b", relation_to_head="spouse"), incomes=(
        wage("a", "1000"), wage("a", "200", category="employment_cost"),
        wage("b", "100", category="veterans_preferential"),
    ))  # fmt: skip
    assert assess("dibao", facts, params()).per_capita_monthly_income == Decimal("400.00")
    negative = household(
        person("a"), incomes=(wage("a", "100"), wage("a", "300", category="transfer_expenditure"))
    )
    result = assess("dibao", negative, params())
    assert result.per_capita_monthly_income == Decimal("0.00")
    assert (
        "扣减后为负，按 0 计"
        in next(r for r in result.reasons if r.rule_code == "income.per_capita").message_zh
    )


def test_income_of_a_member_not_counted_is_left_out():
    facts = household(person("a"), person("b", imprisoned=True, relation_to_head="spouse"),
                      incomes=(wage("a", "600"), wage("b", "5000"), wage(None, "300", category="property")))  # fmt: skip
    result = assess("dibao", facts, params())
    assert result.counted_members == ("a",)
    assert result.per_capita_monthly_income == Decimal("900.00")


def test_senior_allowance_is_income_for_dibao_but_not_for_extreme_poverty():
    # 审核确认办法第13条 lists no exclusion for it; 特困人员认定办法第6条 excludes it (built-in table)
    facts = household(person("a", D(1940, 1, 1), supporter_status="none", self_care="capable"),
                      incomes=(wage("a", "800"), wage("a", "100", category="senior_allowance")))  # fmt: skip
    assert assess("dibao", facts, params()).per_capita_monthly_income == Decimal("900.00")
    eps = assess("extreme_poverty_support", facts, params())
    assert next(r for r in eps.reasons if r.rule_code == "extreme_poverty.income").inputs[
        "monthly_income"
    ] == Decimal("800.00")
    assert eps.eligible is True


def test_a_programme_missing_from_the_treatment_table_is_an_error_not_a_borrowed_table():
    # the built-in table has no temporary_assistance column: an expenditure-type case must not guess
    facts = household(person("a"), incomes=(wage("a", "100"),))
    result = assess("temporary_assistance", facts, params(),
                    temporary_request=TemporaryRequest("expenditure", hardship="子女上学费用"))  # fmt: skip
    assert result.outcome == "manual"
    assert "临时救助" in result.reasons[0].message_zh


ASSET_RULES = entry("assets.rules", [
    {"code": "financial", "label": "人均金融资产", "categories": ["deposit", "securities"],
     "measure": "value_per_capita", "max_dibao_months": "24"},
    {"code": "vehicles", "label": "机动车辆", "categories": ["vehicle"], "measure": "count", "max": 0},
])  # fmt: skip


@pytest.mark.parametrize(
    ("assets", "passes"),
    [
        pytest.param((), True, id="第14条-无财产"),
        pytest.param((AssetFact("deposit", Decimal("20160")), AssetFact("securities", Decimal("20160"))), True,
                     id="第14条-人均金融资产等于24个月标准"),
        pytest.param((AssetFact("deposit", Decimal("40320.02")),), False, id="第14条-超出一分"),
        pytest.param((AssetFact("vehicle", Decimal("5000")),), False, id="第14条-有车辆"),
        pytest.param((AssetFact("vehicle", Decimal("5000"), exempt=True),), True, id="第14条-生产必需车辆豁免"),
    ],
)  # fmt: skip
def test_asset_rules(assets, passes):
    facts = household(person("a"), person("b", relation_to_head="spouse"), assets=assets)
    result = assess("dibao", facts, params(ASSET_RULES))
    assert result.eligible is passes
    assert "assets.unconfigured" not in codes(result)


def test_no_asset_rule_configured_is_a_manual_determination_never_a_pass():
    result = assess(
        "dibao",
        household(person("a"), assets=(AssetFact("deposit", Decimal("9999999")),)),
        params(entry("assets.rules", [])),
    )
    reason = next(r for r in result.reasons if r.rule_code == "assets.unconfigured")
    assert (reason.status, reason.value, "需人工核定" in reason.message_zh) == ("manual", None, True)
    assert (result.outcome, result.eligible, result.monthly_amount) == ("manual", False, Decimal("0.00"))
    assert AS_OF.year == 2023
