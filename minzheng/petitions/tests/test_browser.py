"""Issue 20 "Done when" in Debian's Chromium: an applicant on a 360-pixel phone files a complaint about her
application; the county's 信访 handler accepts it within the 15 days, assigns, handles and answers it; the
applicant reads the answer and evaluates it. A second complaint left unaccepted goes overdue when the clock is
set 16 days ahead and the daily scan escalates it to the city, whose supervisor finds it flagged.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from minzheng.petitions.models import Petition
from minzheng.portal import sms

from .conftest import PORTAL_PHONE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHONE_WIDTH = 360


def fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide"


def staff_page(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)
    return page


def act(page: Page, action: str, status: str, **fields: str) -> None:
    card = page.locator(f'form[data-action="{action}"]')
    for name, value in fields.items():
        field = card.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    card.locator("button[type=submit]").click()
    expect(page.locator("#petition-status")).to_have_attribute("data-status", status)


def test_portal_complaint_answered_and_an_overdue_one_escalated(
    live_server, browser: Browser, ready, application, portal_client, register
):
    base = live_server.url
    today = timezone.localdate()

    # the applicant signs in on her phone (SMS code from the outbox) and files a complaint about her application
    phone = browser.new_page(locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 740})
    phone.goto(f"{base}/portal/petitions/new/")
    expect(phone).to_have_url(re.compile(r"/portal/signin/\?next="))
    phone.get_by_label("手机号码").fill(PORTAL_PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    code = re.search(r"验证码是 (\d{6})", sms.outbox[-1].body).group(1)
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone.locator("h1")).to_have_text("提出投诉或咨询")
    fits(phone, PHONE_WIDTH)
    phone.select_option("#id_kind", "complaint")
    phone.select_option("#id_matter_type", "assistance")
    phone.select_option("#id_case", f"a:{application.pk}")
    phone.fill("#id_subject", "低保申请一个月没有结果")
    phone.fill("#id_content", "提交申请已经一个多月，乡镇一直没有答复。")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("#portal-status")).to_have_attribute("data-status", "registered")
    petition = Petition.objects.get(subject="低保申请一个月没有结果")
    assert petition.application_id == application.pk
    assert petition.accept_due_on >= today + dt.timedelta(days=15)
    expect(phone.locator("main")).to_contain_text(
        f"我们将于 {petition.accept_due_on:%Y-%m-%d} 前告知是否受理。"
    )
    fits(phone, PHONE_WIDTH)

    # the county's 信访 handler accepts it (the same day: within the 15 days), assigns, handles and answers
    staff = staff_page(browser, base, "handler")
    staff.goto(f"{base}/petitions/")
    staff.locator(f'tr[data-petition-id="{petition.pk}"] a').first.click()
    expect(staff.locator("#petitioner-masked")).to_have_text("李**")
    act(staff, "accept", "accepted", notice="您反映的事项已依法受理，将于60日内办结。")
    act(staff, "assign", "assigned", division="150102000000", handler=str(ready["handler"].pk))
    act(staff, "start", "handling")
    act(staff, "reply", "replied", text="您的申请已完成入户调查，正在审核确认，预计两周内办结。")
    petition.refresh_from_db()
    assert petition.accepted_on == today
    assert petition.accepted_on <= petition.accept_due_on
    assert petition.replied_on_time is True
    expect(staff.locator("#handle-due")).to_have_text(f"{petition.handle_due_on:%Y-%m-%d}")

    # the applicant reads the answer and evaluates it
    phone.reload()
    expect(phone.locator("#portal-answer")).to_contain_text("正在审核确认，预计两周内办结")
    fits(phone, PHONE_WIDTH)
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#portal-status")).to_have_attribute("data-status", "evaluated")
    expect(phone.locator("#portal-satisfaction")).to_contain_text("满意")

    # a second complaint is never accepted; with the clock set 16 days ahead the scan escalates it to the city
    late = register(subject="临时救助申请无人受理", matter_type="assistance")
    call_command("petitions", "scan", "--as-of", (today + dt.timedelta(days=16)).isoformat())
    late.refresh_from_db()
    assert (late.due_state, late.escalated_to.code) == ("overdue", "150100000000")
    city = staff_page(browser, base, "prefecture")
    city.goto(f"{base}/petitions/?escalated=on")
    row = city.locator(f'tr[data-petition-id="{late.pk}"]')
    expect(row).to_contain_text("已超期上报")
    expect(city.locator(f'tr[data-petition-id="{petition.pk}"]')).to_have_count(0)
    row.locator("a").first.click()
    expect(city.locator("#escalated-badge")).to_have_text("已超期上报：呼和浩特市")
    expect(city.locator("#petitioner-masked")).to_have_text("王**")
