"""Binding the ID number on first use: verified against the registry person's phone, or kept as a claim."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import id_number
from minzheng.audit.models import Event
from minzheng.portal.models import PortalAccount
from minzheng.portal.tests.conftest import HEAD_ID, OTHER_PHONE, PHONE, account_for, session_for

pytestmark = pytest.mark.django_db

MISMATCH = "您的手机号与登记信息不一致，请携带身份证到乡镇（街道）或村（居）委会更新联系电话后再绑定"


def bind(client, name: str, number: str, **extra):
    return client.post("/portal/bind/", {"name": name, "id_number": number, **extra})


def test_binding_to_the_registry_person_with_this_phone(client, home, portal_sign_in):
    portal_sign_in(client)

    response = bind(client, "李桂兰", HEAD_ID, next="/portal/reports/")

    account = PortalAccount.objects.get()
    assert account.person == home.head
    assert account.bound_at is not None
    assert account.name == "李桂兰"
    assert account.id_number_masked == HEAD_ID[:4] + "*" * 10 + HEAD_ID[-4:]
    assert HEAD_ID not in account.id_number_encrypted
    assert response.status_code == 302
    assert response["Location"] == "/portal/reports/"
    event = Event.objects.get(verb="portal.bind")
    assert (event.object_id, event.division_code, event.data) == (
        str(account.pk),
        "150102001001",
        {"person_id": home.head.pk},
    )


def test_lower_case_x_and_spaces_are_accepted(client, household_factory, portal_sign_in):
    number = next(
        n for n in (id_number("150102", dt.date(1980, 1, 2), s) for s in range(1, 200)) if n.endswith("X")
    )
    person = household_factory(head_name="王芳", id_number=number, phone=PHONE).head
    portal_sign_in(client)

    bind(client, " 王芳 ", number.lower())

    assert PortalAccount.objects.get().person == person


def test_a_phone_other_than_the_one_on_file_is_refused_without_detail(client, home, portal_sign_in):
    portal_sign_in(client, phone=OTHER_PHONE)

    response = bind(client, "李桂兰", HEAD_ID)

    assert response.status_code == 409
    assert MISMATCH in response.content.decode()
    account = PortalAccount.objects.get()
    assert (account.person, account.id_number_index, account.name) == (None, "", "")
    assert not Event.objects.filter(verb__in=["portal.bind", "portal.claim"]).exists()


def test_a_person_without_phone_on_file_cannot_bind(client, household_factory, portal_sign_in):
    number = id_number("150102", dt.date(1958, 8, 8), 12)
    household_factory(head_name="孙强", id_number=number)
    portal_sign_in(client)

    response = bind(client, "孙强", number)

    assert response.status_code == 409
    assert MISMATCH in response.content.decode()
    assert PortalAccount.objects.get().person is None


def test_a_wrong_name_is_refused(client, home, portal_sign_in):
    portal_sign_in(client)

    response = bind(client, "李桂芳", HEAD_ID)

    assert response.status_code == 409
    assert "姓名或身份证号码与登记信息不一致，请核对后重新填写" in response.content.decode()
    assert PortalAccount.objects.get().person is None


def test_someone_not_in_the_registry_keeps_a_claim(client, divisions, portal_sign_in):
    number = id_number("150102", dt.date(1990, 4, 4), 55)
    portal_sign_in(client)

    response = bind(client, "新申请人", number)

    account = PortalAccount.objects.get()
    assert account.person is None
    assert account.name == "新申请人"
    assert account.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert response["Location"] == "/portal/"
    assert Event.objects.filter(verb="portal.claim", object_id=str(account.pk)).count() == 1
    # the entitlement pages still ask for a verified binding
    assert client.get("/portal/entitlements/")["Location"] == "/portal/bind/?next=%2Fportal%2Fentitlements%2F"
    page = client.get("/portal/bind/").content.decode()
    assert "您已登记身份" in page


def test_the_claim_becomes_a_binding_once_the_registry_has_the_person(
    client, household_factory, portal_sign_in, outbox
):
    number = id_number("150102", dt.date(1990, 4, 4), 55)
    portal_sign_in(client)
    bind(client, "新申请人", number)
    client.post("/portal/signout/")
    person = household_factory(head_name="新申请人", id_number=number, phone=PHONE).head

    from django.utils import timezone

    from minzheng.portal.models import SignInCode

    SignInCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    portal_sign_in(client)

    assert PortalAccount.objects.get().person == person


def test_one_account_per_id_number(client, home, portal_sign_in):
    account_for(home.head, PHONE)
    portal_sign_in(client, phone=OTHER_PHONE)

    response = bind(client, "李桂兰", HEAD_ID)

    assert response.status_code == 409
    assert "该身份证号码已绑定其他手机号" in response.content.decode()
    other = PortalAccount.objects.get(phone_masked="137****4321")
    assert (other.person, other.id_number_index) == (None, "")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("15010219750309004", "身份证号码应为 18 位"),
        ("15010219751309004X", "身份证号码中的出生日期 19751309 不是有效日期"),
        ("", "这个字段是必填项。"),
    ],
)
def test_invalid_id_numbers_are_explained(client, home, portal_sign_in, number, message):
    portal_sign_in(client)

    response = bind(client, "李桂兰", number)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert PortalAccount.objects.get().id_number_index == ""


def test_a_bad_checksum_is_refused(client, home, portal_sign_in):
    portal_sign_in(client)
    wrong = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")

    response = bind(client, "李桂兰", wrong)

    assert response.status_code == 422
    assert "身份证号码" in response.content.decode()
    assert PortalAccount.objects.get().person is None


def test_a_bound_account_cannot_rebind(bound_client, other_home):
    response = bind(bound_client, "赵四", other_home.head.id_number)

    assert response.status_code == 200
    assert "您的账号已绑定" in response.content.decode()
    assert PortalAccount.objects.get().person == bound_client.account.person


def test_binding_needs_a_sign_in(client):
    assert client.get("/portal/bind/")["Location"] == "/portal/signin/?next=%2Fportal%2Fbind%2F"


def test_an_inactive_account_is_signed_out(client, home):
    account = account_for(home.head, PHONE)
    session_for(client, account)
    PortalAccount.objects.update(is_active=False)

    assert client.get("/portal/entitlements/")["Location"].startswith("/portal/signin/")


def test_demo_account_is_bound_idempotently(home, other_home, enrol, monkeypatch):
    from minzheng.demo.portal import demo_portal_ensure

    monkeypatch.delenv("PORT", raising=False)
    enrol(other_home, "900.00", dt.date(2026, 1, 1))

    first = demo_portal_ensure()
    second = demo_portal_ensure()

    account = PortalAccount.objects.get()
    assert account.person == other_home.head  # the household with an active enrolment
    assert (
        first
        == second
        == [
            f"救助通演示：http://127.0.0.1:8000/portal/ 手机号 {OTHER_PHONE}（验证码打印在服务器控制台），已绑定 赵四"
        ]
    )
