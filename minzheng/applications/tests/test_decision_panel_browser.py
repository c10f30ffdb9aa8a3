"""The county's decision panel in a real browser: the amount beside the buttons, and a refusal that asks
for confirmation (htmx ``hx-confirm``) before it is sent. Debian's Chromium through Playwright (conftest.py);
needs DJANGO_ALLOW_ASYNC_UNSAFE=true."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.applications.tests.test_browser import browser_context_args, log_in  # noqa: F401 (fixture)
from minzheng.applications.tests.test_decision_panel import to_county_review
from minzheng.applications.tests.test_manual_determination import senior  # noqa: F401 (fixture)
from minzheng.applications.tests.test_views import apply, wang  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_county_sees_the_amount_and_confirms_a_refusal(live_server, page: Page, users, wang):  # noqa: F811
    application = to_county_review(users, apply(users, wang))
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/applications/{application.pk}/")

    # the panel gives the engine's amount beside the decision buttons
    expect(page.locator("#decision-panel #decision-amount")).to_have_text("540.00 元")
    expect(page.locator("#decision-eligibility")).to_contain_text("符合条件")
    reject = page.locator('form[data-action="reject"]')
    reject.locator("textarea, input[name=reason]").first.fill("家庭收入超过低保标准")

    # a refusal asks first; cancelled, nothing happens
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    reject.get_by_role("button", name="审核确认：不予批准").click()
    expect(page.locator("#step-badge")).to_have_text("审核确认")
    assert questions == ["确定办理“审核确认：不予批准”？办理后本申请即告办结，不能撤销。"]
    assert Application.objects.get(pk=application.pk).step == Step.COUNTY_REVIEW

    # confirmed, it is taken and the page shows the decision
    page.once("dialog", lambda dialog: dialog.accept())
    reject.get_by_role("button", name="审核确认：不予批准").click()
    expect(page.locator(".alert-success")).to_contain_text("已办理“审核确认：不予批准”，当前环节：不予批准")
    expect(page.locator("#step-badge")).to_have_text("不予批准")
    expect(page.locator("#decision-panel")).to_have_count(0)


def test_county_determines_a_manual_case_in_writing(live_server, page: Page, users, senior):  # noqa: F811
    # 赵六, 76, alone on 300 a month: the 分类施保 for the elderly is open on the built-in set (需人工核定)
    from decimal import Decimal

    from minzheng.enrolments.models import Enrolment

    application = to_county_review(users, apply(users, senior))
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/applications/{application.pk}/")

    expect(page.locator("#decision-eligibility .badge")).to_have_text("需人工核定")
    expect(page.locator("#decision-suggested")).to_have_text(
        "系统可测算部分：月低保金 540.00 元（不含未配置的分类施保等，仅供参考）"
    )
    approve = page.locator('form[data-action="approve"]')
    approve.locator("input[name=amount]").fill("600.00")
    approve.locator("textarea[name=manual_reason]").fill("参照盟市做法，老年人另加 60 元")
    approve.locator("button[type=submit]").first.click()

    expect(page.locator("#manual-determination")).to_contain_text("参照盟市做法，老年人另加 60 元")
    assert Enrolment.objects.get(application=application).monthly_amount == Decimal("600.00")
