"""Issue 6 "Done when" in a real browser: a county user imports two department feeds through the page,
starts a manual run and watches its progress bar, works one alert through referral and feedback to
closure and dismisses another with a reason; a township caseworker opens a proactive application from a
third one and closes it; the dashboard then shows exactly what the database holds.

Runs Debian's Chromium through Playwright (conftest.py). Needs DJANGO_ALLOW_ASYNC_UNSAFE=true because
Playwright's sync API keeps an event loop running in the test thread.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from minzheng.applications.models import Application
from minzheng.monitoring.models import Alert, FeedBatch, MonitoringRun, Referral
from minzheng.monitoring.rules import OPEN_STATUSES
from minzheng.registry.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
OPEN = [s.value for s in OPEN_STATUSES]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)


def csv_file(name: str, header: list[str], rows: list[list[object]]) -> dict[str, object]:
    text = "\n".join([",".join(header), *(",".join(str(v) for v in row) for row in rows)]) + "\n"
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def upload(page: Page, base: str, feed: str, file: dict[str, object]) -> None:
    page.goto(f"{base}/monitoring/feeds/")
    page.select_option("#id_feed", feed)
    page.set_input_files("#id_file", files=[file])  # type: ignore[list-item]
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator(".alert-success")).to_contain_text("已导入")
    expect(page.locator("#batch-counts [data-status]")).to_have_text("已导入")


def open_alert(page: Page, base: str, alert: Alert) -> None:
    page.goto(f"{base}/monitoring/?status=&rule={alert.rule_code}")
    page.locator(f'tr[data-alert-id="{alert.pk}"] a').click()
    expect(page.locator("h2.page-title")).to_contain_text(alert.number)


def act(page: Page, action: str, expected_status: str, **fields: str) -> None:
    """Submit the action card ``action`` (its fields filled) and wait for the new status."""
    card = page.locator(f'form[data-action="{action}"]')
    for name, value in fields.items():
        field = card.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    card.locator("button[type=submit]").click()
    expect(page.locator("#alert-status")).to_have_attribute("data-status", expected_status)


def test_feeds_run_alerts_closed_loop_and_dashboard(live_server, page: Page, family, enrol, today):
    base = live_server.url
    # given a 低保 household with a member who died ten days ago, and two households with large medical
    # bills (their incomes are high, so only the amount threshold fires)
    dibao = family(members=1)
    enrol(dibao)
    member = Person.objects.exclude(pk=dibao.head_id).get(household=dibao)
    bills = [family(annual_income="100000"), family(annual_income="100000")]

    # when the county user imports the 公安 deaths and the 医保 costs through the feed page
    log_in(page, base, "county")
    upload(page, base, "death", csv_file("公安死亡.csv", ["身份证号码", "死亡日期"],
                                         [[member.id_number, today - dt.timedelta(days=10)]]))  # fmt: skip
    expect(page.locator("#batch-counts")).to_contain_text("1 / 0")  # matched / unmatched
    upload(page, base, "medical_expense", csv_file(
        "医保自付.csv", ["身份证号码", "结算日期", "个人自付金额", "费用类别", "结算单号"],
        [[bills[0].head.id_number, today - dt.timedelta(days=20), "25000.00", "医疗", "JS001"],
         [bills[1].head.id_number, today - dt.timedelta(days=30), "30000.00", "医疗", "JS002"]],
    ))  # fmt: skip
    assert FeedBatch.objects.filter(status="loaded").count() == 2

    # and starts a manual run from the run page, waiting for the progress bar to finish
    page.goto(f"{base}/monitoring/runs/")
    page.locator("#run-start").click()
    expect(page.locator("#run-progress")).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.locator(".progress-bar")).to_have_attribute("aria-valuenow", "100")
    run = MonitoringRun.objects.get()
    assert (run.kind, run.division_code, run.alerts_new) == ("manual", "150102", 4)
    expect(page.locator('#run-summary [data-count="alerts_new"]')).to_have_text("4")

    # then the alert list holds the four pushed alerts
    page.locator("#run-alerts").click()
    expect(page.locator("#alert-table tr[data-alert-id]")).to_have_count(4)
    alerts = {(a.rule_code, a.household_id): a for a in Alert.objects.all()}
    assert set(alerts) == {("member_death", dibao.pk), ("deceased_still_paid", dibao.pk),
                           ("medical_out_of_pocket", bills[0].pk), ("medical_out_of_pocket", bills[1].pk)}  # fmt: skip

    # when the county works the first medical alert: verify, refer to 医保, record the feedback, close
    referred = alerts[("medical_out_of_pocket", bills[0].pk)]
    open_alert(page, base, referred)
    act(page, "verify", "verifying")
    act(page, "refer", "referred", department="medical", note="请医保部门核实医疗救助")
    act(page, "feedback", "referred", feedback="已给予医疗救助 8000 元", feedback_on=today.isoformat())
    act(page, "close", "closed", reason="医保部门已救助，办结")
    expect(page.locator("#referrals")).to_contain_text("已给予医疗救助 8000 元")
    # and dismisses the member-death alert with the reason
    dismissed = alerts[("member_death", dibao.pk)]
    open_alert(page, base, dismissed)
    act(page, "verify", "verifying")
    act(page, "dismiss", "dismissed", reason="入户核实：家庭收入未受影响")
    page.get_by_role("button", name="退出").click()

    # when the township caseworker opens a proactive application from the second medical alert
    assisted = alerts[("medical_out_of_pocket", bills[1].pk)]
    log_in(page, base, "caseworker")
    open_alert(page, base, assisted)
    act(page, "verify", "verifying")
    act(page, "application", "assisting", workflow="rigid_expense_household")
    application = Application.objects.get()
    expect(page.get_by_role("link", name=application.number)).to_be_visible()
    act(page, "close", "closed", reason=f"已受理刚性支出困难家庭认定申请 {application.number}")
    page.get_by_role("button", name="退出").click()

    # then the database holds the closed loop
    statuses = dict(Alert.objects.values_list("pk", "status"))
    assert (statuses[referred.pk], statuses[dismissed.pk], statuses[assisted.pk]) == (
        "closed",
        "dismissed",
        "closed",
    )
    assert Referral.objects.get().feedback == "已给予医疗救助 8000 元"
    assert (application.channel, application.household_id) == ("proactive", bills[1].pk)
    assert Alert.objects.get(pk=dismissed.pk).reason == "入户核实：家庭收入未受影响"

    # and the county's dashboard shows exactly the database's counts
    log_in(page, base, "county")
    page.goto(f"{base}/monitoring/dashboard/")
    for severity in ("red", "orange", "yellow"):
        count = Alert.objects.filter(status__in=OPEN, severity=severity).count()
        expect(page.locator(f'[data-severity="{severity}"]')).to_have_text(str(count))
    assert Alert.objects.filter(status__in=OPEN, severity="red").count() == 1
    for status in ("pushed", "closed", "dismissed"):
        count = Alert.objects.filter(status=status).count()
        expect(page.locator(f'#status-table tr[data-status="{status}"] td')).to_have_text(str(count))
    street = page.locator('#division-table tr[data-division="150102001000"] td')
    expect(street.nth(1)).to_have_text(
        str(Alert.objects.filter(division__code__startswith="150102001").count())
    )
    expect(street.nth(2)).to_have_text(str(Alert.objects.filter(status__in=OPEN).count()))
    for code in ("medical_out_of_pocket", "member_death", "deceased_still_paid"):
        cells = page.locator(f'#rule-table tr[data-rule="{code}"] td')
        expect(cells.nth(1)).to_have_text(str(Alert.objects.filter(rule_code=code).count()))
        expect(cells.nth(2)).to_have_text(str(Alert.objects.filter(rule_code=code, status__in=OPEN).count()))
    expect(page.locator("#escalated-count")).to_have_text("0")
    expect(page.locator("#division-chart canvas")).to_have_count(1)  # the ECharts treemap was drawn
    expect(page).to_have_url(re.compile(r"/monitoring/dashboard/$"))
