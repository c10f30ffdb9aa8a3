"""Issue 15 §4 in a real browser: a league officer uploads the yearly notice's table of standards, checks
the preview (old → new) and confirms; the parameter page then shows the new figure with its document.

Runs Debian's Chromium through Playwright (conftest.py). Needs DJANGO_ALLOW_ASYNC_UNSAFE=true because
Playwright's sync API keeps an event loop running in the test thread.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from minzheng.policy.models import Parameter
from minzheng.policy.services import policy_builtin_load
from minzheng.policy.tests.test_notices import DOCUMENT, HEADER, workbook

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)


def test_league_officer_imports_the_yearly_notice(live_server, page: Page, users):
    policy_builtin_load()
    log_in(page, live_server.url, "prefecture")
    page.goto(f"{live_server.url}/policy/parameters/")
    page.locator("#notice-import").click()
    expect(page.locator("h2.page-title")).to_have_text("导入年度标准通知")

    table = workbook([HEADER, ["150102", "新城区", "905.50", "", ""]]).getvalue()
    page.set_input_files("#id_file", files=[{"name": "2025.xlsx", "mimeType": "application/octet-stream",
                                             "buffer": table}])  # fmt: skip
    page.fill("#id_valid_from", "2025-01-01")
    page.fill("#id_document", DOCUMENT)
    page.locator("#notice-preview").click()

    row = page.locator('#notice-changes tr[data-division="150102000000"]')
    expect(row.locator(".notice-old")).to_have_text("840.00（沿用 150000000000）")
    expect(row.locator(".notice-new")).to_have_text("905.50")
    assert not Parameter.objects.filter(source=DOCUMENT).exists()

    page.locator("#notice-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("已按“" + DOCUMENT + "”导入")
    new = page.locator("#parameter-table tbody tr", has_text="新城区").filter(has_text="905.50")
    expect(new).to_have_count(1)
    expect(new.locator("[data-status]")).to_have_attribute("data-status", "confirmed")
    assert Parameter.objects.get(source=DOCUMENT).division.code == "150102000000"
