"""Two-factor authentication enforced for approval and payment roles (issue 16, 等保三级; ADR 0026)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.tests.test_login import PASSWORD, current_token, post_login

MESSAGE = "您的岗位须使用动态验证码，请先完成动态验证码验证再执行此操作"


@pytest.fixture
def required(settings):
    settings.MINZHENG_REQUIRE_2FA = True
    settings.OTP_REQUIRED_ROLES = []


def test_approver_without_a_device_is_sent_to_enrol_with_an_inline_qr_code(client, users, required):
    # when
    login = post_login(client, "county", PASSWORD)
    home = client.get("/")
    payrolls = client.get("/payments/")
    enrolment = client.get("/accounts/otp/")

    # then
    assert login.status_code == 302
    assert (home.status_code, home["Location"]) == (302, "/accounts/otp/")
    assert (payrolls.status_code, payrolls["Location"]) == (302, "/accounts/otp/")
    html = enrolment.content.decode()
    assert "<svg" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "您的角色必须启用动态验证码" in html

    # when: the code from the authenticator confirms the device and verifies the session
    device = TOTPDevice.objects.get(user=users["county"])
    client.post("/accounts/otp/", {"action": "confirm", "token": current_token(device)})

    # then
    assert client.get("/payments/").status_code == 200


def test_unverified_approver_cannot_approve_or_generate_by_page_or_api(client, users, divisions, required):
    # given: logged in by password only (no device yet)
    post_login(client, "county", PASSWORD)

    # when
    page = client.post("/payments/generate/", {"county": divisions["xincheng"].pk, "month": "2026-01"})
    action = client.post("/payments/1/actions/approve/")
    api = client.post(
        "/api/v1/payrolls",
        {"county": divisions["xincheng"].code, "month": "2026-01"},
        content_type="application/json",
    )

    # then
    for response in (page, action):
        assert response.status_code == 403
        assert MESSAGE in response.content.decode()
    assert api.status_code == 403
    assert api.json() == {"code": "second_factor_required", "message": MESSAGE, "field": None}
    from minzheng.payments.models import Payroll

    assert not Payroll.objects.exists()


def test_approver_with_a_device_must_give_the_code_before_any_page(client, users, required):
    # given
    device = TOTPDevice.objects.create(user=users["county"], name="手机", confirmed=True)

    # when: a session that skipped the code (e.g. logged in before the device was confirmed)
    client.force_login(users["county"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/payments/")
    refused = post_login(client, "county", PASSWORD)
    accepted = post_login(client, "county", PASSWORD, current_token(device))

    # then
    assert (page.status_code, page["Location"]) == (302, "/accounts/login/?next=/payments/")
    assert "动态验证码错误" in refused.content.decode()
    assert accepted.status_code == 302
    assert client.get("/payments/").status_code == 200


def test_payment_and_approval_roles_need_it_other_roles_do_not(client, users, required, otp_login):
    from minzheng.accounts.second_factor import second_factor_required

    # then
    needing = {name for name, user in users.items() if second_factor_required(user)}
    assert needing == {"county", "taibus_county", "reviewer"}
    client.force_login(users["caseworker"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/").status_code == 200
    otp_login(client, users["county"])
    assert client.get("/payments/").status_code == 200


def test_switched_off_it_warns_at_start_and_does_not_redirect(client, users, settings, capsys):
    # given
    settings.MINZHENG_REQUIRE_2FA = False

    # when
    call_command("check")
    client.force_login(users["county"], backend="django.contrib.auth.backends.ModelBackend")

    # then
    assert "minzheng.W201" in capsys.readouterr().err
    assert client.get("/payments/").status_code == 200
