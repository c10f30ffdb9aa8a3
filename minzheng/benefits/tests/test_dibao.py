"""低保: gap payment, supplements, rounding, whole household, 渐退期, single-person application.
Figures: Inner Mongolia regional averages of the built-in set (2023: urban 840, rural 670 元/月)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import ParameterInconsistent
from minzheng.benefits.facts import AssetFact, PreviousEnrolment

from .builders import D, codes, entry, household, params, person, wage

FAMILY = (person("head"), person("spouse", relation_to_head="spouse"),
          person("child", D(2015, 3, 1), relation_to_head="son"))  # fmt: skip


@pytest.mark.parametrize(
    ("urban_rural", "monthly_income", "eligible", "per_capita", "amount"),
    [
        pytest.param("urban", "1500", True, "500.00", "1020.00", id="暂行办法第12条-城市差额(840-500)x3"),
        pytest.param("rural", "1500", True, "500.00", "510.00", id="暂行办法第12条-农村差额(670-500)x3"),
        pytest.param("urban", "0", True, "0.00", "2520.00", id="暂行办法第12条-无收入全额840x3"),
        pytest.param("urban", "2519.97", True, "839.99", "0.03", id="暂行办法第12条-差一分"),
        pytest.param("urban", "2520", False, "840.00", "0.00", id="审核确认办法第3条-等于标准不符合"),
        pytest.param("urban", "3000", False, "1000.00", "0.00", id="审核确认办法第3条-高于标准"),
    ],
)
def test_gap_payment(urban_rural, monthly_income, eligible, per_capita, amount):
    # given a family of three with one wage over the whole reference period
    facts = household(*FAMILY, urban_rural=urban_rural, incomes=(wage("head", monthly_income),))
    # when
    result = assess("dibao", facts, params())
    # then
    assert (result.eligible, result.per_capita_monthly_income, result.monthly_amount) == (
        eligible, Decimal(per_capita), Decimal(amount))  # fmt: skip
    assert result.counted_members == ("head", "spouse", "child")


def test_reasons_trace_the_standard_version_and_the_whole_household_rule():
    result = assess("dibao", household(*FAMILY, incomes=(wage("head", "1500"),)), params())
    gap = next(r for r in result.reasons if r.rule_code == "dibao.gap_payment")
    assert gap.article == "《社会救助暂行办法》第12条；《最低生活保障审核确认办法》第23条"
    assert gap.value == Decimal("1020.00")
    assert [(p.key, p.valid_from, p.status) for p in gap.parameters] == [
        ("dibao.standard_monthly", D(2023, 1, 1), "confirmed")]  # fmt: skip
    assert "dibao.whole_household" in codes(result)
    # the built-in asset categories have open limits: a household holding nothing passes each of them
    assets = [r for r in result.reasons if r.rule_code.startswith("assets.")]
    assert [(r.rule_code, r.value) for r in assets][:2] == [
        ("assets.financial", True),
        ("assets.vehicles", True),
    ]
    assert result.unconfirmed  # the asset table is an unconfirmed default structure


def test_the_carried_forward_2024_standard_is_marked_unconfirmed():
    facts = household(person("a"), as_of=D(2024, 7, 1))
    result = assess("dibao", facts, params())
    test = next(r for r in result.reasons if r.rule_code == "dibao.income_test")
    assert test.status == "unconfirmed"
    assert result.monthly_amount == Decimal("840.00")


SUPPLEMENTS = entry("supplements", [
    {"code": "elderly", "label": "60岁以上老年人", "when": {"age_min": 60}, "percent_of_standard": "0.1"},
    {"code": "severe", "label": "重度残疾人", "when": {"disability_grades": [1, 2]}, "amount": "50"},
])  # fmt: skip


def test_supplements_add_per_person_by_attribute():
    # given 审核确认办法第27条 rules: +10% of the standard for 60+, +50 for grades 1–2 (both to one person)
    facts = household(person("old", D(1950, 1, 1), disability_category="physical", disability_grade=1),
                      person("young", relation_to_head="son"), incomes=(wage("young", "1000"),))  # fmt: skip
    # when
    result = assess("dibao", facts, params(SUPPLEMENTS))
    # then (840 − 500) × 2 = 680; + 84 + 50
    assert result.monthly_amount == Decimal("814.00")
    assert codes(result).count("dibao.supplement.elderly") == 1
    assert "dibao.supplement.severe" in codes(result)


@pytest.mark.parametrize(
    ("method", "unit", "expected"),
    [("half_up", "1", "1010.00"), ("up", "1", "1010.00"), ("down", "1", "1009.00"), ("down", "10", "1000.00"),
     ("half_up", "0.01", "1009.50")],
)  # fmt: skip
def test_rounding_parameter(method, unit, expected):
    # pci = 503.50 → (840 − 503.50) × 3 = 1009.50
    facts = household(*FAMILY, incomes=(wage("head", "1510.50"),))
    result = assess(
        "dibao", facts, params(entry("rounding", {"method": method, "unit": unit}, D(2021, 7, 1)))
    )
    assert result.monthly_amount == Decimal(expected)


def test_refusing_work_reduces_only_that_persons_share():
    # 审核确认办法第34条: the county stops the refusing member's own share
    members = (person("head", refused_suitable_work=True), *FAMILY[1:])
    result = assess("dibao", household(*members, incomes=(wage("head", "1500"),)), params())
    assert result.monthly_amount == Decimal("680.00")
    assert result.counted_members == ("head", "spouse", "child")


def test_assets_over_the_rule_refuse():
    rule = entry("assets.rules", [{"code": "deposit", "label": "人均存款", "categories": ["deposit"],
                                   "measure": "value_per_capita", "max_dibao_months": "12"}], D(2021, 7, 1))  # fmt: skip
    rich = household(*FAMILY, assets=(AssetFact("deposit", Decimal("30300")),))  # 10100 per person > 10080
    poor = household(*FAMILY, assets=(AssetFact("deposit", Decimal("30240")),))  # exactly 12 × 840
    assert assess("dibao", rich, params(rule)).eligible is False
    assert "dibao.assets_exceed" in codes(assess("dibao", rich, params(rule)))
    assert assess("dibao", poor, params(rule)).monthly_amount == Decimal("2520.00")


@pytest.mark.parametrize(
    ("months_since", "amount", "level"),
    [(0, "600.00", "gradual_exit"), (1, "600.00", "gradual_exit"), (2, "480.00", "gradual_exit"),
     (5, "360.00", "gradual_exit"), (6, "0.00", "")],
    ids=["审核确认办法第33条-第1月100%", "第2月100%", "第3月80%", "第6月60%", "2022通知-6个月期满"],
)  # fmt: skip
def test_gradual_exit_after_employment(months_since, amount, level):
    # given a household that received 600 and now earns above the standard after the head found work
    facts = household(*FAMILY, incomes=(wage("head", "3000"),),
                      previous_enrolment=PreviousEnrolment(Decimal("600.00"), months_since, after_employment=True))  # fmt: skip
    result = assess("dibao", facts, params())
    assert (result.eligible, result.monthly_amount, result.level) == (False, Decimal(amount), level)


def test_no_gradual_exit_without_employment():
    facts = household(*FAMILY, incomes=(wage("head", "3000"),),
                      previous_enrolment=PreviousEnrolment(Decimal("600.00"), 0, after_employment=False))  # fmt: skip
    result = assess("dibao", facts, params())
    assert result.monthly_amount == Decimal("0.00")
    assert "dibao.no_gradual_exit" in codes(result)


def test_taper_shorter_than_the_exit_period_is_a_parameter_error():
    provider = params(entry("gradual_exit.taper", ["1", "0.5"], D(2022, 10, 1)))
    facts = household(*FAMILY, incomes=(wage("head", "3000"),),
                      previous_enrolment=PreviousEnrolment(Decimal("600.00"), 3, after_employment=True))  # fmt: skip
    with pytest.raises(ParameterInconsistent) as caught:
        assess("dibao", facts, provider)
    assert caught.value.field == "gradual_exit.taper"


def test_single_person_application_of_a_severely_disabled_margin_member():
    # 审核确认办法第8条: margin household (pci 1000 < 1260), the grade-1 member applies alone with no income
    members = (person("head"), person("sick", disability_category="physical", disability_grade=1,
                                      relation_to_head="son"))  # fmt: skip
    facts = household(*members, incomes=(wage("head", "2000"),))
    assert assess("dibao", facts, params()).eligible is False
    alone = assess("dibao", facts, params(), person_key="sick")
    assert (alone.eligible, alone.monthly_amount, alone.level, alone.counted_members) == (
        True, Decimal("840.00"), "single_person", ("sick",))  # fmt: skip


def test_single_person_application_refused_for_a_member_without_severe_condition():
    facts = household(person("head"), person("son", relation_to_head="son"), incomes=(wage("head", "2000"),))
    result = assess("dibao", facts, params(), person_key="son")
    assert result.eligible is False
    assert "dibao.alone_refused" in codes(result)
