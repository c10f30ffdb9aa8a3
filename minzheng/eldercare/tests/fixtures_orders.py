"""Fixtures of the providers and orders tests (import them in a test module: ``from
minzheng.eldercare.tests.fixtures_orders import *``). Older people are made with the model directly (the
people part's refresh is another engineer's; this is test set-up)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import id_number

FAMILY_PHONE = "13900001111"
HOME = (Decimal("40.842000"), Decimal("111.749000"))  # a point in Hohhot's Xincheng district
CREDIT_CODE = "91110000600037341L"
CREDIT_CODE_2 = "91150102MA0N1B2C3X"


def valid_credit_code(body: str) -> str:
    """The 18-character code with the right check character for a 17-character body (GB 32100-2015)."""
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


@pytest.fixture
def evv_parameters(divisions):
    """The EVV limits in force for the whole region: 500 m, ±30 min, half the standard time, 60 min grace."""
    from minzheng.policy.models import Parameter

    values = {
        "eldercare.evv_distance_m": 500,
        "eldercare.evv_window_tolerance_minutes": 30,
        "eldercare.evv_short_service_ratio": "0.5",
        "eldercare.no_show_grace_minutes": 60,
    }
    for key, value in values.items():
        Parameter.objects.create(
            key=key,
            division=divisions["region"],
            valid_from=dt.date(2020, 1, 1),
            value=value,
            status="unconfirmed",
            source="测试",
            version=1,
        )
    return values


@pytest.fixture
def older(household_factory, divisions):
    """李桂兰, 76, living in 锡林南路社区 with home coordinates."""
    from minzheng.eldercare.models import OlderPerson

    birth = dt.date(1950, 3, 9)
    household = household_factory(
        head_name="李桂兰", id_number=id_number("150102", birth, 41), birth_date=birth, phone="13911112222"
    )
    from minzheng.registry.models import Person

    person = Person.objects.get(name="李桂兰")
    return OlderPerson.objects.create(
        person=person,
        household=household,
        division=divisions["community"],
        birth_date=birth,
        home_latitude=HOME[0],
        home_longitude=HOME[1],
        refreshed_on=timezone.localdate(),
    )


@pytest.fixture
def family(older):
    """A portal account of the daughter (phone FAMILY_PHONE), a care contact who may order."""
    from minzheng.common import crypto
    from minzheng.common.masking import mask_phone
    from minzheng.eldercare.models import CareContact
    from minzheng.portal.models import PortalAccount
    from minzheng.registry.services import PHONE_INDEX

    index = crypto.blind_index(FAMILY_PHONE, purpose=PHONE_INDEX)
    CareContact.objects.create(
        older_person=older,
        name="王小红",
        relation="child",
        phone_encrypted=crypto.encrypt(FAMILY_PHONE),
        phone_index=index,
        phone_masked=mask_phone(FAMILY_PHONE),
        is_guardian=True,
    )
    return PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(FAMILY_PHONE), phone_index=index, phone_masked=mask_phone(FAMILY_PHONE)
    )


@pytest.fixture
def provider(divisions):
    """幸福里居家养老服务中心, registered in Xincheng, serving the sub-district, with a meal and a cleaning item."""
    from minzheng.eldercare.models import Provider, ProviderArea, ServiceItem

    provider = Provider.objects.create(
        name="幸福里居家养老服务中心", credit_code=CREDIT_CODE, division=divisions["xincheng"]
    )
    ProviderArea.objects.create(provider=provider, division=divisions["street"])
    ServiceItem.objects.create(
        provider=provider,
        kind="meal",
        name="老年助餐（午餐）",
        unit="meals",
        price=Decimal("15.00"),
        co_payment=Decimal("3.00"),
        standard_minutes=30,
    )
    ServiceItem.objects.create(
        provider=provider,
        kind="cleaning",
        name="居家助洁",
        unit="hours",
        price=Decimal("40.00"),
        co_payment=Decimal("0.00"),
        standard_minutes=120,
    )
    return provider


@pytest.fixture
def far_provider(divisions):
    """A provider serving only Taibus's sumu — outside the older person's village."""
    from minzheng.eldercare.models import Provider, ProviderArea, ServiceItem

    provider = Provider.objects.create(
        name="宝昌镇养老服务站",
        credit_code=valid_credit_code("52152527MJ0000001"),
        division=divisions["taibus"],
    )
    ProviderArea.objects.create(provider=provider, division=divisions["sumu"])
    ServiceItem.objects.create(
        provider=provider, kind="meal", name="助餐", unit="meals", price=Decimal("12.00"), standard_minutes=30
    )
    return provider


@pytest.fixture
def worker(provider, make_user, divisions):
    from minzheng.eldercare.models import CareWorker

    user = make_user("careworker", "care_provider", divisions["xincheng"])
    return CareWorker.objects.create(provider=provider, name="赵师傅", user=user, phone_masked="139****0000")


def meal(provider):
    return provider.items.get(kind="meal")


def window(hours_from_now: float = 2, minutes: int = 60) -> tuple[dt.datetime, dt.datetime]:
    start = (timezone.now() + dt.timedelta(hours=hours_from_now)).replace(second=0, microsecond=0)
    return start, start + dt.timedelta(minutes=minutes)


def tiny_jpeg() -> bytes:
    """A valid 1×1 JPEG (what the browser's canvas compression produces, in small)."""
    import base64

    return base64.b64decode(
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////"
        "////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAA//EABQQAQAAAAAAAAAAAAAAAAAA"
        "AAD/2gAIAQEAAD8AN//Z"
    )


@pytest.fixture
def outbox():
    from minzheng.portal import sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
