"""Staff administration by system administrators, limited to their division subtree."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from minzheng.accounts.models import User
from minzheng.accounts.services import StaffData, user_create
from minzheng.accounts.tests.test_login import PASSWORD
from minzheng.audit.models import Event
from minzheng.common.errors import PermissionDenied

NEW_USER = {
    "username": "new_caseworker",
    "full_name": "王五",
    "role": "township_caseworker",
    "division_code": "150102001000",
    "password1": "Welcome#2026a",
    "password2": "Welcome#2026a",
    "is_active": "on",
}


@pytest.fixture
def county_admin(make_user, divisions):
    """A system administrator of Xincheng district only."""
    return make_user("xc_admin", "system_admin", divisions["xincheng"])


def test_admin_creates_a_user_inside_the_division(client, county_admin):
    # given
    client.force_login(county_admin)

    # when
    response = client.post("/accounts/users/new/", NEW_USER)

    # then
    assert response.status_code == 302
    created = User.objects.get(username="new_caseworker")
    assert (created.full_name, created.role, created.division.code, created.is_active) == (
        "王五",
        "township_caseworker",
        "150102001000",
        True,
    )
    assert created.check_password("Welcome#2026a")
    event = Event.objects.get(verb="user.created")
    assert (event.actor, event.object_id, event.division_code) == (
        county_admin,
        str(created.pk),
        "150102001000",
    )


def test_admin_cannot_create_a_user_outside_the_division(client, county_admin):
    # given
    client.force_login(county_admin)
    users_before = User.objects.count()

    # when: Taibus banner is in another league
    response = client.post("/accounts/users/new/", {**NEW_USER, "division_code": "152527000000"})

    # then
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert User.objects.count() == users_before
    assert not Event.objects.exists()


def test_service_refuses_a_division_outside_the_scope(county_admin):
    # when
    with pytest.raises(PermissionDenied) as raised:
        user_create(
            actor=county_admin,
            username="outsider",
            password="Welcome#2026a",
            data=StaffData(full_name="外旗", role="county_approver", division_code="152527000000"),
        )

    # then
    assert raised.value.field == "division_code"
    assert raised.value.message == (
        "区划 太仆寺旗（152527000000）不在您的管辖范围内，不能在此创建或管理工作人员"
    )
    assert not User.objects.filter(username="outsider").exists()


def test_create_form_applies_the_password_validators(client, county_admin):
    # given
    client.force_login(county_admin)

    # when
    response = client.post(
        "/accounts/users/new/", {**NEW_USER, "password1": "abcdefghij", "password2": "abcdefghij"}
    )

    # then
    assert "密码须至少包含大写字母、小写字母、数字、符号中的三类" in response.content.decode()
    assert not User.objects.filter(username="new_caseworker").exists()


def test_duplicate_username_is_refused(client, county_admin, users):
    # given
    client.force_login(county_admin)

    # when
    response = client.post("/accounts/users/new/", {**NEW_USER, "username": "caseworker"})

    # then
    assert "用户名已存在：caseworker" in response.content.decode()
    assert User.objects.filter(username="caseworker").count() == 1


def test_list_shows_only_staff_of_the_subtree(client, county_admin, users):
    # given
    client.force_login(county_admin)

    # when
    response = client.get("/accounts/users/")

    # then
    page = response.context["page"]
    assert sorted(user.username for user in page) == [
        "assistant",
        "caseworker",
        "county",
        "reviewer",
        "xc_admin",
    ]


def test_admin_edits_role_and_division_of_a_user(client, county_admin, users):
    # given
    client.force_login(county_admin)
    target = users["assistant"]

    # when
    response = client.post(
        f"/accounts/users/{target.pk}/",
        {
            "full_name": "李四",
            "role": "township_reviewer",
            "division_code": "150102001000",
            "is_active": "on",
        },
    )

    # then
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.full_name, target.role, target.division.code) == (
        "李四",
        "township_reviewer",
        "150102001000",
    )
    event = Event.objects.get(verb="user.updated")
    assert event.data["before"]["role"] == "village_assistant"
    assert event.data["after"]["role"] == "township_reviewer"


def test_admin_cannot_open_or_change_a_user_of_another_division(client, county_admin, users):
    # given
    client.force_login(county_admin)
    target = users["taibus_county"]

    # when
    page = client.get(f"/accounts/users/{target.pk}/")
    deactivate = client.post(f"/accounts/users/{target.pk}/deactivate/")

    # then
    assert page.status_code == 404
    assert deactivate.status_code == 404
    target.refresh_from_db()
    assert target.is_active is True
    assert not Event.objects.exists()


def test_deactivated_user_can_no_longer_log_in(client, county_admin, users):
    # given
    client.force_login(county_admin)

    # when
    response = client.post(f"/accounts/users/{users['caseworker'].pk}/deactivate/")

    # then
    assert response.status_code == 302
    users["caseworker"].refresh_from_db()
    assert users["caseworker"].is_active is False
    other = Client()
    other.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert SESSION_KEY not in other.session


def test_admin_cannot_deactivate_itself(client, county_admin):
    # given
    client.force_login(county_admin)

    # when
    client.post(f"/accounts/users/{county_admin.pk}/deactivate/")

    # then
    county_admin.refresh_from_db()
    assert county_admin.is_active is True


def test_admin_unlocks_a_locked_out_user(client, county_admin, users):
    # given: the caseworker locked themselves out
    victim = Client()
    for _ in range(5):
        victim.post("/accounts/login/", {"username": "caseworker", "password": "wrong-password"})
    client.force_login(county_admin)
    listing = client.get("/accounts/users/?query=caseworker")
    assert [row["locked"] for row in listing.context["rows"]] == [True]

    # when
    response = client.post(f"/accounts/users/{users['caseworker'].pk}/unlock/")

    # then
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="caseworker").exists()
    login = victim.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert login.status_code == 302
    assert Event.objects.get(verb="user.unlocked").data == {"attempts_removed": 1}


@pytest.mark.parametrize("name", ["caseworker", "auditor", "region"])
def test_other_roles_cannot_manage_users(client, users, name):
    # given
    client.force_login(users[name])

    # when
    listing = client.get("/accounts/users/")
    creating = client.post("/accounts/users/new/", NEW_USER)

    # then
    assert listing.status_code == 403
    assert creating.status_code == 403
    assert not User.objects.filter(username="new_caseworker").exists()
