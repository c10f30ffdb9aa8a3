"""Issue 14 §4: the person and household searches take a whole ID number or its last 4–6 digits (within
the user's jurisdiction), and an ID number never appears in a URL, a redirect or a link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from minzheng.common.identity import make_resident_id
from minzheng.registry import selectors
from minzheng.registry.services import PersonData, person_add_to_household

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
FULL_ID = re.compile(r"\d{17}[\dX]|\d{15}")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def ending_with(suffix: str, address: str, seq: int, start: dt.date) -> str:
    """A valid ID number of ``address`` whose last digits are ``suffix`` (tries birth dates from ``start``)."""
    for offset in range(4000):
        number = make_resident_id(address, start + dt.timedelta(days=offset), seq)
        if number.endswith(suffix):
            return number
    raise AssertionError(f"no ID ending in {suffix}")


# Four people whose numbers end alike: A and B share the last six digits, C shares only the last four,
# D (in Taibus, outside the Xincheng caseworker's jurisdiction) shares the last six.
A_ID = make_resident_id("150102", dt.date(1980, 5, 17), 123)
SUFFIX6, SUFFIX5, SUFFIX4 = A_ID[-6:], A_ID[-5:], A_ID[-4:]
B_ID = ending_with(SUFFIX6, "150102", 123, dt.date(1991, 1, 1))
D_ID = ending_with(SUFFIX6, "152527", 123, dt.date(1985, 1, 1))


def _c_id() -> str:
    # same last four, different fifth and sixth digits: another birth day (digits 13–14) and sequence
    for day in range(1, 29):
        number = make_resident_id("150102", dt.date(1975, 3, day), int(SUFFIX4[:3]))
        if number.endswith(SUFFIX4) and number[-6:-4] != SUFFIX6[:2] and number[-5] != SUFFIX5[0]:
            return number
    for month in range(1, 13):
        for day in range(1, 29):
            number = make_resident_id("150102", dt.date(1976, month, day), int(SUFFIX4[:3]))
            if number.endswith(SUFFIX4) and number[-5] != SUFFIX5[0]:
                return number
    raise AssertionError("no C")


C_ID = _c_id()


@pytest.fixture
def people(users, household_factory):
    a = household_factory(head_name="甲", id_number=A_ID)
    b = household_factory(division_code="150102001002", head_name="乙", id_number=B_ID)
    c = household_factory(head_name="丙", id_number=C_ID)
    d = household_factory(
        actor=users["taibus_caseworker"], division_code="152527201206", head_name="丁", id_number=D_ID
    )
    return {"a": a, "b": b, "c": c, "d": d}


def listed(response, attribute: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'{attribute}="(\d+)"', response.content.decode())]


def urls_in(response) -> list[str]:
    """Every URL the browser was sent to or may follow: redirects, links, htmx requests, form actions."""
    body = response.content.decode()
    found = [url for url, _status in getattr(response, "redirect_chain", [])]
    found += re.findall(r'(?:href|hx-get|hx-post|action|hx-push-url)="([^"]*)"', body)
    return found


def test_the_ids_are_built_as_the_tests_need():
    assert len({A_ID, B_ID, C_ID, D_ID}) == 4
    assert B_ID[-6:] == D_ID[-6:] == SUFFIX6
    assert C_ID[-4:] == SUFFIX4
    assert C_ID[-5] != SUFFIX5[0]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (SUFFIX4, ["c", "b", "a"]),
        (SUFFIX5, ["b", "a"]),
        (SUFFIX6, ["b", "a"]),
        (A_ID, ["a"]),
        (D_ID, []),
        (f" {SUFFIX4[:2]} {SUFFIX4[2:]} ", ["c", "b", "a"]),
    ],
)
def test_person_search_by_suffix_finds_exactly_the_matching_persons_in_scope(people, users, typed, expected):
    response = client_for(users["caseworker"]).post(
        reverse("registry:person_list"), {"id_number": typed}, follow=True
    )

    assert response.status_code == 200
    assert listed(response, "data-person-id") == [people[key].head.pk for key in expected]
    for url in urls_in(response):
        assert not FULL_ID.search(url), url


@pytest.mark.parametrize(
    ("user", "typed", "expected"),
    [
        ("caseworker", SUFFIX6, ["b", "a"]),
        ("caseworker", SUFFIX4, ["c", "b", "a"]),
        ("taibus_caseworker", SUFFIX6, ["d"]),
        ("taibus_caseworker", SUFFIX4, ["d"]),
        ("region", SUFFIX6, ["d", "b", "a"]),
        ("region", SUFFIX5, ["d", "b", "a"]),
        ("region", B_ID, ["b"]),
    ],
)
def test_household_search_by_suffix_stays_in_the_users_jurisdiction(people, users, user, typed, expected):
    response = client_for(users[user]).post(
        reverse("registry:household_list"), {"id_number": typed}, follow=True
    )

    assert response.status_code == 200
    assert listed(response, "data-household-id") == [people[key].pk for key in expected]


def test_a_member_found_by_suffix_lists_the_household_once(people, users):
    member_id = ending_with(SUFFIX4, "150102", 123, dt.date(2010, 1, 1))
    person_add_to_household(
        actor=users["caseworker"], household=people["a"],
        data=PersonData(name="甲子", id_number=member_id, employment_status="student"),
        relation="son", joined_on=dt.date(2020, 1, 1),
    )  # fmt: skip

    response = client_for(users["caseworker"]).post(
        reverse("registry:household_list"), {"id_number": SUFFIX4}, follow=True
    )

    assert listed(response, "data-household-id") == [people["c"].pk, people["b"].pk, people["a"].pk]


def test_the_search_redirects_to_a_token_url_and_the_list_keeps_other_filters(people, users):
    client = client_for(users["caseworker"])

    response = client.post(
        reverse("registry:household_list"), {"id_number": A_ID, "name": "甲", "sort": "id"}
    )

    assert response.status_code == 303
    location = response["Location"]
    assert re.fullmatch(r"/registry/households/\?name=%E7%94%B2&sort=id&idq=[\w-]{12}", location), location
    page = client.get(location)
    assert listed(page, "data-household-id") == [people["a"].pk]
    body = page.content.decode()
    assert A_ID not in body
    assert f"当前按身份证号码 {A_ID[:4]}**********{A_ID[-4:]} 查询" in body
    for url in urls_in(page):
        assert not FULL_ID.search(url), url


def test_a_blank_box_with_the_current_token_keeps_the_id_search(people, users):
    client = client_for(users["caseworker"])
    first = client.post(reverse("registry:person_list"), {"id_number": SUFFIX6})
    token = re.search(r"idq=([\w-]+)", first["Location"])[1]

    again = client.post(
        reverse("registry:person_list"), {"id_number": "", "name": "乙", "idq": token}, follow=True
    )

    assert listed(again, "data-person-id") == [people["b"].head.pk]
    assert f"idq={token}" in again.redirect_chain[0][0]


def test_an_id_number_put_in_the_url_by_hand_is_refused(people, users):
    client = client_for(users["caseworker"])

    for url_name, attribute in (
        ("registry:person_list", "data-person-id"),
        ("registry:household_list", "data-household-id"),
    ):
        response = client.get(reverse(url_name), {"id_number": A_ID})
        assert response.status_code == 422
        assert "为保护个人信息，身份证号码不能出现在网址中，请在查询框中输入" in response.content.decode()
        assert listed(response, attribute) == []


def test_a_token_from_another_session_finds_nothing(people, users):
    first = client_for(users["caseworker"]).post(reverse("registry:person_list"), {"id_number": A_ID})

    response = client_for(users["caseworker"]).get(first["Location"])

    assert response.status_code == 422
    assert "身份证号码查询条件已失效，请重新输入" in response.content.decode()
    assert listed(response, "data-person-id") == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("123", "请输入完整的 18 位身份证号码，或号码的最后 4 至 6 位"),
        ("1234567", "请输入完整的 18 位身份证号码，或号码的最后 4 至 6 位"),
        ("12X4", "请输入完整的 18 位身份证号码，或号码的最后 4 至 6 位"),
        (A_ID[:-1] + ("0" if A_ID[-1] != "0" else "1"), "身份证号码校验位错误，请核对后重新输入"),
    ],
)
def test_a_malformed_search_says_why_and_redirects_nowhere(people, users, typed, message):
    response = client_for(users["caseworker"]).post(reverse("registry:person_list"), {"id_number": typed})

    assert response.status_code == 422
    assert list(response.context["form"].errors["id_number"]) == [message]


def test_the_export_follows_the_token(people, users):
    import io

    from python_calamine import CalamineWorkbook

    client = client_for(users["caseworker"])
    location = client.post(reverse("registry:household_list"), {"id_number": SUFFIX6})["Location"]
    token = location.split("idq=")[1]

    response = client.get(reverse("registry:household_export"), {"idq": token})

    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == [people["b"].pk, people["a"].pk]


def test_pagination_links_keep_the_token(people, users, settings):
    settings.PAGE_SIZE = 2
    client = client_for(users["caseworker"])

    response = client.post(reverse("registry:person_list"), {"id_number": SUFFIX4}, follow=True)

    token = response.redirect_chain[0][0].split("idq=")[1]
    assert listed(response, "data-person-id") == [people["c"].head.pk, people["b"].head.pk]
    assert f'href="?idq={token}&page=2"' in response.content.decode()
    second = client.get(reverse("registry:person_list"), {"idq": token, "page": 2})
    assert listed(second, "data-person-id") == [people["a"].head.pk]


def test_the_suffix_selector_decrypts_only_the_four_digit_candidates(
    people, users, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the candidates by their last four digits, then the page
        rows = list(selectors.person_list(actor=users["caseworker"], id_number=SUFFIX6))

    assert [row.pk for row in rows] == [people["b"].head.pk, people["a"].head.pk]


def test_the_api_searches_by_suffix_with_the_number_in_the_body(people, users):
    from minzheng.accounts.api_auth import api_token_create

    _token, secret = api_token_create(username=users["caseworker"].username, name="测试")
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    found = client.post("/api/v1/persons/search", {"id_number": SUFFIX6}, content_type="application/json")
    bad = client.post("/api/v1/persons/search", {"id_number": "12"}, content_type="application/json")

    assert found.status_code == 200
    assert [item["id"] for item in found.json()["items"]] == [people["b"].head.pk, people["a"].head.pk]
    assert found.json()["count"] == 2
    assert bad.status_code == 422
    assert bad.json() == {
        "code": "id_search_format",
        "message": "请输入完整的 18 位身份证号码，或号码的最后 4 至 6 位",
        "field": "id_number",
    }
