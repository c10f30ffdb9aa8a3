"""低保边缘家庭 (审核确认办法第8条第二款) and 刚性支出困难家庭 (认定办法第4—5条; 内蒙古 2024: 70% / 60%)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import ParameterMissing
from minzheng.benefits.facts import RigidExpenseFact

from .builders import D, codes, entry, household, params, person, wage

TWO = (person("a"), person("b", relation_to_head="spouse"))


@pytest.mark.parametrize(
    ("monthly", "eligible"),
    [
        pytest.param("1600", False, id="第8条第二款-低保对象不是边缘"),  # pci 800 < 840
        pytest.param("1680", True, id="第8条第二款-等于低保标准"),
        pytest.param("2518", True, id="第8条第二款-低于1.5倍"),  # pci 1259 < 1260
        pytest.param("2520", False, id="第8条第二款-等于1.5倍不符合"),
    ],
)
def test_margin_household(monthly, eligible):
    result = assess("margin_household", household(*TWO, incomes=(wage("a", monthly),)), params())
    assert (result.eligible, result.monthly_amount) == (eligible, Decimal("0.00"))
    test = next(r for r in result.reasons if r.rule_code == "margin.income_test")
    assert test.inputs["ceiling"] == Decimal("1260.00")
    assert [p.key for p in test.parameters] == ["dibao.standard_monthly", "margin.income_multiple"]


def test_margin_excludes_extreme_poverty_households():
    facts = household(
        *TWO, incomes=(wage("a", "2000"),), programmes_received=frozenset({"extreme_poverty_support"})
    )
    result = assess("margin_household", facts, params())
    assert result.eligible is False
    assert "margin.extreme_poverty" in codes(result)


AS_OF = D(2025, 3, 1)  # the rigid-expense ratios are in force from 2024-07-01
DISPOSABLE = entry("income.previous_year_disposable_per_capita_annual", "48000", D(2025, 1, 1))  # 4,000/month


def rigid(monthly: str, *expenses: tuple[str, str]) -> object:
    incomes = (wage("a", monthly, D(2024, 3, 1), D(2025, 2, 28)),)
    spent = tuple(RigidExpenseFact(kind, Decimal(amount), D(2024, 9, 1)) for kind, amount in expenses)
    return household(*TWO, as_of=AS_OF, incomes=incomes, rigid_expenses=spent)


@pytest.mark.parametrize(
    ("facts", "eligible"),
    [
        # income 3,000 × 12 = 36,000 a year; 70% = 25,200; 60% = 21,600
        pytest.param(rigid("3000", ("education", "15000"), ("rehabilitation", "10201")), True, id="内蒙古2024-全部刚性支出超70%"),
        pytest.param(rigid("3000", ("education", "15000"), ("rehabilitation", "10200")), False, id="内蒙古2024-等于70%不超过"),
        pytest.param(rigid("3000", ("medical", "20000"), ("accident", "1601")), True, id="内蒙古2024-医疗意外超60%"),
        pytest.param(rigid("3000", ("basic_living", "30000")), False, id="认定办法第5条-基本生活支出不计入比例"),
        pytest.param(rigid("2000", ("medical", "30000")), False, id="认定办法第4条(一)-边缘家庭不再认定"),
        pytest.param(rigid("9000", ("medical", "90000")), False, id="认定办法第4条(二)-收入不低于上年人均可支配收入"),
    ],
)  # fmt: skip
def test_rigid_expense_household(facts, eligible):
    result = assess("rigid_expense_household", facts, params(DISPOSABLE))
    assert result.eligible is eligible
    assert result.monthly_amount == Decimal("0.00")


def test_rigid_expense_without_the_disposable_income_figure_is_a_manual_determination():
    # the built-in series ends with the 2024 figure (used in 2025); the 2025 figure was not found
    facts = household(*TWO, as_of=D(2026, 3, 1))
    result = assess("rigid_expense_household", facts, params())
    assert result.outcome == "manual"
    assert "上年度居民人均可支配收入" in result.reasons[0].message_zh
    assert not isinstance(result, ParameterMissing)


def test_expenses_outside_the_last_12_months_do_not_count():
    facts = household(*TWO, as_of=AS_OF, incomes=(wage("a", "3000", D(2024, 3, 1), D(2025, 2, 28)),),
                      rigid_expenses=(RigidExpenseFact("medical", Decimal("30000"), D(2024, 2, 29)),))  # fmt: skip
    assert assess("rigid_expense_household", facts, params(DISPOSABLE)).eligible is False
