"""A caseworker fills the 26-item capacity assessment in a real browser (Debian's Chromium through
Playwright): the live total follows the clicks, the result comes back 需人工核定 (no cut-offs configured), and
completing it with a manual level and reason stores exactly that level on the older person."""
# ruff: noqa: F811  (fixtures imported from fixtures_people are used as parameters)

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from minzheng.eldercare.models import CapacityAssessment, OlderPerson
from minzheng.eldercare.rules.assessment import ITEMS
from minzheng.eldercare.tests.fixtures_people import elder_household, older_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def test_fill_the_assessment_form(live_server, page: Page, older_world):
    base = live_server.url
    older = older_world["street"]
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text("caseworker")

    page.goto(f"{base}/eldercare/people/{older.pk}/")
    page.locator("#new-assessment").click()
    expect(page.locator("h2.page-title")).to_contain_text("老年人能力评估")
    page.fill("#id_assessor_name", "李评估")
    # every item at 1 point except the eight 自理能力 items at 2: 8×2 + 18×1 = 34
    for code in ITEMS:
        score = (
            2
            if code
            in {
                "eating",
                "grooming",
                "bathing",
                "upper_dressing",
                "lower_dressing",
                "urine_control",
                "bowel_control",
                "toileting",
            }
            else 1
        )
        page.locator(f'input[name="score_{code}"][value="{score}"]').check()
    expect(page.locator(".dimension-sum[data-dimension=self_care]")).to_have_text("16")
    expect(page.locator("#live-total")).to_have_text("34")
    page.locator("#assessment-submit").click()

    expect(page.locator("#assessment-total")).to_have_text("34 / 90")
    expect(page.locator("#computed-level")).to_contain_text("需人工核定")
    expect(page.locator("#self-care-mapping")).to_contain_text("本地未配置")
    page.select_option("#id_manual_level", "severe")
    page.fill("#id_manual_reason", "现场评估卧床为主，核定为重度失能")
    next_on = timezone.localdate() + dt.timedelta(days=180)
    page.fill("#id_next_assessment_on", next_on.isoformat())
    page.locator("#complete-button").click()
    expect(page.locator("#assessment-status")).to_have_text("已完成")
    expect(page.locator("#final-level")).to_have_text("重度失能")

    assessment = CapacityAssessment.objects.get()
    assert (assessment.total, assessment.level, assessment.manual_level) == (34, "severe", "severe")
    assert assessment.dimension_scores == {
        "self_care": 16,
        "mobility": 4,
        "mental_state": 9,
        "perception_participation": 5,
    }
    stored = OlderPerson.objects.get(pk=older.pk)
    assert (stored.capacity_level, stored.incapacitated, stored.next_assessment_on) == (
        "severe",
        True,
        next_on,
    )
