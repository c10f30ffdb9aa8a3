"""Explicit test figures for a jurisdiction where Inner Mongolia's were not found (ADR 0029: on the built-in
set every temporary-assistance case is 需人工核定). The tests of the decided path configure them; the tests
of the manual path (test_manual_determination) leave them open."""

from __future__ import annotations

import datetime as dt

import pytest

REGION, HOHHOT = "150000000000", "150100000000"
TIERS = [  # as minzheng.benefits.tests.builders.configured(): 1 / 3 / 6 × the monthly 低保 standard
    {"code": "small_fast", "label": "小额快救", "assistance_type": "small_fast", "max_multiple": "1"},
    {"code": "emergency", "label": "急难型", "assistance_type": "emergency", "max_multiple": "3"},
    {"code": "expenditure", "label": "支出型", "assistance_type": "expenditure", "max_multiple": "6"},
]


def temporary_configure(actor) -> None:
    """Tiers 1 / 3 / 6 × the standard and the township's ceiling 3 × (region and Hohhot, whose own
    table leaves 支出型 and 小额快救 open)."""
    from minzheng.policy.services import parameter_set

    def put(key: str, division: str, valid_from: dt.date, value: object) -> None:
        parameter_set(actor=actor, key=key, division_code=division, urban_rural="", valid_from=valid_from,
                      value=value, source="测试", status="confirmed")  # fmt: skip

    put("temporary.tiers", REGION, dt.date(2018, 10, 1), TIERS)
    put("temporary.tiers", HOHHOT, dt.date(2022, 1, 1), TIERS)
    put("temporary.township_ceiling_multiple", REGION, dt.date(2018, 10, 1), "3")


@pytest.fixture
def temporary_figures(users):
    """The test jurisdiction's temporary figures over the built-in set (loaded by the test's own fixture)."""
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    temporary_configure(users["region"])
