"""One regression test per cause the Schemathesis run found (issue 16), through real HTTP: the exact status and
body, and nothing written. The fuzz test itself is test_api_fuzz.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from minzheng.accounts.api_auth import api_token_create
from minzheng.api import api

API = "/api/v1"


def openapi() -> dict[str, Any]:
    """The document as served (status codes as strings)."""
    return json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))


@pytest.fixture
def bearer(users):
    def make(name: str = "county") -> Client:
        _token, secret = api_token_create(username=users[name].username, name="测试")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


def _json(client: Client, method: str, path: str, body: Any) -> Any:
    return client.generic(method, f"{API}{path}", json.dumps(body), content_type="application/json")


def shape_error(message: str, field: str | None) -> dict[str, Any]:
    return {
        "code": "invalid_request",
        "message": message,
        "field": field,
        "errors": [{"field": field, "message": message}],
    }


def test_every_operation_documents_every_refusal_in_the_one_error_shape() -> None:
    document = openapi()
    public = {
        "/api/v1/applications/progress",
        "/api/v1/portal/signin/code",
        "/api/v1/portal/signin",
        "/api/v1/portal/policies",
        "/api/v1/portal/self-check",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"400", "422"} | (set() if path in public else {"401", "403"})
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                shape = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert {"code", "message", "field"} <= set(shape["properties"]), (method, path, status)
                assert set(shape["required"]) == {"code", "message"}, (method, path, status)


def test_a_method_the_path_does_not_have_is_405_naming_the_allowed_ones(bearer, household_factory) -> None:
    household = household_factory()

    response = bearer().generic("TRACE", f"{API}/households/{household.pk}")

    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "PATCH"]
    assert response.json() == {"code": "method_not_allowed", "message": "接口不支持该请求方法", "field": None}


def test_a_multipart_body_without_boundary_is_400_not_a_server_error(bearer) -> None:
    response = bearer().post(f"{API}/applications/1/documents", data=b"x", content_type="multipart/form-data")

    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_request",
        "message": "请求体不是有效的 multipart/form-data（缺少或错误的 boundary）",
        "field": "body",
    }


@pytest.mark.parametrize("body", [[None, None], 5, "x"])
def test_a_patch_body_that_is_not_an_object_is_refused_and_nothing_changes(
    bearer, household_factory, body
) -> None:
    household = household_factory()
    before = household.updated_at

    response = _json(bearer("caseworker"), "PATCH", f"/households/{household.pk}", body)

    assert response.status_code == 422
    assert response.json() == shape_error("请求体 应为 JSON 对象", None)
    household.refresh_from_db()
    assert household.updated_at == before


def test_a_search_body_that_is_not_an_object_or_has_a_boolean_offset_is_refused(
    bearer, household_factory
) -> None:
    household_factory()
    client = bearer()

    listed = _json(client, "POST", "/persons/search", [None, None])
    boolean = _json(client, "POST", "/persons/search", {"offset": False})

    assert (listed.status_code, listed.json()) == (422, shape_error("请求体 应为 JSON 对象", None))
    assert (boolean.status_code, boolean.json()) == (422, shape_error("offset 应为整数", "offset"))


def test_a_date_sent_as_a_number_is_refused_not_read_as_1970(bearer, household_factory) -> None:
    household = household_factory()

    response = _json(bearer("caseworker"), "PATCH", f"/persons/{household.head_id}", {"death_date": 0})

    assert response.status_code == 422
    assert response.json() == shape_error("death_date 不是有效日期（格式 YYYY-MM-DD）", "death_date")
    household.head.refresh_from_db()
    assert household.head.death_date is None


@pytest.mark.parametrize("month", ["0", "13", "2026-13", "2026-00", "0000-01"])
def test_an_enrolment_list_month_out_of_range_is_refused(bearer, month: str) -> None:
    response = bearer().get(f"{API}/enrolments", {"month": month})

    assert response.status_code == 422
    assert response.json() == shape_error(
        "month：应为 YYYY-MM 格式的月份或 YYYY-MM-DD 格式的日期，如 2026-11", "month"
    )


def test_an_enrolment_list_month_is_a_month_or_a_day_in_it(bearer) -> None:
    client = bearer()

    assert client.get(f"{API}/enrolments", {"month": "2026-11"}).json()["count"] == 0
    assert client.get(f"{API}/enrolments", {"month": "2026-11-15"}).status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0000-00", "2026-1"])
def test_a_payroll_month_out_of_range_is_refused_and_nothing_generated(bearer, month: str) -> None:
    from minzheng.payments.models import Payroll

    client = bearer()
    message = "month：应为 YYYY-MM 格式的月份（月份 01—12），如 2026-11"

    listed = client.get(f"{API}/payrolls", {"month": month})
    generated = _json(client, "POST", "/payrolls", {"county": "150102", "month": month})

    assert (listed.status_code, listed.json()) == (422, shape_error(message, "month"))
    assert (generated.status_code, generated.json()) == (422, shape_error(message, "month"))
    assert not Payroll.objects.exists()


def test_a_feed_delivery_without_rows_is_the_documented_422(bearer) -> None:
    from minzheng.monitoring.models import FeedBatch

    response = _json(bearer("region"), "POST", "/monitoring/feeds/unemployment", {"label": "x"})

    assert response.status_code == 422
    assert response.json() == shape_error("缺少必填字段 rows", "rows")
    assert not FeedBatch.objects.exists()
    document = openapi()
    rejected = document["components"]["schemas"]["FeedRejectedOut"]
    assert "batch" in rejected["properties"]
    assert "batch" not in rejected["required"]


@pytest.mark.parametrize(("query", "message", "field"), [
    ({"page": "0"}, "page 不能小于 1", "page"),
    ({"page": "x"}, "page 应为整数", "page"),
])  # fmt: skip
def test_the_alert_list_page_is_bounded(bearer, query, message: str, field: str) -> None:
    response = bearer().get(f"{API}/monitoring/alerts", query)

    assert (response.status_code, response.json()) == (422, shape_error(message, field))


@pytest.mark.parametrize(("limit", "message"), [("0", "limit 不能小于 1"), ("501", "limit 不能大于 500")])
def test_the_review_list_limit_is_bounded(bearer, limit: str, message: str) -> None:
    response = bearer().get(f"{API}/reviews", {"limit": limit})

    assert (response.status_code, response.json()) == (422, shape_error(message, "limit"))


def test_a_portal_write_without_the_csrf_token_is_403_in_chinese(household_factory) -> None:
    from minzheng.portal.auth import SESSION_KEY
    from minzheng.portal.models import ApplicationDraft
    from minzheng.portal.tests.fixtures_apply import make_account

    account = make_account("13912345678", person=household_factory().head)
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()

    response = _json(client, "POST", "/portal/drafts", {"workflow": "temporary_emergency"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "csrf_failed",
        "message": "CSRF 校验失败：使用页面会话调用接口时须带 X-CSRFToken 请求头",
        "field": None,
    }
    assert not ApplicationDraft.objects.exists()
