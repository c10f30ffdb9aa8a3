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


def _log_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text("caseworker")


def test_caseworker_picks_the_village_by_name_and_the_form_posts_its_code(live_server, page: Page, users):
    from minzheng.registry.models import Household

    _log_in(page, live_server)
    page.goto(f"{live_server.url}/registry/households/new/")

    # the code input is replaced by a search box that took its id (the label still points at it)
    picker = page.locator("#id_hukou_division_code")
    expect(picker).to_have_attribute("role", "combobox")
    expect(page.locator("input[name=hukou_division_code]")).to_have_attribute("type", "hidden")

    # typing part of a name lists the matching villages in the caseworker's jurisdiction, with their path
    picker.fill("东风")
    options = page.locator("#id_hukou_division_code_options [data-code]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("新城区 / 海拉尔东路街道 / 东风路社区居委会")
    picker.fill("敦达")
    expect(page.locator("#id_hukou_division_code_options")).to_contain_text("在您的管辖范围内没有匹配的区划")

    # choosing one puts its path in the box and its code in the form
    picker.fill("锡林")
    expect(options).to_have_count(1)
    options.first.click()
    expect(picker).to_have_value("新城区 / 海拉尔东路街道 / 锡林南路社区居委会")
    expect(page.locator("input[name=hukou_division_code]")).to_have_value("150102001001")

    # a form with a bad phone comes back with the error summary and the chosen village still shown
    page.fill("input[name=name]", "赵六")
    page.fill("input[name=id_number]", id_number("150102", dt.date(1970, 2, 3), 71))
    page.fill("input[name=phone]", "123")
    page.select_option("select[name=employment_status]", index=1)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#form-error-summary")).to_contain_text("联系电话：联系电话 123 格式不正确")
    expect(page.locator("#id_hukou_division_code")).to_have_value(
        "新城区 / 海拉尔东路街道 / 锡林南路社区居委会"
    )

    # the summary links to the field
    page.locator("#form-error-summary a").first.click()
    expect(page).to_have_url(re.compile(r"#id_phone$"))

    page.fill("input[name=phone]", "13812345678")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h2.page-title")).to_contain_text("户主 赵六")
    assert Household.objects.get().hukou_division.code == "150102001001"


def test_id_search_by_the_last_digits_never_puts_the_number_in_the_url(live_server, page: Page, homes):
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/registry/persons/")
    full = homes["li"].head.id_number

    page.fill("input[name=id_number]", full)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#person-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/registry/persons/\?idq=[\w-]+$"))
    assert full not in page.url

    page.fill("input[name=id_number]", full[-4:])
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/registry/persons/\?idq=[\w-]+$"))
    expect(page.locator("#person-table")).to_contain_text("李四")
