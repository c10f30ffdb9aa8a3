"""Demo population seeding and demo logins (issue 2 §8), against the small division tree of conftest."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from minzheng.accounts.models import User
from minzheng.audit.models import Event
from minzheng.common.identity import parse_resident_id
from minzheng.demo.accounts import DEMO_PASSWORD, demo_users_ensure
from minzheng.demo.registry import DEMO_AS_OF, demo_population_seed
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person
from minzheng.registry.rules import age_on
from minzheng.registry.selectors import person_find_by_id_number

pytestmark = pytest.mark.django_db


def _people() -> list[tuple[str, str, str]]:
    return list(
        Membership.objects.order_by("person_id").values_list("person__name", "person__id_number_masked",
                                                             "relation_to_head")
    )  # fmt: skip


def _wipe_registry() -> None:
    Household.objects.update(head=None)
    for model in (Membership, IncomeRecord, AssetRecord, Person, Household):
        model.objects.all().delete()


def test_same_seed_gives_the_same_population(divisions):
    # given a population seeded with seed 7
    demo_population_seed(households=40, seed=7)
    first = _people()
    _wipe_registry()
    # when the same seed is used on a fresh registry
    demo_population_seed(households=40, seed=7)
    # then the people, their masked ID numbers and relations are identical
    assert _people() == first
    assert len(first) == Person.objects.count()


def test_a_different_seed_gives_different_people(divisions):
    demo_population_seed(households=40, seed=7)
    first = _people()
    _wipe_registry()
    demo_population_seed(households=40, seed=8)
    assert _people() != first


def test_seeded_people_are_consistent(divisions):
    # when
    summary = demo_population_seed(households=40, seed=11)
    # then every ID number is valid, matches the stored birth date and sex, and uses the county code
    persons = list(Person.objects.select_related("household__hukou_division"))
    assert summary.households == 40
    assert summary.persons == len(persons) == Membership.objects.count()
    for person in persons:
        resident_id = parse_resident_id(person.id_number)
        assert resident_id.birth_date == person.birth_date
        assert resident_id.sex.value == person.sex
        assert resident_id.address_code == person.household.hukou_division.code[:6]
        assert person.id_number_masked == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
        assert (person.disability_category == "") == (person.disability_grade is None)
    assert len({p.id_number_index for p in persons}) == len(persons)
    # one open membership per person
    open_counts = Counter(Membership.objects.filter(left_on__isnull=True).values_list("person_id", flat=True))
    assert set(open_counts.values()) == {1}
    assert len(open_counts) == len(persons)


def test_households_have_one_head_and_the_right_member_count(divisions):
    demo_population_seed(households=40, seed=12)
    households = Household.objects.annotate(
        open_members=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
        heads=Count("memberships", filter=Q(memberships__relation_to_head="head")),
    ).select_related("head", "hukou_division")
    for household in households:
        assert household.member_count == household.open_members
        assert 1 <= household.member_count <= 6
        assert household.heads == 1
        assert household.memberships.get(relation_to_head="head").person_id == household.head_id
        assert household.head.household_id == household.pk
        assert household.urban_rural == household.hukou_division.urban_rural


def test_relations_agree_with_ages(divisions):
    demo_population_seed(households=40, seed=13)
    for membership in Membership.objects.select_related("person", "household__head"):
        person, head, relation = membership.person, membership.household.head, membership.relation_to_head
        if relation in ("son", "daughter"):
            assert age_on(head.birth_date, person.birth_date) >= 18
        elif relation == "grandchild":
            assert age_on(head.birth_date, person.birth_date) >= 36
        elif relation == "parent":
            assert age_on(person.birth_date, head.birth_date) >= 18
        elif relation in ("head", "spouse", "child_in_law"):
            assert age_on(person.birth_date, DEMO_AS_OF) >= 20
        assert membership.joined_on >= person.birth_date
        if person.death_date:
            assert membership.joined_on <= person.death_date <= DEMO_AS_OF


def test_focus_division_receives_its_share_and_the_run_is_audited(divisions, users):
    # when every household is focused on the demo township
    demo_population_seed(households=20, seed=3, focus_code="150102001000", focus_share=1.0)
    # then all households are under it and the county approver finds a seeded person by ID number
    codes = set(Household.objects.values_list("hukou_division__code", flat=True))
    assert codes <= {"150102001001", "150102001002"}
    person = Person.objects.order_by("id").first()
    assert person_find_by_id_number(actor=users["county"], id_number=person.id_number) == person
    assert person_find_by_id_number(actor=users["taibus_county"], id_number=person.id_number) is None
    event = Event.objects.get(verb="demo.seeded")
    assert event.data["households"] == 20
    assert event.data["persons"] == Person.objects.count()
    assert event.data["seed"] == 3


def test_incomes_and_assets_are_plausible(divisions):
    demo_population_seed(households=40, seed=14)
    wages = IncomeRecord.objects.filter(category="wage")
    assert wages.exists()
    for wage in wages:
        assert 1400 <= wage.amount <= 5300
        assert wage.period_start.day == 1
    for pension in IncomeRecord.objects.filter(category="basic_pension"):
        assert 150 * 12 <= pension.amount <= 200 * 12
        assert age_on(pension.person.birth_date, pension.period_end) >= 59
    assert not IncomeRecord.objects.filter(person__death_date__isnull=False).exists()
    assert AssetRecord.objects.filter(category="deposit").exists()
    assert not AssetRecord.objects.filter(value__lt=0).exists()


# The demo logins and their divisions (social assistance, then the other civil-affairs areas).
DEMO_PLACES = {
    "assistant": "150102001001", "caseworker": "150102001000", "reviewer": "150102001000",
    "county": "150102000000", "checker": "150102000000", "prefecture": "150100000000", "region": "150000000000",
    "auditor": "150000000000", "admin": "150000000000",
    "careworker": "150102000000", "registrar": "150102000000", "petitions": "150102000000",
    "orgregistrar": "150102000000", "orgsupervisor": "150102000000",
    "yibao": "150102000000",
}  # fmt: skip


def test_demo_users_are_idempotent(divisions):
    # when the demo logins are ensured twice
    first = demo_users_ensure()
    User.objects.filter(username="county").update(role="auditor")
    second = demo_users_ensure()
    # then the same logins exist with their roles and divisions restored
    assert first == second
    placed = dict(User.objects.values_list("username", "division__code"))
    assert placed == DEMO_PLACES
    assert User.objects.count() == len(DEMO_PLACES)
    county = User.objects.get(username="county")
    assert county.role == "county_approver"
    assert county.check_password(DEMO_PASSWORD)


def test_demo_setup_command_seeds_only_an_empty_registry(divisions, capsys):
    # when demo-setup runs twice
    call_command("demo_setup", "--households", "15")
    call_command("demo_setup", "--households", "15")
    # then households were seeded once and the logins are printed
    out = capsys.readouterr().out
    assert Household.objects.count() == 15
    assert Event.objects.filter(verb="demo.seeded").count() == 1
    # every login and the demo organisation's account, printed on each of the two runs
    assert out.count("Minzheng@2026") == 2 * (len(DEMO_PLACES) + 1)
    assert "已有家庭数据，未重新生成演示数据" in out
    assert Household.objects.filter(hukou_division__code__startswith="150102001").count() >= 1
    # the two figures a bureau enters itself get demo stand-ins, once
    from minzheng.policy.models import Parameter

    # (the built-in chain ends with 2025: the demo carries its last figure forward from 2026)
    income = Parameter.objects.get(
        key="income.previous_year_disposable_per_capita_annual", valid_from=dt.date(2026, 1, 1)
    )
    assert (income.value, income.status, income.source) == (
        "40077.00",
        "unconfirmed",
        "演示数据（请以统计公报数字替换）",
    )
    # the demo supplement (ADR 0031) for the demo leagues only, labelled and unconfirmed
    demo = Parameter.objects.filter(source="演示数据：非政策文件，仅供试用")
    assert set(demo.values_list("key", flat=True)) == {
        "assets.rules", "supplements", "temporary.tiers", "temporary.township_ceiling_multiple",
    }  # fmt: skip
    assert set(demo.values_list("status", flat=True)) == {"unconfirmed"}
    assert not demo.filter(division__code="150000000000").exists()
    treatment = Parameter.objects.get(
        key="income.category_treatment", valid_to__isnull=True, superseded_at=None
    )
    assert treatment.value["temporary_assistance"] == treatment.value["dibao"]


def test_seeding_by_number_of_people_stops_at_the_first_household_reaching_it(divisions):
    # when seeding by people instead of households
    summary = demo_population_seed(people=30, seed=21)
    # then at least 30 and fewer than 30 + 6 people exist (the last household is complete)
    assert 30 <= summary.persons == Person.objects.count() < 36
    assert summary.households == Household.objects.count()
