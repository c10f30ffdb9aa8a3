"""A township user sees its county's payrolls, but the line count and total of its own township only
(issue 16, informational finding): list page, API and export."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from minzheng.divisions.models import Division
from minzheng.payments import services

from .factories import enrol, month

pytestmark = pytest.mark.django_db

JAN = month(2026, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def payroll(users, divisions, household_factory):
    other = Division.objects.create(
        code="150102002000", name="锡林路街道", level=4, parent=divisions["xincheng"], source="test"
    )
    enrol(household_factory(head_name="赵一"), divisions["street"], "500.00", JAN)
    enrol(household_factory(head_name="钱二"), other, "300.00", JAN)
    return services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)


def _row(html: str, payroll_id: int) -> str:
    start = html.index(f'data-payroll="{payroll_id}"')
    return html[start : html.index("</tr>", start)]


def test_township_user_sees_its_own_share_county_user_the_whole(users, payroll):
    # given
    township, county = client_for(users["caseworker"]), client_for(users["county"])

    # when
    township_row = _row(township.get("/payments/").content.decode(), payroll.pk)
    county_row = _row(county.get("/payments/").content.decode(), payroll.pk)
    township_api = township.get("/api/v1/payrolls").json()["items"][0]
    detail_api = township.get(f"/api/v1/payrolls/{payroll.pk}").json()
    export = township.get("/payments/?format=xlsx")

    # then
    assert ">1</td>" in township_row
    assert ">500.00</td>" in township_row
    assert "800.00" not in township_row
    assert ">2</td>" in county_row
    assert ">800.00</td>" in county_row
    assert (township_api["line_count"], Decimal(str(township_api["total_amount"]))) == (1, Decimal("500.00"))
    assert (detail_api["line_count"], Decimal(str(detail_api["total_amount"]))) == (1, Decimal("500.00"))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][4:6] == (1, 500)
    payroll.refresh_from_db()
    assert (payroll.line_count, payroll.total_amount) == (2, Decimal("800.00"))
