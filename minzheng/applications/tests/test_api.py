"""The applications JSON API through HTTP: intake, list, detail, transitions with their conflicts,
records, and the applicant's progress enquiry (no login, no enumeration, rate limited)."""

from __future__ import annotations

import datetime as dt
import json
import typing
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import id_number
from minzheng.accounts.api_auth import api_token_create
from minzheng.applications.api import PROGRESS_LIMIT, PROGRESS_NOT_FOUND
from minzheng.applications.models import Application, ApplicationEvent, HomeVisit
from minzheng.applications.rules import Step
from minzheng.applications.schemas import CHOICES_OF, DeadlineChoice
from minzheng.applications.selectors import DEADLINE_FILTERS
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.registry.models import IncomeRecord

from .test_workflows import (  # noqa: F401 - fixtures
    OLD_AGE_BIRTH,
    apply,
    due,
    end_notice,
    expenditure_policy,
    go,
    policy,
    to_review,
    today,
    visit,
)

EP_CARE_NONE = Decimal("1266.00")  # builtin 完全丧失生活自理能力 care standard

pytestmark = pytest.mark.django_db
API = "/api/v1"
HEAD_ID = id_number("150102", dt.date(1968, 4, 2), 611)
PROGRESS = f"{API}/applications/progress"


def provisional(period: WorkingDays) -> bool:
    """Whether a limit counted from today falls in a year the holiday calendar does not know (暂定)."""
    return due_date(today(), period, working_calendar()).provisional


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(users):
    """``api(name)``: a client with a fresh bearer token of ``users[name]``."""

    def make(name: str = "caseworker") -> Client:
        _token, secret = api_token_create(username=users[name].username, name="测试")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


@pytest.fixture
def home(household_factory):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    household = household_factory(head_name="王秀兰", id_number=HEAD_ID)
    IncomeRecord.objects.create(household=household, person=household.head, category="wage",
                                amount=Decimal("3600.00"), period_start=today() - dt.timedelta(days=365),
                                period_end=today() - dt.timedelta(days=1))  # fmt: skip
    return household


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    """The body without the creation/update instants, which are the server's clock."""
    body = {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}
    if "timeline" in body:
        body["timeline"] = [{k: v for k, v in e.items() if k != "at"} for e in body["timeline"]]
    for records in ("home_visits", "verifications", "objections"):
        if records in body:
            body[records] = [
                {k: v for k, v in r.items() if k not in ("id", "recorded_at")} for r in body[records]
            ]
    return body


def intake_body(home, **overrides: Any) -> dict[str, Any]:
    return {"workflow": "dibao", "household_id": home.pk, "applicant_id": home.head_id, "channel": "window",
            "pledge_signed": True, **overrides}  # fmt: skip


# --- intake -----------------------------------------------------------------------------------------


