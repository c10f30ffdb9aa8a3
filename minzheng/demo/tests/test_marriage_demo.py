"""The marriage demo: idempotent, and every registrar page has something to show."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.demo.accounts import demo_users_ensure
from minzheng.demo.marriage import demo_marriage_ensure
from minzheng.marriage.models import (
    Appointment,
    DivorceApplication,
    ImportBatch,
    MarriageRecord,
    Office,
    Slot,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Office.objects.count(),
        Slot.objects.count(),
        Appointment.objects.count(),
        MarriageRecord.objects.count(),
        DivorceApplication.objects.count(),
        ImportBatch.objects.count(),
    )


def test_demo_marriage_is_idempotent_and_fills_the_pages(divisions, client):
    demo_users_ensure()
    lines = demo_marriage_ensure()
    first = counts()
    assert "今日新增预约 5 个" in lines[0]
    assert demo_marriage_ensure()[0].endswith("（预约人 赵志强）")
    assert counts() == first
    today = timezone.localdate()
    assert Appointment.objects.filter(slot__day=today, status="confirmed").count() == 4
    assert set(DivorceApplication.objects.values_list("status", flat=True)) == {"pending"}
    assert ImportBatch.objects.get().rows_created == 46
    client.force_login(User.objects.get(username="registrar"))
    assert client.get("/marriage/").content.decode().count("data-appointment=") == 5
    assert client.get("/marriage/divorces/").content.decode().count("data-divorce=") == 2
