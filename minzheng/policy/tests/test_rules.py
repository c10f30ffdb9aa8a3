"""Pure resolution and write planning (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.policy.errors import ParameterConflict
from minzheng.policy.rules import (
    Action,
    ParameterEntry,
    ParameterRow,
    can_set_parameter,
    jurisdiction_chain,
    plan_chain,
    resolve,
)

D = dt.date
KEY = "dibao.standard_monthly"
REGION, HOHHOT, XINCHENG, VILLAGE = "150000000000", "150100000000", "150102000000", "150102001001"


def row(pk, code, urban_rural, start, end=None, value="1.00", version=1):
    return ParameterRow(pk, KEY, code, urban_rural, start, end, value, version, "reported", "源")


def entry(start, end=None, value="1.00", code=REGION, urban_rural="urban", note=""):
    return ParameterEntry(KEY, code, urban_rural, start, end, value, "reported", "源", note)


def test_jurisdiction_chain_from_a_village():
    assert jurisdiction_chain(VILLAGE) == [VILLAGE, "150102001000", XINCHENG, HOHHOT, REGION]


ROWS = [
    row(1, REGION, "", D(2023, 1, 1)),
    row(2, REGION, "urban", D(2023, 1, 1)),
    row(3, HOHHOT, "", D(2023, 1, 1)),
    row(4, XINCHENG, "rural", D(2023, 1, 1)),
]


@pytest.mark.parametrize(
    ("code", "urban_rural", "expected_id"),
    [
        (VILLAGE, "urban", 3),  # the league's "" row beats the region's urban row: jurisdiction first
        (VILLAGE, "rural", 4),  # county rural beats league
        (VILLAGE, "", 3),
        ("152527201206", "urban", 2),  # another league: region, urban beats ""
        ("152527201206", "rural", 1),
        ("152527201206", "", 1),
    ],
)
def test_most_specific_jurisdiction_then_urban_rural(code, urban_rural, expected_id):
    assert resolve(ROWS, code, urban_rural, D(2023, 6, 1)).id == expected_id


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2022, 12, 31), None), (D(2023, 1, 1), 1), (D(2023, 12, 31), 1), (D(2024, 1, 1), 2)],
)
def test_valid_from_inclusive_valid_to_exclusive(day, expected):
    rows = [row(1, REGION, "", D(2023, 1, 1), D(2024, 1, 1)), row(2, REGION, "", D(2024, 1, 1))]
    found = resolve(rows, XINCHENG, "", day)
    assert (found.id if found else None) == expected


def test_new_version_closes_the_open_one():
    current = [row(1, REGION, "urban", D(2023, 1, 1))]
    changes = plan_chain(current, [entry(D(2024, 1, 1), value="900.00")])
    assert [(c.action, c.row.id if c.row else None, c.close_on) for c in changes] == [
        (Action.CLOSE, 1, D(2024, 1, 1)),
        (Action.CREATE, None, None),
    ]


def test_identical_entry_is_unchanged_and_same_start_is_a_correction():
    current = [ParameterRow(1, KEY, REGION, "urban", D(2023, 1, 1), None, "840.00", 1, "reported", "源")]
    assert plan_chain(current, [entry(D(2023, 1, 1), value="840.00")])[0].action is Action.UNCHANGED
    assert plan_chain(current, [entry(D(2023, 1, 1), value="841.00")])[0].action is Action.SUPERSEDE
    closing = plan_chain(current, [entry(D(2023, 1, 1), D(2024, 1, 1), value="840.00")])
    assert [(c.action, c.close_on) for c in closing] == [(Action.CLOSE, D(2024, 1, 1))]


def test_backdating_an_open_version_is_refused():
    current = [row(1, REGION, "urban", D(2023, 1, 1))]
    with pytest.raises(ParameterConflict) as caught:
        plan_chain(current, [entry(D(2022, 1, 1))])
    assert caught.value.message == (
        "政策参数 dibao.standard_monthly（150000000000 城镇）的生效日期 2022-01-01 早于现行版本的生效日期 "
        "2023-01-01，不能倒签；请给出失效日期或从 2023-01-01 之后生效"
    )
    assert caught.value.entry_valid_from == D(2022, 1, 1)


def test_a_closed_entry_may_fill_a_gap_but_not_overlap():
    current = [row(1, REGION, "urban", D(2023, 1, 1))]
    filled = plan_chain(current, [entry(D(2022, 1, 1), D(2023, 1, 1))])
    assert [c.action for c in filled] == [Action.CREATE]
    with pytest.raises(ParameterConflict) as caught:
        plan_chain(current, [entry(D(2022, 1, 1), D(2023, 1, 2))])
    assert caught.value.message == (
        "政策参数 dibao.standard_monthly（150000000000 城镇）的有效期 2022-01-01 至 2023-01-02 与已有版本的有效期 "
        "2023-01-01 至 长期 重叠"
    )


def test_two_open_entries_in_one_batch_overlap():
    with pytest.raises(ParameterConflict):
        plan_chain([], [entry(D(2022, 1, 1)), entry(D(2023, 1, 1))])


@pytest.mark.parametrize(
    ("role", "prefix", "code", "allowed", "reason"),
    [
        ("region_supervisor", "15", "152527000000", True, ""),
        ("system_admin", "15", "150000000000", True, ""),
        ("prefecture_supervisor", "1501", "150102000000", True, ""),
        ("prefecture_supervisor", "1501", "150000000000", False, "区划 150000000000 不在您的管辖范围内"),
        ("prefecture_supervisor", "1501", "152500000000", False, "区划 152500000000 不在您的管辖范围内"),
        (
            "county_approver",
            "150102",
            "150102000000",
            False,
            "只有自治区、盟市监管人员和系统管理员可以设定政策参数",
        ),
        ("auditor", "15", "150000000000", False, "只有自治区、盟市监管人员和系统管理员可以设定政策参数"),
    ],
)
def test_who_may_set_parameters(role, prefix, code, allowed, reason):
    decision = can_set_parameter(role, prefix, code)
    assert (decision.allowed, decision.reason) == (allowed, reason)
