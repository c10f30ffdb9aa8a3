# ruff: noqa: F811  (the fixture is imported from test_views, then used as a parameter)
"""蒙汉双语 printing in Debian's Chromium (issue 24 item 2, ADR 0040): a caseworker opens the receipt and the
public notice in both scripts; the Mongolian copy is written vertically in the font we serve, and the
printed page (PDF) and a screenshot of each go to ``test-results/mongolian/`` for a reader to check.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from minzheng.applications.tests.test_views import apply, to_public_notice, wang  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-results" / "mongolian"


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()


def mongolian_is_vertical_in_our_font(page: Page, selector: str) -> None:
    expect(page.locator(selector)).to_be_visible()
    assert (
        page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).writingMode") == "vertical-lr"
    )
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Noto Sans Mongolian') && f.status === 'loaded').length"
    )
    assert loaded == 1


def keep(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
    page.emulate_media(media="print")
    page.pdf(path=str(ARTEFACTS / f"{name}.pdf"), format="A4", landscape=True, print_background=True)
    page.emulate_media(media="screen")


def test_the_receipt_and_the_notice_print_in_both_scripts(live_server, page: Page, users, wang):
    application = to_public_notice(users, apply(users, wang))
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base)

    page.goto(f"{base}/applications/{application.pk}/receipt/")
    page.locator("#receipt-bilingual-link").click()
    mongolian_is_vertical_in_our_font(page, "#receipt-bilingual .mong-print")
    expect(page.locator("#receipt-number-mn")).to_have_text(application.number)
    expect(page.locator("#receipt-number")).to_have_text(application.number)
    keep(page, "receipt-bilingual")

    page.goto(f"{base}/applications/notice/?village=150102001001")
    page.locator("#notice-bilingual-link").click()
    mongolian_is_vertical_in_our_font(page, "#notice-bilingual .mong-print")
    expect(page.locator("#notice-table-mn")).to_contain_text("王五")
    expect(page.locator("#notice-table")).to_contain_text("王五")
    keep(page, "notice-bilingual")
