"""Capacity assessment pages and the submit API: the 26-item form, the result with 需人工核定 and the manual
level, the re-assessment list, scoping."""
# ruff: noqa: F811  (fixtures imported from fixtures_people are used as parameters)

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from minzheng.accounts.api_auth import api_token_create
from minzheng.eldercare.models import CapacityAssessment
from minzheng.eldercare.tests.fixtures_people import (  # noqa: F401
    BANDS,
    FULL_SCORES,
    elder_household,
    older_world,
    parameter_set,
    scores_with_total,
)
from minzheng.policy.keys.eldercare_assessment import LEVEL_BANDS, REASSESSMENT_MONTHS
from minzheng.policy.models import Parameter

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, users):
    client.force_login(users["caseworker"])
    return client


def form_data(total: int, **extra):
    today = timezone.localdate().isoformat()
    data = {"assessed_on": today, "assessor_name": "李评估", "assessor_certificate": "NM-2026-001"}
    data.update({f"score_{code}": str(score) for code, score in scores_with_total(total).items()})
    data.update(extra)
    return data


def test_form_groups_26_items_under_4_indicators(staff, older_world):
    page = staff.get(f"/eldercare/people/{older_world['street'].pk}/assessments/new/")
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("自理能力", "基础运动能力", "精神状态", "感知觉与社会参与", "使用交通工具外出", "意识水平"):
        assert label in text
    assert text.count('<fieldset class="mb-3 col-12 col-xl-6" data-item=') == 26


def test_missing_and_bad_scores_name_the_item(staff, older_world):
    url = f"/eldercare/people/{older_world['street'].pk}/assessments/new/"
    data = form_data(90)
    del data["score_stairs"]
    response = staff.post(url, data)
    assert response.status_code == 422
    assert "请为“上下楼梯”评分" in response.content.decode()
    bad = staff.post(url, form_data(90, score_stairs="4"))
    assert bad.status_code == 422
    assert not CapacityAssessment.objects.exists()


def test_manual_determination_through_the_pages(staff, older_world):
    older = older_world["street"]
    response = staff.post(f"/eldercare/people/{older.pk}/assessments/new/", form_data(50))
    assert response.status_code == 302
    assessment = CapacityAssessment.objects.get()
    page = staff.get(response["Location"]).content.decode()
    assert "需人工核定" in page
    assert "未配置老年人能力等级分值段" in page
    assert "本地未配置能力等级与特困人员生活自理能力的对应关系" in page
    url = f"/eldercare/assessments/{assessment.pk}/complete/"
    refused = staff.post(url, {"expected_status": "draft", "manual_level": "moderate", "manual_reason": ""})
    assert refused.status_code == 422
    assert "理由" in refused.content.decode()
    next_on = (timezone.localdate() + dt.timedelta(days=180)).isoformat()
    done = staff.post(
        url,
        {
            "expected_status": "draft",
            "manual_level": "moderate",
            "manual_reason": "现场核定为中度",
            "next_assessment_on": next_on,
        },
    )
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level) == ("completed", "moderate")
    again = staff.post(url, {"expected_status": "draft", "manual_level": "mild", "manual_reason": "重复提交"})
    assert again.status_code == 409
    detail = staff.get(f"/eldercare/people/{older.pk}/").content.decode()
    assert "中度失能" in detail


def test_configured_level_and_due_list(staff, older_world, divisions):
    parameter_set(LEVEL_BANDS, BANDS, divisions["region"])
    parameter_set(REASSESSMENT_MONTHS, 1, divisions["region"])
    older = older_world["street"]
    staff.post(f"/eldercare/people/{older.pk}/assessments/new/", form_data(84))
    assessment = CapacityAssessment.objects.get()
    assert assessment.computed_level == "mild"
    staff.post(f"/eldercare/assessments/{assessment.pk}/complete/", {"expected_status": "draft"})
    assessment.refresh_from_db()
    assert assessment.level == "mild"
    due = staff.get("/eldercare/assessments/due/", {"days": "90"}).content.decode()
    assert "王秀英" in due
    assert "王秀英" not in staff.get("/eldercare/assessments/due/", {"days": "0"}).content.decode()


def test_other_township_gets_404(client, users, older_world):
    client.force_login(users["taibus_caseworker"])
    assert client.get(f"/eldercare/people/{older_world['street'].pk}/assessments/new/").status_code == 404


def test_submit_api(users, older_world, divisions):
    parameter_set(LEVEL_BANDS, BANDS, divisions["region"])
    parameter_set(REASSESSMENT_MONTHS, 12, divisions["region"])
    _token, secret = api_token_create(username=users["caseworker"].username, name="测试")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    body = {
        "older_person_id": older_world["street"].pk,
        "assessed_on": timezone.localdate().isoformat(),
        "assessor_name": "李评估",
        "scores": scores_with_total(39),
        "complete": True,
    }
    response = api.post("/api/v1/eldercare/assessments", body, content_type="application/json")
    assert response.status_code == 201, response.content
    result = response.json()
    assert (result["total"], result["level"], result["status"]) == (39, "severe", "completed")
    assert result["dimension_scores"]["self_care"] + result["dimension_scores"]["mobility"] <= 47
    bad = api.post(
        "/api/v1/eldercare/assessments",
        {**body, "scores": {**FULL_SCORES, "vision": 5}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "score_vision"
    assert "视力" in bad.json()["message"]
    other = api.post(
        "/api/v1/eldercare/assessments",
        {**body, "older_person_id": older_world["taibus"].pk},
        content_type="application/json",
    )
    assert other.status_code == 404
    assert CapacityAssessment.objects.count() == 1
    Parameter.objects.filter(key=LEVEL_BANDS).delete()
    manual = api.post("/api/v1/eldercare/assessments", body, content_type="application/json")
    assert manual.status_code == 422  # 需人工核定 without a manual level: nothing written, not even the draft
    assert manual.json()["field"] == "manual_level"
    assert CapacityAssessment.objects.count() == 1
    assert api.get(f"/api/v1/eldercare/assessments/{result['id']}").json()["level"] == "severe"