def test_intake_returns_201_with_number_step_and_timeline(api, home, users):
    # when
    response = post(api(), "/applications", intake_body(home))

    # then
    assert response.status_code == 201
    body = response.json()
    application = Application.objects.get(household=home)
    assert without_times(body) == {
        "id": application.pk,
        "number": f"150102-{today().year}-{application.pk:07d}",
        "workflow": "dibao",
        "workflow_label": "最低生活保障",
        "programme": "dibao",
        "step": "submitted",
        "step_label": "已提交待受理",
        "household_id": home.pk,
        "applicant_id": home.head_id,
        "applicant_name": "王秀兰",
        "subject_id": None,
        "division_code": "150102001000",
        "division_name": "海拉尔东路街道",
        "channel": "window",
        "submitted_on": today().isoformat(),
        "accepted_on": None,
        "step_due_on": None,
        "step_due_provisional": False,
        "overall_due_on": None,
        "overall_due_provisional": False,
        "deadline_status": "",
        "extension_reason": "",
        "staff_relative": False,
        "complaint": False,
        "spot_checked": None,
        "missing_materials": [],
        "notice_starts_on": None,
        "notice_ends_on": None,
        "notice_ends_provisional": False,
        "decided_on": None,
        "decision_reason": "",
        "manually_determined": False,
        "manual_reason": "",
        "monthly_amount": None,
        "one_off_amount": None,
        "level": "",
        "starts_month": None,
        "instalments": [],
        "support_mode": "",
        "meeting_note": "",
        "valid_until": None,
        "handed_over_from_id": None,
        "transitions": [
            {"code": "accept", "label": "受理", "target": "accepted", "target_label": "已受理",
             "requires": ["pledge"], "basis": "《最低生活保障审核确认办法》第10条；第15条（3个工作日内启动调查）"},
            {"code": "request_materials", "label": "一次性告知补齐材料", "target": "materials_pending",
             "target_label": "待补齐材料", "requires": ["materials_listed"], "basis": "《最低生活保障审核确认办法》第10条"},
            {"code": "withdraw", "label": "申请人撤回申请", "target": "withdrawn", "target_label": "已撤回",
             "requires": ["reason"], "basis": "《最低生活保障审核确认办法》第9条"},
        ],
        "timeline": [
            {"actor": "caseworker", "kind": "transition", "code": "submit", "from_step": "", "to_step": "submitted",
             "message": "窗口受理：登记申请", "basis": "", "due_on": None, "due_provisional": False,
             "data": {"channel": "window"}},
        ],
        "home_visits": [],
        "verifications": [],
        "objections": [],
        "care_assessment": None,
    }  # fmt: skip


def test_the_intake_answer_is_the_detail_read_back_afterwards(api, home, users):
    """The answer is built from the rows just written (issue 21), not read back: it must equal the detail."""
    from minzheng.registry.services import staff_relative_register

    staff_relative_register(actor=users["caseworker"], relative=home.head, relation="sibling", staff_name="王经办",
                            staff_position="assistance_staff", staff_division_code="150102001000")  # fmt: skip
    client = api()

    created = post(client, "/applications", intake_body(home, channel="entrusted", entrusted_name="王小明",
                                                         entrusted_relation="子女"))  # fmt: skip

    assert created.status_code == 201
    read = client.get(f"{API}/applications/{created.json()['id']}")
    assert created.json() == read.json()
    assert [e["code"] for e in created.json()["timeline"]] == ["submit", "staff_relative"]


def test_duplicate_intake_is_409_in_chinese_and_writes_nothing(api, home):
    # given
    client = api()
    assert post(client, "/applications", intake_body(home)).status_code == 201

    # when
    response = post(client, "/applications", intake_body(home, channel="online"))

    # then
    assert response.status_code == 409
    assert response.json() == {
        "code": "duplicate_application", "message": "该家庭已有办理中的“最低生活保障”申请，不能重复申请",
        "field": "household_id",
    }  # fmt: skip
    assert Application.objects.filter(household=home).count() == 1


@pytest.mark.parametrize(
    ("who", "overrides", "status", "error"),
    [
        ("assistant", {"household_id": None}, 404,
         {"code": "not_found", "message": "家庭不存在或不在您的管辖范围内", "field": "household_id"}),
        ("reviewer", {}, 403, {"code": "forbidden", "message": "您的角色不能登记救助申请", "field": None}),
        ("caseworker", {"channel": "entrusted"}, 422,
         {"code": "application_invalid", "message": "委托申请须登记受托人姓名和身份（审核确认办法第 6 条）",
          "field": "entrusted_name"}),
        ("caseworker", {"workflow": "pension"}, 422, None),
    ],
)  # fmt: skip
def test_intake_refusals(api, home, who, overrides, status, error):
    # given
    body = intake_body(home, **overrides)
    if body["household_id"] is None:
        body["household_id"] = home.pk + 1000

    # when
    response = post(api(who), "/applications", body)

    # then
    assert response.status_code == status
    if error is None:
        assert (response.json()["code"], response.json()["field"]) == ("invalid_request", "workflow")
    else:
        assert response.json() == error
    assert Application.objects.count() == 0


