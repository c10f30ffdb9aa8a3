"""Fixtures of the petitions tests: the built-in 信访 limits, a petition handler at the Xincheng county and a
``register`` helper that files a matter through the real service."""

from __future__ import annotations

import pytest

from conftest import id_number
from minzheng.petitions.scan import petitions_parameters_load
from minzheng.petitions.services import PetitionData, petition_register

PETITIONER_ID = id_number("150102", seq=901)


@pytest.fixture
def ready(divisions, users, make_user):
    petitions_parameters_load()
    users["handler"] = make_user("handler", "petition_handler", divisions["xincheng"])
    users["handler2"] = make_user("handler2", "petition_handler", divisions["xincheng"])
    users["caseworker2"] = make_user("caseworker2", "township_caseworker", divisions["street"])
    return users


@pytest.fixture
def register(ready):
    def make(actor=None, **overrides):
        fields = {
            "channel": "window",
            "kind": "complaint",
            "matter_type": "assistance",
            "subject": "低保审核不公",
            "content": "我家申请低保被拒，认为收入核算有误。",
            "name": "王秀英",
            "id_number": PETITIONER_ID,
            "phone": "13800001111",
        }
        fields.update(overrides)
        return petition_register(actor=actor or ready["handler"], data=PetitionData(**fields))

    return make


PORTAL_PHONE = "13912340000"


@pytest.fixture
def home(household_factory):
    """A Xincheng household whose head 李桂兰 has a phone on file, with a 低保 application."""
    return household_factory(head_name="李桂兰", id_number=id_number("150102", seq=41), phone=PORTAL_PHONE)


@pytest.fixture
def application(ready, home):
    from minzheng.applications.tests.test_workflows import apply

    return apply(ready, home)


@pytest.fixture
def portal_client(client, home):
    """A test client signed in on the portal as the head of ``home`` (a bound account)."""
    from django.utils import timezone

    from minzheng.common import crypto
    from minzheng.common.masking import mask_phone
    from minzheng.portal.auth import SESSION_KEY
    from minzheng.portal.models import PortalAccount

    person = home.head
    account = PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(PORTAL_PHONE),
        phone_index=crypto.blind_index(PORTAL_PHONE, purpose="phone"),
        phone_masked=mask_phone(PORTAL_PHONE),
        name=person.name,
        id_number_encrypted=person.id_number_encrypted,
        id_number_index=person.id_number_index,
        id_number_masked=person.id_number_masked,
        person=person,
        bound_at=timezone.now(),
    )
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    client.account = account
    return client
