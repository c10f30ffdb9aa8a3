"""The household list's total (issue 21): from the page rows, exact, or estimated from a sample; and the
scope by division ids selecting the same rows as the code prefix."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from minzheng.common.pages import ListPage, list_page
from minzheng.common.selectors import ListCount
from minzheng.registry.models import Household
from minzheng.registry.selectors import HouseholdFilters, household_list, household_list_counted


@pytest.fixture
def thirty(household_factory):
    """30 households in 海拉尔东路街道, heads alternately 张 and 李 (the newest is a 李), then 3 王."""
    made = [household_factory(head_name="张三" if n % 2 == 0 else "李四") for n in range(30)]
    made += [household_factory(division_code="150102001002", head_name="王五") for _ in range(3)]
    return made


def test_the_estimate_scales_the_share_of_the_newest_households_to_the_scope(thirty, users):
    # given 33 households in scope; the newest are the 3 王, then 李 (n=29), 张 (n=28), 李 …
    caseworker = users["caseworker"]

    # when: samples of the 20 and of the 22 newest
    _rows, zhang = household_list_counted(actor=caseworker, filters=HouseholdFilters(name="张"), sample=20)
    _rows, li = household_list_counted(actor=caseworker, filters=HouseholdFilters(name="李"), sample=22)

    # then: 8 张 of 20 is rare (fewer than 10 hits): counted exactly; 10 李 of 22 → 10 × 33 / 22 = 15
    assert zhang() == ListCount(15)
    assert li() == ListCount(15, estimated=True)


def test_a_scope_smaller_than_the_sample_is_counted_exactly(thirty, users):
    _rows, count = household_list_counted(actor=users["caseworker"], filters=HouseholdFilters(name="李"))

    assert count() == ListCount(15)


def test_without_a_member_filter_the_count_is_exact_and_capped(thirty, users):
    _rows, count = household_list_counted(
        actor=users["caseworker"], filters=HouseholdFilters(division_code="150102001002"), sample=2
    )

    assert count() == ListCount(3)


def test_list_page_takes_the_total_from_the_rows_when_no_page_follows(thirty, users, settings):
    # given
    settings.PAGE_SIZE = 5
    rows, count = household_list_counted(actor=users["caseworker"], filters=HouseholdFilters(name="王"))
    calls = []

    # when
    page = list_page(rows, 1, lambda: calls.append(1) or count())

    # then
    assert (page.total, page.total_capped, page.total_estimated, page.has_next) == (3, False, False, False)
    assert calls == []


def test_list_page_asks_the_counter_when_a_page_follows_and_clamps_past_the_end(thirty, users, settings):
    settings.PAGE_SIZE = 4
    rows, count = household_list_counted(actor=users["caseworker"], filters=HouseholdFilters(name="李"))

    first = list_page(rows, 1, count)
    beyond = list_page(rows, 99, count)

    assert (first.total, first.has_next, len(first.rows)) == (15, True, 4)
    assert (beyond.number, beyond.total, len(beyond.rows)) == (4, 15, 3)


def test_an_estimate_never_says_fewer_rows_than_the_pages_shown(thirty, users, settings):
    settings.PAGE_SIZE = 4
    rows = household_list(actor=users["caseworker"], filters=HouseholdFilters(name="李"))

    page = list_page(rows, 3, lambda: ListCount(5, estimated=True))

    assert (page.total, page.total_estimated) == (13, True)


def test_the_pagination_says_about_for_an_estimate(users):
    page = ListPage(["x"] * 25, 1, False, True, 1600, False, True)

    html = render_to_string("registry/_pagination.html", {"page": page, "page_query": ""})

    assert "第 1–25 条，约 1600 条" in html


@pytest.mark.parametrize(
    ("user", "within"),
    [
        ("caseworker", ""),
        ("county", ""),
        ("county", "150102001002"),
        ("region", ""),
        ("region", "1501"),
        ("taibus_caseworker", ""),
        ("caseworker", "152527"),
    ],
)
def test_scoping_by_division_ids_selects_the_rows_of_the_code_prefix(
    thirty, household_factory, users, user, within
):
    household_factory(actor=users["taibus_caseworker"], division_code="152527201206", head_name="赵六")
    actor = users[user]

    by_code = Household.objects.visible_to(actor, within=within)
    by_ids = Household.objects.visible_to(actor, within=within, by_division_ids=True)

    assert sorted(by_ids.values_list("pk", flat=True)) == sorted(by_code.values_list("pk", flat=True))


def test_the_list_shows_the_same_rows_and_links_as_before(thirty, users):
    from django.test import Client

    client = Client()
    client.force_login(users["caseworker"], backend="django.contrib.auth.backends.ModelBackend")
    newest = thirty[-1]

    body = client.get(reverse("registry:household_list"), {"name": "王"}).content.decode()

    detail = reverse("registry:household_detail", args=[newest.pk])
    assert (
        f'<tr data-household-id="{newest.pk}"><td><a href="{detail}">{newest.pk}</a></td>'
        f'<td><a href="{detail}">王五</a></td>'
    ) in body
    assert "海拉尔东路街道 " in body


def test_the_sample_keeps_its_start_and_takes_in_households_created_since(thirty, household_factory, users):
    # given: the 22 newest households sampled (10 李 of 22 → 10 × 33 / 22 = 15); start and scope size cached
    caseworker = users["caseworker"]
    _rows, first = household_list_counted(actor=caseworker, filters=HouseholdFilters(name="李"), sample=22)
    assert first() == ListCount(15, estimated=True)

    # when: two more 李 households are created
    household_factory(head_name="李七")
    household_factory(head_name="李八")
    _rows, again = household_list_counted(actor=caseworker, filters=HouseholdFilters(name="李"), sample=22)

    # then: the sample runs from the same household on, now 24 with 12 李: 12 × 33 (cached size) / 24 = 16.5
    assert again() == ListCount(16, estimated=True)


def test_the_cached_division_ids_and_choices_follow_a_new_division(
    thirty, household_factory, users, divisions
):
    # given: the scope and the division choices of the county user, cached
    from minzheng.divisions.models import Division
    from minzheng.registry.selectors import division_filter_choices

    county = users["county"]
    before = set(Household.objects.visible_to(county, by_division_ids=True).values_list("pk", flat=True))
    assert ("150102002", "\u3000\u3000\u3000新街道") not in division_filter_choices(actor=county)

    # when: a township and a community are added under the county, and a household in the community
    street = Division.objects.create(
        code="150102002000", name="新街道", level=4, parent=divisions["xincheng"], source="test"
    )
    Division.objects.create(
        code="150102002001", name="新社区", level=5, parent=street, urban_rural="urban", source="test"
    )
    added = household_factory(actor=county, division_code="150102002001")

    # then
    after = set(Household.objects.visible_to(county, by_division_ids=True).values_list("pk", flat=True))
    assert after == before | {added.pk}
    assert ("150102002", "\u3000\u3000\u3000新街道") in division_filter_choices(actor=county)
