"""救助通 on a 360-px phone in Debian's Chromium: sign in with the outbox SMS backend, bind, read the
policy guide, run the self-check, open the entitlement list and scan the household QR link signed in and
signed out. No page may scroll sideways.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from minzheng.enrolments.rules import add_months, month_start
from minzheng.portal import selectors, services, sms
from minzheng.portal.tests.conftest import HEAD_ID, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
WIDTH = 360


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A cheap phone: 360 × 740, Chinese."""
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": WIDTH, "height": 740}}


def fits(page: Page) -> None:
    """Nothing wider than the screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide"


def latest_code() -> str:
    return re.search(r"验证码是 (\d{6})", sms.outbox[-1].body).group(1)


@pytest.fixture
def paid_household(home, enrol, payroll, line, params):
    this = month_start(timezone.localdate())
    last = add_months(this, -1)
    dibao = enrol(home, "1350.00", add_months(this, -2))
    line(payroll(last), dibao, "1350.00", last)
    return home


def test_a_person_signs_in_binds_and_sees_what_the_household_receives(
    live_server, page: Page, paid_household, users, outbox
):
    base = live_server.url

    # the policy guide is open to everyone
    page.goto(f"{base}/portal/policies/")
    expect(page.locator("h1")).to_have_text("政策清单")
    expect(page.locator("#programme-dibao")).to_contain_text("840 元/人·月")
    expect(page.locator("#programme-dibao")).to_contain_text("（待确认）")
    fits(page)

    # the self-check: one 45-year-old in the countryside, no income
    page.goto(f"{base}/portal/self-check/")
    fits(page)
    page.select_option("#id_division", "150102000000")
    page.get_by_label("农村").check()
    page.fill("#id_age_1", "45")
    page.fill("#id_monthly_income", "0")
    page.get_by_role("button", name="开始测算").click()
    result = page.locator('#self-check-result [data-programme="dibao"]')
    expect(result).to_contain_text("可以尝试申请")
    expect(result).to_contain_text("670.00")
    expect(page.locator(".notice").first).to_have_text("估算结果，仅供参考，以审核确认为准")
    fits(page)

    # sign in: ask for a code, read it from the outbox, type it
    page.goto(f"{base}/portal/entitlements/")
    expect(page).to_have_url(re.compile(r"/portal/signin/\?next="))
    fits(page)
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".msg.success")).to_contain_text("验证码已发送至 139****5678")
    page.get_by_label("短信验证码").fill(latest_code())
    page.get_by_role("button", name="登录", exact=True).click()

    # first use: bind the ID number, then on to the entitlement list asked for
    expect(page.locator("h1")).to_have_text("绑定身份证号码")
    fits(page)
    page.get_by_label("姓名").fill("李桂兰")
    page.get_by_label("身份证号码").fill(HEAD_ID)
    page.get_by_role("button", name="提交绑定").click()
    expect(page).to_have_url(f"{base}/portal/entitlements/")
    expect(page.locator("#current")).to_contain_text("最低生活保障")
    expect(page.locator("#monthly-total")).to_have_text("1350.00")
    expect(page.locator("#received-total")).to_have_text("1350.00")
    fits(page)

    # staff print the household's QR code; scanning it signed in opens the list
    token = services.household_token_issue(actor=users["caseworker"], household_id=paid_household.pk)
    qr = f"{base}/portal/q/{selectors.qr_signed(token)}/"
    page.goto(qr)
    expect(page).to_have_url(f"{base}/portal/entitlements/")

    # signed out, the same code shows only the township and a sign-in button that comes back
    page.locator("#sign-out").click()
    expect(page.locator(".msg.success")).to_contain_text("您已安全退出")
    page.goto(qr)
    expect(page.locator("#qr-township")).to_have_text("此二维码由海拉尔东路街道民政工作人员打印。")
    expect(page.locator("main")).not_to_contain_text("李桂兰")
    fits(page)
    page.locator("#qr-sign-in").click()
    expect(page).to_have_url(re.compile(r"/portal/signin/\?next=%2Fportal%2Fq%2F"))


def test_the_staff_qr_page_prints_an_svg(live_server, page: Page, home, users):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/household-qr/{home.pk}/")

    page.locator("#issue").click()

    expect(page.locator("#qr-code svg")).to_be_visible()
    url = page.locator("#qr-url").inner_text()
    assert url.startswith(f"{live_server.url}/portal/q/")
    page.goto(url)
    expect(page.locator("#qr-township")).to_contain_text("海拉尔东路街道")
