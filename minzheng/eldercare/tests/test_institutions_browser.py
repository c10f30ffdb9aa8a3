"""A 双随机 draw made on the page in Debian's Chromium (Playwright): the county user draws, reads the
drawn institutions and inspectors (the database's), verifies the draw from its seed; then the public
results page, without login, on a 360-px phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from minzheng.eldercare.models.institutions import Draw, Inspection
from minzheng.eldercare.rules.institutions import BUILTIN_CHECKLIST
from minzheng.eldercare.services import inspections as services
from minzheng.eldercare.tests.fixtures_institutions import *  # noqa: F403

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def test_a_draw_made_on_the_page_is_shown_verified_and_published(
    live_server, page: Page, users, xincheng_setup
):
    base = live_server.url
    plan = xincheng_setup["plan"]
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_be_visible()

    # the plan has no draw yet; the county user draws
    page.goto(f"{base}/eldercare/inspections/plans/{plan.pk}/")
    expect(page.locator("#current-draw")).to_contain_text("尚未抽取")
    page.locator("#draw-button").click()
    expect(page.locator("#draw-seed")).to_be_visible()

    # the page shows exactly the recorded draw: seed, institutions and inspectors in drawing order
    draw = Draw.objects.get(plan=plan)
    expect(page.locator("#draw-seed")).to_have_text(draw.seed)
    names = {m["id"]: m["name"] for m in draw.target_pool}
    people = {m["id"]: m["name"] for m in draw.inspector_pool}
    rows = page.locator("#draw-result tbody tr")
    expect(rows).to_have_count(2)
    for index, assignment in enumerate(draw.result):
        row = rows.nth(index)
        expect(row).to_have_attribute("data-target-id", str(assignment["target"]))
        expect(row.locator("td").nth(1)).to_have_text(names[assignment["target"]])
        expect(row.locator("td").nth(2)).to_have_text("、".join(people[i] for i in assignment["inspectors"]))
    # the audit events of the draw are on the page
    expect(page.locator("#draw-audit")).to_contain_text(draw.seed[:12])

    # verification from the seed
    page.locator("#verify-button").click()
    expect(page.locator("#verify-result")).to_contain_text("复核一致")

    # re-drawing without a reason is refused on the page, nothing written
    page.goto(f"{base}/eldercare/inspections/plans/{plan.pk}/")
    page.locator("#draw-button").click()
    expect(page.locator("#draw-form")).to_contain_text("重新抽取必须填写理由")
    assert Draw.objects.filter(plan=plan).count() == 1

    # an inspection is recorded; the public page shows it without login on a 360-px phone
    Draw.objects.filter(pk=draw.pk).update(drawn_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    inspection = Inspection.objects.filter(draw=draw).select_related("institution").first()
    services.inspection_record(
        actor=users["county"],
        inspection_id=inspection.pk,
        inspected_on=dt.date(2026, 11, 20),
        answers={code: "met" for code, _ in BUILTIN_CHECKLIST},
        findings="",
        result="passed",
        today=dt.date(2026, 12, 7),
    )
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/eldercare/public/inspections/")
    result = page.locator(".public-result")
    expect(result).to_have_count(1)
    expect(result).to_contain_text(inspection.institution.name)
    expect(result).to_contain_text("2026-11-20")
    expect(result).to_contain_text("合格")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
