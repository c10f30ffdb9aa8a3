"""Bearer tokens and session auth of the JSON API; the create-api-token command."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from minzheng.accounts.api_auth import api_token_authenticate, api_token_create, api_token_revoke
from minzheng.accounts.models import ApiToken
from minzheng.audit.models import Event
from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import make_resident_id
from minzheng.registry.models import Household

URL = "/api/v1/households"
UNAUTHENTICATED = {
    "code": "unauthenticated",
    "message": "未登录或接口令牌无效、已过期、已吊销，请提供有效的 Bearer 令牌",
    "field": None,
}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_token_create_stores_only_the_hash_and_the_prefix(users):
    # given / when
    token, secret = api_token_create(username="caseworker", name="统计局数据交换", days=30)

    # then
    token.refresh_from_db()
    assert secret.startswith("mz_")
    assert len(secret) == 46
    assert token.key_prefix == secret[:8]
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.name == "统计局数据交换"
    assert token.revoked_at is None
    assert token.last_used_at is None
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(seconds=5)
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert secret not in stored
    assert Event.objects.filter(verb="api_token.created", object_id=str(token.pk)).count() == 1


@pytest.mark.parametrize(
    ("name", "days", "field", "code"),
    [
        ("  ", None, "name", "token_name_required"),
        ("x" * 81, None, "name", "token_name_length"),
        ("对接", 0, "days", "token_days"),
        ("对接", 3651, "days", "token_days"),
    ],
)
def test_token_create_rejects_bad_input_and_writes_nothing(users, name, days, field, code):
    # when
    with pytest.raises(ValidationFailed) as raised:
        api_token_create(username="caseworker", name=name, days=days)

    # then
    assert (raised.value.field, raised.value.code) == (field, code)
    assert ApiToken.objects.count() == 0


def test_token_create_refuses_an_inactive_user(users):
    # given
    users["caseworker"].is_active = False
    users["caseworker"].save(update_fields=["is_active"])

    # when
    with pytest.raises(ValidationFailed) as raised:
        api_token_create(username="caseworker", name="对接")

    # then
    assert (raised.value.field, raised.value.code, raised.value.message) == (
        "username", "user_inactive", "用户 caseworker 已停用，不能签发令牌",
    )  # fmt: skip
    assert ApiToken.objects.count() == 0


def test_valid_token_authenticates_and_last_used_at_is_written_at_most_once_a_minute(client, users):
    # given
    token, secret = api_token_create(username="caseworker", name="对接")

    # when
    first = client.get(URL, headers=bearer(secret))
    token.refresh_from_db()
    stamped = token.last_used_at
    client.get(URL, headers=bearer(secret))
    token.refresh_from_db()
    unchanged = token.last_used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stamped - dt.timedelta(minutes=2))
    client.get(URL, headers=bearer(secret))
    token.refresh_from_db()

    # then
    assert first.status_code == 200
    assert stamped is not None
    assert unchanged == stamped
    assert token.last_used_at > stamped - dt.timedelta(minutes=2)
    assert token.last_used_at >= stamped


@pytest.mark.parametrize(
    "case", ["missing", "other_scheme", "unknown", "no_prefix", "revoked", "expired", "inactive_user"]
)
def test_bad_credentials_give_401(client, users, case):
    # given
    token, secret = api_token_create(username="caseworker", name="对接", days=1)
    headers = bearer(secret)
    if case == "missing":
        headers = {}
    elif case == "other_scheme":
        headers = {"Authorization": f"Token {secret}"}
    elif case == "unknown":
        headers = bearer("mz_" + "A" * 43)
    elif case == "no_prefix":
        headers = bearer(secret[3:])
    elif case == "revoked":
        api_token_revoke(token=token)
    elif case == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif case == "inactive_user":
        users["caseworker"].is_active = False
        users["caseworker"].save(update_fields=["is_active"])

    # when
    response = client.get(URL, headers=headers)

    # then
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == 'Bearer realm="minzheng"'
    token.refresh_from_db()
    assert token.last_used_at is None


def test_post_with_a_revoked_token_is_401_not_a_csrf_error_and_writes_nothing(client, users):
    # given
    token, secret = api_token_create(username="caseworker", name="对接")
    api_token_revoke(token=token)

    # when
    response = client.post(
        URL, {"hukou_division_code": "150102001001"}, "application/json", headers=bearer(secret)
    )

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert Household.objects.count() == 0


def test_revoke_is_idempotent(users):
    # given
    token, secret = api_token_create(username="caseworker", name="对接")

    # when
    api_token_revoke(token=token)
    first = token.revoked_at
    api_token_revoke(token=token)

    # then
    token.refresh_from_db()
    assert token.revoked_at == first
    assert api_token_authenticate(secret) is None
    assert Event.objects.filter(verb="api_token.revoked").count() == 1


def test_session_auth_reads_without_csrf(users):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["caseworker"])

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == {"count": 0, "limit": 25, "offset": 0, "items": []}


def test_session_without_the_second_factor_of_its_device_is_401(users):
    # given
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=users["caseworker"], name="手机", confirmed=True)
    client = Client()
    client.force_login(users["caseworker"])

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_session_of_a_role_that_requires_the_second_factor_is_403_with_a_message(users, settings):
    # given: the role must use TOTP (ADR 0026) and the session has not given a code
    settings.OTP_REQUIRED_ROLES = ["township_caseworker"]
    client = Client()
    client.force_login(users["caseworker"])

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 403
    assert response.json() == {
        "code": "second_factor_required",
        "message": "您的岗位须使用动态验证码，请先完成动态验证码验证再执行此操作",
        "field": None,
    }


def test_session_auth_write_needs_the_csrf_token(users):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["caseworker"])
    body = {
        "hukou_division_code": "150102001001",
        "head": {
            "name": "王五",
            "id_number": make_resident_id("150102", dt.date(1980, 5, 17), 123),
            "employment_status": "farming",
        },
    }
    csrf = "k" * 32
    client.cookies["csrftoken"] = csrf

    # when
    refused = client.post(URL, body, "application/json")
    count_after_refusal = Household.objects.count()
    accepted = client.post(URL, body, "application/json", headers={"X-CSRFToken": csrf})

    # then
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "csrf_failed",
        "message": "CSRF 校验失败：使用页面会话调用接口时须带 X-CSRFToken 请求头",
        "field": None,
    }
    assert count_after_refusal == 0
    assert accepted.status_code == 201, accepted.json()
    assert Household.objects.count() == 1


def test_command_prints_the_secret_once_and_it_works(client, users):
    # given
    out, err = StringIO(), StringIO()

    # when
    call_command(
        "create_api_token", "caseworker", "--name", "民政一体化平台", "--days", "90", stdout=out, stderr=err
    )

    # then
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash_key(secret)
    assert token.name == "民政一体化平台"
    assert token.user == users["caseworker"]
    assert f"令牌 {secret[:8]}… 已签发给 caseworker" in err.getvalue()
    assert client.get(URL, headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody", "--name", "对接"], "username: 用户 nobody 不存在"),
        (["caseworker", "--name", " "], "name: 请填写令牌用途"),
        (["caseworker", "--name", "对接", "--days", "0"], "days: 有效天数应在 1 到 3650 之间"),
    ],
)
def test_command_refuses_bad_arguments(users, arguments, message):
    # when
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", *arguments, stdout=StringIO(), stderr=StringIO())

    # then
    assert str(raised.value) == message
    assert ApiToken.objects.count() == 0
