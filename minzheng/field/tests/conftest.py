"""Fixtures of the field app tests: an older person on the assistant's visit list, an application at
家庭经济状况调查 in the caseworker's street (through the real services), API clients with a session, and
small real images."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minzheng.applications.services import ApplicationData, application_create, application_transition
from minzheng.eldercare.models import OlderPerson
from minzheng.eldercare.services.visits import visit_schedule_refresh
from minzheng.eldercare.tests.fixtures_care import make_older, set_param  # noqa: F401 - fixtures

API = "/api/v1/field"


def jpeg(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)) -> bytes:
    """A real small JPEG (Pillow is in the lock file for the PDF and QR code work)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def older(users, make_older, set_param) -> OlderPerson:  # noqa: F811 - the fixtures above
    """独居 older person in the assistant's community, on the visit list (interval 7 days)."""
    set_param("eldercare.visit.interval_days.lives_alone", 7)
    person = make_older(name="独居张奶奶", lives_alone=True)
    visit_schedule_refresh(today=timezone.localdate())
    return person


@pytest.fixture
def investigating(users, household_factory):
    """A dibao application of a household in the assistant's community, at 家庭经济状况调查."""
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    household = household_factory(head_name="王五")
    application = application_create(
        actor=users["caseworker"],
        data=ApplicationData(
            workflow="dibao",
            household_id=household.pk,
            applicant_id=household.head_id,
            channel="window",
            pledge_signed=True,
        ),
    )
    for code in ("accept", "start_investigation"):
        application_transition(actor=users["caseworker"], application_id=application.pk, code=code)
    application.refresh_from_db()
    return application


@pytest.fixture
def api_client(users) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = Client()
        client.force_login(users[name])
        return client

    return make


def envelope(photos: int = 0, base_at: dt.datetime | None = None, **fields: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "uuid": str(uuid.uuid4()),
        "saved_at": now.isoformat(),
        "base_at": (base_at or now - dt.timedelta(hours=2)).isoformat(),
        "photos": photos,
        **fields,
    }


def visit_body(older_person_id: int, photos: int = 0, **fields: Any) -> dict[str, Any]:
    return envelope(
        photos,
        older_person_id=older_person_id,
        visited_on=timezone.localdate().isoformat(),
        findings=fields.pop("findings", "老人身体尚可，独居，门锁完好"),
        health="血压偏高",
        **fields,
    )


def home_visit_body(application_id: int, photos: int = 0, **fields: Any) -> dict[str, Any]:
    return envelope(
        photos,
        application_id=application_id,
        visited_on=timezone.localdate().isoformat(),
        investigators=["李明", "赵芳"],
        members_present="王五",
        findings=fields.pop("findings", "家中无大件家电，收入情况与申报一致"),
        housing="土木结构平房两间",
        **fields,
    )