# --- transitions and records ------------------------------------------------------------------------


def transition(client: Client, application: Application, code: str, expected_step: str, **data: Any) -> Any:
    return post(client, f"/applications/{application.pk}/transitions",
                {"code": code, "expected_step": expected_step, "data": data})  # fmt: skip


def test_transition_through_http_returns_the_new_step_and_the_callers_actions(api, users, home):
    # given
    application = apply(users, home)

    # when
    response = transition(api(), application, "accept", "submitted")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["step"], body["step_label"], body["accepted_on"]) == (
        "accepted",
        "已受理",
        today().isoformat(),
    )
    assert body["step_due_on"] == due(WorkingDays(3)).isoformat()
    assert body["overall_due_on"] == due(WorkingDays(30)).isoformat()
    assert [(t["code"], t["target"]) for t in body["transitions"]] == [
        ("start_investigation", "investigating"), ("withdraw", "withdrawn"),
    ]  # fmt: skip
    assert [e["code"] for e in body["timeline"]] == ["submit", "accept"]
    assert body["timeline"][1] == {
        "at": body["timeline"][1]["at"], "actor": "caseworker", "kind": "transition", "code": "accept",
        "from_step": "submitted", "to_step": "accepted", "message": "受理",
        "basis": "《最低生活保障审核确认办法》第10条；第15条（3个工作日内启动调查）",
        "due_on": due(WorkingDays(3)).isoformat(), "due_provisional": provisional(WorkingDays(3)), "data": {},
    }  # fmt: skip
    # the county approver sees the same application with its own (different) actions
    county = api("county").get(f"{API}/applications/{application.pk}").json()
    assert [t["code"] for t in county["transitions"]] == ["terminate"]


def test_stale_expected_step_is_409_and_nothing_changes(api, users, home):
    # given: another user accepted the application after this user loaded it
    application = go(users, apply(users, home), "caseworker", "accept")

    # when
    response = transition(api(), application, "accept", "submitted")

    # then
    assert response.status_code == 409
    assert response.json() == {
        "code": "transition_not_allowed",
        "message": f"申请 {application.number} 当前处于“已受理”环节，不能办理“受理”（可能已由他人办理，请刷新）",
        "field": "step",
    }
    # the step itself is allowed, but not from the step the user saw
    response = transition(api(), application, "start_investigation", "submitted")
    assert response.status_code == 409
    assert Application.objects.get(pk=application.pk).step == Step.ACCEPTED
    assert ApplicationEvent.objects.filter(application=application).count() == 2


def test_wrong_role_is_403_and_missing_record_is_422(api, users, home):
    # given
    application = apply(users, home)

    # when / then
    response = transition(api("reviewer"), application, "accept", "submitted")
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "您的角色不能办理“受理”", "field": None}

    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    response = transition(api(), application, "request_verification", "investigating")
    assert response.status_code == 422
    assert response.json() == {
        "code": "step_requirement_missing",
        "message": "尚无入户调查记录（至少 2 名调查人员，审核确认办法第 16 条）",
        "field": "home_visit",
    }
    response = transition(api(), application, "request_verification", "nowhere")
    assert (response.status_code, response.json()["field"]) == (422, "expected_step")
    assert Application.objects.get(pk=application.pk).step == Step.INVESTIGATING


