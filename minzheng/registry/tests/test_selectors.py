"""Every read is scoped to the actor's division subtree (ADR 0006)."""

import datetime as dt

import pytest

from conftest import id_number
from minzheng.common.errors import NotFound
from minzheng.registry.selectors import (
    HouseholdFilters,
    household_get,
    household_list,
    household_members,
    person_find_by_id_number,
    person_get,
    person_list,
)
from minzheng.registry.services import PersonData, person_add_to_household


@pytest.fixture
def two_places(users, household_factory):
    xincheng = household_factory(head_name="张三", phone="13800000001")
    xincheng2 = household_factory(division_code="150102001002", head_name="王芳")
    taibus = household_factory(
        actor=users["taibus_caseworker"], division_code="152527201206", head_name="张巴特尔"
    )
    return xincheng, xincheng2, taibus


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("assistant", ["张三"]),  # village assistant: own community only
        ("caseworker", ["张三", "王芳"]),
        ("county", ["张三", "王芳"]),
        ("prefecture", ["张三", "王芳"]),
        ("taibus_county", ["张巴特尔"]),
        ("region", ["张三", "王芳", "张巴特尔"]),
        ("auditor", ["张三", "王芳", "张巴特尔"]),
    ],
)
def test_household_list_is_scoped(users, two_places, role, expected):
    names = [h.head.name for h in household_list(actor=users[role], filters=HouseholdFilters(sort="id"))]
    assert names == expected


def test_user_without_division_sees_nothing(make_user, two_places):
    nobody = make_user("nobody", "region_supervisor", None)
    assert list(household_list(actor=nobody)) == []


def test_get_outside_scope_is_not_found(users, two_places):
    _, _, taibus = two_places
    with pytest.raises(NotFound):
        household_get(actor=users["caseworker"], pk=taibus.pk)
    with pytest.raises(NotFound):
        person_get(actor=users["caseworker"], pk=taibus.head_id)
    assert household_get(actor=users["taibus_county"], pk=taibus.pk) == taibus


def test_lookup_by_id_number_uses_blind_index_and_scope(users, two_places):
    xincheng, _, taibus = two_places
    assert (
        person_find_by_id_number(actor=users["caseworker"], id_number=xincheng.head.id_number)
        == xincheng.head
    )
    assert person_find_by_id_number(actor=users["caseworker"], id_number=taibus.head.id_number) is None
    assert list(person_list(actor=users["caseworker"], id_number=taibus.head.id_number)) == []


def test_filters_by_name_prefix_division_and_attribute(users, two_places):
    xincheng, xincheng2, _ = two_places
    person_add_to_household(
        actor=users["caseworker"], household=xincheng2,
        data=PersonData(name="王小明", id_number=id_number(birth=dt.date(2015, 3, 1), seq=311),
                        employment_status="student", school_enrolment="primary"),
        relation="son", joined_on=dt.date(2015, 3, 1),
    )  # fmt: skip
    region = users["region"]
    assert [h.pk for h in household_list(actor=region, filters=HouseholdFilters(name="张"))] == [
        h.pk for h in sorted([xincheng, two_places[2]], key=lambda h: -h.pk)
    ]
    assert [
        h.pk for h in household_list(actor=region, filters=HouseholdFilters(division_code="150102001002"))
    ] == [xincheng2.pk]
    assert [
        h.pk for h in household_list(actor=region, filters=HouseholdFilters(member_attribute="minor"))
    ] == [xincheng2.pk]
    assert [
        h.pk for h in household_list(actor=region, filters=HouseholdFilters(member_attribute="student"))
    ] == [xincheng2.pk]
    assert [h.pk for h in household_list(actor=region, filters=HouseholdFilters(sort="-members"))][
        0
    ] == xincheng2.pk


def test_members_head_first(users, two_places):
    household = two_places[1]
    person_add_to_household(
        actor=users["caseworker"], household=household,
        data=PersonData(name="王小红", id_number=id_number(birth=dt.date(2012, 3, 1), seq=312), employment_status="student"),
        relation="daughter", joined_on=dt.date(2012, 3, 1),
    )  # fmt: skip
    members = list(household_members(actor=users["caseworker"], household=household))
    assert [(m.name, m.relation) for m in members] == [("王芳", "head"), ("王小红", "daughter")]


def test_division_filter_merges_with_scope(users, two_places):
    xincheng, xincheng2, taibus = two_places
    county = users["county"]
    assert [
        h.pk
        for h in household_list(actor=county, filters=HouseholdFilters(division_code="150102", sort="id"))
    ] == [
        xincheng.pk,
        xincheng2.pk,
    ]
    assert [
        h.pk for h in household_list(actor=county, filters=HouseholdFilters(division_code="15", sort="id"))
    ] == [
        xincheng.pk,
        xincheng2.pk,
    ]  # a wider filter than the scope never widens the scope
    assert list(household_list(actor=county, filters=HouseholdFilters(division_code="152527"))) == []
    assert [
        h.pk for h in household_list(actor=users["region"], filters=HouseholdFilters(division_code="152527"))
    ] == [taibus.pk]
