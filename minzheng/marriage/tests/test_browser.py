"""Issue 18 "Done when", in Chromium over real HTTP (live_server): both parties book in the portal on a
360-px phone (SMS sign-in, identity, the other party confirms) → the registrar registers the marriage at
the window → a certificate number is issued; a divorce application received 31 days ago (the clock set in
the test) is registered in its window; another, received more than 60 days ago, is deemed withdrawn by the
daily scan.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from minzheng.common.selectors import working_calendar
from minzheng.marriage import services
from minzheng.marriage.models import DivorceApplication, MarriageRecord
from minzheng.marriage.rules import cooling_off_dates
from minzheng.portal import sms

from .conftest import man_id, slot_of, woman_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHONE_WIDTH = 360
HE, SHE = ("王大明", man_id(), "13912340001"), ("李小红", woman_id(), "13912340002")


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"


def phone_page(browser: Browser) -> Page:
    return browser.new_context(locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 740}).new_page()


def portal_sign_in(page: Page, base: str, person: tuple[str, str, str], then: str) -> None:
    """SMS sign-in (the code read from the outbox gateway), then the identity on first use."""
    name, id_number, phone = person
    page.goto(f"{base}{then}")
    expect(page).to_have_url(re.compile(r"/portal/signin/\?next="))
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    code = re.search(r"验证码是 (\d{6})", sms.outbox[-1].body).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("绑定身份证号码")
    page.get_by_label("姓名").fill(name)
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_role("button", name="提交绑定").click()
    page.goto(f"{base}{then}")


def staff_sign_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.locator("button[type=submit]").click()
    expect(page.locator("#current-user")).to_be_visible()
    return page


def test_book_confirm_register_and_divorce_windows(live_server, browser: Browser, office, registrars):
    base = live_server.url
    sms.outbox.clear()
    slot = slot_of(office, "marriage")

    # he books for both of them on his phone
    his = phone_page(browser)
    portal_sign_in(his, base, HE, "/portal/marriage/book/")
    expect(his.locator("h1")).to_have_text("预约婚姻登记")
    his.select_option("#id_service", "marriage")
    his.select_option("#id_office", str(office.pk))
    his.fill("#id_day", f"{slot.day:%Y-%m-%d}")
    his.locator("#search").click()
    expect(his.locator("#slot-choices")).to_contain_text("09:00–10:00（余 3 个）")
    fits(his)
    his.get_by_label("对方姓名").fill(SHE[0])
    his.get_by_label("对方身份证号码").fill(SHE[1])
    his.get_by_label("对方手机号").fill(SHE[2])
    his.locator("#book").click()
    expect(his.locator("#appointment-status")).to_have_text("待对方确认")
    expect(his.locator("#confirm")).to_have_count(0)
    fits(his)
    assert sms.outbox[-1].phone == SHE[2]
    assert "请登录救助通" in sms.outbox[-1].body

    # she signs in on her own phone and confirms
    hers = phone_page(browser)
    portal_sign_in(hers, base, SHE, "/portal/marriage/")
    hers.locator("#my-appointments a").first.click()
    hers.locator("#confirm").click()
    expect(hers.locator("#appointment-status")).to_have_text("已确认")
    fits(hers)

    # the registrar finds them in the day's queue and registers at the window
    desk = staff_sign_in(browser, base, "registrar")
    desk.goto(f"{base}/marriage/?office={office.pk}&day={slot.day:%Y-%m-%d}")
    desk.get_by_role("link", name="办理结婚登记").click()
    expect(desk.locator("#id_first_name")).to_have_value(HE[0])
    desk.fill("#id_first_id_number", HE[1])
    desk.fill("#id_second_id_number", SHE[1])
    desk.locator("#id_declaration_signed").check()
    desk.locator("#id_both_present").check()
    desk.get_by_role("button", name="审查并登记").click()
    year = timezone.localdate().year
    expect(desk.locator("#certificate-number")).to_have_text(f"J150102-{year}-000001")
    his.reload()
    expect(his.locator("#appointment-status")).to_have_text("已办理")

    # a divorce received 31 days ago (the clock set back): the window is open, the registrar registers it
    today = timezone.localdate()
    couple = services.CoupleInput("周一", man_id(61), "吴二", woman_id(62))
    married = services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple,
        declaration_signed=True,
        both_present=True,
        on=today - dt.timedelta(days=500),
    )
    received = today - dt.timedelta(days=31)
    while cooling_off_dates(received, 30, 30, working_calendar()).register_from > today:
        received -= dt.timedelta(days=1)  # a holiday at the end of the cooling-off period: go further back
    application = services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple,
        marriage_certificate=married.certificate_number,
        agreement_signed=True,
        both_present=True,
        on=received,
    )
    desk.goto(f"{base}/marriage/divorces/{application.pk}/")
    expect(desk.locator("#divorce-status")).to_contain_text("可申领离婚证")
    expect(desk.locator("#withdraw-form")).to_have_count(0)
    desk.locator("#id_both_present").check()
    desk.get_by_role("button", name="登记", exact=True).click()
    expect(desk.locator("#divorce-status")).to_have_text("已登记离婚")
    expect(desk.locator("#divorce-certificate")).to_have_text(f"L150102-{today.year}-000001")
    assert MarriageRecord.objects.get(pk=married.pk).dissolved_on == today

    # another, received so long ago that the 30 + 30 days have passed: the daily scan deems it withdrawn
    late_couple = services.CoupleInput("郑三", man_id(63), "王四", woman_id(64))
    received = today - dt.timedelta(days=61)
    while cooling_off_dates(received, 30, 30, working_calendar()).register_by >= today:
        received -= dt.timedelta(days=1)
    late = services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=late_couple,
        marriage_certificate="J000",
        agreement_signed=True,
        both_present=True,
        on=received,
    )
    desk.goto(f"{base}/marriage/divorces/{late.pk}/")
    expect(desk.locator("#divorce-status")).to_contain_text("已逾期")
    call_command("marriage", "daily")
    desk.reload()
    expect(desk.locator("#divorce-status")).to_have_text("视为撤回")
    expect(desk.locator("#divorce-events")).to_contain_text("期满未共同申领离婚证，视为撤回离婚登记申请")
    assert DivorceApplication.objects.get(pk=late.pk).status == "lapsed"
