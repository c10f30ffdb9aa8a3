"""Lockout behind a reverse proxy (keyed on the forwarded client address only from a trusted proxy) and the
password-length message in Chinese (issue 16, informational findings)."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from minzheng.accounts.tests.test_login import PASSWORD, post_login

PROXY = "10.0.0.5"


def test_one_client_behind_the_proxy_is_locked_the_other_is_not(users, settings):
    # given: both come through the same trusted proxy, from different client addresses
    settings.MINZHENG_TRUSTED_PROXIES = ["10.0.0.0/24"]
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20, 10.0.0.9")

    # when: the attacker exhausts the attempts on the caseworker's account
    for _ in range(5):
        post_login(attacker, "caseworker", "wrong-password")
    locked = post_login(attacker, "caseworker", PASSWORD)
    allowed = post_login(colleague, "caseworker", PASSWORD)

    # then
    assert locked.status_code == 429
    assert allowed.status_code == 302
    assert colleague.session[SESSION_KEY] == str(users["caseworker"].pk)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]


def test_forwarded_header_from_an_untrusted_address_is_ignored(users, settings):
    # given: no proxy configured, so a client cannot escape its lockout by inventing X-Forwarded-For
    settings.MINZHENG_TRUSTED_PROXIES = []
    for n in range(5):
        post_login(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "caseworker", "x")

    # when
    response = post_login(
        Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.99"), "caseworker", PASSWORD
    )

    # then
    assert response.status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]


def test_too_short_password_is_refused_in_chinese(client, users):
    # given
    client.force_login(users["caseworker"])

    # when
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Ab#12cd", "new_password2": "Ab#12cd"},
    )

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "密码太短，至少须 10 个字符" in html
    assert "too short" not in html
    users["caseworker"].refresh_from_db()
    assert users["caseworker"].check_password(PASSWORD)
