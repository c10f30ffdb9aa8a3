"""What the intake writes and reads, statement by statement (issue 21, bench/speed-web.md): the number is
written by the INSERT itself, and the jurisdiction is tested on the household read by its key."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minzheng.accounts.api_auth import api_token_create
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.audit.models import Event

from .test_api import home as home  # noqa: F401 - fixture
from .test_api import intake_body, today

pytestmark = pytest.mark.django_db
URL = "/api/v1/applications"


def bearer(users, name: str = "caseworker") -> Client:
    _token, secret = api_token_create(username=users[name].username, name="测试")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_number_is_written_by_the_insert_and_no_update_follows(users, home):
    # given
    client = bearer(users)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, json.dumps(intake_body(home)), content_type="application/json")

    # then
    application = Application.objects.get(household=home)
    assert response.status_code == 201
    assert application.number == f"150102-{today().year}-{application.pk:07d}"
    assert response.json()["number"] == application.number
    statements = [q["sql"] for q in queries.captured_queries if '"applications_application"' in q["sql"]]
    assert [s.split()[0] for s in statements] == ["INSERT"]


def test_a_number_past_seven_digits_is_the_id_in_full_as_before(users, home):
    # given: the sequence beyond 9,999,999 (restored afterwards; the row is rolled back with the test)
    client = bearer(users)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM applications_application_id_seq")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT setval('applications_application_id_seq', 12345677)")
    try:
        # when
        response = client.post(URL, json.dumps(intake_body(home)), content_type="application/json")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval('applications_application_id_seq', %s)", [before])

    # then
    application = Application.objects.get(household=home)
    assert (response.status_code, application.pk) == (201, 12345678)
    assert application.number == f"150102-{today().year}-12345678"
    assert response.json()["number"] == application.number


def test_a_household_outside_the_jurisdiction_is_404_as_an_unknown_one_and_nothing_is_written(users, home):
    # given: the household exists, in Xincheng; the caseworker is Taibus's
    client = bearer(users, "taibus_caseworker")
    events = Event.objects.count()

    # when
    response = client.post(URL, json.dumps(intake_body(home)), content_type="application/json")

    # then
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found", "message": "家庭不存在或不在您的管辖范围内", "field": "household_id",
    }  # fmt: skip
    assert (Application.objects.count(), ApplicationEvent.objects.count()) == (0, 0)
    assert Event.objects.count() == events
