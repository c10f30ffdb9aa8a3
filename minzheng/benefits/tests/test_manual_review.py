"""No silent pass (issue 15 §2): a rule that is not configured, an open figure of a rule table or a missing
parameter gives 需人工核定 with the reason — on the built-in set a household owning a second house is never
符合. And the complete care-subsidy table: a grade-1 physically disabled person receives the configured rate."""

from __future__ import annotations

from decimal import Decimal

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AssetFact
from minzheng.benefits.reasons import result_as_dict
from minzheng.benefits.tests.builders import D, builtin, entry, household, person, wage
from minzheng.benefits.tests.builders import params as configured_params


def params(*entries):
    """The built-in set as shipped (open figures), with ``entries`` over it."""
    return configured_params(*entries, base=builtin())


TWO_HOUSES = (AssetFact("housing", Decimal("300000")), AssetFact("housing", Decimal("250000")))


def codes(result):
    return [r.rule_code for r in result.reasons]


def test_a_second_house_on_the_builtin_set_needs_manual_determination():
    facts = household(person("a"), person("b", relation_to_head="spouse"), incomes=(wage("a", "300"),),
                      assets=TWO_HOUSES)  # fmt: skip
    result = assess("dibao", facts, params())
    assert (result.outcome, result.eligible, result.manual_review) == ("manual", False, True)
    assert result.monthly_amount == Decimal("0.00")
    why = next(r for r in result.reasons if r.rule_code == "assets.real_estate")
    assert why.status == "manual"
    assert "持有 housing 300000 元、housing 250000 元，本地未配置限额" in why.message_zh
    assert result_as_dict(result)["outcome"] == "manual"
    margin = assess("margin_household", facts, params())
    assert margin.outcome == "manual"


def test_a_second_house_is_refused_under_a_configured_rule():
    rule = [{"code": "housing", "label": "住房", "categories": ["housing"], "measure": "count", "max": 1}]
    facts = household(person("a"), incomes=(wage("a", "300"),), assets=TWO_HOUSES)
    result = assess("dibao", facts, params(entry("assets.rules", rule)))
    assert (result.outcome, result.eligible) == ("ineligible", False)
    assert "dibao.assets_exceed" in codes(result)


def test_income_above_the_standard_is_refused_whatever_the_open_asset_limits():
    facts = household(person("a"), incomes=(wage("a", "5000"),), assets=TWO_HOUSES)
    assert assess("dibao", facts, params()).outcome == "ineligible"


def test_no_property_passes_the_open_limits_and_an_adult_household_is_eligible():
    facts = household(person("a"), person("b", relation_to_head="spouse"), incomes=(wage("a", "300"),))
    result = assess("dibao", facts, params())
    assert (result.outcome, result.monthly_amount) == ("eligible", Decimal("1380.00"))  # (840 − 150) × 2


def test_a_member_in_a_supplement_group_without_an_amount_needs_manual_determination():
    facts = household(
        person("a"), person("c", D(2015, 1, 1), relation_to_head="son"), incomes=(wage("a", "300"),)
    )
    result = assess("dibao", facts, params())
    assert result.outcome == "manual"
    assert next(r for r in result.reasons if r.rule_code == "dibao.supplement.minor").status == "manual"


def test_empty_supplements_need_manual_determination():
    facts = household(person("a"), incomes=(wage("a", "300"),))
    result = assess("dibao", facts, params(entry("supplements", [])))
    assert result.outcome == "manual"
    assert "dibao.supplements_unconfigured" in codes(result)


def test_a_missing_parameter_is_a_manual_determination_with_the_reason():
    facts = household(person("a"), incomes=(wage("a", "300"),), as_of=D(2015, 7, 1))
    result = assess("dibao", facts, params())
    assert (result.outcome, codes(result)) == ("manual", ["parameter.missing"])
    assert "需人工核定" in result.reasons[0].message_zh


def test_grade_1_physical_disability_receives_the_care_subsidy_at_the_configured_rate():
    facts = household(person("a", disability_category="physical", disability_grade=1), as_of=D(2025, 1, 1))
    result = assess("severe_disability_care_subsidy", facts, params())
    assert (result.outcome, result.monthly_amount, result.members[0].level) == (
        "eligible",
        Decimal("125.00"),
        "physical_1",
    )
    before = household(person("a", disability_category="visual", disability_grade=2), as_of=D(2020, 1, 1))
    assert assess("severe_disability_care_subsidy", before, params()).monthly_amount == Decimal("100.00")


def test_hohhot_emergency_aid_is_capped_at_12_times_but_the_township_ceiling_is_missing():
    from minzheng.benefits.facts import TemporaryRequest

    facts = household(person("a"), as_of=D(2025, 1, 1))
    result = assess("temporary_assistance", facts, params(), temporary_request=TemporaryRequest(
        "emergency", "火灾", Decimal("3000")))  # fmt: skip
    assert result.outcome == "manual"
    assert "乡镇（街道）临时救助审批额度" in result.reasons[0].message_zh


def test_temporary_assistance_tiers_without_a_multiple_need_manual_determination():
    from minzheng.benefits.facts import TemporaryRequest

    facts = household(person("a"), as_of=D(2025, 1, 1))
    request = TemporaryRequest("emergency", "火灾", Decimal("3000"))
    open_tier = [
        {"code": "emergency", "label": "急难型", "assistance_type": "emergency", "max_multiple": None}
    ]
    hohhot = entry("temporary.tiers", open_tier, D(2022, 1, 1), division="150100000000")
    result = assess("temporary_assistance", facts, params(hohhot), temporary_request=request)
    assert result.outcome == "manual"
    assert "temporary.tier_unconfigured" in codes(result)
