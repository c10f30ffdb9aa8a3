"""Portal API: each step through the JSON endpoints, errors in the API's one shape, and no way into
another household."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from minzheng.enrolments.models import Review
from minzheng.enrolments.rules import add_months, month_start
from minzheng.portal.models import PortalAccount, SignInCode
from minzheng.portal.tests.conftest import HEAD_ID, OTHER_PHONE, PHONE, account_for, code_from, session_for

pytestmark = pytest.mark.django_db
API = "/api/v1/portal"


def post(client, path, body):
    return client.post(f"{API}{path}", body, content_type="application/json")


@pytest.fixture
def api_sign_in(outbox, django_capture_on_commit_callbacks):
    def sign_in(client, phone=PHONE):
        with django_capture_on_commit_callbacks(execute=True):
            sent = post(client, "/signin/code", {"phone": phone})
        assert sent.status_code == 200
        return post(client, "/signin", {"phone": phone, "code": code_from(outbox)})

    return sign_in


def test_code_send(client, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/signin/code", {"phone": PHONE})

    assert response.status_code == 200
    assert response.json() == {
        "sent": True,
        "phone_masked": "139****5678",
        "expires_in": 300,
        "resend_after": 60,
    }
    assert len(outbox) == 1


def test_code_send_errors(client, outbox, django_capture_on_commit_callbacks):
    bad = post(client, "/signin/code", {"phone": "123"})
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/signin/code", {"phone": PHONE})
    too_soon = post(client, "/signin/code", {"phone": PHONE})

    assert bad.status_code == 422
    assert bad.json() == {"code": "phone_format", "message": "请输入正确的 11 位手机号码", "field": "phone"}
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "rate_limited"
    assert too_soon.json()["message"].startswith("获取验证码过于频繁，请 ")
    assert SignInCode.objects.count() == 1


def test_sign_in_and_out(client, api_sign_in):
    response = api_sign_in(client)

    account = PortalAccount.objects.get()
    assert response.status_code == 200
    assert response.json() == {
        "id": account.pk, "phone_masked": "139****5678", "name": "", "id_number_masked": "", "bound": False,
        "claimed": False,
    }  # fmt: skip
    assert post(client, "/signout", {}).status_code == 204
    assert client.get(f"{API}/reports").status_code == 401


def test_wrong_code(client, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/signin/code", {"phone": PHONE})
    wrong = "000000" if code_from(outbox) != "000000" else "111111"

    response = post(client, "/signin", {"phone": PHONE, "code": wrong})

    assert response.status_code == 400
    assert response.json() == {
        "code": "sign_in_failed",
        "message": "验证码错误，还可尝试 4 次",
        "field": "code",
    }
    assert PortalAccount.objects.count() == 0


def test_sign_in_checks_csrf(outbox, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/signin/code", {"phone": PHONE})

    response = post(client, "/signin", {"phone": PHONE, "code": code_from(outbox)})

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert PortalAccount.objects.count() == 0


def test_bind(client, home, api_sign_in):
    api_sign_in(client)

    response = post(client, "/bind", {"name": "李桂兰", "id_number": HEAD_ID})

    assert response.status_code == 200
    assert response.json()["bound"] is True
    assert PortalAccount.objects.get().person == home.head


def test_bind_refused(client, home, api_sign_in):
    api_sign_in(client, phone=OTHER_PHONE)

    response = post(client, "/bind", {"name": "李桂兰", "id_number": HEAD_ID})

    assert response.status_code == 409
    assert response.json() == {
        "code": "binding_refused",
        "message": "您的手机号与登记信息不一致，请携带身份证到乡镇（街道）或村（居）委会更新联系电话后再绑定",
        "field": "phone",
    }
    assert PortalAccount.objects.get().person is None


def test_policies(client, params):
    response = client.get(f"{API}/policies", {"division": "152527000000"})

    body = response.json()
    assert response.status_code == 200
    assert (body["division_code"], body["division_name"], body["urban_rural"]) == (
        "152527000000",
        "太仆寺旗",
        "",
    )
    dibao = body["programmes"][0]
    assert dibao["figures"][:2] == [
        {"label": "低保标准（城镇）", "text": "840 元/人·月", "unconfirmed": True},
        {"label": "低保标准（农村）", "text": "670 元/人·月", "unconfirmed": True},
    ]
    assert dibao["procedures"][0]["stages"][0] == {"label": "已受理", "time_limit": "3 个工作日"}


def test_self_check(client, params):
    body = {
        "division_code": "150102000000", "urban_rural": "rural", "members": [{"age": 45}], "monthly_income": "0",
    }  # fmt: skip

    response = post(client, "/self-check", body)

    result = response.json()
    assert response.status_code == 200
    assert (result["estimate_only"], result["stored"], result["notice"]) == (
        True,
        False,
        "估算结果，仅供参考，以审核确认为准",
    )
    dibao = result["results"][0]
    assert (dibao["programme"], dibao["outcome"], dibao["monthly_amount"]) == ("dibao", "try", "670.00")


def test_self_check_shape_errors(client, params):
    response = post(client, "/self-check", {"division_code": "1501", "urban_rural": "rural", "members": []})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["field"] == "division_code"


def test_entitlements_need_a_bound_account(client, api_sign_in):
    assert client.get(f"{API}/entitlements").status_code == 401
    api_sign_in(client, phone="13600000009")

    response = client.get(f"{API}/entitlements")

    assert response.status_code == 403
    assert response.json() == {"code": "not_bound", "message": "请先绑定身份证号码", "field": "id_number"}


def test_entitlements(bound_client, home, enrol, payroll, line):
    this = month_start(timezone.localdate())
    dibao = enrol(home, "1350.00", add_months(this, -1))
    line(payroll(add_months(this, -1)), dibao, "1350.00", add_months(this, -1))

    body = bound_client.get(f"{API}/entitlements").json()

    assert body["household_id"] == home.pk
    assert body["monthly_total"] == "1350.00"
    assert [(c["programme"], c["monthly_amount"]) for c in body["current"]] == [("dibao", "1350.00")]
    assert [(p["amount"], p["status"], p["kind"]) for p in body["payments"]] == [
        ("1350.00", "paid", "regular")
    ]
    assert body["totals"] == [
        {"programme": "dibao", "name": "最低生活保障", "received": "1350.00", "pending": "0.00"}
    ]


def test_reports_and_double_submission(bound_client, home, enrol):
    dibao = enrol(home, "1350.00", dt.date(2026, 1, 1))
    report = {
        "members": [{"person_id": home.head_id, "living_here": True}], "monthly_income": "500", "savings": "0",
        "vehicles": 0, "houses": 1,
    }  # fmt: skip

    listing = bound_client.get(f"{API}/reports").json()
    first = post(bound_client, f"/reports/{dibao.pk}", report)
    second = post(bound_client, f"/reports/{dibao.pk}", report)

    assert [item["enrolment_id"] for item in listing] == [dibao.pk]
    review = Review.objects.get()
    assert first.status_code == 201
    assert first.json() == {
        "review_id": review.pk, "enrolment_id": dibao.pk, "received_on": timezone.localdate().isoformat(),
        "review_due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }  # fmt: skip
    assert second.status_code == 409
    assert second.json()["code"] == "already_reported"
    assert list(review.report) == [timezone.localdate().isoformat()]


def test_report_must_confirm_every_member(bound_client, home, enrol):
    dibao = enrol(home, "1350.00", dt.date(2026, 1, 1))

    response = post(bound_client, f"/reports/{dibao.pk}", {"members": [], "monthly_income": "1"})

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "请逐一确认每位家庭成员是否仍在本户共同生活",
        "field": "members",
    }
    assert Review.objects.count() == 0


def test_no_way_into_another_household(client, home, other_home, enrol):
    dibao = enrol(home, "1350.00", dt.date(2026, 1, 1))
    session_for(client, account_for(other_home.head, OTHER_PHONE))
    report = {"members": [{"person_id": home.head_id, "living_here": False}], "monthly_income": "0"}

    response = post(client, f"/reports/{dibao.pk}", report)
    listing = client.get(f"{API}/reports").json()

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到该在保记录", "field": "enrolment_id"}
    assert listing == []
    assert Review.objects.count() == 0
