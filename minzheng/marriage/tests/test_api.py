"""The read-only JSON API: the registrar's offices, a day's appointments (masked), divorce applications with
their dates; another county's office is 404, other roles 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from minzheng.accounts.api_auth import api_token_create
from minzheng.marriage import services

from .conftest import man_id, slot_of, woman_id

pytestmark = pytest.mark.django_db


def bearer(user) -> Client:
    _token, secret = api_token_create(username=user.username, name="测试")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_offices_appointments_and_divorces(office, taibus_office, registrars, couple, users):
    slot = slot_of(office, "marriage")
    services.appointment_book(
        account=couple["he"],
        slot_id=slot.pk,
        service="marriage",
        partner=services.PartnerInput("李小红", woman_id(), "13900000002"),
    )
    services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=services.CoupleInput("周一", man_id(61), "吴二", woman_id(62)),
        marriage_certificate="J1",
        agreement_signed=True,
        both_present=True,
        on=dt.date(2026, 1, 30),
    )
    api = bearer(registrars["xincheng"])
    offices = api.get("/api/v1/marriage/offices").json()
    assert [o["name"] for o in offices] == ["新城区婚姻登记处"]
    queue = api.get(f"/api/v1/marriage/offices/{office.pk}/appointments?day={slot.day}").json()
    assert [(a["status"], a["partner_name"]) for a in queue] == [("pending", "李小红")]
    assert "*" in queue[0]["partner_id_masked"]
    divorces = api.get("/api/v1/marriage/divorces?status=").json()["results"]
    assert [(d["withdraw_until"], d["register_by"]) for d in divorces] == [("2026-03-02", "2026-04-01")]
    assert api.get(f"/api/v1/marriage/offices/{taibus_office.pk}/appointments").status_code == 404
    assert bearer(users["county"]).get("/api/v1/marriage/offices").status_code == 403
