"""A league supervisor runs the what-if of a +5 % urban 低保 standard in a real browser: the report is
swapped in by htmx, the figures are exact and echarts draws the chart (issue 3 §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from minzheng.policy.services import policy_builtin_load
from minzheng.registry.models import IncomeRecord

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A Chinese-speaking supervisor on a desktop screen."""
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def homes(household_factory):
    """In Hohhot's Xincheng: one household at 850 per capita (gains at 882), one at 300 (changes)."""
    policy_builtin_load()
    for name, monthly in (("略高", "850.00"), ("较低", "300.00")):
        home = household_factory(head_name=name)
        IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal(monthly) * 12,
                                    period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31))  # fmt: skip


def test_prefecture_supervisor_runs_the_what_if(live_server, page: Page, homes):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "prefecture")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="标准测算").click()
    page.evaluate("window.__noReload = true")
    page.select_option("#id_division_code", "150100000000")
    page.select_option("#id_urban_rural", "urban")
    page.fill("#id_valid_from", "2025-01-01")
    page.fill("#id_percent", "5")
    page.get_by_role("button", name="开始测算").click()
    expect(page.locator("#whatif-after")).to_have_text("882.00")
    expect(page.locator("#whatif-gained")).to_have_text("1")
    # (882 − 850) + ((882 − 300) − (840 − 300)) = 32 + 42 = 74 a month
    expect(page.locator("#whatif-monthly")).to_have_text("74.00")
    expect(page.locator("#whatif-annual")).to_have_text("888.00")
    expect(page.locator("#whatif-chart canvas")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True


@pytest.fixture
def seniors(household_factory):
    """In Xincheng: a 94-year-old (80—99 bracket, 100 a month) and a 102-year-old (100+, 600 a month)."""
    from conftest import id_number

    policy_builtin_load()
    for name, born, seq in (("九旬", dt.date(1930, 3, 1), 211), ("百岁", dt.date(1922, 6, 1), 213)):
        home = household_factory(head_name=name, id_number=id_number("150102", born, seq=seq))
        IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal("12000.00"),
                                    period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31))  # fmt: skip


def _no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_supervisor_edits_the_centenarian_allowance_in_the_table(live_server, page: Page, seniors):
    """Issue 14: the brackets of 高龄津贴 are a table of the value in force, not JSON to type."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "prefecture")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="标准测算").click()
    page.evaluate("window.__noReload = true")
    page.select_option("#id_division_code", "150100000000")
    page.select_option("#id_urban_rural", "urban")
    page.fill("#id_valid_from", "2025-01-01")
    page.select_option("#id_key", "senior_allowance.brackets")
    # htmx reloads the editor with the brackets in force: 80—99 at 100, 100 and over at 600
    expect(page.locator("#id_row-1-amount")).to_have_value("600.00")
    expect(page.locator("#id_row-0-age_min")).to_have_value("80")
    expect(page.locator("#id_row-0-age_max")).to_have_value("99")
    expect(page.locator("#id_percent")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        assert _no_sideways_scroll(page), width
    page.set_viewport_size({"width": 1366, "height": 900})
    page.fill("#id_row-1-amount", "800")
    page.get_by_role("button", name="开始测算").click()
    expect(page.locator("#whatif-changes")).to_contain_text("100 岁以上 800.00 元/月")
    expect(page.locator("#whatif-changes")).to_contain_text("100 岁以上 600.00 元/月")
    expect(page.locator("#whatif-table tfoot")).to_contain_text("200.00")  # one centenarian, 600 → 800
    expect(page.locator("#id_row-1-amount")).to_have_value("800")  # the editor keeps the figure typed
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        assert _no_sideways_scroll(page), width
    assert page.evaluate("window.__noReload") is True
    assert errors == []
