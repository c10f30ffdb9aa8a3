"""Scoped reads of the division tree for pickers and breadcrumbs."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.divisions.errors import DivisionNotFound
from minzheng.divisions.models import Division
from minzheng.divisions.selectors import (
    division_breadcrumb,
    division_children,
    division_choices_for,
    division_get,
)

pytestmark = pytest.mark.django_db


def codes(queryset) -> list[str]:
    return list(queryset.values_list("code", flat=True))


def test_children_for_a_region_user(users) -> None:
    region = users["region"]

    assert codes(division_children(actor=region, parent_code=None)) == ["150000000000"]
    assert codes(division_children(actor=region, parent_code="15")) == ["150100000000", "152500000000"]
    assert codes(division_children(actor=region, parent_code="150102001")) == ["150102001001", "150102001002"]


def test_children_are_scoped_to_the_township_users_branch(users) -> None:
    caseworker = users["caseworker"]  # 海拉尔东路街道 150102001

    assert codes(division_children(actor=caseworker, parent_code=None)) == ["150102001000"]
    assert codes(division_children(actor=caseworker, parent_code="150102")) == ["150102001000"]
    assert codes(division_children(actor=caseworker, parent_code="150102001")) == [
        "150102001001",
        "150102001002",
    ]
    assert codes(division_children(actor=caseworker, parent_code="152527201")) == []
    assert codes(division_children(actor=caseworker, parent_code="not-a-code")) == []


def test_abolished_children_are_hidden_unless_asked(users, divisions) -> None:
    Division.objects.filter(pk=divisions["community2"].pk).update(abolished_on=dt.date(2024, 1, 1))

    assert codes(division_children(actor=users["caseworker"], parent_code="150102001")) == ["150102001001"]
    assert codes(
        division_children(actor=users["caseworker"], parent_code="150102001", include_abolished=True)
    ) == [
        "150102001001",
        "150102001002",
    ]


def test_division_get(users, divisions) -> None:
    assert division_get(actor=users["caseworker"], code="150102001001") == divisions["community"]
    assert division_get(actor=users["taibus_county"], code="152527") == divisions["taibus"]

    with pytest.raises(DivisionNotFound) as out_of_scope:
        division_get(actor=users["caseworker"], code="152527201206")
    with pytest.raises(DivisionNotFound) as malformed:
        division_get(actor=users["caseworker"], code="1501X")
    assert out_of_scope.value.message == "区划 152527201206 不存在或不在您的管辖范围内"
    assert malformed.value.message == "区划代码 '1501X' 应为 2、4、6、9 或 12 位数字"


def test_breadcrumb(divisions, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        chain = division_breadcrumb(divisions["gacha"])

    assert [d.name for d in chain] == [
        "内蒙古自治区",
        "锡林郭勒盟",
        "太仆寺旗",
        "贡宝拉格苏木",
        "敦达乌苏嘎查",
    ]
    assert division_breadcrumb(divisions["region"]) == [divisions["region"]]


def test_choices_for_a_county_user(users) -> None:
    assert division_choices_for(users["county"], 4) == [
        ("150102000000", "新城区"),
        ("150102001000", "\u3000海拉尔东路街道"),
    ]
    assert division_choices_for(users["taibus_caseworker"], 5) == [
        ("152527201000", "贡宝拉格苏木"),
        ("152527201206", "\u3000敦达乌苏嘎查"),
    ]
