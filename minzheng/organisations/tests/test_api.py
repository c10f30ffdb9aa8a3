"""The JSON API: the register scoped to the registrar, reports for registrar and supervisor, and the review
action with the same compare-and-set (409 for the second)."""

from __future__ import annotations

import pytest
from django.test import Client

from minzheng.organisations.models import AnnualReport
from minzheng.organisations.services.accounts import account_set
from minzheng.organisations.services.reports import inspection_year_open, report_save, report_transition

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_register_and_reports_over_the_api(make_org, org_users):
    mine = make_org(name="新城区摄影家协会")
    theirs = make_org(county="taibus")
    account = account_set(
        actor=org_users["registrar"], organisation_id=mine.pk, password="Zuzhi@2026x", phone=""
    )
    inspection_year_open(actor=org_users["region_registrar"], year=2025)
    report = AnnualReport.objects.get(organisation=mine)
    data = {"total_income": "1", "total_expense": "1", "net_assets": "1", "activities": "活动"}
    report_save(account=account, report_id=report.pk, data=data)
    report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)

    registrar = _client(org_users["registrar"])
    listing = registrar.get("/api/v1/organisations").json()
    assert [o["credit_code"] for o in listing["results"]] == [mine.credit_code]
    assert registrar.get(f"/api/v1/organisations/{theirs.pk}").status_code == 404
    assert _client(org_users["caseworker"]).get("/api/v1/organisations").status_code == 403

    supervisor = _client(org_users["supervisor"])
    reports = supervisor.get("/api/v1/organisation-reports?year=2025").json()["results"]
    assert [r["id"] for r in reports] == [report.pk]
    url = f"/api/v1/organisation-reports/{report.pk}/transitions"
    moved = supervisor.post(
        url, {"action": "pre_approve", "expected_status": "submitted"}, content_type="application/json"
    )
    assert moved.json()["status"] == "awaiting_review"
    body = {"action": "conclude", "expected_status": "awaiting_review", "conclusion": "qualified"}
    assert registrar.post(url, body, content_type="application/json").json()["conclusion"] == "qualified"
    again = registrar.post(url, body, content_type="application/json")
    assert again.status_code == 409
    assert "已被他人处理" in again.json()["message"]
    bad = registrar.post(
        url, {"action": "x", "expected_status": "concluded"}, content_type="application/json"
    )
    assert bad.status_code == 422
