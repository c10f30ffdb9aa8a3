"""Pure code rules, table-driven, no database."""

from __future__ import annotations

import pytest

from minzheng.divisions.rules import (
    Level,
    can_override_urban_rural,
    code_problem,
    level_of,
    normalise_code,
    parent_code,
    urban_rural_for,
    urban_rural_of_village,
)


@pytest.mark.parametrize(
    ("code", "name", "classification", "expected"),
    [
        # the NBS 城乡分类代码 decides when present, whatever the digits and the name say
        ("150102001001", "锡林南路社区居委会", "111", "urban"),
        ("150102001001", "某村委会", "112", "urban"),
        ("152527201206", "敦达乌苏嘎查", "121", "urban"),
        ("152527201206", "敦达乌苏嘎查", "122", "urban"),
        ("152527201206", "敦达乌苏嘎查", "123", "urban"),
        ("150102001001", "锡林南路社区居委会", "210", "rural"),
        ("150102001001", "锡林南路社区居委会", "220", "rural"),
        # otherwise the village serial: 001-199 community, 200-399 village committee
        ("150102001001", "嘎查", None, "urban"),
        ("150102001199", "某村", None, "urban"),
        ("152527201200", "社区", None, "rural"),
        ("152527201399", "某社区", None, "rural"),
        # serial outside both ranges: the name
        ("152527201400", "新区社区", None, "urban"),
        ("152527201401", "某居委会", None, "urban"),
        ("152527201402", "某居民委员会", None, "urban"),
        ("152527201403", "宝昌嘎查", None, "rural"),
        ("152527201404", "某村", None, "rural"),
        ("152527201405", "某农场", None, "rural"),
        # an unknown classification code is ignored
        ("152527201206", "敦达乌苏嘎查", "999", "rural"),
    ],
)
def test_urban_rural_of_village(code: str, name: str, classification: str | None, expected: str) -> None:
    assert urban_rural_of_village(code, name, classification) == expected


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("150000000000", Level.REGION, ""),
        ("150100000000", Level.PREFECTURE, ""),
        ("150102000000", Level.COUNTY, ""),
        ("150102001000", Level.TOWNSHIP, ""),
        ("150102001001", Level.VILLAGE, "urban"),
        ("152527201206", Level.VILLAGE, "rural"),
    ],
)
def test_urban_rural_only_at_village_level(code: str, level: Level, expected: str) -> None:
    assert urban_rural_for(code, level, "某地") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15", "150000000000"),
        ("1501", "150100000000"),
        (" 150102 ", "150102000000"),
        ("150102001", "150102001000"),
        ("150102001001", "150102001001"),
    ],
)
def test_normalise_code(raw: str, expected: str) -> None:
    assert normalise_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "1", "150", "15010", "1501020010", "15010200100X", "1501020010011"])
def test_normalise_code_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="应为 2、4、6、9 或 12 位数字"):
        normalise_code(raw)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("150000000000", Level.REGION, None),
        ("150100000000", Level.PREFECTURE, "150000000000"),
        ("150102000000", Level.COUNTY, "150100000000"),
        ("150102001000", Level.TOWNSHIP, "150102000000"),
        ("150102001001", Level.VILLAGE, "150102001000"),
    ],
)
def test_level_and_parent(code: str, level: Level, parent: str | None) -> None:
    assert level_of(code) == level
    assert parent_code(code, level) == parent


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("150102001001", Level.VILLAGE, None),
        ("150102001001", None, None),
        ("15010200100X", None, "区划代码 15010200100X 应为 12 位数字"),
        ("000000000000", None, "区划代码 000000000000 的省级代码不能为 00"),
        ("150102001000", Level.VILLAGE, "区划代码 150102001000 是乡级代码，不是村级代码"),
        ("150100000000", Level.COUNTY, "区划代码 150100000000 是地级代码，不是县级代码"),
    ],
)
def test_code_problem(code: str, level: Level | None, expected: str | None) -> None:
    assert code_problem(code, level) == expected


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("system_admin", True), ("county_approver", True), ("township_caseworker", False), ("auditor", False)],
)
def test_who_may_override_urban_rural(role: str, allowed: bool) -> None:
    assert can_override_urban_rural(role) is allowed