def test_records_through_http(api, users, home):
    # given
    application = go(
        users, go(users, apply(users, home), "caseworker", "accept"), "caseworker", "start_investigation"
    )

    # when: a home visit
    visit = {"visited_on": today().isoformat(), "investigators": ["赵六", "钱七"], "members_present": "户主",
             "findings": "家庭困难属实", "housing": "自有住房 40 平方米"}  # fmt: skip
    response = post(api(), f"/applications/{application.pk}/home-visits", visit)

    # then
    assert response.status_code == 201
    stored = HomeVisit.objects.get(application=application)
    assert response.json() == {
        "id": stored.pk, "visited_on": today().isoformat(), "investigators": ["赵六", "钱七"], "by_county": False,
        "members_present": "户主", "housing": "自有住房 40 平方米", "findings": "家庭困难属实",
        "recorded_at": response.json()["recorded_at"],
    }  # fmt: skip
    one_investigator = post(
        api(), f"/applications/{application.pk}/home-visits", visit | {"investigators": ["赵六"]}
    )
    assert one_investigator.json() == {
        "code": "application_invalid", "message": "入户调查须至少 2 名调查人员（审核确认办法第 16 条）",
        "field": "investigators",
    }  # fmt: skip
    assert post(api("auditor"), f"/applications/{application.pk}/home-visits", visit).status_code == 403

    # verification results: the county only, at the verification step
    go(users, application, "caseworker", "request_verification")
    body = {"source": "bank", "outcome": "inconsistent", "detail": "存款 2 万元", "amount": "20000.00"}
    assert post(api(), f"/applications/{application.pk}/verifications", body).status_code == 403
    response = post(api("county"), f"/applications/{application.pk}/verifications", body)
    assert response.status_code == 201
    assert {k: v for k, v in response.json().items() if k not in ("id", "recorded_at")} == {
        "source": "bank",
        "outcome": "inconsistent",
        "detail": "存款 2 万元",
        "amount": "20000.00",
    }

    # an objection during the public notice extends the overall limit to 45 working days
    go(users, application, "county", "record_verification")
    go(users, application, "reviewer", "publish_notice", opinion="拟纳入低保")
    response = post(api(), f"/applications/{application.pk}/objections",
                    {"received_on": today().isoformat(), "content": "邻居反映有经营收入"})  # fmt: skip
    assert response.status_code == 201
    detail = api().get(f"{API}/applications/{application.pk}").json()
    assert (detail["extension_reason"], detail["overall_due_on"]) == (
        "objection",
        due(WorkingDays(45)).isoformat(),
    )
    assert without_times(detail)["objections"] == [{"received_on": today().isoformat(),
                                                    "content": "邻居反映有经营收入", "resolution": ""}]  # fmt: skip
    assert [e["code"] for e in detail["timeline"]] == [
        "submit", "accept", "start_investigation", "home_visit", "request_verification", "verification",
        "record_verification", "publish_notice", "objection", "extend",
    ]  # fmt: skip
    assert [t["code"] for t in detail["transitions"]] == [
        "close_notice",
        "hold_appraisal",
        "reinvestigate",
        "withdraw",
    ]


def test_extreme_poverty_care_assessment_and_approval_through_the_api(
    api, users, divisions, household_factory
):
    # given: a 特困 application under investigation (the township has visited)
    from minzheng.applications.services import spot_check_draw
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    old = household_factory(
        head_name="刘老汉", self_care="partly_incapable", id_number=id_number(birth=OLD_AGE_BIRTH, seq=401)
    )
    application = apply(users, old, "extreme_poverty_support")
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    care = {"assessed_on": today().isoformat(), "assessors": ["县评估员甲"], "supporter_status": "able",
            "support_mode": "institutional",
            "adl": {"eating": False, "dressing": False, "getting_in_out_of_bed": False, "toileting": False,
                    "walking_indoors": True, "bathing": True}}  # fmt: skip

    # when: a duty-bearer able to support is recorded
    response = api("caseworker").put(f"/api/v1/applications/{application.pk}/care-assessment", care,
                                     content_type="application/json")  # fmt: skip

    # then: four items failed → 完全丧失
    assert response.status_code == 200
    assert (response.json()["self_care"], response.json()["support_mode"]) == (
        "fully_incapable",
        "institutional",
    )
    go(users, application, "reviewer", "publish_notice", opinion="拟认定")
    end_notice(application)
    go(users, application, "reviewer", "close_notice")
    assert spot_check_draw(actor=users["county"], county=divisions["xincheng"], seed=1) == [application.pk]
    go_visit = {"visited_on": today().isoformat(), "investigators": ["县甲", "县乙"], "members_present": "本人",
                "findings": "独居，有子女在外地"}  # fmt: skip
    assert post(api("county"), f"/applications/{application.pk}/home-visits", go_visit).status_code == 201

    # the engine refuses: a duty-bearer is able to support (特困人员认定办法第 4 条第 3 项)
    refused = transition(api("county"), application, "approve", "county_review")
    assert refused.status_code == 422
    assert refused.json()["field"] == "assessment"
    assert refused.json()["message"].endswith("有具备履行能力的法定义务人；请核实或不予批准")
    assert Application.objects.get(pk=application.pk).step == Step.COUNTY_REVIEW

    # re-investigated facts are not accepted at review: the assessment belongs to the investigation
    late = api("county").put(f"/api/v1/applications/{application.pk}/care-assessment",
                             care | {"supporter_status": "none"}, content_type="application/json")  # fmt: skip
    assert (late.status_code, late.json()["code"]) == (409, "transition_not_allowed")


