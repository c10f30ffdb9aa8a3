"""Household QR codes: staff print a signed, expiring, revocable link without personal data; scanning it
needs the household's own sign-in and shows nothing personal otherwise."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from minzheng.audit.models import Event
from minzheng.portal import selectors, services
from minzheng.portal.models import HouseholdToken
from minzheng.portal.tests.conftest import OTHER_PHONE, PHONE, account_for, session_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(users):
    client = Client()
    client.force_login(users["caseworker"])
    return client


def qr_path(token: HouseholdToken) -> str:
    return f"/portal/q/{selectors.qr_signed(token)}/"


def test_staff_issue_a_qr_code_and_print_it(staff, home, users):
    empty = staff.get(f"/household-qr/{home.pk}/")
    assert "该家庭还没有有效的二维码。" in empty.content.decode()

    response = staff.post(f"/household-qr/{home.pk}/")

    token = HouseholdToken.objects.get()
    assert response["Location"] == f"/household-qr/{home.pk}/"
    assert (token.household, token.issued_by, token.revoked_at) == (home, users["caseworker"], None)
    assert abs((token.expires_at - token.issued_at) - dt.timedelta(days=365)) < dt.timedelta(seconds=5)
    page = staff.get(f"/household-qr/{home.pk}/").content.decode()
    assert "<svg" in page
    url = re.search(
        r'<p class="small text-secondary text-break d-print-none" id="qr-url">([^<]+)</p>', page
    ).group(1)
    assert url.startswith("http://testserver/portal/q/")
    # the link carries only the signed random key: no name, no ID, no household id
    value = url.removeprefix("http://testserver/portal/q/").rstrip("/")
    assert signing.loads(value, salt="portal.qr") == token.key
    for personal in ("李桂兰", home.head.id_number, PHONE, str(home.pk) + "/"):
        assert personal not in url
    event = Event.objects.get(verb="portal.qr_issue")
    assert (event.object_type, event.object_id, event.division_code) == (
        "registry.household",
        str(home.pk),
        "150102001001",
    )


def test_a_new_code_revokes_the_old_one(staff, home):
    staff.post(f"/household-qr/{home.pk}/")
    first = HouseholdToken.objects.get()
    staff.post(f"/household-qr/{home.pk}/")

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert HouseholdToken.objects.filter(revoked_at__isnull=True).count() == 1
    assert "二维码已作废" in Client().get(qr_path(first)).content.decode()


def test_revoke(staff, home, users):
    staff.post(f"/household-qr/{home.pk}/")
    token = HouseholdToken.objects.get()

    response = staff.post(f"/household-qr/{home.pk}/revoke/")

    token.refresh_from_db()
    assert response.status_code == 302
    assert (token.revoked_by, token.revoked_at is not None) == (users["caseworker"], True)
    assert Event.objects.filter(verb="portal.qr_revoke", object_id=str(home.pk)).count() == 1
    scanned = Client().get(qr_path(token))
    assert scanned.status_code == 410
    assert "二维码已作废，请联系乡镇（街道）或村（居）委会重新打印" in scanned.content.decode()


def test_a_village_assistant_may_print_but_not_issue(home, users):
    services.household_token_issue(actor=users["caseworker"], household_id=home.pk)
    assistant = Client()
    assistant.force_login(users["assistant"])

    page = assistant.get(f"/household-qr/{home.pk}/")
    issue = assistant.post(f"/household-qr/{home.pk}/")

    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert "重新生成" not in page.content.decode()
    assert issue.status_code == 403
    assert HouseholdToken.objects.count() == 1


def test_a_household_outside_the_jurisdiction_is_404(home, users):
    outsider = Client()
    outsider.force_login(users["taibus_caseworker"])

    assert outsider.get(f"/household-qr/{home.pk}/").status_code == 404
    assert outsider.post(f"/household-qr/{home.pk}/").status_code == 404
    assert HouseholdToken.objects.count() == 0


def test_the_staff_page_needs_a_staff_login(client, home):
    assert client.get(f"/household-qr/{home.pk}/")["Location"].startswith("/accounts/login/")


def test_scanning_signed_out_shows_only_non_personal_information(client, home, users):
    token = services.household_token_issue(actor=users["caseworker"], household_id=home.pk)

    response = client.get(qr_path(token))

    html = response.content.decode()
    assert response.status_code == 200
    assert "此二维码由海拉尔东路街道民政工作人员打印。" in html
    assert "最低生活保障" in html
    assert 'href="/portal/signin/?next=%2Fportal%2Fq%2F' in html
    for personal in ("李桂兰", home.head.id_number_masked, "139****5678", f"家庭 {home.pk}", "户籍地址"):
        assert personal not in html


def test_scanning_as_a_member_opens_the_entitlement_list(client, home, users):
    token = services.household_token_issue(actor=users["caseworker"], household_id=home.pk)
    session_for(client, account_for(home.head, PHONE))

    response = client.get(qr_path(token))

    assert response.status_code == 302
    assert response["Location"] == "/portal/entitlements/"


def test_scanning_as_someone_else_shows_nothing(client, home, other_home, users):
    token = services.household_token_issue(actor=users["caseworker"], household_id=home.pk)
    session_for(client, account_for(other_home.head, OTHER_PHONE))

    response = client.get(qr_path(token))

    html = response.content.decode()
    assert response.status_code == 403
    assert "此二维码不属于您的家庭" in html
    assert "海拉尔东路街道" not in html


def test_scanning_signed_in_but_unbound_asks_to_bind_first(client, home, users, portal_sign_in):
    token = services.household_token_issue(actor=users["caseworker"], household_id=home.pk)
    portal_sign_in(client, phone="13600000009")

    response = client.get(qr_path(token))

    assert response["Location"].startswith("/portal/bind/?next=%2Fportal%2Fq%2F")


def test_tampered_and_expired_links(client, home, users):
    token = services.household_token_issue(actor=users["caseworker"], household_id=home.pk)
    good = selectors.qr_signed(token)

    tampered = client.get(f"/portal/q/{good[:-2]}xx/")
    forged = client.get(f"/portal/q/{signing.dumps(token.key, salt='other')}/")
    HouseholdToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.get(f"/portal/q/{good}/")

    for response in (tampered, forged):
        assert response.status_code == 410
        assert "二维码无效，请确认扫描的是民政部门打印的二维码" in response.content.decode()
    assert expired.status_code == 410
    assert "二维码已过期" in expired.content.decode()
