"""Issue 17 "Done when", up to the confirmation, in Debian's Chromium over real HTTP: a family member orders
助餐 on a 360-px phone in 救助通 → the township dispatches it → the worker takes it and checks in and out on
a phone page (geolocation permitted, a fake position at the older person's home, a small photo) → the family
confirms and rates. The figures on the pages equal the database's.

Then the month ends (the order's times are moved back into last month — the clock set, as the deadline tests
do) → the county generates the month's settlement and submits it → a second county user approves it and
downloads the provider's bank file (CSV): its one row pays the provider's account the order's subsidy, as the
database holds it.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from minzheng.common import crypto
from minzheng.common.masking import mask_bank_account
from minzheng.eldercare.models import ServiceOrder, Settlement
from minzheng.eldercare.tests.fixtures_orders import *  # noqa: F403
from minzheng.eldercare.tests.fixtures_orders import FAMILY_PHONE, HOME, tiny_jpeg
from minzheng.eldercare.tests.steps_settlement import approve_and_download_bank_file
from minzheng.policy.models import Parameter

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHONE_WIDTH = 360
PASSWORD = "Test@Pass2026"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def flow_parameters(evv_parameters):
    """The bureau's limits, with no minimum service time (the test cannot wait half an hour)."""
    Parameter.objects.filter(key="eldercare.evv_short_service_ratio").update(value="0")


def phone_context(browser: Browser, *, located: bool = False) -> BrowserContext:
    options: dict = {"locale": "zh-CN", "viewport": {"width": PHONE_WIDTH, "height": 740}}
    if located:
        options |= {
            "geolocation": {"latitude": float(HOME[0]), "longitude": float(HOME[1])},
            "permissions": ["geolocation"],
        }
    return browser.new_context(**options)


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"


def latest_code(outbox) -> str:
    return re.search(r"验证码是 (\d{6})", outbox[-1].body).group(1)


def staff_login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


# --- the steps ---------------------------------------------------------------------------------------------


def family_orders_meal(page: Page, base: str, outbox, start: dt.datetime) -> ServiceOrder:
    """The daughter signs in with an SMS code, orders lunch for her mother at ``start`` (local time)."""
    page.goto(f"{base}/portal/signin/?next=/portal/eldercare/")
    page.get_by_label("手机号码").fill(FAMILY_PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(latest_code(outbox))
    page.get_by_role("button", name="登录", exact=True).click()
    page.goto(f"{base}/portal/eldercare/")
    expect(page.locator("h1")).to_have_text("养老服务")
    fits(page)
    page.locator("#order-new").click()
    expect(page.locator("#choose-kind")).to_have_value("meal")
    options = page.get_by_label("服务项目").locator("option", has_text="老年助餐（午餐）")
    page.get_by_label("服务项目").select_option(options.first.get_attribute("value"))
    page.get_by_label("服务日期").fill(start.date().isoformat())
    page.get_by_label("开始时间").fill(start.strftime("%H:%M"))
    fits(page)
    page.locator("#order-submit").click()
    expect(page.locator(".msg.success")).to_contain_text("预约成功")
    expect(page.locator("#order-status")).to_have_text("待派单")
    order = ServiceOrder.objects.get()
    expect(page.locator("#order-amount")).to_have_text(str(order.amount))
    expect(page.locator("#order-co-payment")).to_have_text(str(order.co_payment))
    fits(page)
    return order


def township_dispatches(page: Page, base: str, order: ServiceOrder) -> None:
    staff_login(page, base, "caseworker")
    page.goto(f"{base}/eldercare/orders/?status=placed")
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("#order-subsidy")).to_have_text(str(order.subsidy))
    page.locator("#dispatch-form select").select_option(str(order.provider_id))
    page.locator("#dispatch-form button[type=submit]").click()
    expect(page.locator("#order-status")).to_have_text("已派单")


def worker_checks_in_and_out(page: Page, base: str, order: ServiceOrder, photo_path: str) -> None:
    staff_login(page, base, "careworker")
    page.goto(f"{base}/eldercare/worker/")
    page.locator("#unassigned").get_by_role("button", name="接单").click()
    expect(page.locator("h2.page-title")).to_have_text(order.item.name)
    for label in ("签到", "签退"):
        expect(page.locator("#location-status")).to_contain_text("已定位")
        page.locator("#check-form input[type=file]").set_input_files(photo_path)
        expect(page.locator("#photo-status")).not_to_be_empty()
        page.locator("#check-submit").click()
        expect(page.locator(".alert, .msg, [role=alert]").first).to_contain_text(f"{label}成功")
    expect(page.locator("#order-status")).to_have_text("待确认")
    fits(page)


