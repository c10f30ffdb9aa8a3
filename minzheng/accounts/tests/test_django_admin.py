"""Django admin registrations: read-only registry with masked columns only, history views."""

from __future__ import annotations

import pytest

from minzheng.accounts.models import User


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password="Root#Pass2026", full_name="超级管理员")


def test_person_admin_shows_masked_values_only(client, superuser, household_factory):
    # given
    household = household_factory()
    person = household.head
    client.force_login(superuser)

    # when
    listing = client.get("/admin/registry/person/")
    detail = client.get(f"/admin/registry/person/{person.pk}/change/")
    history = client.get(f"/admin/registry/person/{person.pk}/history/")

    # then
    assert (listing.status_code, detail.status_code, history.status_code) == (200, 200, 200)
    for response in (listing, detail):
        html = response.content.decode()
        assert person.id_number_masked in html
        assert person.id_number not in html
        assert person.id_number_encrypted not in html
        assert person.id_number_index not in html
        assert "id_number_encrypted" not in html
    assert 'name="_save"' not in detail.content.decode()


def test_household_admin_hides_the_bank_account_ciphertext(client, superuser, household_factory):
    # given
    household = household_factory()
    client.force_login(superuser)

    # when
    detail = client.get(f"/admin/registry/household/{household.pk}/change/")

    # then
    html = detail.content.decode()
    assert detail.status_code == 200
    assert household.bank_account_masked in html
    assert household.bank_account_encrypted not in html
    assert "6228480012345678901" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/apitoken/",
        "/admin/divisions/division/",
        "/admin/divisions/divisioncodechange/",
        "/admin/audit/event/",
        "/admin/audit/personaldataaccess/",
        "/admin/registry/membership/",
        "/admin/registry/incomerecord/",
        "/admin/registry/assetrecord/",
        "/admin/registry/staffrelative/",
    ],
)
def test_admin_lists_open(client, superuser, divisions, url):
    # given
    client.force_login(superuser)

    # when
    response = client.get(url)

    # then
    assert response.status_code == 200


def test_division_history_is_available(client, superuser, divisions):
    # given
    client.force_login(superuser)

    # when
    response = client.get(f"/admin/divisions/division/{divisions['xincheng'].pk}/history/")

    # then
    assert response.status_code == 200
    assert "新城区" in response.content.decode()
