"""Fixtures of the online-application tests (救助通 part 2): portal accounts signed in through the session
(as the sign-in service leaves them), a temporary MEDIA_ROOT with the EICAR fake scanner, the SMS test
outbox, sample files made here, and households and applications created through the real services.

Test modules import what they use from here (conftest.py belongs to the sign-in work)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from conftest import id_number
from minzheng.common import crypto
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.portal import apply, sms
from minzheng.portal.auth import SESSION_KEY
from minzheng.portal.models import PortalAccount
from minzheng.registry.services import ID_INDEX, PHONE_INDEX

APPLICANT_PHONE = "13912345678"
OTHER_PHONE = "13687654321"
NEW_PHONE = "15011112222"
NEW_ID = id_number("150102", dt.date(1975, 3, 9), 41)  # 王芳, not in the registry
CHILD_ID = id_number("150102", dt.date(2012, 6, 1), 42)


def png_bytes(colour: str = "red", size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def make_account(phone: str, *, person: Any = None, id_number: str = "", name: str = "") -> PortalAccount:
    """An account as sign-in (and binding, when ``person`` is given) leave it."""
    number = id_number or (person.id_number if person is not None else "")
    return PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(phone), phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX),
        phone_masked=mask_phone(phone), person=person, bound_at=timezone.now() if person else None,
        id_number_encrypted=crypto.encrypt(number) if number else "",
        id_number_index=crypto.blind_index(number, purpose=ID_INDEX) if number else "",
        id_number_masked=mask_id_number(number) if number else "", name=name or (person.name if person else ""),
    )  # fmt: skip


def portal_client(account: PortalAccount) -> Client:
    """A browser signed in as ``account`` (the session key the sign-in service sets)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_SCANNER = "minzheng.documents.scanning.EicarScanner"
    settings.DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.DOCUMENT_SCAN_FAIL_OPEN = False
    return settings.MEDIA_ROOT


@pytest.fixture
def outbox(settings) -> list[sms.OutboxEntry]:
    settings.PORTAL_SMS_GATEWAY = "minzheng.portal.sms.OutboxGateway"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture
def home(household_factory):
    """李四's household in 锡林南路社区 (Xincheng), registered by the caseworker, with his mobile on file."""
    return household_factory(head_name="李四", phone=APPLICANT_PHONE,
                             id_number=id_number("150102", dt.date(1968, 8, 8), 21))  # fmt: skip


@pytest.fixture
def account(home, media, outbox) -> PortalAccount:
    """李四's portal account, bound to him."""
    return make_account(APPLICANT_PHONE, person=home.head)


@pytest.fixture
def other_home(household_factory):
    return household_factory(head_name="赵六", phone=OTHER_PHONE,
                             id_number=id_number("150102", dt.date(1959, 1, 2), 23))  # fmt: skip


@pytest.fixture
def new_account(divisions, media, outbox) -> PortalAccount:
    """王芳 signed in with a phone and her ID number; nobody of her household is in the registry."""
    return make_account(NEW_PHONE, id_number=NEW_ID, name="王芳")


def fill_bound_dibao(account: PortalAccount) -> int:
    """A complete 低保 draft of a bound account through the services; returns its id."""
    draft = apply.draft_start(account=account, workflow="dibao")
    save = apply.draft_section_save
    save(account=account, pk=draft.pk, section="household", values={"confirmed": True, "note": ""})
    save(account=account, pk=draft.pk, section="income", values={"wage": "800", "pension": "300.50"})
    save(account=account, pk=draft.pk, section="assets",
         values={"deposit": "2000", "vehicle_count": 0, "house_count": 1, "house_area": "60"})  # fmt: skip
    save(account=account, pk=draft.pk, section="pledge", values={"pledge": True, "authorisation": True})
    return draft.pk


def new_household_values(**overrides: Any) -> dict[str, Any]:
    return {
        "village_code": "150102001002", "address": "东风路 8 号",
        "members": [
            {"name": "王芳", "id_number": NEW_ID, "relation": "head", "employment_status": "unemployed"},
            {"name": "王小明", "id_number": CHILD_ID, "relation": "son", "employment_status": "student"},
        ],
        "note": "", **overrides,
    }  # fmt: skip
