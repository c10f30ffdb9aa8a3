"""English is available: the compiled catalog translates the login page, role labels and job pages."""

from __future__ import annotations

from django.utils import translation

from minzheng.accounts.forms import ROLE_LABELS


def test_login_page_in_english(client, db):
    # when
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in</button>" in html
    assert "Staff login" in html
    assert "登录</button>" not in html


def test_wrong_password_message_in_english(client, users):
    # when
    response = client.post(
        "/accounts/login/", {"username": "caseworker", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    # then
    assert "Incorrect username or password" in response.content.decode()


def test_language_switch_by_cookie_on_the_jobs_page(client, users, settings):
    # given
    client.force_login(users["caseworker"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    response = client.get("/jobs/")

    # then
    html = response.content.decode()
    assert "Background jobs" in html
    assert "You have no background jobs yet" in html
    assert "Log out" in html


def test_role_labels_are_translated():
    # when
    with translation.override("en"):
        labels = {role: str(label) for role, label in ROLE_LABELS.items()}

    # then
    assert labels["system_admin"] == "System administrator"
    assert labels["township_caseworker"] == "Township (sub-district) caseworker"
    with translation.override("zh-hans"):
        assert str(ROLE_LABELS["auditor"]) == "审计人员"
