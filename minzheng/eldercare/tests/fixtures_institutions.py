"""Shared set-up of the institutions tests: a second township in 新城区 with its own caseworker (so the
inspector pool has people of two townships), three institutions in 新城区 and one in 太仆寺旗. Import the
fixtures into a test module (``from minzheng.eldercare.tests.fixtures_institutions import *``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minzheng.eldercare.services.inspections import plan_create
from minzheng.eldercare.services.institutions import InstitutionData, institution_save

__all__ = ["make_institution", "valid_code", "xincheng_setup"]


def valid_code(code: str) -> str:
    """Fix the check character of a 17-character prefix (tests need many valid codes)."""
    from stdnum.cn import uscc

    return code[:17] + uscc.calc_check_digit(code[:17])


@pytest.fixture
def make_institution(users):
    counter = {"n": 0}

    def make(actor: Any = None, township: str = "150102001000", **overrides: Any):
        counter["n"] += 1
        values: dict[str, Any] = {
            "name": f"测试养老院{counter['n']}",
            "credit_code": valid_code(f"52150102MJ{counter['n']:07d}"),
            "kind": "public",
            "permit_kind": "filing",
            "township_code": township,
            "address": "测试路 1 号",
            "beds_total": 10,
            "nursing_beds": 4,
            "care_levels": ["self_care", "partial", "dependent"],
            "staff_total": 6,
            "carers": 3,
        }
        values.update(overrides)
        return institution_save(actor=actor or users["county"], data=InstitutionData(**values))

    return make


@pytest.fixture
def xincheng_setup(divisions, users, make_user, make_institution) -> dict[str, Any]:
    """新城区: townships 海拉尔东路街道 (caseworker, reviewer) and 东街 (one caseworker), two county users;
    two institutions in the first township, one in the second; a plan of 2 institutions × 2 inspectors."""
    from minzheng.divisions.models import Division

    east = Division.objects.create(
        code="150102002000", name="东街街道", level=4, parent=divisions["xincheng"], source="test"
    )
    inspectors = {
        "county2": make_user("county2", "county_approver", divisions["xincheng"]),
        "east_caseworker": make_user("east_caseworker", "township_caseworker", east),
    }
    institutions = [
        make_institution(name="海拉尔东路敬老院"),
        make_institution(name="锡林南路颐养院", kind="private"),
        make_institution(name="东街福利院", township="150102002000", kind="public_private"),
    ]
    plan = plan_create(
        actor=users["county"],
        county_code="150102000000",
        year=2026,
        round_number=1,
        title="2026年第一批双随机抽查",
        target_number=2,
        target_share=None,
        inspectors_per_target=2,
        exclude_own_township=True,
    )
    return {
        "east": east,
        "inspectors": inspectors,
        "institutions": institutions,
        "plan": plan,
        "today": dt.date(2026, 12, 7),
    }
