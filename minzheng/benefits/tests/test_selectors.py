"""Stored households as engine facts: the mapping contract, membership on the date, scoping, query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import id_number
from minzheng.benefits.facts import AssetFact, HouseholdFacts, IncomeFact, MemberFacts
from minzheng.benefits.selectors import (
    household_assess,
    household_facts,
    household_facts_many,
    household_member_names,
)
from minzheng.common.errors import NotFound
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.models import Membership
from minzheng.registry.services import (
    PersonData,
    asset_record_add,
    income_record_add,
    membership_end,
    person_add_to_household,
)

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2023, 7, 1)
HEAD_BIRTH = D(1980, 5, 17)
PERIOD_START, PERIOD_END = D(2022, 7, 1), D(2023, 6, 30)  # the 12 months before AS_OF


def add_member(
    actor, household, name: str, birth: dt.date, seq: int, relation: str, joined_on: dt.date, **extra
):
    data = PersonData(
        name=name,
        id_number=id_number("150102", birth, seq),
        employment_status=extra.pop("employment_status", "employed"),
        **extra,
    )
    return person_add_to_household(
        actor=actor, household=household, data=data, relation=relation, joined_on=joined_on
    )


def add_income(actor, household, person, amount: str, start=PERIOD_START, end=PERIOD_END, category="wage"):
    return income_record_add(
        actor=actor,
        household=household,
        person=person,
        category=category,
        amount=Decimal(amount),
        period_start=start,
        period_end=end,
        source="declared",
    )


def add_asset(actor, household, person, category: str, value: str, exempt: bool = False):
    return asset_record_add(
        actor=actor,
        household=household,
        person=person,
        category=category,
        value=Decimal(value),
        valued_on=D(2023, 1, 1),
        description="",
        quantity=None,
        exempt=exempt,
        source="declared",
        note="",
    )


@pytest.fixture
def family(users, household_factory):
    """Head 张三; spouse 李梅 (grade-2 physical disability, partial self-care, seriously ill); daughter 张小红
    at school; son 张强, who moved out on 2023-03-01; incomes and assets of each, and of the household."""
    actor = users["caseworker"]
    home = household_factory(head_name="张三", id_number=id_number("150102", HEAD_BIRTH, 11))
    head = home.head
    spouse = add_member(
        actor,
        home,
        "李梅",
        D(1982, 3, 4),
        22,
        "spouse",
        D(2020, 1, 1),
        disability_category="physical",
        disability_grade=2,
        self_care="partly_incapable",
        serious_illness=True,
        employment_status="unable_to_work",
    )
    daughter = add_member(
        actor,
        home,
        "张小红",
        D(2008, 9, 1),
        24,
        "daughter",
        D(2020, 1, 1),
        employment_status="student",
        school_enrolment="senior_secondary",
    )
    son = add_member(actor, home, "张强", D(2001, 2, 3), 13, "son", D(2021, 6, 1))
    incomes = [
        add_income(actor, home, head, "7200.00"),
        add_income(actor, home, None, "1200.00", D(2022, 1, 1), D(2022, 12, 31), "property"),
        add_income(actor, home, son, "24000.00"),
        add_income(actor, home, spouse, "300.00", category="rigid_medical_disability_cost"),
    ]
    assets = [
        add_asset(actor, home, None, "housing", "150000.00", exempt=True),
        add_asset(actor, home, son, "vehicle", "80000.00"),
        add_asset(actor, home, spouse, "deposit", "5000.50"),
    ]
    membership_end(actor=actor, person=son, left_on=D(2023, 3, 1), reason="外出务工落户")
    return {"home": home, "head": head, "spouse": spouse, "daughter": daughter, "son": son,
            "incomes": incomes, "assets": assets}  # fmt: skip


def test_household_facts_many_maps_the_registry_exactly(family):
    home, head, spouse, daughter = family["home"], family["head"], family["spouse"], family["daughter"]

    # when
    facts = household_facts_many([home.pk], AS_OF)

    # then every field follows the documented mapping; the son left before as_of with his income and car
    assert facts == {
        home.pk: HouseholdFacts(
            division_code="150102001001",
            urban_rural="urban",
            as_of=AS_OF,
            members=(
                MemberFacts(key=str(head.pk), birth_date=HEAD_BIRTH, sex="male", relation_to_head="head",
                            disability_category="", disability_grade=None, self_care="capable",
                            serious_illness=False, employment_status="unemployed", school_enrolment="",
                            death_date=None),
                MemberFacts(key=str(spouse.pk), birth_date=D(1982, 3, 4), sex="female", relation_to_head="spouse",
                            disability_category="physical", disability_grade=2, self_care="partly_incapable",
                            serious_illness=True, employment_status="unable_to_work", school_enrolment="",
                            death_date=None),
                MemberFacts(key=str(daughter.pk), birth_date=D(2008, 9, 1), sex="female",
                            relation_to_head="daughter", self_care="capable", employment_status="student",
                            school_enrolment="senior_secondary"),
            ),
            incomes=(
                IncomeFact(str(head.pk), "wage", Decimal("7200.00"), D(2022, 7, 1), D(2023, 6, 30)),
                IncomeFact(None, "property", Decimal("1200.00"), D(2022, 1, 1), D(2022, 12, 31)),
                IncomeFact(str(spouse.pk), "rigid_medical_disability_cost", Decimal("300.00"), D(2022, 7, 1),
                           D(2023, 6, 30)),
            ),
            assets=(
                AssetFact("housing", Decimal("150000.00"), True, None),
                AssetFact("deposit", Decimal("5000.50"), False, str(spouse.pk)),
            ),
            household_key=str(home.pk),
        )
    }  # fmt: skip
    assert facts[home.pk].rigid_expenses == ()
    assert facts[home.pk].programmes_received == frozenset()
    assert facts[home.pk].previous_enrolment is None


@pytest.mark.parametrize(
    ("as_of", "son_counted"),
    [
        (D(2021, 5, 31), False),  # before he joined
        (D(2021, 6, 1), True),  # the day he joined
        (D(2023, 2, 28), True),  # his last day
        (D(2023, 3, 1), False),  # the day he left: left_on is exclusive
    ],
)
def test_membership_active_on_as_of_decides_members_incomes_and_assets(family, as_of, son_counted):
    home, son = family["home"], family["son"]

    # when
    facts = household_facts_many([home.pk], as_of)[home.pk]

    # then the son, his income and his car are there exactly while his membership is active
    keys = [m.key for m in facts.members]
    assert (str(son.pk) in keys) is son_counted
    assert (str(son.pk) in {i.person_key for i in facts.incomes}) is son_counted
    assert (str(son.pk) in {a.person_key for a in facts.assets}) is son_counted
    assert len(facts.incomes) == (4 if son_counted else 3)
    assert len(facts.assets) == (3 if son_counted else 2)


def test_members_are_ordered_head_first_then_by_person_id(family):
    home, head, spouse, daughter = family["home"], family["head"], family["spouse"], family["daughter"]
    # given the daughter recorded as head (a later person id than the former head) and him as her parent
    Membership.objects.filter(person=head).update(relation_to_head="parent")
    Membership.objects.filter(person=daughter).update(relation_to_head="head")

    # when
    facts = household_facts_many([home.pk], AS_OF)[home.pk]

    # then
    assert [(m.key, m.relation_to_head) for m in facts.members] == [
        (str(daughter.pk), "head"), (str(head.pk), "parent"), (str(spouse.pk), "spouse"),
    ]  # fmt: skip


def test_a_household_without_members_on_the_date_has_none_and_unknown_ids_are_absent(family):
    home = family["home"]

    # when: before anyone joined (2020-01-01), and with an id that does not exist
    facts = household_facts_many([home.pk, home.pk + 1000], D(2019, 12, 31))

    # then
    assert list(facts) == [home.pk]
    assert (facts[home.pk].members, facts[home.pk].incomes) == (
        (),
        (IncomeFact(None, "property", Decimal("1200.00"), D(2022, 1, 1), D(2022, 12, 31)),),
    )


def _household_with_records(actor, household_factory, n: int):
    home = household_factory(head_name=f"户主{n}")
    spouse = add_member(actor, home, f"配偶{n}", D(1985, 1, 1), 200 + 2 * n, "spouse", D(2020, 1, 1))
    add_income(actor, home, home.head, "6000.00")
    add_income(actor, home, spouse, "1200.00")
    add_asset(actor, home, spouse, "deposit", "1000.00")
    return home


def test_the_number_of_queries_does_not_grow_with_the_households(
    users, household_factory, django_assert_num_queries
):
    # given 20 households, each with two members, two incomes and an asset
    actor = users["caseworker"]
    homes = [_household_with_records(actor, household_factory, n) for n in range(20)]

    # when one household is read, and then all twenty
    with django_assert_num_queries(4):
        one = household_facts_many([homes[0].pk], AS_OF)
    with django_assert_num_queries(4):
        twenty = household_facts_many([h.pk for h in homes], AS_OF)

    # then the same four queries (households, memberships with persons, incomes, assets)
    assert len(one) == 1
    assert sorted(twenty) == sorted(h.pk for h in homes)
    assert all((len(f.members), len(f.incomes), len(f.assets)) == (2, 2, 1) for f in twenty.values())


def test_household_facts_is_scoped_to_the_actor(family, users):
    home = family["home"]

    # a caseworker of another banner cannot read it
    with pytest.raises(NotFound):
        household_facts(actor=users["taibus_caseworker"], household_id=home.pk, as_of=AS_OF)
    with pytest.raises(NotFound):
        household_member_names(actor=users["taibus_caseworker"], household_id=home.pk, as_of=AS_OF)

    # the township caseworker reads the same facts as the batch path
    assert (
        household_facts(actor=users["caseworker"], household_id=home.pk, as_of=AS_OF)
        == (household_facts_many([home.pk], AS_OF)[home.pk])
    )
    assert household_member_names(actor=users["caseworker"], household_id=home.pk, as_of=AS_OF) == [
        (str(family["head"].pk), "张三"), (str(family["spouse"].pk), "李梅"), (str(family["daughter"].pk), "张小红"),
    ]  # fmt: skip


def test_household_assess_uses_the_stored_parameters(users, household_factory):
    # given two adults, the head earning 600 a month over the 12 months before as_of, and the built-in set
    policy_builtin_load()
    actor = users["caseworker"]
    home = household_factory(head_name="王芳")
    add_member(
        actor, home, "刘军", D(1979, 4, 4), 31, "spouse", D(2020, 1, 1), employment_status="unemployed"
    )
    add_income(actor, home, home.head, "7200.00")

    # when
    result = household_assess(actor=actor, household_id=home.pk, programme="dibao", as_of=AS_OF)

    # then (840 − 300) × 2
    assert (result.eligible, result.per_capita_monthly_income, result.monthly_amount) == (
        True, Decimal("300.00"), Decimal("1080.00"),
    )  # fmt: skip
    with pytest.raises(NotFound):
        household_assess(
            actor=users["taibus_caseworker"], household_id=home.pk, programme="dibao", as_of=AS_OF
        )
