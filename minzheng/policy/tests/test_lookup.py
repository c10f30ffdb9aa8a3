"""Lookups against the database: specificity, date boundaries, missing values, the set-based variant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.policy.errors import ParameterMissing
from minzheng.policy.models import Parameter
from minzheng.policy.selectors import parameter_value, parameter_values
from minzheng.policy.services import parameter_set

D = dt.date
KEY = "dibao.standard_monthly"


@pytest.fixture
def standards(divisions, users):
    """Region urban/rural 2023 and 2024, Hohhot "" from 2023, Xincheng urban from 2023."""

    def put(actor, code, urban_rural, start, value):
        return parameter_set(actor=actor, key=KEY, division_code=code, urban_rural=urban_rural, valid_from=start,
                             value=value, source="测试文件", status="reported")  # fmt: skip

    region = users["region"]
    return {
        "region_urban_2023": put(region, "150000000000", "urban", D(2023, 1, 1), "840"),
        "region_urban_2024": put(region, "150000000000", "urban", D(2024, 1, 1), "880"),
        "region_rural": put(region, "150000000000", "rural", D(2023, 1, 1), "670"),
        "hohhot": put(users["prefecture"], "150100000000", "", D(2023, 1, 1), "900"),
        "xincheng_urban": put(users["prefecture"], "150102000000", "urban", D(2023, 7, 1), "950"),
    }


@pytest.mark.parametrize(
    ("place", "urban_rural", "day", "expected_value", "expected_row"),
    [
        ("150102001001", "urban", D(2023, 7, 1), "950.00", "xincheng_urban"),  # county beats league
        ("150102001001", "urban", D(2023, 6, 30), "900.00", "hohhot"),  # county row not yet in force
        ("150102001001", "rural", D(2023, 7, 1), "900.00", "hohhot"),  # league "" beats region rural
        ("152527201206", "rural", D(2023, 7, 1), "670.00", "region_rural"),  # league without own figure
        ("152527201206", "urban", D(2023, 12, 31), "840.00", "region_urban_2023"),  # valid_to exclusive
        ("152527201206", "urban", D(2024, 1, 1), "880.00", "region_urban_2024"),  # valid_from inclusive
    ],
)
def test_lookup_specificity_and_boundaries(standards, place, urban_rural, day, expected_value, expected_row):
    # when
    resolved = parameter_value(KEY, place, day, urban_rural)
    # then
    row = standards[expected_row]
    assert (resolved.value, resolved.parameter_id, resolved.version) == (expected_value, row.id, row.version)
    assert resolved.division_code == row.division.code
    assert resolved.source == "测试文件"


def test_missing_parameter_is_an_error_with_an_exact_message(standards, divisions):
    with pytest.raises(ParameterMissing) as caught:
        parameter_value(KEY, divisions["gacha"], D(2022, 12, 31), "rural")
    assert caught.value.message == (
        "2022-12-31 没有适用于敦达乌苏嘎查（152527201206）农村的政策参数“最低生活保障标准”"
    )
    assert caught.value.code == "parameter_missing"


def test_both_request_matches_only_both_rows(standards):
    with pytest.raises(ParameterMissing) as caught:
        parameter_value(KEY, "152527", D(2023, 7, 1))
    assert caught.value.message == (
        "2023-07-01 没有适用于太仆寺旗（152527000000）的政策参数“最低生活保障标准”"
    )


def test_set_based_lookup_uses_one_query(standards):
    places = [("150102001001", "urban"), ("150102001002", "rural"), ("152527201206", "urban")]
    with CaptureQueriesContext(connection) as queries:
        resolved = parameter_values(KEY, D(2023, 8, 1), places)
    assert len(queries) == 1
    assert {place: r.value for place, r in resolved.items()} == {
        ("150102001001", "urban"): "950.00",
        ("150102001002", "rural"): "900.00",
        ("152527201206", "urban"): "840.00",
    }


def test_set_based_lookup_names_the_first_missing_place(standards):
    with pytest.raises(ParameterMissing) as caught:
        parameter_values(KEY, D(2022, 1, 1), [("152527201206", "rural"), ("150102001001", "urban")])
    assert caught.value.message == (
        "2022-01-01 没有适用于锡林南路社区居委会（150102001001）城镇的政策参数“最低生活保障标准”"
        "（另有 1 个区划也没有）"
    )


def test_superseded_rows_are_not_used(standards, users):
    # given a correction of the Hohhot figure
    corrected = parameter_set(actor=users["prefecture"], key=KEY, division_code="1501", urban_rural="",
                              valid_from=D(2023, 1, 1), value="905", source="更正文件", status="confirmed")  # fmt: skip
    # when / then
    resolved = parameter_value(KEY, "150102001002", D(2023, 3, 1), "rural")
    assert (resolved.parameter_id, resolved.value, resolved.version, resolved.status) == (
        corrected.id,
        "905.00",
        2,
        "confirmed",
    )
    assert Parameter.objects.get(pk=standards["hohhot"].id).superseded_at is not None


def test_staff_list_shows_ancestors_and_own_subtree_only(standards, users):
    # given a Xilingol figure the Hohhot supervisor must not see
    parameter_set(actor=users["region"], key=KEY, division_code="152500000000", urban_rural="", valid_from=D(2023, 1, 1),
                  value="700", source="锡盟文件", status="reported")  # fmt: skip
    from minzheng.policy.selectors import parameter_list

    # when
    seen = parameter_list(actor=users["prefecture"], key=KEY)
    # then
    assert sorted((p.division.code, p.urban_rural, p.valid_from) for p in seen) == [
        ("150000000000", "rural", D(2023, 1, 1)),
        ("150000000000", "urban", D(2023, 1, 1)),
        ("150000000000", "urban", D(2024, 1, 1)),
        ("150100000000", "", D(2023, 1, 1)),
        ("150102000000", "urban", D(2023, 7, 1)),
    ]
    assert len(parameter_list(actor=users["region"], key=KEY)) == 6
