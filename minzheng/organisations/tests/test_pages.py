"""HTTP tests of every 社会组织 page: capability, jurisdiction (another county's record is a 404), the
supervisor's own unit only, the organisation's own login, and the public query without personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minzheng.organisations.models import AnnualReport, Organisation
from minzheng.organisations.services.accounts import account_set
from minzheng.organisations.services.reports import inspection_year_open

from .conftest import credit_code_for

pytestmark = pytest.mark.django_db

PASSWORD = "Zuzhi@2026x"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(make_org, org_users):
    mine = make_org(name="新城区青年志愿者协会")
    theirs = make_org(county="taibus", name="太仆寺旗马术协会")
    account_set(actor=org_users["registrar"], organisation_id=mine.pk, password=PASSWORD, phone="13700001234")
    inspection_year_open(actor=org_users["region_registrar"], year=2025)
    return {"mine": mine, "theirs": theirs, "report": AnnualReport.objects.get(organisation=mine),
            "their_report": AnnualReport.objects.get(organisation=theirs)}  # fmt: skip


def _as(client, user):
    client.force_login(user)
    return client


def test_registrar_pages_and_scoping(client, world, org_users):
    _as(client, org_users["registrar"])
    mine, theirs = world["mine"], world["theirs"]
    pages = [
        reverse("organisations:list"), reverse("organisations:list") + "?q=青年&organisation_type=social_group&sort=-code",
        reverse("organisations:create"), reverse("organisations:detail", args=[mine.pk]),
        reverse("organisations:reports"), reverse("organisations:reports") + "?year=2025&overdue=on&sort=-due",
        reverse("organisations:report", args=[world["report"].pk]), reverse("organisations:abnormal"),
        reverse("organisations:abnormal") + "?all=1", reverse("organisations:statistics") + "?year=2025",
    ]  # fmt: skip
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    listing = client.get(reverse("organisations:list")).content.decode()
    assert mine.name in listing
    assert theirs.name not in listing
    assert client.get(reverse("organisations:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("organisations:report", args=[world["their_report"].pk])).status_code == 404
    detail = client.get(reverse("organisations:detail", args=[mine.pk])).content.decode()
    assert "11010519491231002X" not in detail  # masked only
    assert "13800138000" not in detail


def test_excel_exports(client, world, org_users):
    _as(client, org_users["registrar"])
    for name in ("list", "reports", "abnormal", "statistics"):
        response = client.get(reverse(f"organisations:{name}") + "?format=xlsx")
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), name


def test_create_refuses_a_wrong_check_character_with_the_position(client, world, org_users, divisions):
    _as(client, org_users["registrar"])
    good = credit_code_for("social_service", "150102", 777)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    form = {
        "organisation_type": "social_service", "credit_code": wrong, "name": "新城区阳光养老服务中心",
        "division": "150102000000", "supervisor": "", "legal_representative": "赵某", "domicile": "新城区某街",
        "business_scope": "养老服务", "registered_capital": "100000", "established_on": "2024-03-01",
    }  # fmt: skip
    response = client.post(reverse("organisations:create"), form)
    assert response.status_code == 422
    assert f"第18位校验码应为{good[17]}，实为{wrong[17]}" in response.content.decode()
    form["credit_code"] = good
    response = client.post(reverse("organisations:create"), form)
    assert response.status_code == 302
    organisation = Organisation.objects.get(credit_code=good)
    assert organisation.supervisor is None


def test_change_account_year_scan_posts(client, world, org_users):
    _as(client, org_users["registrar"])
    mine = world["mine"]
    response = client.post(reverse("organisations:change", args=[mine.pk]), {
        "kind": "amended", "occurred_on": "2024-05-01", "summary": "变更住所", "expected_status": "active",
        "file": SimpleUploadedFile("决定书.pdf", PDF),
    })  # fmt: skip
    assert response.status_code == 302
    assert mine.changes.filter(kind="amended").get().files.count() == 1
    stale = client.post(
        reverse("organisations:change", args=[mine.pk]),
        {
            "kind": "revoked",
            "occurred_on": "2024-05-02",
            "summary": "撤销",
            "expected_status": "deregistered",
        },
    )
    assert stale.status_code == 409
    assert (
        client.post(reverse("organisations:account", args=[mine.pk]), {"password": "short"}).status_code
        == 422
    )
    assert client.post(reverse("organisations:year_open"), {"year": "2025"}).status_code == 302
    assert client.post(reverse("organisations:scan")).status_code == 302


def test_supervisor_sees_own_unit_only(client, world, org_users):
    _as(client, org_users["supervisor"])
    queue = client.get(reverse("organisations:prereview") + "?year=2025")
    assert queue.status_code == 200
    assert world["mine"].name in queue.content.decode()
    assert world["theirs"].name not in queue.content.decode()
    assert client.get(reverse("organisations:report", args=[world["report"].pk])).status_code == 200
    assert client.get(reverse("organisations:report", args=[world["their_report"].pk])).status_code == 404
    assert client.get(reverse("organisations:list")).status_code == 403


def test_staff_without_the_capability_are_refused(client, world, org_users):
    _as(client, org_users["caseworker"])
    assert client.get(reverse("organisations:list")).status_code == 403
    assert client.get(reverse("organisations:prereview")).status_code == 403
    assert client.get(reverse("organisations:report", args=[world["report"].pk])).status_code == 403


def test_organisation_files_and_submits_then_supervisor_and_registrar(client, world, org_users):
    report = world["report"]
    url = reverse("organisations_public:report", args=[report.pk])
    assert client.get(url).status_code == 302  # not signed in
    refused = client.post(reverse("organisations_public:sign_in"), {"credit_code": world["mine"].credit_code,
                                                                      "password": "wrong"})  # fmt: skip
    assert refused.status_code == 403
    signed = client.post(reverse("organisations_public:sign_in"), {"credit_code": world["mine"].credit_code,
                                                                     "password": PASSWORD})  # fmt: skip
    assert signed.status_code == 302
    assert client.get(reverse("organisations_public:home")).status_code == 200
    assert (
        client.get(reverse("organisations_public:report", args=[world["their_report"].pk])).status_code == 404
    )
    upload = client.post(reverse("organisations_public:report_upload", args=[report.pk]),
                         {"file": SimpleUploadedFile("审计报告.pdf", PDF)})  # fmt: skip
    assert upload.status_code == 302
    incomplete = client.post(url, {"activities": "", "submit": "1"})
    assert incomplete.status_code == 422
    filled = {"total_income": "1000", "total_expense": "900", "net_assets": "500", "activities": "培训",
              "party_organisation": "on", "party_members": "3", "submit": "1"}  # fmt: skip
    assert client.post(url, filled).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    client.post(reverse("organisations_public:sign_out"))
    _as(client, org_users["supervisor"])
    review = reverse("organisations:report_review", args=[report.pk])
    assert client.post(review, {"action": "pre_approve", "expected_status": "submitted"}).status_code == 302
    _as(client, org_users["registrar"])
    page = client.post(
        review, {"action": "conclude", "expected_status": "awaiting_review", "conclusion": "qualified"}
    )
    assert page.status_code == 302
    again = client.post(
        review, {"action": "conclude", "expected_status": "awaiting_review", "conclusion": "qualified"}
    )
    assert again.status_code == 409
    assert "已被他人处理" in again.content.decode()


def test_public_query_without_login_or_personal_data(client, world):
    url = reverse("organisations_public:query")
    assert client.get(url).status_code == 200
    by_name = client.get(url, {"q": "青年志愿"}).content.decode()
    assert world["mine"].credit_code in by_name
    assert "王某某" not in by_name  # the legal representative is not shown
    by_code = client.get(url, {"q": world["theirs"].credit_code.lower()}).content.decode()
    assert world["theirs"].name in by_code
    assert "没有找到" in client.get(url, {"q": "不存在的组织名"}).content.decode()
    assert world["report"].year == dt.date(2025, 1, 1).year
