# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
"""An applicant on a 360-pixel phone (Debian's Chromium through Playwright): signs in with the SMS code
from the test outbox, fills a 低保 draft, leaves and comes back to find it kept, photographs a paper, signs
the pledge, submits and sees it on the progress page; the township then accepts it through the real
service, the page shows the new step and an SMS is in the outbox. No page is wider than the phone.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from minzheng.applications.models import Application
from minzheng.applications.services import application_transition
from minzheng.portal import sms
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    APPLICANT_PHONE,
    account,
    home,
    media,
    outbox,
    png_bytes,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
WIDTH = 360


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": WIDTH, "height": 740}}


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def sign_in(page: Page, base: str, next_path: str) -> None:
    page.goto(f"{base}/portal/signin/?next={next_path}")
    fits(page)
    page.fill("input[name=phone]", APPLICANT_PHONE)
    with page.expect_navigation():  # the page comes back with the phone filled in: wait for it
        page.click("#send-code")
    [entry] = sms.outbox
    code = re.search(r"\d{6}", entry.body).group(0)
    page.fill("input[name=phone]", APPLICANT_PHONE)
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.click("#sign-in")


def test_apply_upload_submit_and_follow_the_progress_on_a_phone(
    live_server, page: Page, account, home, users
):
    base = live_server.url
    # signs in and chooses 低保
    sign_in(page, base, "/portal/apply/")
    expect(page.locator("h1")).to_have_text("网上申请救助")
    fits(page)
    page.check("input[name=workflow][value=dibao]")
    page.get_by_role("button", name="开始填写").click()

    # 1 申请人与家庭: the registry household, confirmed
    expect(page.locator("#registry-members")).to_contain_text("李四（户主）")
    fits(page)
    page.check("#id_confirmed")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.locator(".msg.success")).to_have_text("已保存草稿")

    # 2 收入: typed, saved, and she leaves
    expect(page.locator("#section-title")).to_have_text("收入")
    fits(page)
    page.fill("#id_wage", "800")
    page.get_by_role("button", name="保存草稿，稍后再填").click()
    expect(page.locator(".msg.success")).to_have_text("已保存草稿")
    page.goto(f"{base}/portal/")

    # she comes back: the draft is kept
    page.goto(f"{base}/portal/apply/")
    page.locator("#open-drafts a", has_text="最低生活保障").click()
    page.locator("#steps a", has_text="收入").click()
    expect(page.locator("#id_wage")).to_have_value("800.00")
    page.get_by_role("button", name="保存并继续").click()

    # 3 财产
    expect(page.locator("#section-title")).to_have_text("财产")
    fits(page)
    page.fill("#id_deposit", "1500")
    page.get_by_role("button", name="保存并继续").click()

    # 4 材料: a photo through the camera input
    expect(page.locator("#section-title")).to_have_text("材料")
    fits(page)
    expect(page.locator("#id_file")).to_have_attribute("capture", "environment")
    page.select_option("#id_kind", "household_register")
    page.set_input_files(
        "#id_file", files=[{"name": "户口簿.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(".msg.success")).to_have_text("已上传“户口簿.png”，已保存草稿")
    expect(page.locator("#draft-documents")).to_contain_text("户口簿：户口簿.png")
    page.get_by_role("link", name="下一步").click()

    # 5 承诺与授权
    expect(page.locator("#section-title")).to_have_text("承诺与授权")
    expect(page.locator(".legal")).to_contain_text("《最低生活保障审核确认办法》第9条")
    fits(page)
    page.check("#id_pledge")
    page.check("#id_authorisation")
    page.get_by_role("button", name="保存并继续").click()

    # 6 提交
    expect(page.locator("#section-title")).to_have_text("提交")
    expect(page.locator("#summary-members")).to_contain_text("李四（户主）")
    fits(page)
    page.get_by_role("button", name="确认提交申请").click()
    application = Application.objects.get(household=home)
    expect(page.locator(".msg.success")).to_have_text(f"申请已提交，申请编号：{application.number}")
    expect(page.locator("#current-step")).to_have_text("已提交待受理")
    fits(page)

    # the progress list
    page.goto(f"{base}/portal/progress/")
    expect(page.locator(f'li[data-application-id="{application.pk}"] .step')).to_have_text("已提交待受理")
    fits(page)

    # when the township accepts it (the real service)
    sms.outbox.clear()
    accepted = application_transition(actor=users["caseworker"], application_id=application.pk, code="accept")

    # then the page shows the new step with its limit, and the SMS went out
    page.goto(f"{base}/portal/progress/{application.pk}/")
    expect(page.locator("#current-step")).to_have_text("已受理")
    expect(page.locator("#step-due")).to_contain_text(f"{accepted.step_due_on:%Y-%m-%d}")
    expect(page.locator("#timeline")).to_contain_text("进入“已受理”环节")
    fits(page)
    assert [(e.phone, e.body) for e in sms.outbox] == [(
        APPLICANT_PHONE,
        f"【民政救助通】您的低保申请（编号{application.number}）已进入“已受理”环节，"
        f"办理时限至{accepted.step_due_on:%Y-%m-%d}。",
    )]  # fmt: skip
