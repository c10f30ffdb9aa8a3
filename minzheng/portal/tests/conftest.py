"""Fixtures of the portal tests: the SMS outbox, a household whose head has a phone, a signed-in (and
bound) portal client, enrolments and an approved payroll written with the ORM (as the payments tests do)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from conftest import id_number

PHONE = "13912345678"
OTHER_PHONE = "13787654321"
HEAD_ID = id_number("150102", dt.date(1975, 3, 9), 41)


@pytest.fixture
def outbox():
    from minzheng.portal import sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def params(divisions):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()


@pytest.fixture
def configured(params, users):
    """The built-in set plus the test jurisdiction's figures where Inner Mongolia's were not found (ADR
    0029): 分类施保 none, temporary multiples 1 / 3 / 6 ×, township ceiling 3 ×."""
    from minzheng.applications.tests.figures import supplements_configure, temporary_configure

    supplements_configure(users["region"])
    temporary_configure(users["region"])


@pytest.fixture
def home(household_factory):
    """A Xincheng household whose head 李桂兰 has PHONE on file."""
    return household_factory(head_name="李桂兰", id_number=HEAD_ID, phone=PHONE)


@pytest.fixture
def other_home(household_factory):
    return household_factory(
        head_name="赵四", id_number=id_number("150102", dt.date(1966, 7, 1), 77), phone=OTHER_PHONE
    )


def code_from(outbox) -> str:
    return re.search(r"验证码是 (\d{6})", outbox[-1].body).group(1)


@pytest.fixture
def portal_sign_in(outbox, django_capture_on_commit_callbacks):
    """Sign a test client in through the real pages: 获取验证码, read the code from the outbox, 登录."""

    def sign_in(client, phone: str = PHONE):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/portal/signin/code/", {"phone": phone})
        assert response.status_code == 302, response.content.decode()[:500]
        response = client.post("/portal/signin/", {"phone": phone, "code": code_from(outbox)})
        assert response.status_code == 302
        return response

    return sign_in


def account_for(person, phone: str):
    """A portal account bound to ``person`` (what a successful binding leaves)."""
    from django.utils import timezone

    from minzheng.common import crypto
    from minzheng.common.masking import mask_phone
    from minzheng.portal.models import PortalAccount
    from minzheng.registry.services import PHONE_INDEX

    return PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(phone),
        phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX),
        phone_masked=mask_phone(phone),
        name=person.name,
        id_number_encrypted=person.id_number_encrypted,
        id_number_index=person.id_number_index,
        id_number_masked=person.id_number_masked,
        person=person,
        bound_at=timezone.now(),
    )


def session_for(client, account) -> None:
    from minzheng.portal.auth import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()


@pytest.fixture
def bound_client(client, home):
    """A test client signed in as the head of ``home`` (bound account)."""
    account = account_for(home.head, PHONE)
    session_for(client, account)
    client.account = account
    return client


def month(year: int, number: int) -> dt.date:
    return dt.date(year, number, 1)


@pytest.fixture
def enrol(divisions):
    """An enrolment with one open entitlement period."""
    from minzheng.enrolments.models import Enrolment, EntitlementPeriod

    def make(household, amount: str, starts: dt.date, programme: str = "dibao", person=None, status="active"):
        enrolment = Enrolment.objects.create(
            programme=programme, household=household, person=person, division=divisions["street"],
            source="application", status=status, starts_month=starts, monthly_amount=Decimal(amount),
        )  # fmt: skip
        EntitlementPeriod.objects.create(
            enrolment=enrolment, from_month=starts, monthly_amount=Decimal(amount), reason="测试"
        )
        return enrolment

    return make


@pytest.fixture
def payroll(users, divisions):
    """A payroll of the Xincheng county for a month, approved (maker ≠ checker) or a draft."""
    from django.utils import timezone

    from minzheng.payments.models import Payroll

    def make(on: dt.date, status: str = "approved"):
        approved = status == "approved"
        return Payroll.objects.create(
            number=f"150102{on:%Y%m}", county=divisions["xincheng"], month=on, status=status,
            generated_by=users["caseworker"], generated_at=timezone.now(),
            approved_by=users["county"] if approved else None, approved_at=timezone.now() if approved else None,
        )  # fmt: skip

    return make


@pytest.fixture
def line(divisions):
    from minzheng.payments.models import PayrollLine

    def make(payroll, enrolment, amount: str, entitlement: dt.date, status="paid", kind="regular"):
        return PayrollLine.objects.create(
            payroll=payroll, enrolment=enrolment, household=enrolment.household, township=divisions["street"],
            programme=enrolment.programme, kind=kind, entitlement_month=entitlement, owed=Decimal(amount),
            amount=Decimal(amount), payment_status=status,
            bank_reason="账户已冻结" if status == "failed" else "",  # a failed line has one (CHECK)
            settled_on=entitlement + dt.timedelta(days=9) if status == "paid" else None,
        )  # fmt: skip

    return make
