"""A caseworker assesses 低保 for a household in a real browser and reads the amount and the reasons.

Runs Debian's Chromium through Playwright (conftest.py). Needs DJANGO_ALLOW_ASYNC_UNSAFE=true because
Playwright's sync API keeps an event loop running in the test thread.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from conftest import id_number
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.services import PersonData, income_record_add, person_add_to_household

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A Chinese-speaking user: the browser asks for zh-CN, as the caseworkers' browsers do."""
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 390, "height": 844}}


@pytest.fixture
def home(users, household_factory):
    """张三 and 李梅; he earned 600 a month from 2022-07 to 2023-06."""
    policy_builtin_load()
    actor = users["caseworker"]
    household = household_factory(head_name="张三", id_number=id_number("150102", dt.date(1980, 5, 17), 61))
    spouse = PersonData(
        name="李梅", id_number=id_number("150102", dt.date(1982, 3, 4), 62), employment_status="unemployed"
    )
    person_add_to_household(
        actor=actor, household=household, data=spouse, relation="spouse", joined_on=dt.date(2020, 1, 1)
    )
    income_record_add(
        actor=actor, household=household, person=household.head, category="wage", amount=Decimal("7200.00"),
        period_start=dt.date(2022, 7, 1), period_end=dt.date(2023, 6, 30), source="declared",
    )  # fmt: skip
    return household


def test_caseworker_assesses_dibao_and_reads_the_reasons(live_server, page: Page, home):
    # given the caseworker logged in
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text("caseworker")

    # when she opens the household and follows the link to the assessment
    page.goto(f"{live_server.url}/registry/households/{home.pk}/")
    page.get_by_role("link", name="救助测算").click()
    expect(page.locator("h2.page-title")).to_contain_text(f"救助测算 · 家庭 {home.pk} · 户主 张三")
    assert page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.__noReload = true")

    # and picks 低保 on 2023-07-01 and submits
    page.select_option("#id_programme", "dibao")
    page.fill("#id_as_of", "2023-07-01")
    expect(page.locator("#temporary-fields")).to_be_hidden()
    page.get_by_role("button", name="测算").click()

    # then the result panel is swapped in by htmx (no reload, URL pushed) with the amount and the reasons
    expect(page.locator("#monthly-amount")).to_have_text("1080.00 元")
    expect(page.locator("#per-capita")).to_have_text("300.00 元")
    expect(page.locator("#eligibility")).to_have_text("符合")
    expect(page).to_have_url(re.compile(r"programme=dibao.*as_of=2023-07-01"))
    assert page.evaluate("window.__noReload") is True
    reasons = page.locator("#reasons-table tbody tr")
    expect(reasons).to_have_count(14)  # five asset categories of the built-in table (open limits, none held)
    gap = reasons.filter(has_text="（840.00 − 300.00）× 2 人 = 1080.00 元")
    expect(gap).to_contain_text("dibao.standard_monthly 第5版 自2023-01-01起")
    expect(page.locator("#unconfirmed-notice")).to_be_visible()
