"""Enrolment pages and API through Django's test client: list filters/search/sort, scoping (another
county's user gets 404), masking in the export, the change form, the review queue and the import page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from minzheng.accounts.api_auth import api_token_create
from minzheng.audit.models import PersonalDataAccess
from minzheng.common.models import Job
from minzheng.enrolments import reviews
from minzheng.enrolments.models import Enrolment, EnrolmentChange, LegacyImport
from minzheng.enrolments.tests.test_legacy import good_rows, xlsx

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def two(dibao_enrolment, household_factory, approved, users):
    from minzheng.applications.services import enrolment_from_application

    first = dibao_enrolment()
    second = enrolment_from_application(
        actor=users["county"],
        application=approved("extreme_poverty_support", household=household_factory(head_name="李四")),
    )
    return first, second


def listed(response) -> list[int]:
    import re

    return [int(x) for x in re.findall(r'data-enrolment-id="(\d+)"', response.content.decode())]


def test_list_filters_search_sort_and_scope(users, two):
    first, second = two
    client = client_for(users["caseworker"])
    assert listed(client.get(reverse("enrolments:list"))) == [second.pk, first.pk]
    assert listed(client.get(reverse("enrolments:list"), {"sort": "id"})) == [first.pk, second.pk]
    assert listed(client.get(reverse("enrolments:list"), {"programme": "dibao"})) == [first.pk]
    assert listed(client.get(reverse("enrolments:list"), {"search": "李"})) == [second.pk]
    id_number = first.household.head.id_number
    assert listed(client.get(reverse("enrolments:list"), {"search": id_number})) == [first.pk]
    assert listed(client.get(reverse("enrolments:list"), {"month": "2026-11"})) == []
    assert listed(client.get(reverse("enrolments:list"), {"month": "2026-12"})) == [second.pk, first.pk]
    page = client.get(reverse("enrolments:list")).content.decode()
    assert id_number not in page
    assert first.household.head.id_number_masked in page
    assert "最低生活保障" in page
    bad = client.get(reverse("enrolments:list"), {"month": "2026-13"})
    assert bad.status_code == 422
    other = client_for(users["taibus_county"])
    assert listed(other.get(reverse("enrolments:list"))) == []
    assert other.get(reverse("enrolments:detail", args=[first.pk])).status_code == 404


def test_export_is_masked_and_logged(users, two):
    first, _second = two
    response = client_for(users["county"]).get(reverse("enrolments:export"), {"programme": "dibao"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert len(rows) == 2
    assert rows[1][3] == first.household.head.id_number_masked
    assert first.household.head.id_number not in str(rows)
    assert rows[1][8] == 1350
    log = PersonalDataAccess.objects.get()
    assert (log.purpose, log.record_count) == ("export", 1)


def test_change_form_and_errors(users, two):
    first, _second = two
    client = client_for(users["caseworker"])
    detail = client.get(reverse("enrolments:detail", args=[first.pk]))
    assert detail.status_code == 200
    assert 'id="action-change"' in detail.content.decode()
    url = reverse("enrolments:action", args=[first.pk, "change"])
    bad = client.post(
        url, {"kind": "increase", "effective_month": "2027-02", "new_amount": "100", "reason": "x"}
    )
    assert bad.status_code == 422
    assert "增发后的金额须高于当前的 1350.00 元" in bad.content.decode()
    assert EnrolmentChange.objects.count() == 0
    good = client.post(
        url, {"kind": "increase", "effective_month": "2027-02", "new_amount": "1400", "reason": "x"}
    )
    assert good.status_code == 302
    first.refresh_from_db()
    assert first.monthly_amount == Decimal("1400.00")
    # read-only roles see no forms and cannot post
    reviewer = client_for(users["reviewer"])
    assert (
        'id="action-change"'
        not in reviewer.get(reverse("enrolments:detail", args=[first.pk])).content.decode()
    )
    assert (
        reviewer.post(url, {"kind": "stop", "effective_month": "2027-03", "reason": "x"}).status_code == 403
    )
    other = client_for(users["taibus_county"])
    assert other.post(url, {"kind": "stop", "effective_month": "2027-03", "reason": "x"}).status_code == 404


def test_review_queue_and_generation(users, two):
    first, second = two
    client = client_for(users["caseworker"])
    reviews.review_schedule_generate(today=dt.date(2027, 12, 1))
    page = client.get(reverse("enrolments:reviews")).content.decode()
    assert page.count("data-review-id") == 2
    assert (
        client_for(users["taibus_county"])
        .get(reverse("enrolments:reviews"))
        .content.decode()
        .count("data-review-id")
        == 0
    )


def test_import_page_success_and_rejection(users, make_user, divisions):
    importer = make_user("importer", "county_approver", divisions["region"])
    client = client_for(importer)
    assert client.get(reverse("enrolments:legacy_import")).status_code == 200
    upload = SimpleUploadedFile("old.xlsx", xlsx(good_rows()))
    response = client.post(reverse("enrolments:legacy_import"), {"file": upload})
    # the import ran as a background task (immediate backend in tests): the job page has the progress
    # bar at 100 % and links the result; the uploaded file (ID numbers) is gone
    job = Job.objects.get(kind="legacy_import")
    assert response.status_code == 302
    assert response["Location"] == reverse("enrolments:job", args=[job.pk])
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 5, 5)
    assert job.message == "导入成功：2 户、4 人、2 条在保"
    assert not list((Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)).glob("upload*"))
    job_page = client.get(response["Location"]).content.decode()
    success = LegacyImport.objects.get(status="succeeded")
    result_url = f"{reverse('enrolments:legacy_import')}?record={success.pk}"
    assert f'id="job-result" href="{result_url}"' in job_page
    assert 'aria-valuenow="100"' in job_page
    shown = client.get(result_url)
    assert shown.status_code == 200
    assert "导入成功：新建家庭 2 户、人员 4 人，纳入在保 2 条" in shown.content.decode()
    again = client.post(
        reverse("enrolments:legacy_import"), {"file": SimpleUploadedFile("old.xlsx", xlsx(good_rows()))}
    )
    record = LegacyImport.objects.get(status="rejected")
    assert Job.objects.get(pk=int(again["Location"].rstrip("/").rsplit("/", 1)[-1])).message == (
        "有 4 个错误，未导入（可下载错误报告）"
    )
    assert client.get(f"{reverse('enrolments:legacy_import')}?record={record.pk}").status_code == 422
    report = client.get(reverse("enrolments:legacy_import_errors", args=[record.pk]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(report.content)).get_sheet_by_index(0).to_python()
    assert rows[1] == [2.0, "身份证号码", "该人员已在保（同一救助项目），不能重复导入"]
    assert Enrolment.objects.count() == 2
    assert client_for(users["reviewer"]).get(reverse("enrolments:legacy_import")).status_code == 403
    assert (
        client_for(users["taibus_county"])
        .get(reverse("enrolments:legacy_import_errors", args=[record.pk]))
        .status_code
        == 404
    )


def test_api_list_detail_change_and_scope(users, two):
    first, _second = two

    def api(name):
        _token, secret = api_token_create(username=users[name].username, name="测试")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    body = api("caseworker").get("/api/v1/enrolments", {"programme": "dibao"}).json()
    assert body["count"] == 1
    assert body["items"][0]["subject_id_number_masked"] == first.household.head.id_number_masked
    assert api("taibus_county").get(f"/api/v1/enrolments/{first.pk}").status_code == 404
    response = api("caseworker").post(
        f"/api/v1/enrolments/{first.pk}/changes",
        {"kind": "suspend", "effective_month": "2027-02-01", "reason": "待核实"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "suspended"
    assert response.json()["periods"] == [
        {
            "from_month": "2026-12-01",
            "until_month": "2027-02-01",
            "monthly_amount": "1350.00",
            "reason": "审批纳入",
            "basis": f"申请 {first.application.number} 审批决定",
        }
    ]
    twice = api("caseworker").post(
        f"/api/v1/enrolments/{first.pk}/changes",
        {"kind": "suspend", "effective_month": "2027-03-01", "reason": "x"},
        content_type="application/json",
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "change_not_allowed"
    assert (
        api("reviewer")
        .post(
            f"/api/v1/enrolments/{first.pk}/changes",
            {"kind": "resume", "effective_month": "2027-03-01", "reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
