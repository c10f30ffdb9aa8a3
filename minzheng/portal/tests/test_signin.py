"""Sign-in by phone + one-time SMS code: codes, limits, lockout, sessions, and the SMS gateways."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from minzheng.audit.models import Event
from minzheng.portal import rules, services, sms
from minzheng.portal.auth import SESSION_KEY
from minzheng.portal.models import PortalAccount, SignInCode, SignInFailure, SmsMessage
from minzheng.portal.tests.conftest import PHONE, code_from

pytestmark = pytest.mark.django_db


def send(client, django_capture_on_commit_callbacks, phone=PHONE, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/portal/signin/code/", {"phone": phone}, **extra)


def page(response) -> str:
    return response.content.decode()


# --- sending codes ----------------------------------------------------------------------------------------


def test_code_is_sent_through_the_outbox_and_stored_only_as_a_hash(
    client, outbox, django_capture_on_commit_callbacks
):
    # when
    response = send(client, django_capture_on_commit_callbacks)

    # then the phone gets a 6-digit code; the database keeps neither the code nor the plain phone
    assert response.status_code == 302
    assert response["Location"] == "/portal/signin/#id_code"
    assert len(outbox) == 1
    assert outbox[0].phone == PHONE
    assert outbox[0].template == "sign_in_code"
    code = code_from(outbox)
    row = SignInCode.objects.get()
    assert row.code_hash == services.code_hash(PHONE, code)
    assert code not in row.code_hash
    assert (row.expires_at - row.created_at).total_seconds() == pytest.approx(300, abs=2)
    message = SmsMessage.objects.get()
    assert message.status == "sent"
    assert message.gateway == "outbox"
    assert message.phone_masked == "139****5678"
    assert code not in message.body
    assert "******" in message.body
    assert PHONE not in message.phone_encrypted
    # and no account exists before the code is used
    assert PortalAccount.objects.count() == 0
    # the sign-in page then keeps the phone and says where the code went
    follow = client.get("/portal/signin/")
    assert f'value="{PHONE}"' in page(follow)
    assert "验证码已发送至 139****5678，5 分钟内有效" in page(follow)


@pytest.mark.parametrize("phone", ["1391234567", "12912345678", "abc", "139123456789"])
def test_a_wrong_phone_number_is_refused_and_nothing_is_sent(
    client, outbox, phone, django_capture_on_commit_callbacks
):
    response = send(client, django_capture_on_commit_callbacks, phone=phone)

    assert response.status_code == 422
    assert "请输入正确的 11 位手机号码" in page(response)
    assert outbox == []
    assert SignInCode.objects.count() == 0
    assert SmsMessage.objects.count() == 0


def test_one_code_a_minute(client, outbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks)
    SignInCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=30))

    response = send(client, django_capture_on_commit_callbacks)

    assert response.status_code == 429
    assert "获取验证码过于频繁，请 30 秒后再试" in page(response)
    assert len(outbox) == 1
    assert SignInCode.objects.count() == 1


def test_five_codes_an_hour_per_phone(client, outbox, django_capture_on_commit_callbacks):
    for minutes in (50, 40, 30, 20, 10):
        send(client, django_capture_on_commit_callbacks)
        SignInCode.objects.filter(created_at__gt=timezone.now() - dt.timedelta(seconds=5)).update(
            created_at=timezone.now() - dt.timedelta(minutes=minutes)
        )

    response = send(client, django_capture_on_commit_callbacks)

    assert response.status_code == 429
    assert "该手机号获取验证码次数过多，请 1 小时后再试" in page(response)
    assert len(outbox) == 5


def test_twenty_codes_an_hour_per_network_address(client, outbox, django_capture_on_commit_callbacks):
    SignInCode.objects.bulk_create(
        SignInCode(phone_index=f"x{n}", code_hash="h", expires_at=timezone.now(), ip_address="127.0.0.1")
        for n in range(20)
    )

    response = send(client, django_capture_on_commit_callbacks)

    assert response.status_code == 429
    assert "当前网络获取验证码次数过多，请稍后再试" in page(response)
    assert outbox == []


def test_the_answer_does_not_reveal_whether_the_phone_has_an_account(
    client, outbox, home, django_capture_on_commit_callbacks
):
    from minzheng.portal.tests.conftest import account_for

    account_for(home.head, PHONE)

    known = send(client, django_capture_on_commit_callbacks, phone=PHONE)
    unknown = send(client, django_capture_on_commit_callbacks, phone="13600000001")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(outbox) == 2


# --- verifying --------------------------------------------------------------------------------------------


def test_sign_in_creates_the_account_cycles_the_session_and_records_it(
    client, outbox, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks)
    before = client.session.session_key

    response = client.post(
        "/portal/signin/", {"phone": PHONE, "code": code_from(outbox), "next": "/portal/policies/"}
    )

    account = PortalAccount.objects.get()
    assert account.phone_masked == "139****5678"
    assert account.person is None
    assert account.last_sign_in_at is not None
    assert client.session[SESSION_KEY] == account.pk
    assert client.session.session_key != before
    # first use: to the binding page, then where the person was going
    assert response.status_code == 302
    assert response["Location"] == "/portal/bind/?next=%2Fportal%2Fpolicies%2F"
    assert SignInCode.objects.get().used_at is not None
    event = Event.objects.get(verb="portal.sign_in")
    assert (event.object_type, event.object_id, event.summary) == (
        "portal.account",
        str(account.pk),
        "救助通登录：139****5678",
    )


def test_wrong_codes_count_down_then_burn_the_code(client, outbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks)
    code = code_from(outbox)
    wrong = "000000" if code != "000000" else "111111"

    messages = []
    for _ in range(5):
        response = client.post("/portal/signin/", {"phone": PHONE, "code": wrong})
        assert response.status_code == 400
        messages.append(next(m for m in rules_messages() if m in page(response)))
    response = client.post("/portal/signin/", {"phone": PHONE, "code": code})

    assert messages == [
        "验证码错误，还可尝试 4 次",
        "验证码错误，还可尝试 3 次",
        "验证码错误，还可尝试 2 次",
        "验证码错误，还可尝试 1 次",
        "验证码错误次数过多，该验证码已失效，请重新获取",
    ]
    assert "验证码错误次数过多，该验证码已失效，请重新获取" in page(response)
    assert SignInCode.objects.get().attempts == 5
    assert SignInFailure.objects.count() == 6
    assert PortalAccount.objects.count() == 0
    assert SESSION_KEY not in client.session


def rules_messages() -> list[str]:
    return [rules.wrong_code_message(n) for n in range(5, -1, -1)]


def test_an_expired_code_is_refused(client, outbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks)
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = client.post("/portal/signin/", {"phone": PHONE, "code": code_from(outbox)})

    assert response.status_code == 400
    assert "验证码已过期，请重新获取" in page(response)
    assert PortalAccount.objects.count() == 0


def test_a_code_works_once(client, outbox, portal_sign_in):
    portal_sign_in(client)
    code = code_from(outbox)
    client.post("/portal/signout/")

    response = client.post("/portal/signin/", {"phone": PHONE, "code": code})

    assert response.status_code == 400
    assert "验证码已使用，请重新获取" in page(response)
    assert SESSION_KEY not in client.session


def test_a_code_sent_to_another_phone_does_not_sign_in(client, outbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks, phone="13600000001")

    response = client.post("/portal/signin/", {"phone": PHONE, "code": code_from(outbox)})

    assert response.status_code == 400
    assert "请先获取验证码" in page(response)
    assert PortalAccount.objects.count() == 0


def test_ten_failures_in_an_hour_lock_the_phone_for_fifteen_minutes(
    client, outbox, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks)
    code = code_from(outbox)
    SignInFailure.objects.bulk_create(
        SignInFailure(phone_index=SignInCode.objects.get().phone_index) for _ in range(9)
    )
    wrong = "000000" if code != "000000" else "111111"

    tenth = client.post("/portal/signin/", {"phone": PHONE, "code": wrong})
    right = client.post("/portal/signin/", {"phone": PHONE, "code": code})
    resend = send(client, django_capture_on_commit_callbacks)

    assert tenth.status_code == right.status_code == resend.status_code == 429
    for response in (tenth, right, resend):
        assert "尝试次数过多，请 15 分钟后再试" in page(response)
    assert PortalAccount.objects.count() == 0
    assert len(outbox) == 1
    # 16 minutes later the phone may sign in again
    SignInFailure.objects.update(failed_at=timezone.now() - dt.timedelta(minutes=16))
    assert client.post("/portal/signin/", {"phone": PHONE, "code": code}).status_code == 302


def test_locked_until_rule():
    now = timezone.now()
    ten = [now - dt.timedelta(minutes=m) for m in range(10)]
    assert rules.locked_until(ten, now) == ten[0] + dt.timedelta(minutes=15)
    assert rules.locked_until(ten[:9], now) is None
    assert rules.locked_until(ten, now + dt.timedelta(minutes=15)) is None
    spread = [now - dt.timedelta(minutes=7 * m) for m in range(10)]  # over 63 minutes
    assert rules.locked_until(spread, now) is None


def test_the_code_field_must_be_six_digits(client, outbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks)

    response = client.post("/portal/signin/", {"phone": PHONE, "code": "12ab"})

    assert response.status_code == 422
    assert "请输入 6 位数字验证码" in page(response)
    assert SignInCode.objects.get().attempts == 0


def test_sign_in_redirects_only_inside_the_portal(client, outbox, home, django_capture_on_commit_callbacks):
    from minzheng.portal.tests.conftest import account_for

    account_for(home.head, PHONE)
    results = []
    for target in ("https://evil.example/", "//evil.example/x", "/registry/households/", "/portal/policies/"):
        SignInCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
        send(client, django_capture_on_commit_callbacks)
        response = client.post("/portal/signin/", {"phone": PHONE, "code": code_from(outbox), "next": target})
        results.append(response["Location"])
        client.post("/portal/signout/")

    assert results == ["/portal/", "/portal/", "/portal/", "/portal/policies/"]


def test_sign_out(bound_client):
    response = bound_client.post("/portal/signout/")

    assert response.status_code == 302
    assert SESSION_KEY not in bound_client.session
    assert (
        bound_client.get("/portal/entitlements/")["Location"]
        == "/portal/signin/?next=%2Fportal%2Fentitlements%2F"
    )


def test_staff_pages_stay_closed_to_a_portal_session(bound_client):
    response = bound_client.get("/registry/households/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_sign_in_page_is_accessible_markup(client):
    html = page(client.get("/portal/signin/"))

    assert '<html lang="zh-Hans">' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert '<label for="id_phone">手机号码</label>' in html
    assert '<label for="id_code">短信验证码</label>' in html
    assert '<a class="skip" href="#main">跳到正文</a>' in html
    assert '<main id="main"' in html


# --- gateways ------------------------------------------------------------------------------------------------


class FakeProvider(BaseHTTPRequestHandler):
    """A tiny SMS provider on 127.0.0.1: records requests, answers with an id or an error."""

    received: list[dict] = []
    fail = False

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers["Content-Length"])
        FakeProvider.received.append(
            {"body": json.loads(self.rfile.read(length)), "auth": self.headers["Authorization"]}
        )
        if FakeProvider.fail:
            self.send_response(503)
            self.end_headers()
            return
        answer = json.dumps({"id": f"msg-{len(FakeProvider.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    FakeProvider.received = []
    FakeProvider.fail = False
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()
    server.server_close()


def test_http_gateway_posts_json_with_the_key(provider):
    gateway = sms.HttpGateway(url=provider, key="secret-key")

    reference = gateway.send(PHONE, "【救助通】测试", template="t1")

    assert reference == "msg-1"
    assert FakeProvider.received == [
        {"body": {"phone": PHONE, "content": "【救助通】测试", "template": "t1"}, "auth": "Bearer secret-key"}
    ]


def test_http_gateway_failures_raise(provider):
    FakeProvider.fail = True
    with pytest.raises(sms.SmsGatewayError, match="短信通道拒绝发送（HTTP 503）"):
        sms.HttpGateway(url=provider, key="k").send(PHONE, "x")
    with pytest.raises(sms.SmsGatewayError, match="未配置短信通道地址"):
        sms.HttpGateway(url="", key="k").send(PHONE, "x")


def test_a_failing_gateway_marks_the_message_failed_without_undoing_the_code(
    client, provider, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_SMS_GATEWAY = "minzheng.portal.sms.HttpGateway"
    settings.PORTAL_SMS_HTTP_URL = provider
    FakeProvider.fail = True

    response = send(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    message = SmsMessage.objects.get()
    assert (message.status, message.gateway, message.error) == (
        "failed",
        "http",
        "短信通道拒绝发送（HTTP 503）",
    )
    assert SignInCode.objects.count() == 1


def test_http_gateway_as_configured_sends_the_code(
    client, provider, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_SMS_GATEWAY = "minzheng.portal.sms.HttpGateway"
    settings.PORTAL_SMS_HTTP_URL = provider
    settings.PORTAL_SMS_HTTP_KEY = "k2"

    send(client, django_capture_on_commit_callbacks)

    message = SmsMessage.objects.get()
    assert (message.status, message.gateway, message.gateway_reference) == ("sent", "http", "msg-1")
    assert FakeProvider.received[0]["body"]["phone"] == PHONE
    assert "验证码是" in FakeProvider.received[0]["body"]["content"]
