"""The bearer token's user is cached for a few seconds (``api_auth.api_user``); the token itself is read on
every request. A revocation, a deactivation, a role or a division change applies to the next request."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minzheng.accounts.api_auth import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db
URL = "/api/v1/households"


def client_of(users, name: str = "caseworker"):
    token, secret = api_token_create(username=users[name].username, name="对接")
    return token, Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_second_request_reads_the_token_but_not_the_user(users):
    # given
    _token, client = client_of(users)
    assert client.get(URL).status_code == 200

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)

    # then
    assert response.status_code == 200
    tables = [
        q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries if " FROM " in q["sql"]
    ]
    assert '"accounts_apitoken"' in tables
    assert '"accounts_user"' not in tables


def test_the_cached_user_holds_no_password_hash(users):
    # given
    _token, client = client_of(users)

    # when
    client.get(URL)

    # then
    cached = cache.get(f"api-user:{users['caseworker'].pk}")
    assert cached.pk == users["caseworker"].pk
    assert "password" in cached.get_deferred_fields()
    assert users["caseworker"].password not in str(pickle.dumps(cached))


def test_a_revoked_token_is_refused_at_the_next_request(users):
    # given
    token, client = client_of(users)
    assert client.get(URL).status_code == 200

    # when
    api_token_revoke(token=token)

    # then
    assert client.get(URL).status_code == 401


def test_a_deactivated_user_is_refused_at_the_next_request(users):
    # given
    _token, client = client_of(users)
    assert client.get(URL).status_code == 200

    # when
    users["caseworker"].is_active = False
    users["caseworker"].save(update_fields=["is_active"])

    # then
    assert client.get(URL).status_code == 401


def test_a_role_or_division_change_applies_to_the_next_request(users, divisions, household_factory):
    # given: a household of the caseworker's street, seen through the cached user
    household_factory()
    _token, client = client_of(users)
    assert client.get(URL).json()["count"] == 1
    caseworker = users["caseworker"]

    # when: moved to Taibus's sumu
    caseworker.division = divisions["sumu"]
    caseworker.save(update_fields=["division"])
    moved = client.get(URL).json()["count"]
    # and: made a marriage registrar (no household reads)
    caseworker.role = "marriage_registrar"
    caseworker.save(update_fields=["role"])
    demoted = client.get(URL).status_code

    # then
    assert moved == 0
    assert demoted == 403
