"""NUL and control characters, and paging numbers past any list, are refused with 400 before any view runs
(issue 16 §5): JSON in the API's error shape under /api/, a plain message elsewhere; nothing is written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from minzheng.registry.models import Household


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/households?name=%00", "name"),
        ("/api/v1/portal/policies?division=%00", "division"),
        ("/api/v1/households?name=%1B%5B31m", "name"),
    ],
)
def test_control_characters_in_an_api_query_get_the_json_error(db, path: str, field: str) -> None:
    response = Client().get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "invalid_characters",
        "message": f"“{field}”含有不允许的控制字符（如 NUL），请删除后重试",
        "field": field,
    }


def test_a_nul_in_a_json_body_is_refused_and_nothing_is_written(users) -> None:
    from minzheng.accounts.api_auth import api_token_create

    _token, secret = api_token_create(username=users["caseworker"].username, name="测试")
    before = Household.objects.count()

    response = Client(headers={"Authorization": f"Bearer {secret}"}).post(
        "/api/v1/households",
        data=json.dumps({"hukou_division_code": "150102001001", "head": {"name": "张\u0000三"}}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert response.json()["field"] == "body"
    assert Household.objects.count() == before


def test_a_huge_page_number_is_refused_on_a_page_and_on_the_api(users) -> None:
    client = Client()
    client.force_login(users["caseworker"])

    page = client.get("/registry/households/?page=99999999999999999999")
    api = client.get("/api/v1/households?offset=99999999999999999999")

    assert page.status_code == 400
    assert page.content.decode() == "“page”超出范围（最大 1,000,000）"
    assert api.status_code == 400
    assert api.json()["field"] == "offset"


def test_a_form_field_with_a_nul_is_refused_before_the_view(users) -> None:
    client = Client()
    client.force_login(users["caseworker"])

    response = client.post("/registry/households/new/", {"hukou_division_code": "150102001001\x00"})

    assert response.status_code == 400
    assert "含有不允许的控制字符" in response.content.decode()


def test_ordinary_text_with_line_breaks_and_tabs_passes(users) -> None:
    client = Client()
    client.force_login(users["caseworker"])

    response = client.get("/registry/households/?name=%E5%BC%A0%09%E4%B8%89&page=2")

    assert response.status_code == 200


def test_pages_are_compressed_for_browsers_that_accept_it(users) -> None:
    """Issue 14 §7: the household list went out as 23 KB of HTML; gzip makes it a fraction of that."""
    client = Client()
    client.force_login(users["caseworker"])

    plain = client.get("/registry/households/")
    packed = client.get("/registry/households/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 3


def test_api_errors_that_reach_django_keep_the_json_shape(users) -> None:
    client = Client()

    unknown = client.get("/api/v1/no-such-endpoint")
    wrong_method = client.delete("/api/v1/portal/policies")

    assert unknown.status_code == 404
    assert unknown.json() == {"code": "not_found", "message": "接口不存在", "field": None}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    # pages keep their HTML error pages
    page = Client()
    page.force_login(users["caseworker"])
    assert page.get("/registry/no-such-page/").get("Content-Type", "").startswith("text/html")
