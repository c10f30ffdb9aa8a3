"""The entitlement, visit and home-care pages through the Django client: scoping (another jurisdiction's
row is a 404, its rows are not listed), the actions of each status, errors re-rendered with a Chinese
message and nothing written, the village assistant's visit list and record form, Excel."""
# ruff: noqa: F811, PT018 - fixtures are imported from fixtures_care; paired facts are asserted together

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minzheng.eldercare.models import HomeCareProject, ServiceEntitlement, VisitRecord
from minzheng.eldercare.services.entitlements import entitlement_apply
from minzheng.eldercare.services.home_care import home_care_apply
from minzheng.eldercare.services.visits import visit_schedule_refresh
from minzheng.monitoring.models import Alert

from .fixtures_care import PNG, make_older, provider, set_param  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_entitlement_pages_apply_review_approve_and_scoping(client_of, users, make_older, set_param):
    set_param("eldercare.entitlement.monthly_hours.dibao", 20)
    older = make_older(name="低保老人", dibao=True)
    far = make_older(name="远方老人", division="gacha", dibao=True)
    caseworker = client_of(users["caseworker"])
    # the picker finds the person by name; the form offers the categories the person belongs to
    page = caseworker.get(reverse("eldercare:entitlement_apply"), {"q": "低保"})
    assert "低保老人" in page.content.decode() and "远方老人" not in page.content.decode()
    page = caseworker.get(reverse("eldercare:entitlement_apply"), {"older": older.pk})
    assert '<option value="dibao">低保对象</option>' in page.content.decode()
    response = caseworker.post(
        f"{reverse('eldercare:entitlement_apply')}?older={older.pk}", {"older": older.pk, "category": "dibao"}
    )
    row = ServiceEntitlement.objects.get(older_person=older)
    assert response.status_code == 302 and response["Location"] == reverse(
        "eldercare:entitlement_detail", args=[row.pk]
    )
    # review by the township, then the county approves
    reviewer = client_of(users["reviewer"])
    act = reverse("eldercare:entitlement_act", args=[row.pk, "review"])
    assert reviewer.post(act, {"expected_status": "applied"}).status_code == 302
    county = client_of(users["county"])
    detail = county.get(reverse("eldercare:entitlement_detail", args=[row.pk])).content.decode()
    assert 'data-action="approve"' in detail and 'data-action="review"' not in detail
    response = county.post(
        reverse("eldercare:entitlement_act", args=[row.pk, "approve"]),
        {"expected_status": "reviewed", "valid_from": "2026-07-01"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.valid_from, row.monthly_hours) == ("approved", dt.date(2026, 7, 1), 20)
    # a second approval with the stale status: a Chinese conflict, nothing changes
    again = county.post(
        reverse("eldercare:entitlement_act", args=[row.pk, "approve"]), {"expected_status": "reviewed"}
    )
    assert again.status_code == 409 and "可能已由他人办理" in again.content.decode()
    # scoping: the Taibus county neither lists nor opens Xincheng's row
    taibus = client_of(users["taibus_county"])
    assert "低保老人" not in taibus.get(reverse("eldercare:entitlement_list")).content.decode()
    assert taibus.get(reverse("eldercare:entitlement_detail", args=[row.pk])).status_code == 404
    assert far.pk  # (the far person exists only in Taibus)
    county = client_of(users["county"])  # one client: log the county in again
    listing = county.get(reverse("eldercare:entitlement_list"), {"status": "approved"}).content.decode()
    assert "低保老人" in listing and "已批准" in listing
    export = county.get(reverse("eldercare:entitlement_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_approval_without_parameters_shows_manual_determination(client_of, users, make_older):
    older = make_older(extreme_poverty=True)
    row = entitlement_apply(actor=users["caseworker"], older_person_id=older.pk, category="extreme_poverty")
    client_of(users["reviewer"]).post(
        reverse("eldercare:entitlement_act", args=[row.pk, "review"]), {"expected_status": "applied"}
    )
    response = client_of(users["county"]).post(
        reverse("eldercare:entitlement_act", args=[row.pk, "approve"]), {"expected_status": "reviewed"}
    )
    assert response.status_code == 422
    assert "需人工核定：" in response.content.decode()
    assert ServiceEntitlement.objects.get(pk=row.pk).status == "reviewed"


def test_village_assistant_sees_the_visit_list_and_records_a_visit(
    client_of, users, make_older, set_param, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    set_param("eldercare.visit.interval_days.lives_alone", 7)
    older = make_older(name="独居老人", lives_alone=True)
    make_older(name="外村老人", division="community2", lives_alone=True)
    visit_schedule_refresh()
    assistant = client_of(users["assistant"])
    listing = assistant.get(reverse("eldercare:visit_list")).content.decode()
    assert "独居老人" in listing and "外村老人" not in listing  # the assistant's own village only
    assert "检查逾期探访" not in listing  # the scan is the township's
    url = reverse("eldercare:visit_person", args=[older.pk])
    bad = assistant.post(
        url, {"visited_on": dt.date.today().isoformat(), "findings": "燃气", "risk_found": "on"}
    )
    assert bad.status_code == 422 and "发现安全风险时请写明风险情况" in bad.content.decode()
    assert not VisitRecord.objects.exists()
    ok = assistant.post(
        url,
        {
            "visited_on": dt.date.today().isoformat(),
            "findings": "燃气软管老化",
            "risk_found": "on",
            "safety_risks": "燃气泄漏风险",
            "photos": [SimpleUploadedFile("厨房.png", PNG, content_type="image/png")],
        },
    )
    assert ok.status_code == 302
    record = VisitRecord.objects.get()
    photo = record.photos.get()
    assert Alert.objects.filter(rule_code="eldercare_visit_risk", person=older.person).count() == 1
    assert assistant.get(reverse("eldercare:care_photo", args=[photo.pk])).status_code == 200
    assert (
        client_of(users["taibus_county"]).get(reverse("eldercare:care_photo", args=[photo.pk])).status_code
        == 404
    )
    assert client_of(users["taibus_county"]).get(url).status_code == 404


def test_supervisor_sees_but_does_not_record_and_provider_role_is_refused(client_of, users, make_older):
    older = make_older(lives_alone=True)
    prefecture = client_of(users["prefecture"])
    page = prefecture.get(reverse("eldercare:visit_person", args=[older.pk]))
    assert page.status_code == 200 and 'id="visit-form"' not in page.content.decode()
    refused = prefecture.post(
        reverse("eldercare:visit_person", args=[older.pk]), {"visited_on": "2026-06-01", "findings": "x"}
    )
    assert refused.status_code == 403
    assert client_of(users["auditor"]).get(reverse("eldercare:visit_list")).status_code == 403


def test_home_care_pages(client_of, users, make_older, provider, set_param, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    set_param("eldercare.home_adaptation.subsidy_ceiling", "3000.00")
    older = make_older(name="高龄老人", advanced_age=True)
    row = home_care_apply(actor=users["caseworker"], older_person_id=older.pk, kind="home_adaptation")
    caseworker = client_of(users["caseworker"])
    today = dt.date.today().isoformat()

    def act(code, data, files=None):
        payload = {"expected_status": HomeCareProject.objects.get(pk=row.pk).status, **data, **(files or {})}
        return caseworker.post(reverse("eldercare:home_care_act", args=[row.pk, code]), payload)

    assert act("assess", {"day": today, "note": "卫生间加装扶手"}).status_code == 302
    detail = caseworker.get(reverse("eldercare:home_care_detail", args=[row.pk])).content.decode()
    assert provider.name in detail  # the provider serving the street is offered
    assert (
        act("contract", {"day": today, "provider": provider.pk, "contract_amount": "3600"}).status_code == 302
    )
    assert act("build", {"day": today}).status_code == 302
    refused = act("accept", {"day": today, "note": "合格"})
    assert refused.status_code == 422 and "验收须上传现场照片" in refused.content.decode()
    photo = SimpleUploadedFile("扶手.png", PNG, content_type="image/png")
    assert act("accept", {"day": today, "note": "合格"}, {"photos": [photo]}).status_code == 302
    assert HomeCareProject.objects.get(pk=row.pk).subsidy_amount == Decimal("3000.00")
    listing = caseworker.get(
        reverse("eldercare:home_care_list"), {"kind": "home_adaptation"}
    ).content.decode()
    assert "高龄老人" in listing and "已验收" in listing
    assert caseworker.get(reverse("eldercare:home_care_export")).status_code == 200
    assert (
        client_of(users["taibus_county"])
        .get(reverse("eldercare:home_care_detail", args=[row.pk]))
        .status_code
        == 404
    )