def test_extreme_poverty_approval_through_the_api_pays_basic_living_plus_care(
    api, users, divisions, household_factory
):
    # given
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    old = household_factory(head_name="张奶奶", id_number=id_number(birth=OLD_AGE_BIRTH, seq=403))
    application = apply(users, old, "extreme_poverty_support")
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    care = {"assessed_on": today().isoformat(), "assessors": ["县评估员甲"], "supporter_status": "none",
            "support_mode": "institutional",
            "adl": {"eating": False, "dressing": False, "getting_in_out_of_bed": False, "toileting": False,
                    "walking_indoors": True, "bathing": True}}  # fmt: skip
    assert api("caseworker").put(f"/api/v1/applications/{application.pk}/care-assessment", care,
                                 content_type="application/json").status_code == 200  # fmt: skip
    go(users, application, "reviewer", "publish_notice", opinion="拟认定")
    end_notice(application)
    go(users, application, "reviewer", "close_notice")
    Application.objects.filter(pk=application.pk).update(spot_checked=False)  # drawn earlier, not sampled

    # when
    response = transition(api("county"), application, "approve", "county_review")

    # then: urban basic living 1,380.00 + 完全丧失 care standard
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["step"], body["level"], body["support_mode"]) == (
        "approved",
        "fully_incapable",
        "institutional",
    )
    assert Decimal(body["monthly_amount"]) == Decimal("2646.00") == Decimal("1380.00") + EP_CARE_NONE
    assert body["care_assessment"]["self_care"] == "fully_incapable"


# --- reads ------------------------------------------------------------------------------------------


def test_list_is_scoped_filtered_and_paginated(api, users, home, household_factory):
    # given: two 低保 applications in Xincheng (one accepted), one temporary, one in Taibus
    first = apply(users, home)
    second = go(users, apply(users, household_factory(head_name="陈某")), "caseworker", "accept")
    temporary = apply(users, household_factory(head_name="林某"), "temporary_small_fast", hardship="突发疾病")
    taibus_home = household_factory(
        actor=users["taibus_caseworker"], division_code="152527201206", head_name="巴特尔"
    )
    apply(users, taibus_home, who="taibus_caseworker")

    # when / then
    everything = api().get(f"{API}/applications").json()
    assert (everything["count"], [i["id"] for i in everything["items"]]) == (
        3, [temporary.pk, second.pk, first.pk],
    )  # fmt: skip
    dibao = api().get(f"{API}/applications", {"workflow": "dibao", "limit": 1, "offset": 1}).json()
    assert (dibao["count"], dibao["limit"], dibao["offset"], [i["id"] for i in dibao["items"]]) == (
        2,
        1,
        1,
        [first.pk],
    )
    accepted = api().get(f"{API}/applications", {"step": "accepted"}).json()
    assert [i["id"] for i in accepted["items"]] == [second.pk]
    assert api().get(f"{API}/applications", {"division": "152527"}).json()["count"] == 0
    assert api("region").get(f"{API}/applications").json()["count"] == 4
    assert api("taibus_county").get(f"{API}/applications/{first.pk}").status_code == 404
    bad = api().get(f"{API}/applications", {"limit": 500})
    assert (bad.status_code, bad.json()["field"]) == (422, "limit")


