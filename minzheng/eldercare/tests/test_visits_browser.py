"""A village assistant on a 390 px phone opens 探访关爱 from the sidebar, finds the overdue older person,
records a visit that finds a safety risk, and the alert reaches monitoring (issue 17 §5)."""
# ruff: noqa: F811 - fixtures are imported from fixtures_care

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from minzheng.eldercare.models import VisitRecord
from minzheng.eldercare.services.visits import VisitData, visit_record, visit_schedule_refresh
from minzheng.monitoring.models import Alert

from .fixtures_care import make_older, set_param  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def overdue(users, make_older, set_param):
    set_param("eldercare.visit.interval_days.lives_alone", 7)
    older = make_older(name="独居张奶奶", lives_alone=True)
    make_older(name="空巢李爷爷", empty_nest=True)  # no interval parameter: 需人工核定
    today = timezone.localdate()
    visit_record(
        actor=users["assistant"],
        older_person_id=older.pk,
        data=VisitData(today - dt.timedelta(days=20), "正常"),
    )
    visit_schedule_refresh(today=today)
    return older


def _no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_assistant_records_a_risk_visit_on_a_phone(live_server, page: Page, overdue, users):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "assistant")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/eldercare/visits/")
    row = page.locator(f'#visit-schedule li[data-older="{overdue.pk}"]')
    expect(row.locator("[data-overdue]")).to_have_text("已逾期")
    expect(page.locator("#visit-schedule")).to_contain_text("需人工核定")
    assert _no_sideways_scroll(page)
    row.get_by_role("link", name="录入探访").click()
    page.check("#id_risk_found")
    page.fill("#id_findings", "燃气灶旁堆放杂物")
    page.get_by_role("button", name="保存探访记录").click()
    expect(page.locator("[data-field=__all__], #visit-error, .invalid-feedback").first).to_contain_text(
        "发现安全风险时请写明风险情况"
    )
    page.fill("#id_safety_risks", "燃气软管老化，有泄漏风险")
    page.get_by_role("button", name="保存探访记录").click()
    expect(page.locator("#visit-records li").first).to_contain_text("发现安全风险")
    today = timezone.localdate()
    expect(page.locator("#next-due")).to_have_text((today + dt.timedelta(days=7)).isoformat())
    assert _no_sideways_scroll(page)
    record = VisitRecord.objects.get(risk_found=True)
    assert (record.visited_on, record.safety_risks, record.visitor_id) == (
        today,
        "燃气软管老化，有泄漏风险",
        users["assistant"].pk,
    )
    alert = Alert.objects.get(rule_code="eldercare_visit_risk")
    assert alert.person_id == overdue.person_id
    page.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    expect(page.locator("#evidence-table")).to_contain_text("燃气软管老化，有泄漏风险")
    # the refused form answered 422 on purpose (the browser logs that status); nothing else may fail
    assert [e for e in errors if "status of 422" not in e] == []
