"""Explicit test figures for a test jurisdiction where Inner Mongolia's were not found (ADR 0029: on the
built-in set they are open, so such cases are 需人工核定). As ``minzheng.benefits.tests.builders.configured``:
temporary multiples 1 / 3 / 6 ×, the township's ceiling 3 ×, and 分类施保 configured as "none here"."""

from __future__ import annotations

import datetime as dt

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


ZERO_SUPPLEMENTS = [  # 审核确认办法第27条 groups, configured as "no supplement here"
    {"code": code, "label": label, "when": when, "amount": "0.00"}
    for code, label, when in (
        ("senior", "老年人", {"age_min": 60}),
        ("minor", "未成年人", {"minor": True}),
        ("severe_disability", "重度残疾人", {"disability_grades": [1, 2]}),
        ("serious_illness", "重病患者", {"serious_illness": True}),
    )
]


def supplements_configure(actor) -> None:
    """分类施保 configured as no supplement for any group (the region's version in force since 2021-07-01)."""
    from minzheng.policy.services import parameter_set

    parameter_set(actor=actor, key="supplements", division_code=REGION, urban_rural="",
                  valid_from=dt.date(2021, 7, 1), value=ZERO_SUPPLEMENTS, source="测试", status="confirmed")  # fmt: skip