# --- the applicant's progress enquiry ---------------------------------------------------------------


def test_progress_with_the_right_pair_tells_the_step_in_chinese(client, users, home):
    # given: accepted after a one-time notice of missing materials
    application = apply(users, home, pledge_signed=False)
    go(users, application, "caseworker", "request_materials", missing_materials=["户口簿复印件", "收入证明"])

    # when
    response = client.post(PROGRESS, {"number": application.number, "id_number": HEAD_ID.lower()},
                           content_type="application/json")  # fmt: skip

    # then
    assert response.status_code == 200
    assert response.json() == {
        "number": application.number, "programme": "最低生活保障", "step": "materials_pending",
        "step_label": "待补齐材料", "step_description": "申请材料不齐全，请按告知一次性补齐所列材料",
        "missing_materials": ["户口簿复印件", "收入证明"], "step_due_on": None, "step_due_provisional": False,
        "overall_due_on": None, "overall_due_provisional": False,
        "decision": None,
    }  # fmt: skip


def test_progress_after_rejection_gives_the_decision_and_reasons(client, users, home):
    # given
    application = to_review(users, apply(users, home))
    go(users, application, "county", "reject", reason="家庭人均收入高于当地低保标准")

    # when
    body = client.post(PROGRESS, {"number": application.number, "id_number": HEAD_ID},
                       content_type="application/json").json()  # fmt: skip

    # then
    assert body == {
        "number": application.number, "programme": "最低生活保障", "step": "rejected", "step_label": "不予批准",
        "step_description": "申请未获批准，理由见决定", "missing_materials": [],
        "step_due_on": due(WorkingDays(3)).isoformat(), "step_due_provisional": provisional(WorkingDays(3)),
        "overall_due_on": due(WorkingDays(30)).isoformat(), "overall_due_provisional": provisional(WorkingDays(30)),
        "decision": {"result": "rejected", "result_label": "不予批准", "decided_on": today().isoformat(),
                     "reasons": "家庭人均收入高于当地低保标准"},
    }  # fmt: skip
    assert "王秀兰" not in json.dumps(body, ensure_ascii=False)


def test_progress_wrong_pair_is_the_same_404_whether_the_number_exists_or_not(
    client, users, home, household_factory
):
    # given: another member of the public with a valid ID number
    application = apply(users, home)
    stranger = household_factory(head_name="路人").head

    # when
    wrong_id = client.post(PROGRESS, {"number": application.number, "id_number": stranger.id_number},
                           content_type="application/json")  # fmt: skip
    unknown_number = client.post(PROGRESS, {"number": "150102-2026-9999999", "id_number": HEAD_ID},
                                 content_type="application/json")  # fmt: skip

    # then
    expected = {"code": "application_not_found", "message": PROGRESS_NOT_FOUND, "field": None}
    assert (wrong_id.status_code, wrong_id.json()) == (404, expected)
    assert (unknown_number.status_code, unknown_number.json()) == (404, expected)
    bad_checksum = client.post(PROGRESS, {"number": application.number, "id_number": HEAD_ID[:-1] + "0"},
                               content_type="application/json")  # fmt: skip
    assert (bad_checksum.status_code, bad_checksum.json()["field"]) == (422, "id_number")


