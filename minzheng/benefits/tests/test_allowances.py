"""高龄津贴 (§6.1), 残疾人两项补贴 (国发〔2015〕52号), 孤儿 (国办发〔2010〕54号), 事实无人抚养儿童 (2019 意见)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess

from .builders import D, household, params, person

AS_OF = D(2024, 8, 1)


@pytest.mark.parametrize(
    ("born", "amount", "level"),
    [
        pytest.param(D(1944, 8, 2), "0.00", "", id="内蒙古2017普惠-79岁"),
        pytest.param(D(1944, 8, 1), "100.00", "80-99", id="内蒙古2017普惠-满80岁"),
        pytest.param(D(1924, 8, 2), "100.00", "80-99", id="内蒙古2017普惠-99岁"),
        pytest.param(D(1924, 8, 1), "600.00", "100-以上", id="内蒙古2016-满100岁600元"),
    ],
)
def test_senior_allowance(born, amount, level):
    result = assess("senior_allowance", household(person("a", born), as_of=AS_OF), params())
    assert (result.monthly_amount, result.level) == (Decimal(amount), level)


def test_senior_allowance_sums_over_members_and_skips_the_dead():
    members = (person("a", D(1940, 1, 1)), person("b", D(1920, 1, 1), relation_to_head="parent"),
               person("c", D(1921, 1, 1), relation_to_head="parent", death_date=D(2024, 7, 1)))  # fmt: skip
    result = assess("senior_allowance", household(*members, as_of=AS_OF), params())
    assert (result.monthly_amount, result.counted_members) == (Decimal("700.00"), ("a", "b"))


@pytest.mark.parametrize(
    ("as_of", "programmes", "fields", "amount"),
    [
        pytest.param(D(2024, 8, 1), {"dibao"}, {}, "125.00", id="国发2015-52号-低保家庭残疾人2024年7月起125"),
        pytest.param(D(2024, 6, 30), {"dibao"}, {}, "100.00", id="国发2015-52号-2024年7月前100"),
        pytest.param(D(2024, 8, 1), set(), {}, "0.00", id="国发2015-52号-非低保家庭"),
        pytest.param(D(2024, 8, 1), {"dibao"}, {"orphan_status": "de_facto_orphan", "born": D(2012, 1, 1)}, "0.00",
                     id="2019意见-事实无人抚养儿童不重复领取"),
    ],
)  # fmt: skip
def test_disability_living_subsidy(as_of, programmes, fields, amount):
    born = fields.pop("born", D(1980, 1, 1))
    member = person("a", born, disability_category="physical", disability_grade=2, **fields)
    facts = household(member, as_of=as_of, programmes_received=frozenset(programmes))
    assert assess("disability_living_subsidy", facts, params()).monthly_amount == Decimal(amount)


@pytest.mark.parametrize(
    ("urban_rural", "category", "grade", "eligible", "amount"),
    [
        pytest.param("rural", "mental", 3, True, "125.00", id="内蒙古2024-农村低保三级精神残疾125(据鄂尔多斯推定)"),
        pytest.param("urban", "mental", 3, False, "0.00", id="内蒙古2024-城市三级精神不在档次表"),
        pytest.param("urban", "mental", 2, True, "125.00", id="内蒙古2024-二级精神残疾125"),
        pytest.param("rural", "physical", 1, True, "125.00", id="国发2015-52号-一级肢体按自治区指导标准125"),
    ],
)  # fmt: skip
def test_severe_disability_care_subsidy(urban_rural, category, grade, eligible, amount):
    member = person("a", disability_category=category, disability_grade=grade)
    facts = household(member, as_of=AS_OF, urban_rural=urban_rural, programmes_received=frozenset({"dibao"}))
    result = assess("severe_disability_care_subsidy", facts, params())
    assert (result.eligible, result.monthly_amount) == (eligible, Decimal(amount))
    assert not result.manual_review  # grades 1–2 of every category carry the regional guidance rate


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        pytest.param({"orphan_status": "orphan"}, "1400.00", id="国办发2010-54号-散居孤儿1400"),
        pytest.param({"orphan_status": "orphan", "institutional_care": True}, "1660.00", id="国办发2010-54号-集中养育1660"),
        pytest.param({"orphan_status": "orphan", "born": D(2006, 8, 1)}, "0.00", id="国办发2010-54号-满18周岁"),
    ],
)  # fmt: skip
def test_orphan_allowance(fields, amount):
    born = fields.pop("born", D(2012, 1, 1))
    result = assess("orphan_allowance", household(person("a", born, **fields), as_of=AS_OF), params())
    assert result.monthly_amount == Decimal(amount)


@pytest.mark.parametrize(
    ("other", "amount"),
    [pytest.param("0", "1400.00", id="2019意见-全额"), pytest.param("500", "900.00", id="2019意见-补差发放"),
     pytest.param("1500", "0.00", id="2019意见-已领高于标准")],
)  # fmt: skip
def test_de_facto_orphan_allowance(other, amount):
    child = person(
        "a", D(2012, 1, 1), orphan_status="de_facto_orphan", other_child_benefits_monthly=Decimal(other)
    )
    result = assess("de_facto_orphan_allowance", household(child, as_of=AS_OF), params())
    assert result.monthly_amount == Decimal(amount)
