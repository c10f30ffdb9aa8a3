"""The database-backed provider gives the same results as the in-memory one over the same set."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import ParameterMissing
from minzheng.benefits.providers import SelectorParams
from minzheng.policy.services import policy_builtin_load

from .builders import D, household, params, person, wage

pytestmark = pytest.mark.django_db


def test_selector_provider_matches_the_in_memory_provider(divisions, django_assert_max_num_queries):
    # given the built-in set loaded into the store
    policy_builtin_load()
    facts = household(person("a"), person("b", relation_to_head="spouse"), incomes=(wage("a", "1000"),))
    provider = SelectorParams()
    # when
    stored = assess("dibao", facts, provider)
    # then the same figures, and a second assessment is served from the provider's cache
    memory = assess("dibao", facts, params())
    assert (stored.monthly_amount, stored.per_capita_monthly_income) == (Decimal("680.00"), Decimal("500.00"))
    assert (stored.monthly_amount, stored.eligible) == (memory.monthly_amount, memory.eligible)
    with django_assert_max_num_queries(0):
        assess("dibao", facts, provider)


def test_selector_provider_missing_parameter_is_a_manual_determination(divisions):
    policy_builtin_load()
    with pytest.raises(ParameterMissing):
        SelectorParams().get("dibao.standard_monthly", "150102001001", "urban", D(2019, 6, 1))
    result = assess("dibao", household(person("a"), as_of=D(2019, 6, 1)), SelectorParams())
    assert (result.outcome, result.reasons[0].rule_code) == ("manual", "parameter.missing")
