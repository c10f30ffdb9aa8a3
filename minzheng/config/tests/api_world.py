"""The data the API fuzz test (test_api_fuzz.py) runs against: one of everything an operation can reach,
made through the real services where they exist (ORM only for rows that have no service of their own,
as the enrolment and payments tests do). Built once per test module inside one transaction that is rolled
back at the end, so the operations' tests see it and nothing outlives the module."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
from django.utils import timezone
from PIL import Image

from conftest import id_number
from minzheng.accounts.api_auth import api_token_create
from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.masking import mask_phone
from minzheng.divisions.models import Division

PHONE = "13912345678"
PASSWORD = "Test@Pass2026"


@dataclass
class World:
    """What the fuzz test needs: credentials, and a real id for every path and body parameter name."""

    token: str  # bearer token of a county approver (every staff capability the API checks)
    portal_cookies: dict[str, str]
    csrf: str
    ids: dict[str, int] = field(default_factory=dict)
    feed: str = "unemployment"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _divisions() -> dict[str, Division]:
    """The small tree of the root conftest: Xincheng (urban) and Taibus (rural)."""
    tree = [
        ("region", "150000000000", "内蒙古自治区", 1, None, ""),
        ("hohhot", "150100000000", "呼和浩特市", 2, "region", ""),
        ("xincheng", "150102000000", "新城区", 3, "hohhot", ""),
        ("street", "150102001000", "海拉尔东路街道", 4, "xincheng", ""),
        ("community", "150102001001", "锡林南路社区居委会", 5, "street", "urban"),
        ("community2", "150102001002", "东风路社区居委会", 5, "street", "urban"),
        ("xilingol", "152500000000", "锡林郭勒盟", 2, "region", ""),
        ("taibus", "152527000000", "太仆寺旗", 3, "xilingol", ""),
        ("sumu", "152527201000", "贡宝拉格苏木", 4, "taibus", ""),
        ("gacha", "152527201206", "敦达乌苏嘎查", 5, "sumu", "rural"),
    ]
    made: dict[str, Division] = {}
    for key, code, name, level, parent, urban_rural in tree:
        made[key] = Division.objects.create(
            code=code,
            name=name,
            level=level,
            parent=made.get(parent or ""),
            urban_rural=urban_rural,
            source="test",
        )
    return made


def _users(divisions: dict[str, Division]) -> dict[str, User]:
    roles = {
        "caseworker": ("township_caseworker", "street"),
        "county": ("county_approver", "xincheng"),
        "region": ("region_supervisor", "region"),
    }
    return {
        name: User.objects.create_user(
            username=f"fuzz_{name}", password=PASSWORD, role=role, division=divisions[place], full_name=name
        )
        for name, (role, place) in roles.items()
    }


def _household(users: dict[str, User]) -> Any:
    from minzheng.registry import services

    household = services.household_create(
        actor=users["caseworker"],
        household=services.HouseholdData(
            hukou_division_code="150102001001", bank_name="中国农业银行", bank_account="6228480012345678901"
        ),
        head=services.PersonData(
            name="李桂兰", id_number=id_number("150102", dt.date(1975, 3, 9), 41), employment_status="unemployed",
            phone=PHONE,
        ),
        joined_on=dt.date(2020, 1, 1),
    )  # fmt: skip
    services.person_add_to_household(
        actor=users["caseworker"], household=household, relation="son", joined_on=dt.date(2020, 1, 1),
        data=services.PersonData(name="李明", id_number=id_number("150102", dt.date(2012, 6, 1), 42),
                                 employment_status="student"),
    )  # fmt: skip
    household.refresh_from_db()
    return household


def _application(users: dict[str, User], household: Any) -> Any:
    from minzheng.applications.services import ApplicationData, application_create

    return application_create(
        actor=users["caseworker"],
        data=ApplicationData(workflow="dibao", household_id=household.pk, applicant_id=household.head_id,
                             channel="window", pledge_signed=True, submitted_on=timezone.localdate()),
    )  # fmt: skip


def _enrolment(divisions: dict[str, Division], household: Any) -> Any:
    from minzheng.enrolments.models import Enrolment, EntitlementPeriod

    starts = dt.date(2026, 1, 1)
    enrolment = Enrolment.objects.create(
        programme="dibao", household=household, division=divisions["street"], source="application",
        status="active", starts_month=starts, monthly_amount=Decimal("600.00"),
    )  # fmt: skip
    EntitlementPeriod.objects.create(
        enrolment=enrolment, from_month=starts, monthly_amount=Decimal("600.00"), reason="测试"
    )
    return enrolment


def _portal(household: Any) -> tuple[Any, dict[str, str], str]:
    """A portal account bound to the head, signed in (session row) with a CSRF secret."""
    from minzheng.portal.auth import SESSION_KEY
    from minzheng.portal.models import PortalAccount
    from minzheng.registry.services import PHONE_INDEX

    head = household.head
    account = PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(PHONE), phone_index=crypto.blind_index(PHONE, purpose=PHONE_INDEX),
        phone_masked=mask_phone(PHONE), name=head.name, id_number_encrypted=head.id_number_encrypted,
        id_number_index=head.id_number_index, id_number_masked=head.id_number_masked, person=head,
        bound_at=timezone.now(),
    )  # fmt: skip
    session = SessionStore()
    session[SESSION_KEY] = account.pk
    session.create()
    csrf = _get_new_csrf_string()
    return account, {"sessionid": session.session_key or "", "csrftoken": csrf}, csrf


def world_build() -> World:
    """Everything the operations reach. Call inside a transaction that is rolled back afterwards."""
    from minzheng.documents.services import document_upload
    from minzheng.monitoring import feeds
    from minzheng.payments.services import payroll_generate
    from minzheng.policy.services import policy_builtin_load
    from minzheng.portal import apply

    divisions = _divisions()
    users = _users(divisions)
    policy_builtin_load()
    household = _household(users)
    application = _application(users, household)
    document = document_upload(
        actor=users["caseworker"], application_id=application.pk, kind="identity",
        file=SimpleUploadedFile("id.png", _png(), content_type="image/png"),
    )  # fmt: skip
    enrolment = _enrolment(divisions, household)
    payroll = payroll_generate(
        actor=users["county"], county=divisions["xincheng"], month=dt.date(2026, 11, 1)
    )
    batch = feeds.feed_import_rows(
        actor=users["region"], feed="unemployment",
        rows=[{"id_number": household.head.id_number, "registered_on": "2026-08-01", "registration_number": "U9"}],
    ).batch  # fmt: skip
    account, cookies, csrf = _portal(household)
    draft = apply.draft_start(account=account, workflow="temporary_emergency")
    _token, secret = api_token_create(username=users["county"].username, name="接口模糊测试")
    return World(
        token=secret,
        portal_cookies=cookies,
        csrf=csrf,
        ids={
            "household_id": household.pk,
            "person_id": household.head_id,
            "applicant_id": household.head_id,
            "subject_id": household.head_id,
            "application_id": application.pk,
            "document_id": document.pk,
            "enrolment_id": enrolment.pk,
            "payroll_id": payroll.pk,
            "batch_id": batch.pk,
            "draft_id": draft.pk,
        },
    )
