"""A caseworker registers and accepts a 低保 application in a real browser; the county then finds it.

Runs Debian's Chromium through Playwright (conftest.py). Needs DJANGO_ALLOW_ASYNC_UNSAFE=true because
Playwright's sync API keeps an event loop running in the test thread.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from conftest import id_number
from minzheng.applications.models import Application

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A Chinese-speaking user: the browser asks for zh-CN, as the caseworkers' browsers do."""
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 390, "height": 844}}


@pytest.fixture
def home(users, household_factory):
    return household_factory(head_name="王五", id_number=id_number("150102", dt.date(1970, 2, 3), 31))


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)


def test_caseworker_registers_and_accepts_then_the_county_sees_it(live_server, page: Page, home):
    # given the caseworker on the household's page
    log_in(page, live_server.url, "caseworker")
    page.goto(f"{live_server.url}/registry/households/{home.pk}/")

    # when she opens the intake form from the household
    page.get_by_role("link", name="申请救助").click()
    expect(page.locator("h2.page-title")).to_contain_text(f"登记救助申请 · 家庭 {home.pk} · 户主 王五")
    # the entrustment inputs appear only for an entrusted application
    expect(page.locator("#entrustment-fields")).to_be_hidden()
    page.select_option("#id_channel", "entrusted")
    expect(page.locator("#entrustment-fields")).to_be_visible()
    page.select_option("#id_channel", "window")

    # and registers a window application with the signed pledge
    page.select_option("#id_workflow", "dibao")
    page.select_option("#id_applicant", str(home.head_id))
    page.check("#id_pledge_signed")
    page.get_by_role("button", name="登记申请", exact=True).click()

    # then the detail page gives the number, and she accepts the application there
    application = Application.objects.get(household=home)
    expect(page.locator(".alert-success")).to_contain_text(f"已登记申请，申请编号：{application.number}")
    expect(page.locator("#step-badge")).to_have_text("已提交待受理")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已办理“受理”，当前环节：已受理")
    expect(page.locator("#step-badge")).to_have_text("已受理")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # when the county approver logs in and opens the application list from the menu
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/applications/")

    # then the accepted application is listed
    row = page.locator(f'#application-table tr[data-application-id="{application.pk}"]')
    expect(row).to_contain_text(application.number)
    expect(row).to_contain_text("已受理")
