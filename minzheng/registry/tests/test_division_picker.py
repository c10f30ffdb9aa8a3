"""Issue 14 §4: the division picker's lookup is scoped to the user's jurisdiction, and the household form
still posts the 12-digit code (the picker's field works as a plain code input without JavaScript)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from minzheng.registry.models import Household
from minzheng.registry.tests.test_form_errors import household_fields

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
XILIN = {"code": "150102001001", "name": "锡林南路社区居委会", "level": 5,
         "path": "新城区 / 海拉尔东路街道 / 锡林南路社区居委会"}  # fmt: skip
DONGFENG = {"code": "150102001002", "name": "东风路社区居委会", "level": 5,
            "path": "新城区 / 海拉尔东路街道 / 东风路社区居委会"}  # fmt: skip
STREET = {"code": "150102001000", "name": "海拉尔东路街道", "level": 4, "path": "新城区 / 海拉尔东路街道"}
GACHA = {"code": "152527201206", "name": "敦达乌苏嘎查", "level": 5,
         "path": "太仆寺旗 / 贡宝拉格苏木 / 敦达乌苏嘎查"}  # fmt: skip


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def lookup(user, **params: str) -> list[dict]:
    response = client_for(user).get(reverse("divisions:search"), params)
    assert response.status_code == 200
    return response.json()["results"]


def test_a_township_user_gets_only_its_own_villages(users):
    assert lookup(users["caseworker"], kind="village", q="") == [XILIN, DONGFENG]
    assert lookup(users["caseworker"], kind="entry", q="") == [STREET, XILIN, DONGFENG]


@pytest.mark.parametrize("query", ["敦达", "太仆寺", "贡宝拉格", "1525", "152527201206", "嘎查"])
def test_a_query_outside_the_users_scope_returns_nothing(users, query):
    assert lookup(users["caseworker"], kind="village", q=query) == []
    assert lookup(users["caseworker"], kind="any", q=query) == []


@pytest.mark.parametrize(
    ("user", "params", "expected"),
    [
        ("caseworker", {"q": "锡林"}, [XILIN]),
        ("caseworker", {"q": "海拉尔 东风"}, [DONGFENG]),
        ("caseworker", {"q": "新城区 / 海拉尔东路街道 / 锡林南路"}, [XILIN]),
        ("caseworker", {"q": "150102001002"}, [DONGFENG]),
        ("caseworker", {"q": "海拉尔", "kind": "entry"}, [STREET, XILIN, DONGFENG]),
        ("assistant", {"q": ""}, [XILIN]),
        ("region", {"q": "嘎查"}, [GACHA]),
        ("region", {"q": "", "within": "152527"}, [GACHA]),
        ("region", {"q": "", "within": "150102001"}, [XILIN, DONGFENG]),
        ("caseworker", {"q": "", "within": "152527"}, []),
        ("taibus_caseworker", {"q": "社区"}, []),
    ],
)
def test_search_by_name_words_code_and_within_stays_in_scope(users, user, params, expected):
    assert lookup(users[user], **{"kind": "village", **params}) == expected


def test_the_label_of_a_code_already_in_the_field_is_found_only_in_scope(users):
    assert lookup(users["caseworker"], code="150102001001") == [XILIN]
    assert lookup(users["caseworker"], code="152527201206") == []
    assert lookup(users["region"], code="152527201206") == [GACHA]
    assert lookup(users["caseworker"], code="150102001000", kind="village") == []
    assert lookup(users["caseworker"], code="not a code") == []


def test_abolished_divisions_are_not_offered(users, divisions):
    divisions["community2"].abolished_on = "2024-01-01"
    divisions["community2"].save()

    assert lookup(users["caseworker"], kind="village", q="") == [XILIN]


def test_the_lookup_needs_a_logged_in_user(users):
    response = Client().get(reverse("divisions:search"), {"q": "锡林"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_household_form_renders_the_picker_on_a_plain_code_input_and_posts_the_code(users):
    client = client_for(users["caseworker"])
    page = client.get(reverse("registry:household_create")).content.decode()

    assert (
        '<input type="text" name="hukou_division_code" inputmode="numeric" autocomplete="off" '
        'data-division-picker="entry" data-search-url="/divisions/search/" class="form-control" required '
        'aria-describedby="id_hukou_division_code_helptext" id="id_hukou_division_code">'
    ) in page
    assert "js/division-picker.js" in page

    # the picker (or a user without JavaScript) posts the 12-digit code, the service is unchanged
    response = client.post(reverse("registry:household_create"), household_fields())
    household = Household.objects.get()
    assert response.status_code == 302
    assert household.hukou_division.code == "150102001001"

    # an invalid submission gives the code back to the field, for the picker to show its path again
    again = client.post(
        reverse("registry:household_create"), household_fields(hukou_division_code="150102001002", phone="1")
    )
    assert again.status_code == 422
    assert 'value="150102001002"' in again.content.decode()


def test_household_list_offers_the_village_picker_within_the_chosen_division(users):
    page = client_for(users["county"]).get(reverse("registry:household_list")).content.decode()

    assert 'data-division-picker="village"' in page
    assert 'data-within-from="id_division"' in page
