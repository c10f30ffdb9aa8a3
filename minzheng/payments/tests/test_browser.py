"""Issue 5's "Done when" walked through in a real browser on demo data: ``demo-setup`` enrols the demo
population; the county user generates the December payroll (a background job with a progress bar) and
submits it; the second county user (maker ≠ checker) approves it, downloads the bank file, imports the
bank's result with one failed payment, and reads the month's statistics — every figure checked against
the database.

Debian's Chromium through Playwright (conftest.py); needs DJANGO_ALLOW_ASYNC_UNSAFE=true.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from playwright.sync_api import Page, expect

from minzheng.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from minzheng.demo.registry import demo_setup
from minzheng.enrolments.models import Enrolment
from minzheng.payments.bankfiles import BankBatch, BankRow, bank_result_render, template_get
from minzheng.payments.models import Payroll, PayrollLine
from minzheng.payments.tests.steps import approve_and_download_csv

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    full_names = {a[0]: a[3] for a in DEMO_ACCOUNTS}
    expect(page.locator("#current-user")).to_contain_text(full_names[username])


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def _csv_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    """The bank file (CSV, UTF-8): the control record and the detail rows."""
    lines = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    return lines[1], lines[3:]


def test_demo_month_generated_approved_exported_reconciled_and_reported(
    live_server, page: Page, divisions, tmp_path
):
    # given the demo environment (households, enrolments, logins) on the small division tree
    notes = demo_setup(households=300).notes
    assert notes[0].startswith("演示在保对象：低保 ")
    enrolled = Enrolment.objects.filter(division__code__startswith="150102")
    assert enrolled.count() > 50
    base = live_server.url

    # when the county user generates the December payroll from the payroll list
    log_in(page, base, "county")
    page.goto(f"{base}/payments/")
    page.fill("#generate-month", "2026-12")
    page.get_by_role("button", name="生成（草稿可重新生成）").click()
    # then the job page shows the progress bar, finished, and links to the payroll
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#job-progress .progress-bar")).to_have_attribute("aria-valuenow", "100")
    payroll = Payroll.objects.get(month=DECEMBER)
    expected_lines = enrolled.count()  # every demo enrolment is paid in December, one regular line each
    owed = enrolled.aggregate(total=Sum("monthly_amount"))["total"]
    assert (payroll.line_count, payroll.total_amount) == (expected_lines, owed)
    expect(page.locator("#job-message")).to_have_text(
        f"已生成发放批次 {payroll.number}：{payroll.line_count} 条，合计 {payroll.total_amount} 元"
    )
    page.locator("#job-result").click()
    expect(page.locator("#payroll-status")).to_have_text("草稿")
    expect(page.locator("#totals-sum td").last).to_have_text(str(payroll.total_amount))
    page.locator('[data-action="submit"] button').click()
    expect(page.locator("#payroll-status")).to_have_text("已提交待审核")
    # the maker is not offered the approval
    expect(page.locator('[data-action="approve"]')).to_have_count(0)
    log_out(page)

    # when the second county user approves it
    log_in(page, base, "checker")
    # and downloads the bank file (CSV, UTF-8)
    exported = approve_and_download_csv(page, f"{base}/payments/{payroll.pk}/", "#payroll-status")
    control, details = _csv_rows(exported.read_bytes())
    # then it has one row per enrolment and the payroll's total, to the fen
    assert len(details) == payroll.line_count
    assert sum(Decimal(row[3]) for row in details) == payroll.total_amount
    assert (control[0], int(control[1]), Decimal(control[2])) == (
        payroll.number,
        payroll.line_count,
        payroll.total_amount,
    )

    # when the bank's result comes back with the first payment failed
    failed_row = details[0]
    batch = BankBatch(
        control[0],
        dt.date(2026, 12, 5),
        control[4],
        [BankRow(r[5], r[1], r[2], Decimal(r[3]), r[4]) for r in details],
    )
    result = tmp_path / f"{payroll.number}-result.csv"
    result.write_bytes(bank_result_render(template_get("csv_utf8"), batch, {failed_row[5]: "账户已冻结"}))
    page.select_option("#result-form select[name=template]", "csv_utf8")
    page.set_input_files("#result-form input[type=file]", str(result))
    page.get_by_role("button", name="导入回盘").click()

    # then it reconciles: paid and failed counts and totals to the yuan
    failed_amount = Decimal(failed_row[3])
    paid_amount = payroll.total_amount - failed_amount
    expect(page.locator(".alert-success")).to_contain_text(
        f"回盘已导入：成功 {payroll.line_count - 1} 笔 {paid_amount} 元，失败 1 笔 {failed_amount} 元"
    )
    expect(page.locator("#result-summary")).to_have_text(
        f"回盘：成功 {payroll.line_count - 1} 笔 {paid_amount} 元，失败 1 笔 {failed_amount} 元"
    )
    statuses = dict(
        PayrollLine.objects.filter(payroll=payroll)
        .values("payment_status")
        .annotate(n=Count("id"))
        .values_list("payment_status", "n")
    )
    assert statuses == {"paid": payroll.line_count - 1, "failed": 1}
    assert PayrollLine.objects.get(payroll=payroll, payment_status="failed").enrolment_id == int(
        failed_row[5]
    )

    # when the checker opens the month's statistics
    page.goto(f"{base}/statistics/?month=2026-12")
    # then the county's total row holds the database's recipients and amounts
    dibao = enrolled.filter(programme="dibao")
    households = dibao.values("household_id").distinct().count()
    persons = sum(dibao.values_list("household__member_count", flat=True))
    extreme = enrolled.filter(programme="extreme_poverty_support").count()
    total_cells = page.locator("#area-total td")
    expect(total_cells.nth(0)).to_have_text("合计")
    expect(total_cells.nth(1)).to_have_text(str(households))
    expect(total_cells.nth(2)).to_have_text(str(persons))
    expect(total_cells.nth(3)).to_have_text(str(extreme))
    expect(total_cells.nth(6)).to_have_text(str(payroll.total_amount))
    expect(total_cells.nth(7)).to_have_text(str(paid_amount))
