"""Bad input: a clear domain error naming the field, never a silent default (issue 3 'Bad input')."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import (
    DeadMemberCounted,
    HouseholdInconsistent,
    IncomeInvalid,
    MemberInTwoHouseholds,
    ParameterMissing,
    UnknownProgramme,
)
from minzheng.benefits.facts import IncomeFact
from minzheng.benefits.reasons import result_as_dict

from .builders import D, household, params, person, wage


def test_unknown_programme():
    with pytest.raises(UnknownProgramme) as caught:
        assess("housing", household(person("a")), params())
    assert (caught.value.field, caught.value.http_status) == ("programme", 404)


def test_household_programme_with_a_person():
    with pytest.raises(UnknownProgramme) as caught:
        assess("margin_household", household(person("a")), params(), person_key="a")
    assert caught.value.field == "person_key"


def test_missing_standard_for_the_date_is_a_manual_determination():
    # the built-in urban dibao standards: none found for 2018 (rural only)
    result = assess("dibao", household(person("a"), as_of=D(2018, 12, 31)), params())
    assert (result.outcome, result.eligible) == ("manual", False)
    assert result.reasons[0].message_zh.startswith("2018-12-31 没有适用于区划 150102001001城镇的政策参数")
    assert not isinstance(result, ParameterMissing)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-1"), "不能为负数"),
        (1.5, "十进制数"),
        ("100", "十进制数"),
        (Decimal("NaN"), "有限数字"),
        (True, "十进制数"),
    ],
)
def test_bad_income_amounts(amount, message):
    facts = household(
        person("a"), incomes=(wage("a", "1"), IncomeFact("a", "wage", amount, D(2023, 1, 1), D(2023, 1, 31)))
    )
    with pytest.raises(IncomeInvalid) as caught:
        assess("dibao", facts, params())
    assert caught.value.field == "incomes[1].amount"
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (household(person("a"), person("a")), "members[1].key"),
        (household(person("a", D(2024, 1, 1))), "members[0].birth_date"),
        (household(person("a", death_date=D(1970, 1, 1))), "members[0].death_date"),
        (household(person("a", disability_grade=2)), "members[0].disability_category"),
        (household(person("a", disability_category="physical", disability_grade=5)), "members[0].disability_grade"),
        (household(person("a", self_care="sometimes")), "members[0].self_care"),
        (household(person("a"), incomes=(IncomeFact("b", "wage", Decimal(1), D(2023, 1, 1), D(2023, 1, 2)),)),
         "incomes[0].person_key"),
        (household(person("a"), incomes=(IncomeFact("a", "lottery", Decimal(1), D(2023, 1, 1), D(2023, 1, 2)),)),
         "incomes[0].category"),
        (household(person("a"), incomes=(IncomeFact("a", "wage", Decimal(1), D(2023, 1, 2), D(2023, 1, 1)),)),
         "incomes[0].period_end"),
        (household(person("a", death_date=D(2022, 12, 31)), person("b"),
                   incomes=(IncomeFact("a", "wage", Decimal(1), D(2023, 1, 1), D(2023, 1, 2)),)), "incomes[0].period_start"),
        (household(person("a"), urban_rural="suburban"), "urban_rural"),
        (household(), "members"),
    ],
)  # fmt: skip
def test_inconsistent_households(facts, field):
    with pytest.raises(HouseholdInconsistent) as caught:
        assess("dibao", facts, params())
    assert caught.value.field == field


def test_member_counted_in_two_households():
    facts = household(person("a"), person("b", other_household_key="H-42"))
    with pytest.raises(MemberInTwoHouseholds) as caught:
        assess("dibao", facts, params())
    assert caught.value.field == "members[1].other_household_key"
    assert "H-42" in caught.value.message


def test_a_dead_member_cannot_be_assessed_for_a_person_programme():
    facts = household(person("a"), person("b", D(1930, 1, 1), death_date=D(2023, 5, 1)))
    with pytest.raises(DeadMemberCounted) as caught:
        assess("senior_allowance", facts, params(), person_key="b")
    assert caught.value.field == "members[1].death_date"


def test_result_is_json_ready():
    result = assess("dibao", household(person("a"), incomes=(wage("a", "500"),)), params())
    document = json.loads(json.dumps(result_as_dict(result), ensure_ascii=False))
    assert (document["monthly_amount"], document["per_capita_monthly_income"], document["eligible"]) == (
        "340.00", "500.00", True)  # fmt: skip
    standard = next(r for r in document["reasons"] if r["rule_code"] == "dibao.gap_payment")["parameters"][0]
    assert (standard["key"], standard["valid_from"], standard["status"]) == (
        "dibao.standard_monthly",
        "2023-01-01",
        "confirmed",
    )


def test_a_household_whose_only_member_died_is_refused_not_divided_by_zero():
    """《最低生活保障审核确认办法》第 7 条: the dead are not counted; with nobody left there is no per-capita
    income to compute, so the engine refuses with the field named instead of dividing by zero."""
    from minzheng.benefits.engine import assess
    from minzheng.benefits.errors import HouseholdInconsistent
    from minzheng.benefits.tests.builders import AS_OF, D, builtin, household, person

    facts = household(person("a", death_date=D(2023, 1, 1)), as_of=AS_OF)
    with pytest.raises(HouseholdInconsistent) as caught:
        assess("dibao", facts, builtin())
    assert caught.value.field == "members"
    assert "没有计入的共同生活家庭成员" in caught.value.message
