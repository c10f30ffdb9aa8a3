"""Fixtures of the marriage tests: registrars of two counties, an office with slots, portal accounts with
a claimed identity, and the built-in parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.common import crypto
from minzheng.common.identity import make_resident_id
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.marriage import services
from minzheng.marriage.models import Office, Slot
from minzheng.portal.models import PortalAccount
from minzheng.registry.services import ID_INDEX, PHONE_INDEX

PLAN = [
    {"service": "marriage", "starts_at": "09:00", "ends_at": "10:00", "capacity": 3},
    {"service": "divorce_application", "starts_at": "09:00", "ends_at": "10:00", "capacity": 2},
    {"service": "divorce_registration", "starts_at": "14:00", "ends_at": "15:00", "capacity": 2},
    {"service": "reissue", "starts_at": "14:00", "ends_at": "15:00", "capacity": 2},
]


def man_id(seq: int = 11, birth: dt.date = dt.date(1995, 3, 4)) -> str:
    return make_resident_id("150102", birth, seq if seq % 2 else seq + 1)


def woman_id(seq: int = 12, birth: dt.date = dt.date(1997, 6, 8)) -> str:
    return make_resident_id("150102", birth, seq if seq % 2 == 0 else seq + 1)


@pytest.fixture
def registrars(divisions, make_user):
    return {
        "xincheng": make_user("registrar", "marriage_registrar", divisions["xincheng"]),
        "taibus": make_user("registrar_taibus", "marriage_registrar", divisions["taibus"]),
    }


@pytest.fixture
def parameters(divisions):
    services.marriage_parameters_load()


@pytest.fixture
def office(registrars, parameters, divisions) -> Office:
    return services.office_create(
        actor=registrars["xincheng"], division=divisions["xincheng"], name="新城区婚姻登记处", slot_plan=PLAN
    )


@pytest.fixture
def taibus_office(registrars, parameters, divisions) -> Office:
    return services.office_create(
        actor=registrars["taibus"], division=divisions["taibus"], name="太仆寺旗婚姻登记处", slot_plan=PLAN
    )


def slot_of(office: Office, service: str, day: dt.date | None = None) -> Slot:
    """A slot of ``service`` on ``day`` (tomorrow by default), made directly for the test."""
    from django.utils import timezone

    day = day or timezone.localdate() + dt.timedelta(days=1)
    entry = next(e for e in PLAN if e["service"] == service)
    slot, _ = Slot.objects.get_or_create(
        office=office,
        day=day,
        service=service,
        starts_at=dt.time.fromisoformat(entry["starts_at"]),
        defaults={"ends_at": dt.time.fromisoformat(entry["ends_at"]), "capacity": entry["capacity"]},
    )
    return slot


_phone_counter = {"n": 0}


def portal_person(name: str, id_number: str, phone: str | None = None) -> PortalAccount:
    """A portal account signed in by phone with a claimed identity (what ``account_bind`` stores)."""
    _phone_counter["n"] += 1
    phone = phone or f"139{_phone_counter['n']:08d}"
    return PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(phone),
        phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX),
        phone_masked=mask_phone(phone),
        name=name,
        id_number_encrypted=crypto.encrypt(id_number),
        id_number_index=crypto.blind_index(id_number, purpose=ID_INDEX),
        id_number_masked=mask_id_number(id_number),
    )


@pytest.fixture
def couple(db):
    """He books, she confirms."""
    return {
        "he": portal_person("王大明", man_id(), "13900000001"),
        "she": portal_person("李小红", woman_id(), "13900000002"),
    }
