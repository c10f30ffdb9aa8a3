"""特困人员认定办法: conditions (arts. 4–9), urban/rural (art. 19), self-care (arts. 20–23), amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import AssessmentInputMissing
from minzheng.benefits.extreme_poverty import no_work_capacity
from minzheng.benefits.facts import AdlItems
from minzheng.benefits.people import self_care_from_adl

from .builders import D, codes, household, params, person, wage

ALL = dict(
    eating=True, dressing=True, getting_in_out_of_bed=True, toileting=True, walking_indoors=True, bathing=True
)


def adl(failed: int) -> AdlItems:
    names = list(ALL)
    return AdlItems(**{n: i >= failed for i, n in enumerate(names)})


@pytest.mark.parametrize(
    ("failed", "category"),
    [
        (0, "capable"),
        (1, "partly_incapable"),
        (3, "partly_incapable"),
        (4, "fully_incapable"),
        (6, "fully_incapable"),
    ],
    ids=["第22条-6项全达到", "第22条-1项不能", "第22条-3项不能", "第22条-4项不能", "第22条-6项不能"],
)
def test_self_care_category_from_the_six_items(failed, category):
    assert self_care_from_adl(adl(failed)) == category


@pytest.mark.parametrize(
    ("member", "holds"),
    [
        pytest.param(person("x", D(1963, 7, 1)), True, id="第5条(一)-满60周岁"),
        pytest.param(person("x", D(1963, 7, 2)), False, id="第5条-差一天60周岁"),
        pytest.param(person("x", D(2008, 1, 1)), True, id="第5条(二)-未满16周岁"),
        pytest.param(person("x", D(2006, 1, 1)), True, id="2020意见第5项-16至18周岁"),
        pytest.param(person("x", D(2005, 1, 1), supported_as_extreme_poverty_minor=True,
                            school_enrolment="senior_secondary"), True, id="第24条第二款-满18仍读高中"),
        pytest.param(person("x", D(2005, 1, 1), school_enrolment="senior_secondary"), False, id="第24条第二款-此前未供养"),
        pytest.param(person("x", disability_category="intellectual", disability_grade=3), True, id="第5条(三)-三级智力"),
        pytest.param(person("x", disability_category="physical", disability_grade=2), True, id="第5条(三)-二级肢体"),
        pytest.param(person("x", disability_category="physical", disability_grade=3), False, id="第5条(三)-三级肢体不在内"),
        pytest.param(person("x", disability_category="visual", disability_grade=2), False, id="第5条(三)-二级视力不在内"),
        pytest.param(person("x", other_no_work_capacity="自治区规定情形"), True, id="第5条(四)-省级规定"),
    ],
)  # fmt: skip
def test_no_work_capacity(member, holds):
    assert no_work_capacity(member, household(member))[0] is holds


OLD = dict(born=D(1950, 1, 1), supporter_status="none")


@pytest.mark.parametrize(
    ("urban_rural", "fields", "amount", "level"),
    [
        pytest.param("urban", {"adl": adl(2)}, "1875.00", "partly_incapable", id="国发〔2016〕14号-城市1380+部分丧失495"),
        pytest.param("urban", {"adl": adl(4)}, "2646.00", "fully_incapable", id="国发〔2016〕14号-城市1380+完全丧失1266"),
        pytest.param("urban", {"adl": adl(0)}, "1380.00", "capable", id="国发〔2016〕14号-具备自理(护理0占位)"),
        pytest.param("rural", {"self_care": "fully_incapable"}, "2286.00", "fully_incapable", id="国发〔2016〕14号-农村1020+1266"),
        pytest.param("urban", {"self_care": "partly_incapable", "rural_land_or_collective_share": True}, "1515.00", "partly_incapable",
                     id="第19条-有承包地按农村"),
        pytest.param("rural", {"self_care": "partly_incapable", "resettled_to_town": True}, "1875.00", "partly_incapable",
                     id="第19条-易地搬迁按城市"),
    ],
)  # fmt: skip
def test_amount_is_basic_living_plus_care(urban_rural, fields, amount, level):
    facts = household(person("a", OLD["born"], supporter_status="none", **fields), urban_rural=urban_rural)
    result = assess("extreme_poverty_support", facts, params())
    assert (result.eligible, result.monthly_amount, result.level) == (True, Decimal(amount), level)


def test_each_person_is_assessed_and_the_household_total_is_the_sum():
    members = (person("a", D(1950, 1, 1), supporter_status="none", self_care="fully_incapable"),
               person("b", D(1980, 1, 1), relation_to_head="spouse"))  # fmt: skip
    result = assess("extreme_poverty_support", household(*members), params())
    assert [(m.person_key, m.eligible, m.monthly_amount) for m in result.members] == [
        ("a", True, Decimal("2646.00")), ("b", False, Decimal("0.00"))]  # fmt: skip
    assert (result.monthly_amount, result.counted_members) == (Decimal("2646.00"), ("a",))


@pytest.mark.parametrize(
    ("fields", "eligible", "rule"),
    [
        pytest.param({"supporter_status": "able"}, False, "extreme_poverty.supporter", id="第4条(三)-有能力的义务人"),
        pytest.param({"supporter_status": "unable", "supporter_inability": "aged_70_low_income"}, True,
                     "extreme_poverty.supporter", id="第8条(三)-义务人70岁以上低收入"),
        pytest.param({"supporter_status": "none", "orphan_status": "orphan", "chose_orphan_scheme": True,
                      "born": D(2012, 1, 1)}, False, "extreme_poverty.orphan_choice", id="第9条-选择孤儿保障"),
    ],
)  # fmt: skip
def test_support_conditions(fields, eligible, rule):
    born = fields.pop("born", D(1950, 1, 1))
    result = assess(
        "extreme_poverty_support", household(person("a", born, self_care="capable", **fields)), params()
    )
    assert result.eligible is eligible
    assert rule in codes(result)


def test_income_at_or_above_the_dibao_standard_means_a_means_of_living():
    # 第6条: 840 is not below the urban standard 840
    facts = household(
        person("a", D(1950, 1, 1), supporter_status="none", self_care="capable"), incomes=(wage("a", "840"),)
    )
    result = assess("extreme_poverty_support", facts, params())
    assert result.eligible is False
    assert "extreme_poverty.supporter" not in codes(result)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({}, "members[0].supporter_status"), ({"supporter_status": "unable"}, "members[0].supporter_inability"),
     ({"supporter_status": "none", "self_care": ""}, "members[0].adl")],
)  # fmt: skip
def test_missing_support_or_self_care_facts_are_errors(fields, field):
    facts = household(person("a", D(1950, 1, 1), **({"self_care": "capable"} | fields)))
    with pytest.raises(AssessmentInputMissing) as caught:
        assess("extreme_poverty_support", facts, params())
    assert caught.value.field == field


def test_a_working_age_person_needs_no_support_facts():
    result = assess("extreme_poverty_support", household(person("a")), params())
    assert result.eligible is False
    assert codes(result) == ["extreme_poverty.no_work_capacity"]
