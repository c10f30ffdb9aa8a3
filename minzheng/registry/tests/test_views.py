"""Registry pages through Django's test client: lists, filters, scoping, masking, reveal, dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import id_number
from minzheng.audit.models import PersonalDataAccess
from minzheng.common.selectors import queryset_count_capped
from minzheng.registry.services import PersonData, person_add_to_household

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ZHANG_SAN_ID = id_number("150102", dt.date(1980, 5, 17), 11)
ZHANG_WEI_ID = id_number("150102", dt.date(1975, 3, 2), 13)
LI_SI_ID = id_number("150102", dt.date(1990, 8, 9), 15)
WANG_WU_ID = id_number("152527", dt.date(1985, 1, 30), 17)
ALL_IDS = (ZHANG_SAN_ID, ZHANG_WEI_ID, LI_SI_ID, WANG_WU_ID)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def listed(response, attribute: str = "data-household-id") -> list[int]:
    return [int(pk) for pk in re.findall(rf'{attribute}="(\d+)"', response.content.decode())]


def search(client: Client, url_name: str, data: dict[str, str]):
    """A list search as the page does it: POST the filter form, follow the redirect (an ID number is
    replaced in the URL by a token)."""
    return client.post(reverse(url_name), data, follow=True)


@pytest.fixture
def homes(users, household_factory):
    """Three households in Xincheng (two communities), one in Taibus (rural gacha)."""
    zhang_san = household_factory(head_name="张三", id_number=ZHANG_SAN_ID)
    zhang_wei = household_factory(division_code="150102001002", head_name="张伟", id_number=ZHANG_WEI_ID)
    li_si = household_factory(
        head_name="李四", id_number=LI_SI_ID, disability_category="physical", disability_grade=2
    )
    wang_wu = household_factory(
        actor=users["taibus_caseworker"], division_code="152527201206", head_name="王五", id_number=WANG_WU_ID
    )
    return {"zhang_san": zhang_san, "zhang_wei": zhang_wei, "li_si": li_si, "wang_wu": wang_wu}


# --- household list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["li_si", "zhang_wei", "zhang_san"]),
        ("name=张", ["zhang_wei", "zhang_san"]),
        ("name=张伟", ["zhang_wei"]),
        ("division=150102001", ["li_si", "zhang_wei", "zhang_san"]),
        ("village=150102001002", ["zhang_wei"]),
        ("attribute=severely_disabled", ["li_si"]),
        ("urban_rural=rural", []),
        ("sort=head", ["zhang_san", "zhang_wei", "li_si"]),
        ("sort=-head", ["li_si", "zhang_wei", "zhang_san"]),
        ("sort=id", ["zhang_san", "zhang_wei", "li_si"]),
        ("sort=division&name=张", ["zhang_san", "zhang_wei"]),
    ],
)
def test_household_list_filters_and_sorts_within_the_users_scope(homes, users, query, expected):
    # given a township caseworker in Xincheng
    client = client_for(users["caseworker"])

    # when
    response = client.get(f"{reverse('registry:household_list')}?{query}")

    # then
    assert response.status_code == 200
    assert listed(response) == [homes[key].pk for key in expected]


def test_region_supervisor_sees_every_division_and_filters_by_urban_rural(homes, users):
    client = client_for(users["region"])

    everything = client.get(reverse("registry:household_list"))
    rural = client.get(reverse("registry:household_list"), {"urban_rural": "rural"})
    taibus = client.get(reverse("registry:household_list"), {"division": "152527"})

    assert listed(everything) == [homes[k].pk for k in ("wang_wu", "li_si", "zhang_wei", "zhang_san")]
    assert listed(rural) == [homes["wang_wu"].pk]
    assert listed(taibus) == [homes["wang_wu"].pk]


def test_division_select_offers_the_users_divisions_down_to_township(homes, users):
    response = client_for(users["county"]).get(reverse("registry:household_list"))

    select = re.search(r'<select name="division".*?</select>', response.content.decode(), re.S)
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)<', select.group(0))
    assert options == [
        ("", "全部（本级管辖范围）"),
        ("150102", "\u3000\u3000新城区"),
        ("150102001", "\u3000\u3000\u3000海拉尔东路街道"),
    ]


def test_household_list_pagination_shows_exact_pages(homes, users, settings):
    # given two rows per page and three households in scope
    settings.PAGE_SIZE = 2
    client = client_for(users["caseworker"])

    # when
    first = client.get(reverse("registry:household_list"))
    second = client.get(reverse("registry:household_list"), {"page": 2})
    beyond = client.get(reverse("registry:household_list"), {"page": 9})

    # then
    assert listed(first) == [homes["li_si"].pk, homes["zhang_wei"].pk]
    assert listed(second) == [homes["zhang_san"].pk]
    assert listed(beyond) == [homes["zhang_san"].pk]  # clamped to the last page
    assert "第 1–2 条，共 3 条" in first.content.decode()
    assert "第 3–3 条，共 3 条" in second.content.decode()
    assert 'rel="next"' in first.content.decode()


def test_count_is_capped_instead_of_counting_the_whole_table(homes, users):
    from minzheng.registry.selectors import household_list

    queryset = household_list(actor=users["region"])

    assert queryset_count_capped(queryset, cap=2) == (2, True)
    assert queryset_count_capped(queryset, cap=4) == (4, False)
    assert queryset_count_capped(queryset, cap=10) == (4, False)


@pytest.mark.parametrize("typed", [LI_SI_ID, LI_SI_ID.lower()])
def test_household_list_searches_a_whole_id_number_posted_not_in_the_url(homes, users, typed):
    response = search(client_for(users["caseworker"]), "registry:household_list", {"id_number": typed})

    assert response.status_code == 200
    assert listed(response) == [homes["li_si"].pk]
    assert LI_SI_ID not in response.redirect_chain[0][0].upper()


def test_bad_id_number_filter_shows_the_validation_message_not_an_error(homes, users):
    client = client_for(users["caseworker"])
    bad = ZHANG_SAN_ID[:-1] + ("0" if ZHANG_SAN_ID[-1] != "0" else "1")

    response = client.post(reverse("registry:household_list"), {"id_number": bad})

    assert response.status_code == 422
    assert "身份证号码校验位错误，请核对后重新输入" in response.content.decode()
    assert listed(response) == []


def test_htmx_filter_request_swaps_only_the_results(homes, users):
    client = client_for(users["caseworker"])

    response = client.get(
        reverse("registry:household_list"),
        {"name": "李"},
        headers={"HX-Request": "true", "HX-Target": "household-results"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div class="card" id="household-results"')
    assert "<html" not in body
    assert listed(response) == [homes["li_si"].pk]


def test_household_list_query_count_is_bounded(homes, users, django_assert_max_num_queries, settings):
    # given many more households than a page
    settings.PAGE_SIZE = 3
    client = client_for(users["caseworker"])
    client.get(reverse("registry:household_list"))  # session and user caches warm up

    # then: session, user, division, choices, capped count, page, session save (+ 4 savepoints of
    # ATOMIC_REQUESTS) — the same however many households there are
    with django_assert_max_num_queries(11):
        response = client.get(reverse("registry:household_list"), {"name": "张", "sort": "head"})
    assert response.status_code == 200


def test_list_columns_show_masked_id_division_and_member_count(homes, users):
    body = (
        client_for(users["caseworker"])
        .get(reverse("registry:household_list"), {"name": "李"})
        .content.decode()
    )

    assert f"1501**********{LI_SI_ID[-4:]}" in body
    assert "海拉尔东路街道 锡林南路社区居委会" in body
    assert "城镇" in body


# --- scoping: every endpoint refuses another division's records ------------------------------------

SCOPED_ENDPOINTS = [
    ("get", "registry:household_detail", "household"),
    ("get", "registry:household_edit", "household"),
    ("post", "registry:household_edit", "household"),
    ("get", "registry:member_add", "household"),
    ("post", "registry:member_add", "household"),
    ("get", "registry:income_add", "household"),
    ("post", "registry:income_add", "household"),
    ("get", "registry:asset_add", "household"),
    ("post", "registry:asset_add", "household"),
    ("get", "registry:person_detail", "person"),
    ("get", "registry:person_edit", "person"),
    ("post", "registry:person_edit", "person"),
    ("get", "registry:person_leave", "person"),
    ("post", "registry:person_leave", "person"),
    ("post", "registry:person_reveal", "person"),
]


@pytest.mark.parametrize(("method", "url_name", "kind"), SCOPED_ENDPOINTS)
def test_every_detail_endpoint_refuses_another_divisions_record(homes, users, method, url_name, kind):
    # given a Taibus household and a Xincheng caseworker (who can edit and reveal)
    target = homes["wang_wu"] if kind == "household" else homes["wang_wu"].head
    client = client_for(users["caseworker"])

    # when
    response = getattr(client, method)(reverse(url_name, args=[target.pk]), {"name": "x"})

    # then
    assert response.status_code == 404
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("registry:household_list", {}),
        ("registry:household_list", {"division": "152527"}),
        ("registry:household_list", {"id_number": WANG_WU_ID}),
        ("registry:person_list", {}),
        ("registry:person_list", {"id_number": WANG_WU_ID}),
    ],
)
def test_lists_never_show_another_divisions_records(homes, users, url_name, query):
    response = search(client_for(users["caseworker"]), url_name, query)

    body = response.content.decode()
    assert "王五" not in body
    assert str(homes["wang_wu"].pk) not in listed(response) + listed(response, "data-person-id")


def test_export_never_contains_another_divisions_records(homes, users):
    from python_calamine import CalamineWorkbook

    response = client_for(users["caseworker"]).get(reverse("registry:household_export"), {"division": "15"})

    rows = CalamineWorkbook.from_filelike(_bytes(response)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == [homes["li_si"].pk, homes["zhang_wei"].pk, homes["zhang_san"].pk]


def _bytes(response):
    import io

    return io.BytesIO(response.content)


# --- masking and reveal ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["caseworker", "reviewer", "county", "prefecture", "region", "auditor", "admin"]
)
def test_full_id_number_is_never_in_list_or_detail_pages(homes, users, role):
    client = client_for(users[role])
    household, head = homes["zhang_san"], homes["zhang_san"].head
    pages = [
        client.get(reverse("registry:household_list")),
        client.get(reverse("registry:household_detail", args=[household.pk])),
        client.get(reverse("registry:person_list"), {"name": "张"}),
        client.get(reverse("registry:person_detail", args=[head.pk])),
        client.get(reverse("dashboard")),
    ]
    if users[role].can("edit_registry"):
        pages.append(client.get(reverse("registry:person_edit", args=[head.pk])))
        pages.append(client.get(reverse("registry:household_edit", args=[household.pk])))

    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        for full in ALL_IDS:
            assert full not in body
        assert "6228480012345678901" not in body
    assert PersonalDataAccess.objects.count() == 0


def test_search_by_id_number_lists_the_masked_number_only(homes, users):
    response = search(client_for(users["county"]), "registry:household_list", {"id_number": ZHANG_SAN_ID})

    table = re.search(r"<tbody>.*?</tbody>", response.content.decode(), re.S).group(0)
    assert listed(response) == [homes["zhang_san"].pk]
    assert f"1501**********{ZHANG_SAN_ID[-4:]}" in table
    assert ZHANG_SAN_ID not in table


def test_caseworker_reveals_full_id_and_phone_and_the_reveal_is_logged(users, household_factory):
    # given a head with a phone
    household = household_factory(head_name="赵六", id_number=ZHANG_SAN_ID, phone="13812345678")
    client = client_for(users["caseworker"])
    detail = client.get(reverse("registry:person_detail", args=[household.head.pk])).content.decode()
    assert "显示完整信息" in detail

    # when
    response = client.post(
        reverse("registry:person_reveal", args=[household.head.pk]), headers={"HX-Request": "true"}
    )

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert ZHANG_SAN_ID in body
    assert "13812345678" in body
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.person_id, access.household_id, access.purpose, access.fields) == (
        users["caseworker"], household.head.pk, household.pk, "reveal", "id_number,phone"
    )  # fmt: skip


@pytest.mark.parametrize("role", ["reviewer", "assistant", "prefecture", "auditor", "admin"])
def test_roles_without_reveal_never_see_the_button_and_are_refused(homes, users, role):
    client = client_for(users[role])
    head = homes["zhang_san"].head

    detail = client.get(reverse("registry:person_detail", args=[head.pk]))
    reveal = client.post(reverse("registry:person_reveal", args=[head.pk]))

    assert detail.status_code == 200
    assert "显示完整信息" not in detail.content.decode()
    assert reveal.status_code == 403
    assert ZHANG_SAN_ID not in reveal.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_reveal_requires_post(homes, users):
    response = client_for(users["caseworker"]).get(
        reverse("registry:person_reveal", args=[homes["li_si"].head.pk])
    )

    assert response.status_code == 405
    assert PersonalDataAccess.objects.count() == 0


# --- details ---------------------------------------------------------------------------------


def test_household_detail_shows_members_breadcrumb_events_and_history(homes, users):
    # given a spouse added to Zhang San's household
    household = homes["zhang_san"]
    spouse_id = id_number("150102", dt.date(1982, 2, 3), 22)
    person_add_to_household(
        actor=users["caseworker"], household=household, relation="spouse", joined_on=dt.date(2021, 5, 1),
        data=PersonData(name="刘芳", id_number=spouse_id, employment_status="farming", ethnicity="02"),
    )  # fmt: skip

    # when
    body = client_for(users["caseworker"]).get(reverse("registry:household_detail", args=[household.pk]))
    html = body.content.decode()

    # then
    assert body.status_code == 200
    assert "内蒙古自治区 › 呼和浩特市 › 新城区 › 海拉尔东路街道 › 锡林南路社区居委会" in html
    assert "刘芳" in html
    assert "配偶" in html
    assert "蒙古族" in html
    assert "务农/牧" in html
    assert f"1501**********{spouse_id[-4:]}" in html
    assert "***************8901" in html  # bank account, masked
    assert "新建家庭，户主 张三" in html
    assert "新增成员 刘芳" in html
    history = re.search(r'id="field-history".*?</table>', html, re.S).group(0)
    assert history.count("新建") == 3  # household, head, spouse
    assert "成员 刘芳" in history
    assert "修改家庭信息" in html
    assert "添加成员" in html


def test_detail_hides_edit_actions_from_read_only_roles(homes, users):
    html = client_for(users["reviewer"]).get(reverse("registry:household_detail", args=[homes["li_si"].pk]))

    assert html.status_code == 200
    assert "修改家庭信息" not in html.content.decode()


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("reviewer", "registry:household_create", 403),
        ("assistant", "registry:household_create", 403),
        ("auditor", "registry:household_export", 200),
        ("assistant", "registry:household_export", 403),
        ("admin", "registry:staff_relative_list", 403),
        ("reviewer", "registry:staff_relative_list", 200),
    ],
)
def test_capabilities_guard_pages(homes, users, role, url_name, status):
    response = client_for(users[role]).get(reverse(url_name))

    assert response.status_code == status


def test_anonymous_user_is_sent_to_login(homes):
    response = Client().get(reverse("registry:household_list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_person_list_filters_by_name_prefix_and_exact_id(homes, users):
    client = client_for(users["caseworker"])

    by_name = client.get(reverse("registry:person_list"), {"name": "张"})
    by_id = search(client, "registry:person_list", {"id_number": ZHANG_WEI_ID})
    bad = client.post(reverse("registry:person_list"), {"id_number": "1501021"})

    assert listed(by_name, "data-person-id") == [homes["zhang_wei"].head.pk, homes["zhang_san"].head.pk]
    assert listed(by_id, "data-person-id") == [homes["zhang_wei"].head.pk]
    assert bad.status_code == 422
    assert "请输入完整的 18 位身份证号码，或号码的最后 4 至 6 位" in bad.content.decode()


def test_dashboard_counts_the_users_scope(homes, users):
    own = client_for(users["caseworker"]).get(reverse("dashboard")).content.decode()
    everything = client_for(users["region"]).get(reverse("dashboard")).content.decode()

    assert re.search(r'id="household-count">3<', own)
    assert re.search(r'id="person-count">3<', own)
    assert "新建家庭，户主 张三" in own
    assert "新建家庭，户主 王五" not in own
    assert re.search(r'id="household-count">4<', everything)
    assert "新建家庭，户主 王五" in everything


def test_a_reveal_behind_the_trusted_proxy_logs_the_client_address_not_the_proxy(
    users, household_factory, settings
):
    # given the caseworker reaches the site through the trusted reverse proxy (docs/deployment.md §4)
    settings.MINZHENG_TRUSTED_PROXIES = ["10.0.0.0/24"]
    household = household_factory(head_name="赵六", id_number=ZHANG_SAN_ID, phone="13812345678")
    client = client_for(users["caseworker"])

    # when
    client.post(
        reverse("registry:person_reveal", args=[household.head.pk]),
        headers={"HX-Request": "true", "X-Forwarded-For": "203.0.113.7"},
        REMOTE_ADDR="10.0.0.5",
    )

    # then the access log names the client, as the lockout does (common.network.client_address)
    assert PersonalDataAccess.objects.get().ip_address == "203.0.113.7"
