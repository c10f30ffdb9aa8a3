"""TOTP enrolment and OTP_REQUIRED_ROLES, password change with our validators, session timeout."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.tests.test_login import PASSWORD, current_token, wrong_token
from minzheng.audit.models import Event

OTP = "/accounts/otp/"


def test_enrolment_shows_a_qr_code_and_creates_one_unconfirmed_device(client, users):
    # given
    client.force_login(users["caseworker"])

    # when
    first = client.get(OTP)
    second = client.get(OTP)

    # then
    html = first.content.decode()
    assert first.status_code == 200
    assert "<svg" in html
    assert 'name="token"' in html
    device = TOTPDevice.objects.get(user=users["caseworker"])
    assert device.confirmed is False
    assert second.status_code == 200
    assert TOTPDevice.objects.filter(user=users["caseworker"]).count() == 1


def test_wrong_code_does_not_confirm_the_device(client, users):
    # given
    client.force_login(users["caseworker"])
    client.get(OTP)
    device = TOTPDevice.objects.get(user=users["caseworker"])

    # when
    response = client.post(OTP, {"action": "confirm", "token": wrong_token(device)})

    # then
    assert response.status_code == 200
    assert "动态验证码错误" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not Event.objects.filter(verb="otp.enabled").exists()


def test_right_code_confirms_the_device_and_login_then_needs_a_code(client, users):
    # given
    client.force_login(users["caseworker"])
    client.get(OTP)
    device = TOTPDevice.objects.get(user=users["caseworker"])

    # when
    response = client.post(OTP, {"action": "confirm", "token": current_token(device)})

    # then
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert Event.objects.get(verb="otp.enabled").actor == users["caseworker"]
    client.post("/accounts/logout/")
    refused = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert "动态验证码错误" in refused.content.decode()
    assert SESSION_KEY not in client.session


def test_disable_needs_a_valid_code(client, users):
    # given
    device = TOTPDevice.objects.create(user=users["caseworker"], name="手机", confirmed=True)
    client.force_login(users["caseworker"])

    # when
    refused = client.post(OTP, {"action": "disable", "token": wrong_token(device)})
    accepted = client.post(OTP, {"action": "disable", "token": current_token(device)})

    # then
    assert "动态验证码错误" in refused.content.decode()
    assert accepted.status_code == 302
    assert not TOTPDevice.objects.filter(user=users["caseworker"]).exists()
    assert Event.objects.filter(verb="otp.disabled").count() == 1


def test_required_role_is_sent_to_enrolment_until_it_has_a_device(client, users, settings):
    # given
    settings.OTP_REQUIRED_ROLES = ["system_admin"]
    client.force_login(users["admin"])

    # when
    blocked = client.get("/")
    enrolment = client.get(OTP)
    device = TOTPDevice.objects.get(user=users["admin"])
    client.post(OTP, {"action": "confirm", "token": current_token(device)})
    allowed = client.get("/")

    # then
    assert blocked.status_code == 302
    assert blocked["Location"] == OTP
    assert enrolment.status_code == 200
    assert "您的角色必须启用动态验证码" in enrolment.content.decode()
    assert allowed.status_code == 200


def test_required_role_cannot_disable_its_device(client, users, settings):
    # given
    settings.OTP_REQUIRED_ROLES = ["system_admin"]
    device = TOTPDevice.objects.create(user=users["admin"], name="手机", confirmed=True)
    client.post(
        "/accounts/login/", {"username": "sysadmin", "password": PASSWORD, "otp_token": current_token(device)}
    )

    # when
    response = client.post(OTP, {"action": "disable", "token": "123456"})

    # then
    assert response.status_code == 200
    assert "您的角色必须使用动态验证码，不能停用" in response.content.decode()
    assert TOTPDevice.objects.filter(user=users["admin"], confirmed=True).count() == 1
    assert not Event.objects.filter(verb="otp.disabled").exists()


def test_roles_not_listed_are_not_redirected(client, users, settings):
    # given
    settings.OTP_REQUIRED_ROLES = ["system_admin"]
    client.force_login(users["caseworker"])

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200


def test_password_validator_rejects_a_simple_password_in_chinese(client, users):
    # given
    client.force_login(users["caseworker"])

    # when
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "abcdefghij", "new_password2": "abcdefghij"},
    )

    # then
    assert response.status_code == 200
    assert "密码须至少包含大写字母、小写字母、数字、符号中的三类" in response.content.decode()
    users["caseworker"].refresh_from_db()
    assert users["caseworker"].check_password(PASSWORD)
    assert not Event.objects.filter(verb="password.changed").exists()


def test_password_change_keeps_the_session_and_records_an_event(client, users):
    # given
    client.force_login(users["caseworker"])

    # when
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Stronger#2026x", "new_password2": "Stronger#2026x"},
    )

    # then
    assert response.status_code == 302
    users["caseworker"].refresh_from_db()
    assert users["caseworker"].check_password("Stronger#2026x")
    assert client.get("/").status_code == 200
    assert Event.objects.get(verb="password.changed").actor == users["caseworker"]


def test_session_expires_after_30_idle_minutes_and_each_request_renews_it(client, users, settings):
    # given
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert client.session.get_expiry_age() == 30 * 60
    session = Session.objects.get(pk=client.session.session_key)
    assert abs(session.expire_date - (timezone.now() + dt.timedelta(minutes=30))) < dt.timedelta(seconds=10)

    # when: a request one minute before expiry renews the session
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    renewed = client.get("/")

    # then
    assert renewed.status_code == 200
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + dt.timedelta(minutes=29)

    # when: 30 idle minutes have passed
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = client.get("/")

    # then
    assert expired.status_code == 302
    assert expired["Location"] == "/accounts/login/?next=/"


def test_a_new_password_may_not_repeat_a_recent_one_nor_the_published_demo_password(client, users):
    client.force_login(users["caseworker"])

    def change(old: str, new: str) -> int:
        return client.post(
            "/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new}
        ).status_code

    # the current password, and the demo password printed in the README, are refused
    same = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert same.status_code == 200
    assert "新密码不能与最近 5 次使用过的密码相同" in same.content.decode()
    published = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Minzheng@2026", "new_password2": "Minzheng@2026"},
    )
    assert "该密码已在系统文档中公开，不能使用" in published.content.decode()

    # five changes later the first password is free again, not before
    sequence = [
        PASSWORD,
        "Stronger#2026a",
        "Stronger#2026b",
        "Stronger#2026c",
        "Stronger#2026d",
        "Stronger#2026e",
    ]
    for old, new in zip(sequence, sequence[1:], strict=False):
        assert change(old, new) == 302
    assert change("Stronger#2026e", "Stronger#2026b") == 200  # among the last five
    assert change("Stronger#2026e", PASSWORD) == 302  # the sixth back is allowed
    users["caseworker"].refresh_from_db()
    assert users["caseworker"].check_password(PASSWORD)


def test_a_session_renewed_within_the_minute_is_not_written_again(client, users):
    # given: a session written 30 s ago
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    key = client.session.session_key
    written = timezone.now() + dt.timedelta(minutes=30) - dt.timedelta(seconds=30)
    Session.objects.filter(pk=key).update(expire_date=written)

    # when / then: a page leaves it as it is
    assert client.get("/").status_code == 200
    assert Session.objects.get(pk=key).expire_date == written

    # when / then: a changed session is written at once
    session = client.session
    session["marker"] = 1
    session.save()
    assert Session.objects.get(pk=key).expire_date > written + dt.timedelta(seconds=25)

    # when / then: 61 s after the last write, a page renews it
    older = timezone.now() + dt.timedelta(minutes=30) - dt.timedelta(seconds=61)
    Session.objects.filter(pk=key).update(expire_date=older)
    assert client.get("/").status_code == 200
    assert Session.objects.get(pk=key).expire_date > older + dt.timedelta(seconds=55)
