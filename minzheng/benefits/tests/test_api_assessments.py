"""``POST /api/v1/assessments``: the JSON household description in, the assessment out, with the
database's policy parameters; capability check; errors with the field named."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from minzheng.accounts.api_auth import api_token_create
from minzheng.audit.models import Event
from minzheng.policy.services import policy_builtin_load

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments"
DOCS = Path(__file__).resolve().parents[3] / "docs"
HOUSEHOLD: dict[str, Any] = {
    "programme": "dibao",
    "division_code": "150102001001",
    "urban_rural": "urban",
    "as_of": "2023-07-01",
    "members": [
        {"key": "head", "birth_date": "1980-01-01"},
        {"key": "spouse", "birth_date": "1982-05-01", "relation_to_head": "spouse"},
    ],
    "incomes": [
        {"person_key": "head", "category": "wage", "amount": "7200.00",
         "period_start": "2022-07-01", "period_end": "2023-06-30"},
    ],
}  # fmt: skip


@pytest.fixture
def policy(divisions):
    policy_builtin_load()


@pytest.fixture
def caseworker(users, policy) -> Client:
    client = Client()
    client.force_login(users["caseworker"])
    return client


def post(client: Client, body: dict[str, Any] | str) -> Any:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, text, content_type="application/json")


def test_two_person_household_in_hohhot(caseworker):
    # given
    events_before = Event.objects.count()

    # when
    response = post(caseworker, HOUSEHOLD)

    # then (840 − 7200 / 12 / 2) × 2
    assert response.status_code == 200
    body = response.json()
    assert (body["eligible"], body["per_capita_monthly_income"], body["monthly_amount"]) == (
        True,
        "300.00",
        "1080.00",
    )
    assert (body["programme"], body["as_of"], body["division_code"], body["parameter_source"]) == (
        "dibao", "2023-07-01", "150102001001", "database")  # fmt: skip
    assert body["counted_members"] == ["head", "spouse"]
    gap = next(r for r in body["reasons"] if r["rule_code"] == "dibao.gap_payment")
    assert gap["article"] == "《社会救助暂行办法》第12条；《最低生活保障审核确认办法》第23条"
    assert [(p["key"], p["division_code"], p["valid_from"]) for p in gap["parameters"]] == [
        ("dibao.standard_monthly", "150000000000", "2023-01-01")]  # fmt: skip
    assert Event.objects.count() == events_before  # nothing written


def test_json_numbers_stay_exact(caseworker):
    # given 7200.12 as a JSON number: a float would make the per-capita 300.004999… → 300.00
    text = json.dumps(HOUSEHOLD).replace('"7200.00"', "7200.12")

    # when
    body = post(caseworker, text).json()

    # then 7200.12 / 24 = 300.005 → 300.01 (half up); (840 − 300.005) × 2 = 1079.99
    assert (body["per_capita_monthly_income"], body["monthly_amount"]) == ("300.01", "1079.98")


def test_the_api_answers_exactly_what_the_command_prints(caseworker):
    example = DOCS / "examples" / "assessment-temporary.json"
    out = io.StringIO()
    call_command("assess", str(example), stdout=out)
    response = post(caseworker, example.read_text(encoding="utf-8"))
    assert response.status_code == 200
    assert response.json() == json.loads(out.getvalue())
    # no township approval ceiling was found for Inner Mongolia: 需人工核定, with the reason
    assert (response.json()["outcome"], response.json()["one_off_amount"]) == ("manual", "0.00")
    assert "乡镇（街道）临时救助审批额度" in response.json()["reasons"][0]["message"]


def test_a_bearer_token_works_too(users, policy):
    _token, secret = api_token_create(username="reviewer", name="测试")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = post(client, HOUSEHOLD)
    assert (response.status_code, response.json()["monthly_amount"]) == (200, "1080.00")


@pytest.mark.parametrize("role", ["admin", "assistant", "auditor"])
def test_roles_without_the_assess_capability_get_403(users, policy, role):
    client = Client()
    client.force_login(users[role])
    response = post(client, HOUSEHOLD)
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "您的角色无权进行救助测算", "field": None}


def test_anonymous_gets_401(policy):
    response = post(Client(), HOUSEHOLD)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")


@pytest.mark.parametrize(
    ("changes", "status", "expected"),
    [
        pytest.param({"as_off": "2023-07-01"}, 422, {"code": "assessment_format_invalid", "field": "as_off",
                     "message": "未知字段 as_off，是否应为 as_of？"}, id="未知字段"),
        pytest.param({"as_of": None}, 422, {"code": "assessment_format_invalid", "field": "as_of",
                     "message": "缺少必填字段 as_of（评估日期）为 null"}, id="评估日期为null"),
        pytest.param({"incomes": [{**HOUSEHOLD["incomes"][0], "amount": -1}]}, 422,
                     {"code": "income_invalid", "field": "incomes[0].amount"}, id="负收入"),
        pytest.param({"incomes": [{**HOUSEHOLD["incomes"][0], "amount": True}]}, 422,
                     {"code": "income_invalid", "field": "incomes[0].amount"}, id="布尔金额"),
        pytest.param({"members": [{"key": "head", "birth_date": "1980-13-01"}]}, 422,
                     {"code": "assessment_format_invalid", "field": "members[0].birth_date",
                      "message": "members[0].birth_date（出生日期）“1980-13-01”不是有效日期"}, id="无效日期"),
        pytest.param({"division_code": "150102001999"}, 404,
                     {"code": "division_not_found", "field": "division_code"}, id="未知区划"),
        pytest.param({"programme": "wubao"}, 404, {"code": "unknown_programme", "field": "programme"}, id="未知项目"),
        pytest.param({"members": [HOUSEHOLD["members"][0], {**HOUSEHOLD["members"][1], "other_household_key": "H-2"}]},
                     409, {"code": "member_in_two_households", "field": "members[1].other_household_key"}, id="一人两户"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(caseworker, changes, status, expected):
    response = post(caseworker, {**HOUSEHOLD, **changes})
    assert response.status_code == status
    body = response.json()
    assert {key: body[key] for key in expected} == expected


def test_malformed_json_is_422_with_the_position(caseworker):
    response = post(caseworker, '{"programme": "dibao",')
    assert response.status_code == 422
    assert response.json() == {
        "code": "assessment_format_invalid",
        "message": "不是有效的 JSON：第 1 行第 23 列：Expecting property name enclosed in double quotes",
        "field": None,
    }


def test_openapi_documents_the_request_body(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/assessments"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["programme", "division_code", "urban_rural", "as_of", "members"]
    assert body["properties"]["members"]["items"]["properties"]["birth_date"]["format"] == "date"
    assert operation["tags"] == ["assessments 救助测算"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