def family_confirms(page: Page, base: str, order: ServiceOrder) -> None:
    page.goto(f"{base}/portal/eldercare/{order.pk}/")
    expect(page.locator("#order-status")).to_have_text("待确认")
    page.get_by_label("非常满意").check()
    page.get_by_label("评价（选填）").fill("饭菜热乎，师傅准时")
    page.locator("#confirm-submit").click()
    expect(page.locator(".msg.success")).to_contain_text("已确认服务完成")
    expect(page.locator("#order-status")).to_have_text("已确认")
    fits(page)


ACCOUNT = "6228480011223344556"


def month_ends(order: ServiceOrder) -> dt.date:
    """Move the served order into last month (everything but its number), so last month can be settled; returns
    the first day of that month."""
    shift = dt.timedelta(days=31)
    ServiceOrder.objects.filter(pk=order.pk).update(
        window_start=order.window_start - shift,
        window_end=order.window_end - shift,
        placed_at=order.placed_at - shift,
        dispatched_at=order.dispatched_at - shift,
        check_in_at=order.check_in_at - shift,
        check_out_at=order.check_out_at - shift,
        confirmed_at=order.confirmed_at - shift,
    )
    return timezone.localtime(order.check_out_at - shift).date().replace(day=1)


def county_settles_the_month(page: Page, base: str, month: dt.date) -> Settlement:
    staff_login(page, base, "county")
    page.goto(f"{base}/eldercare/settlements/")
    page.fill("#generate-month", f"{month:%Y-%m}")
    page.get_by_role("button", name="生成（草稿可重新生成）").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成 1 张结算单草稿")
    statement = Settlement.objects.get()
    page.get_by_role("link", name=statement.number).click()
    expect(page.locator("#total-amount")).to_have_text(str(statement.total_amount))
    page.locator("[data-action=submit] button").click()
    expect(page.locator("#settlement-status")).to_have_text("待审核")
    return statement


def checker_downloads_the_bank_file(page: Page, base: str, statement: Settlement) -> list[list[str]]:
    staff_login(page, base, "county2")
    return approve_and_download_bank_file(page, base, statement.pk)


def test_a_family_orders_a_meal_the_township_dispatches_the_worker_serves_and_the_family_confirms(
    live_server,
    browser: Browser,
    family,
    older,
    provider,
    worker,
    users,
    flow_parameters,
    outbox,
    tmp_path,
    make_user,
    divisions,
):
    base = live_server.url
    make_user("county2", "county_approver", divisions["xincheng"])  # the checker (maker ≠ checker)
    provider.bank_name, provider.bank_account_name = "中国农业银行", provider.name
    provider.bank_account_encrypted = crypto.encrypt(ACCOUNT)
    provider.bank_account_index = crypto.blind_index(ACCOUNT, purpose="bank_account")
    provider.bank_account_masked = mask_bank_account(ACCOUNT)
    provider.save()
    start = (timezone.localtime() + dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(tiny_jpeg())

    family_page = phone_context(browser).new_page()
    order = family_orders_meal(family_page, base, outbox, start)
    township_dispatches(browser.new_context(locale="zh-CN").new_page(), base, order)
    worker_checks_in_and_out(phone_context(browser, located=True).new_page(), base, order, str(photo))
    family_confirms(family_page, base, order)

    order.refresh_from_db()
    assert order.status == "confirmed"
    assert order.confirmed_via == "portal"
    assert order.rating == 5
    assert order.flags == []
    assert order.check_in_distance_m == 0
    assert order.worker == worker
    assert (order.amount, order.co_payment, order.subsidy) == (
        provider.items.get(kind="meal").price,
        provider.items.get(kind="meal").co_payment,
        provider.items.get(kind="meal").price - provider.items.get(kind="meal").co_payment,
    )

    month = month_ends(order)
    statement = county_settles_the_month(browser.new_context(locale="zh-CN").new_page(), base, month)
    rows = checker_downloads_the_bank_file(browser.new_context(locale="zh-CN").new_page(), base, statement)
    statement.refresh_from_db()
    line = statement.lines.get()
    assert (line.order_id, line.subsidy, statement.total_amount) == (order.pk, order.subsidy, order.subsidy)
    assert rows[1][:3] == [statement.number, "1", str(order.subsidy)]
    assert rows[3][1:4] == [ACCOUNT, provider.name, str(order.subsidy)]