def test_progress_is_rate_limited_per_address(client, users, home):
    # given
    application = apply(users, home)
    body = {"number": application.number, "id_number": HEAD_ID}

    # when: the limit's worth of enquiries, then one more
    answers = [
        client.post(PROGRESS, body, content_type="application/json").status_code
        for _ in range(PROGRESS_LIMIT)
    ]
    over = client.post(PROGRESS, body, content_type="application/json")

    # then
    assert answers == [200] * PROGRESS_LIMIT
    assert over.status_code == 429
    assert over.json() == {
        "code": "too_many_requests",
        "message": "查询过于频繁，请一分钟后再试",
        "field": None,
    }
    other_address = client.post(PROGRESS, body, content_type="application/json", REMOTE_ADDR="10.0.0.8")
    assert other_address.status_code == 200


def test_progress_needs_no_login_and_staff_endpoints_do(client, users, home):
    application = apply(users, home)
    assert client.get(f"{API}/applications/{application.pk}").status_code == 401
    assert post(client, "/applications", intake_body(home)).status_code == 401
    assert Application.objects.count() == 1


def test_schema_choices_match_the_enums():
    for literal, enum in CHOICES_OF.items():
        assert set(typing.get_args(literal)) == {member.value for member in enum}, enum
    assert set(typing.get_args(DeadlineChoice)) == set(DEADLINE_FILTERS)


def test_temporary_paths_through_the_api(api, users, household_factory, expenditure_policy):  # noqa: F811
    # given (expenditure_policy: the builtin figures plus the two a bureau enters itself)
    fire_home, school_home = household_factory(head_name="孙某"), household_factory(head_name="吴某")

    # 急难型: intake, accept without the pledge, aid first, paperwork by the township reviewer
    body = {"workflow": "temporary_emergency", "household_id": fire_home.pk, "applicant_id": fire_home.head_id,
            "channel": "window", "hardship": "家中失火"}  # fmt: skip
    created = post(api("caseworker"), "/applications", body)
    assert created.status_code == 201, created.json()
    fire = Application.objects.get(pk=created.json()["id"])
    assert transition(api("caseworker"), fire, "accept", "submitted").json()["step"] == "accepted"
    paid = transition(api("caseworker"), fire, "pay_aid_first", "accepted", amount="1500")
    assert (paid.json()["step"], paid.json()["one_off_amount"]) == ("aid_paid", "1500.00")
    done = transition(api("reviewer"), fire, "complete_paperwork", "aid_paid", pledge_signed=True)
    assert (done.status_code, done.json()["step"]) == (200, "approved")

    # 支出型 to the county review, then 一事一议 above the tier: the county decides with the minutes
    body = body | {"workflow": "temporary_expenditure", "household_id": school_home.pk,
                   "applicant_id": school_home.head_id, "hardship": "子女重病", "pledge_signed": True}  # fmt: skip
    school = Application.objects.get(pk=post(api("caseworker"), "/applications", body).json()["id"])
    transition(api("caseworker"), school, "accept", "submitted")
    transition(api("caseworker"), school, "start_investigation", "accepted")
    visit(users, school)
    transition(api("caseworker"), school, "request_verification", "investigating")
    assert post(api("county"), f"/applications/{school.pk}/verifications",
                {"source": "bank", "outcome": "consistent"}).status_code == 201  # fmt: skip
    transition(api("county"), school, "record_verification", "verifying")
    transition(api("reviewer"), school, "publish_notice", "first_review", opinion="拟救助")
    end_notice(school)
    transition(api("reviewer"), school, "close_notice", "public_notice")
    referred = transition(api("reviewer"), school, "refer_case_by_case", "county_review", reason="费用巨大")
    assert referred.json()["step"] == "case_by_case"
    refused = transition(
        api("reviewer"), school, "approve", "case_by_case", amount="9000", meeting_note="纪要"
    )
    assert refused.status_code == 403
    approved = transition(api("county"), school, "approve", "case_by_case", amount="9000",
                          meeting_note="县协调机制会议议定")  # fmt: skip
    assert (approved.status_code, approved.json()["step"], approved.json()["one_off_amount"]) == (
        200, "approved", "9000.00",
    )  # fmt: skip
