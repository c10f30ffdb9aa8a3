"""Issue 23 "Done when" in a real browser: the caseworker takes an application to 信息核对; the automatic job
fills six sources from the department feeds with their evidence (a source without data shows “无数据”); the
county confirms one; a 医保 user with their own login answers a referral; the county reads the answer on the
alert without typing it again.

Runs Debian's Chromium through Playwright (conftest.py); DJANGO_ALLOW_ASYNC_UNSAFE=true.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    home_visit_record,
)
from minzheng.departments.tests.conftest import HEAD_ID, SON_ID, month_starts
from minzheng.monitoring.models import Alert, MonitoringRun, Referral, WarningRule
from minzheng.monitoring.services import monitoring_parameters_load, rule_builtin_load

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
FED = ("human_resources", "medical_insurance", "disability_cert", "real_estate", "vehicle", "market")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def log_in(page: Page, base: str, username: str) -> None:
    # Leave the previous page first: a poll still in flight from it (job progress, every 1 s) would come back
    # after the cookies are cleared and set a new CSRF cookie under the login form's token (403 at 登录).
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)


def _feeds(deliver, today: dt.date) -> None:
    """Six departments' records of the household (人社, 医保, 残联, 不动产, 公安车辆, 市场监管)."""
    deliver(
        "wage",
        [{"id_number": HEAD_ID, "month": m.isoformat(), "wage": "400.00"} for m in month_starts(today)],
    )
    deliver(
        "medical_expense",
        [
            {
                "id_number": SON_ID,
                "settled_on": (today - dt.timedelta(days=9)).isoformat(),
                "out_of_pocket": "1280.00",
                "expense_kind": "medical",
                "settlement_number": "YB9",
            }
        ],
    )
    deliver(
        "disability_certificate",
        [{"id_number": SON_ID, "issued_on": "2022-08-08", "grade": "2", "certificate_number": "CJ000001"}],
    )
    deliver(
        "real_estate",
        [
            {
                "id_number": HEAD_ID,
                "registered_on": "2015-03-03",
                "certificate_number": "蒙(2015)呼和浩特市不动产权第0000001号",
            }
        ],
    )
    deliver("vehicle", [{"id_number": HEAD_ID, "registered_on": "2021-04-02", "plate": "蒙A12345"}])
    deliver("business_registration", [{"id_number": HEAD_ID, "established_on": "2019-05-01",
                                       "credit_code": "92150102MA0000001X", "state": "active"}])  # fmt: skip


def _referral(household, users, divisions) -> Referral:
    monitoring_parameters_load()
    rule_builtin_load()
    run = MonitoringRun.objects.create(kind="manual", as_of=timezone.localdate(), division_code="150102")
    rule = WarningRule.objects.filter(status="published").first()
    alert = Alert.objects.create(number="YJ-BROWSER-1", rule=rule, rule_code=rule.code, rule_version=rule.version,
                                 severity=rule.severity, subject_key=f"p:{household.head_id}", household=household,
                                 person=household.head, division=divisions["community"], run=run,
                                 raised_on=timezone.localdate(), due_on=timezone.localdate(), status="referred")  # fmt: skip
    return Referral.objects.create(alert=alert, department="medical", note="请核实医疗费用并落实医疗救助",
                                   referred_by=users["county"])  # fmt: skip


def test_automatic_verification_and_a_department_answering(
    live_server, page: Page, family, deliver, users, make_user, divisions, today
):
    base = live_server.url
    _feeds(deliver, today)
    household = family()
    application = application_create(actor=users["caseworker"], data=ApplicationData(
        workflow="dibao", household_id=household.pk, applicant_id=household.head_id, channel="window",
        pledge_signed=True))  # fmt: skip
    for code in ("accept", "start_investigation"):
        application_transition(actor=users["caseworker"], application_id=application.pk, code=code)
    home_visit_record(actor=users["caseworker"], application_id=application.pk, visited_on=today,
                      investigators=["甲", "乙"], members_present="王五", findings="家庭困难属实")  # fmt: skip
    referral = _referral(household, users, divisions)
    make_user("yibao", "dept_medical_insurance", divisions["xincheng"])

    # the caseworker requests verification: the application reaches 信息核对, the job runs on commit
    log_in(page, base, "caseworker")
    page.goto(f"{base}/applications/{application.pk}/")
    page.click("button[data-button=request_verification]")
    expect(page.locator("#auto-checks-link")).to_be_visible()

    # the county sees nine sources, six filled from the department feeds with their evidence
    log_in(page, base, "county")
    page.goto(f"{base}/departments/applications/{application.pk}/checks/")
    expect(page.locator("[data-source]")).to_have_count(9)
    for source in FED:
        expect(page.locator(f"[data-source={source}] table.evidence tbody tr").first).to_be_visible()
    expect(page.locator("[data-source=human_resources] table.evidence tbody tr")).to_have_count(12)
    expect(page.locator("[data-source=human_resources] .difference").first).to_have_text(
        "部门数据收入 4,800.00 元，申报 3,600.00 元，相差 1,200.00 元"
    )
    expect(page.locator("[data-source=bank] .outcome")).to_have_text("无数据")
    expect(page.locator("[data-source=public_security] .outcome")).to_have_text("无数据")
    page.click("[data-source=vehicle] button.confirm")
    expect(page.locator("[data-source=vehicle] .status")).to_have_text("已确认：与申报不一致")

    # the 医保 user, with their own login, answers the referral
    log_in(page, base, "yibao")
    page.goto(f"{base}/departments/referrals/")
    page.click(f"a[href='/departments/referrals/{referral.pk}/']")
    expect(page.locator("#referral-person")).to_contain_text(HEAD_ID)
    page.fill("textarea[name=feedback]", "已纳入医疗救助，本年度报销 1,280.00 元")
    page.click("#reply-submit")
    expect(page.locator("#referral-state")).to_have_text("已反馈")
    page.click("#close-referral")
    expect(page.locator("#referral-state")).to_have_text("已办结")

    # the county reads the answer on the alert: nobody typed it again
    log_in(page, base, "county")
    page.goto(f"{base}/monitoring/alerts/{referral.alert_id}/")
    expect(page.locator("#referrals .referral-feedback")).to_have_text(
        "已纳入医疗救助，本年度报销 1,280.00 元"
    )
