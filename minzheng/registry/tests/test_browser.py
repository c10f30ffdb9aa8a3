"""A caseworker logs in with a real browser, filters the household list with htmx and opens a household.

Runs Debian's Chromium through Playwright (conftest.py). Needs DJANGO_ALLOW_ASYNC_UNSAFE=true because
Playwright's sync API keeps an event loop running in the test thread.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from conftest import id_number

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A Chinese-speaking user: the browser asks for zh-CN, as the caseworkers' browsers do."""
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 390, "height": 844}}


@pytest.fixture
def homes(users, household_factory):
    return {
        "zhang": household_factory(head_name="张三", id_number=id_number("150102", dt.date(1980, 5, 17), 61)),
        "li": household_factory(head_name="李四", id_number=id_number("150102", dt.date(1990, 1, 9), 63)),
    }


def test_caseworker_logs_in_filters_by_name_and_opens_the_household(live_server, page: Page, homes):
    # given the login page (static files served: Tabler and htmx)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")

    # when the caseworker logs in
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text("caseworker")

    # and opens the household list, which loads htmx from our static files
    page.goto(f"{live_server.url}/registry/households/")
    assert page.evaluate("typeof window.htmx") == "object"
    expect(page.locator("#household-table tbody tr")).to_have_count(2)
    page.evaluate("window.__noReload = true")

    # and filters by a member's name
    page.fill("input[name=name]", "李")
    page.get_by_role("button", name="查询").click()

    # then only Li Si's household is listed, swapped in by htmx (no page reload) with the URL pushed
    expect(page.locator("#household-table tbody tr")).to_have_count(1)
    expect(page.locator("#household-table")).to_contain_text("李四")
    expect(page).to_have_url(re.compile(r"/registry/households/\?.*name=%E6%9D%8E"))
    assert page.evaluate("window.__noReload") is True

    # when an ID number with a wrong check digit is searched, the message replaces the results
    page.fill("input[name=name]", "")
    page.fill("input[name=id_number]", "150102198001010010")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#filter-errors")).to_contain_text("身份证号码校验位错误，请核对后重新输入")
    expect(page.locator("#household-table")).to_have_count(0)

    # when the name filter is applied again and the caseworker opens the household
    page.fill("input[name=id_number]", "")
    page.fill("input[name=name]", "李")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#household-table tbody tr")).to_have_count(1)

    page.get_by_role("link", name="李四").click()

    # then the household detail shows the head and the masked ID number
    expect(page.locator("h2.page-title")).to_contain_text(f"家庭 {homes['li'].pk} · 户主 李四")
    expect(page.locator("#members-table")).to_contain_text("1501**********")
