"""幸福清单: what the own household receives now and was paid in the last 12 months — and nothing of
another household, whatever the request names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.enrolments.rules import add_months, month_start
from minzheng.portal import selectors
from minzheng.portal.tests.conftest import OTHER_PHONE, account_for, session_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(home, other_home, enrol, payroll, line):
    """The household receives 低保 (1350/month) and the head a senior allowance; two approved payrolls
    paid it, one line failed; a draft payroll and a payroll 13 months ago are not shown. The other
    household has its own enrolment and line."""
    this = month_start(timezone.localdate())
    last, old = add_months(this, -1), add_months(this, -13)
    dibao = enrol(home, "1350.00", add_months(this, -2))
    senior = enrol(home, "100.00", add_months(this, -2), programme="senior_allowance", person=home.head)
    p_last, p_this, p_old, p_draft = payroll(last), payroll(this), payroll(old), None
    p_draft = payroll(add_months(this, 1), status="draft")
    line(p_last, dibao, "1350.00", last)
    line(p_last, senior, "100.00", last)
    line(p_this, dibao, "1350.00", this, status="failed")
    line(p_this, senior, "100.00", this, status="pending")
    line(p_old, dibao, "999.00", old)
    line(p_draft, dibao, "1350.00", add_months(this, 1), status="pending")
    foreign = enrol(other_home, "777.00", last)
    line(p_last, foreign, "777.00", last)
    return {"this": this, "last": last, "dibao": dibao, "senior": senior, "foreign": foreign}


def test_the_list_shows_current_enrolments_and_twelve_months_of_approved_payments(bound_client, paid):
    listing = selectors.entitlement_list(account=bound_client.account)

    assert [(r.name, r.person_name, r.monthly_amount, r.since) for r in listing.current] == [
        ("最低生活保障", "", Decimal("1350.00"), add_months(paid["this"], -2)),
        ("高龄津贴", "李桂兰", Decimal("100.00"), add_months(paid["this"], -2)),
    ]
    assert listing.monthly_total == Decimal("1450.00")
    assert [(p.payroll_month, p.name, p.amount, p.status_label) for p in listing.payments] == [
        (paid["this"], "最低生活保障", Decimal("1350.00"), "发放失败"),
        (paid["this"], "高龄津贴", Decimal("100.00"), "待发放"),
        (paid["last"], "最低生活保障", Decimal("1350.00"), "已到账"),
        (paid["last"], "高龄津贴", Decimal("100.00"), "已到账"),
    ]
    assert [(t.name, t.received, t.pending) for t in listing.totals] == [
        ("最低生活保障", Decimal("1350.00"), Decimal("1350.00")),
        ("高龄津贴", Decimal("100.00"), Decimal("100.00")),
    ]
    assert listing.received_total == Decimal("1450.00")
    assert listing.township_name == "海拉尔东路街道"
    assert listing.from_month == add_months(paid["this"], -11)


def test_the_page(bound_client, paid):
    response = bound_client.get("/portal/entitlements/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="amount" id="monthly-total">1450.00</span>' in html
    assert '<td class="num" id="received-total">1450.00</td>' in html
    assert "777.00" not in html
    assert "999.00" not in html
    assert f"{paid['last']:%Y-%m} 发放" in html


def test_a_person_cannot_see_another_household(client, home, other_home, paid):
    # given the head of the other household signed in and bound
    account = account_for(other_home.head, OTHER_PHONE)
    session_for(client, account)

    # when they open the list, add the first household's id anywhere, or call the API with it
    pages = [
        client.get("/portal/entitlements/"),
        client.get("/portal/entitlements/", {"household": home.pk, "household_id": home.pk}),
    ]
    api = client.get("/api/v1/portal/entitlements", {"household_id": home.pk})

    # then they see only their own
    for response in pages:
        html = response.content.decode()
        assert "777.00" in html
        assert "1350.00" not in html
        assert "李桂兰" not in html
    assert api.json()["household_id"] == other_home.pk
    assert [r["monthly_amount"] for r in api.json()["current"]] == ["777.00"]


def test_a_person_who_left_the_household_no_longer_sees_it(bound_client, paid, home):
    from minzheng.registry.models import Membership

    Membership.objects.filter(person=home.head).update(left_on=dt.date(2026, 1, 1))

    response = bound_client.get("/portal/entitlements/")

    assert "未找到您所在的家庭" in response.content.decode()
    assert "1350.00" not in response.content.decode()


def test_unbound_and_signed_out_visitors_are_sent_away(client, portal_sign_in, paid):
    assert (
        client.get("/portal/entitlements/")["Location"] == "/portal/signin/?next=%2Fportal%2Fentitlements%2F"
    )
    portal_sign_in(client, phone="13600000009")
    assert client.get("/portal/entitlements/")["Location"] == "/portal/bind/?next=%2Fportal%2Fentitlements%2F"


def test_a_household_without_enrolments(bound_client):
    html = bound_client.get("/portal/entitlements/").content.decode()

    assert "本户目前没有正在享受的救助。" in html
    assert "近 12 个月没有发放记录。" in html
