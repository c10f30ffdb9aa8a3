"""Small builders for engine tests: households, members, incomes, and parameter sets (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from minzheng.benefits.facts import HouseholdFacts, IncomeFact, MemberFacts
from minzheng.benefits.params import InMemoryParams
from minzheng.policy.rules import ParameterEntry, parameter_value_normalise

D = dt.date
REGION = "150000000000"
HOHHOT_VILLAGE = "150102001001"  # a community of Xincheng district, Hohhot
AS_OF = D(2023, 7, 1)  # reference period 2022-07-01 … 2023-06-30; 2023 standards (840 / 670)
EARLY = D(2021, 7, 1)  # the built-in placeholders start here: an entry on it supersedes them
ADULT_BIRTH = D(1980, 1, 1)
PERIOD_START, PERIOD_END = D(2022, 7, 1), D(2023, 6, 30)


@cache
def builtin() -> InMemoryParams:
    return InMemoryParams.builtin()


def entry(key: str, value: Any, valid_from: dt.date = EARLY, *, division: str = REGION,
          urban_rural: str = "", valid_to: dt.date | None = None, status: str = "confirmed") -> ParameterEntry:  # fmt: skip
    return ParameterEntry(key, division, urban_rural, valid_from, valid_to,
                          parameter_value_normalise(key, value), status, "测试")  # fmt: skip


HOHHOT = "150100000000"
_ZERO_SUPPLEMENTS = [  # 审核确认办法第27条 groups, configured as "no supplement here"
    {"code": code, "label": label, "when": when, "amount": "0.00"}
    for code, label, when in (
        ("senior", "老年人", {"age_min": 60}),
        ("minor", "未成年人", {"minor": True}),
        ("severe_disability", "重度残疾人", {"disability_grades": [1, 2]}),
        ("serious_illness", "重病患者", {"serious_illness": True}),
    )
]
_TIERS = [
    {"code": "small_fast", "label": "小额快救", "assistance_type": "small_fast", "max_multiple": "1"},
    {"code": "emergency", "label": "急难型", "assistance_type": "emergency", "max_multiple": "3"},
    {"code": "expenditure", "label": "支出型", "assistance_type": "expenditure", "max_multiple": "6"},
]


@cache
def configured() -> InMemoryParams:
    """The built-in set plus what a test jurisdiction configures where Inner Mongolia's figures were not
    found (分类施保: none; temporary multiples 1/3/6 ×; township ceiling 3 ×), so the rule tests are decided;
    ``test_manual_review`` uses ``builtin()`` itself, where these are open (需人工核定)."""
    provider = builtin()
    for item in (
        entry("supplements", _ZERO_SUPPLEMENTS),
        entry("temporary.tiers", _TIERS),
        entry("temporary.tiers", _TIERS, D(2022, 1, 1), division=HOHHOT),
        entry("temporary.township_ceiling_multiple", "3"),
    ):
        provider = provider.with_entry(item)
    return provider


def params(*entries: ParameterEntry, base: InMemoryParams | None = None) -> InMemoryParams:
    """``configured()`` (or ``base``) with ``entries`` written over it (a later version closes the open one)."""
    provider = base or configured()
    for item in entries:
        provider = provider.with_entry(item)
    return provider


def person(key: str, born: dt.date = ADULT_BIRTH, **fields: Any) -> MemberFacts:
    return MemberFacts(key=key, birth_date=born, **fields)


def wage(key: str | None, monthly: str, start: dt.date = PERIOD_START, end: dt.date = PERIOD_END,
         category: str = "wage") -> IncomeFact:  # fmt: skip
    """``monthly`` yuan a month over whole months [start, end] (default: the reference period of AS_OF)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return IncomeFact(key, category, Decimal(monthly) * months, start, end)


def household(
    *members: MemberFacts, as_of: dt.date = AS_OF, urban_rural: str = "urban", **fields: Any
) -> HouseholdFacts:
    return HouseholdFacts(
        division_code=HOHHOT_VILLAGE, urban_rural=urban_rural, as_of=as_of, members=members, **fields
    )


def codes(result: Any) -> list[str]:
    return [r.rule_code for r in result.reasons]
