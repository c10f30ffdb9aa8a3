"""Issue 19 "Done when" in a real browser: an organisation signs in with its credit code and submits its
report → the 业务主管单位 pre-reviews → the registrar concludes 合格; with the clock set past the deadline another
organisation goes on the overdue list and, after the grace period, on the 活动异常名录, which the public query
shows on a 360 px phone.

Runs Debian's Chromium through Playwright (conftest.py); DJANGO_ALLOW_ASYNC_UNSAFE=true.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from minzheng.organisations.models import AnnualReport
from minzheng.organisations.services.accounts import account_set
from minzheng.organisations.services.reports import inspection_year_open
from minzheng.organisations.services.scan import organisations_daily_scan
from minzheng.policy.models import Parameter

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "Zuzhi@2026x"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def staff_log_in(page: Page, base: str, username: str) -> None:
    # Leave the previous page first: a poll still in flight from it (job progress, every 1 s) would come back
    # after the cookies are cleared and set a new CSRF cookie under the login form's token (403 at 登录).
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)


def test_report_submitted_prereviewed_concluded_and_overdue_to_abnormal(
    live_server, page: Page, make_org, org_users
):
    base = live_server.url
    filer = make_org(name="新城区青年志愿者协会")
    late = make_org(name="新城区书法家协会")
    account_set(
        actor=org_users["registrar"], organisation_id=filer.pk, password=PASSWORD, phone="13700001234"
    )
    inspection_year_open(actor=org_users["registrar"], year=2025)
    report = AnnualReport.objects.get(organisation=filer)
    Parameter.objects.filter(key="organisations.abnormal_grace_days").update(value=10)

    # the organisation signs in with its credit code and files its report
    page.goto(f"{base}/portal/organisations/sign-in/")
    page.fill("input[name=credit_code]", filer.credit_code)
    page.fill("input[name=password]", PASSWORD)
    page.click("#org-sign-in")
    page.click("#report-link-2025")
    page.fill("input[name=total_income]", "120000")
    page.fill("input[name=total_expense]", "100000")
    page.fill("input[name=net_assets]", "50000")
    page.fill("textarea[name=activities]", "举办志愿服务培训 3 次")
    page.check("input[name=party_organisation]")
    page.fill("input[name=party_members]", "4")
    page.click("#report-submit")
    expect(page.locator("#report-status")).to_have_text("待业务主管单位初审")

    # the 业务主管单位 pre-reviews
    staff_log_in(page, base, "orgsupervisor")
    page.goto(f"{base}/organisations/pre-review/?year=2025")
    page.locator(f'tr[data-report-id="{report.pk}"] a').click()
    page.fill("textarea[name=note]", "同意报送")
    page.click("#action-pre_approve")
    expect(page.locator("#report-status")).to_contain_text("待登记管理机关审查")

    # the registrar concludes
    staff_log_in(page, base, "orgregistrar")
    page.goto(f"{base}/organisations/inspection/?year=2025")
    page.locator(f'tr[data-report-id="{report.pk}"] a').click()
    page.select_option("select[name=conclusion]", "qualified")
    page.click("#action-conclude")
    expect(page.locator("#report-conclusion")).to_have_text("合格")
    report.refresh_from_db()
    assert (report.status, report.conclusion) == ("concluded", "qualified")

    # the clock is set past the deadline (31 May 2026): the other organisation is overdue …
    assert organisations_daily_scan(today=dt.date(2026, 6, 1)).overdue == 1
    page.goto(f"{base}/organisations/inspection/?year=2025&overdue=on")
    rows = page.locator("#report-table tbody tr[data-report-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late.name)
    expect(rows.first).to_contain_text("逾期")
    page.goto(f"{base}/organisations/abnormal/")
    expect(page.locator("#abnormal-table")).not_to_contain_text(late.name)

    # … and after the grace period it is in the 活动异常名录
    assert organisations_daily_scan(today=dt.date(2026, 6, 11)).listed == 1
    page.goto(f"{base}/organisations/abnormal/")
    expect(page.locator("#abnormal-table")).to_contain_text(late.name)
    expect(page.locator("#abnormal-table")).to_contain_text("未按照规定时限报送2025年度工作报告")

    # the public query on a phone, without login
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/portal/organisations/query/?q={late.credit_code}")
    expect(page.locator(".org-result h2")).to_have_text(late.name)
    expect(page.locator("#abnormal-tag")).to_have_text("列入活动异常名录")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"{base}/portal/organisations/query/?q={filer.credit_code}")
    expect(page.locator(".org-conclusion")).to_have_text("2025年度：合格")
