"""Login page: wrong password, lockout after 5 failures, TOTP second factor, audit events, logout."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.audit.models import Event

LOGIN = "/accounts/login/"
PASSWORD = "Test@Pass2026"


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_token(device: TOTPDevice) -> str:
    """A code valid in none of the time steps the device tolerates."""
    accepted = {
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + delta):06d}"
        for delta in range(-2, 3)
    }
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def post_login(client: Client, username: str, password: str, otp_token: str = ""):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": otp_token})


def login_events() -> list[tuple[str, str]]:
    return list(
        Event.objects.filter(verb__startswith="login.").order_by("id").values_list("verb", "object_id")
    )


def test_login_page_renders_the_form_in_chinese(client, db):
    # when
    response = client.get(LOGIN)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="otp_token"' in html
    assert "登录</button>" in html


def test_right_password_logs_in_and_records_an_event(client, users):
    # when
    response = post_login(client, "caseworker", PASSWORD)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(users["caseworker"].pk)
    event = Event.objects.get(verb="login.succeeded")
    assert (event.actor, event.object_id, event.division_code) == (
        users["caseworker"],
        str(users["caseworker"].pk),
        "150102001000",
    )
    assert event.ip_address == "127.0.0.1"


def test_wrong_password_is_refused_with_a_chinese_message(client, users):
    # when
    response = post_login(client, "caseworker", "wrong-password")

    # then
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert login_events() == [("login.failed", str(users["caseworker"].pk))]
    assert AccessAttempt.objects.get(username="caseworker").failures_since_start == 1


def test_unknown_user_failure_is_recorded_without_division(client, db):
    # when
    response = post_login(client, "nobody", "whatever-password")

    # then
    assert "用户名或密码错误" in response.content.decode()
    event = Event.objects.get()
    assert (event.verb, event.object_id, event.division_code, event.actor) == (
        "login.failed",
        "nobody",
        "",
        None,
    )


def test_five_failures_lock_the_account_even_for_the_right_password(client, users):
    # given: four failures are plain refusals
    for _ in range(4):
        response = post_login(client, "caseworker", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()

    # when: the fifth failure locks, the sixth attempt has the right password
    fifth = post_login(client, "caseworker", "wrong-password")
    sixth = post_login(client, "caseworker", PASSWORD)

    # then
    for response in (fifth, sixth):
        assert response.status_code == 429
        assert "登录失败次数过多，账号已锁定 30 分钟" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not Event.objects.filter(verb="login.succeeded").exists()
    pk = str(users["caseworker"].pk)
    assert login_events() == [("login.failed", pk)] * 4 + [("login.locked_out", pk)] * 2


def test_lockout_is_per_user_another_user_still_logs_in(client, users):
    # given
    for _ in range(5):
        post_login(client, "caseworker", "wrong-password")

    # when
    response = post_login(client, "reviewer", PASSWORD)

    # then
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(users["reviewer"].pk)


def test_inactive_user_cannot_log_in(client, users):
    # given
    users["caseworker"].is_active = False
    users["caseworker"].save(update_fields=["is_active"])

    # when
    response = post_login(client, "caseworker", PASSWORD)

    # then
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.fixture
def device(users) -> TOTPDevice:
    return TOTPDevice.objects.create(user=users["caseworker"], name="手机", confirmed=True)


def test_user_with_device_must_give_a_code(client, device):
    # when
    response = post_login(client, "caseworker", PASSWORD)

    # then
    assert response.status_code == 200
    assert "动态验证码错误" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert login_events() == [("login.failed", str(device.user_id))]
    assert Event.objects.get().data == {"username": "caseworker", "reason": "otp"}


def test_wrong_code_is_refused_and_counts_towards_lockout(client, device):
    # when
    response = post_login(client, "caseworker", PASSWORD, wrong_token(device))

    # then
    assert response.status_code == 200
    assert "动态验证码错误" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username="caseworker").failures_since_start == 1


def test_right_code_logs_in_and_verifies_the_session(client, device):
    # when
    response = post_login(client, "caseworker", PASSWORD, current_token(device))

    # then
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(device.user_id)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert Event.objects.get(verb="login.succeeded").summary == "caseworker 登录成功（动态验证码）"


def test_unconfirmed_device_does_not_require_a_code(client, users):
    # given: enrolment started but never confirmed
    TOTPDevice.objects.create(user=users["caseworker"], name="手机", confirmed=False)

    # when
    response = post_login(client, "caseworker", PASSWORD)

    # then
    assert response.status_code == 302


def test_logout_requires_post_and_ends_the_session(client, users):
    # given
    client.force_login(users["caseworker"])

    # when
    refused = client.get("/accounts/logout/")
    response = client.post("/accounts/logout/")

    # then
    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
