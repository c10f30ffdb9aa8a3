"""English is available: the compiled catalog translates the login page, role labels and job pages."""

from __future__ import annotations

from django.utils import translation

from minzheng.accounts.forms import ROLE_LABELS


def test_login_page_in_english(client, db, settings):
    # given the language switch chose English (the cookie)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    response = client.get("/accounts/login/")

    # then
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in</button>" in html
    assert "Staff login" in html
    assert "登录</button>" not in html


def test_wrong_password_message_in_english(client, users, settings):
    # given
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    response = client.post("/accounts/login/", {"username": "caseworker", "password": "wrong"})

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


def test_an_english_browser_still_gets_chinese(client, users):
    """A Chinese bureau's system starts in Chinese; the browser's Accept-Language is not consulted."""
    # when
    login = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(users["caseworker"])
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    # then
    assert '<html lang="zh-hans">' in login.content.decode()
    assert "登录</button>" in login.content.decode()
    assert "工作台" in home.content.decode()
    assert "Log out" not in home.content.decode()


def test_the_language_switch_is_remembered_on_the_account(users, settings):
    from django.test import Client

    from minzheng.accounts.models import User

    # given the caseworker switches to English on one computer
    first = Client()
    first.force_login(users["caseworker"])
    switched = first.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # when the caseworker signs in on another computer (no cookie) with a Chinese browser
    second = Client()
    second.force_login(users["caseworker"])
    home = second.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    # then the account remembers English; another user is unaffected; switching back is remembered too
    assert switched.status_code == 302
    assert User.objects.get(pk=users["caseworker"].pk).language == "en"
    assert "Log out" in home.content.decode()
    other = Client()
    other.force_login(users["reviewer"])
    assert "退出" in other.get("/").content.decode()
    second.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert User.objects.get(pk=users["caseworker"].pk).language == "zh-hans"


def test_an_unknown_language_is_ignored(client, users, settings):
    # given a tampered cookie and a tampered switch
    client.force_login(users["caseworker"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    # then the interface stays Chinese and nothing is stored
    from minzheng.accounts.models import User

    assert response.status_code == 302
    assert User.objects.get(pk=users["caseworker"].pk).language == ""
    assert "工作台" in client.get("/").content.decode()
