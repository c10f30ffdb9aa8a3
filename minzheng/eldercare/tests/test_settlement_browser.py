"""The month-end settlement in a real browser: the county user reads the overview, generates the month's
statements and submits one; the second county user (maker ≠ checker) approves it, downloads the bank file
and imports the bank's result. Every figure is checked against the database.

Debian's Chromium through Playwright (conftest.py); needs DJANGO_ALLOW_ASYNC_UNSAFE=true.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from playwright.sync_api import Page, expect

from minzheng.eldercare.models import ServiceOrder, Settlement
from minzheng.eldercare.rules.settlement import PaymentOutcome, SettlementStatus
from minzheng.payments.bankfiles import BankBatch, BankRow, bank_result_render, template_get

from .fixtures_settlement import ACCOUNT, care  # noqa: F401 - fixture
from .steps_settlement import approve_and_download_bank_file
from .test_settlement_services import month_orders

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "Test@Pass2026"  # noqa: S105 - the conftest's test password


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_contain_text(username)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_month_end_settlement_to_bank_file_and_result(live_server, page: Page, care, tmp_path):  # noqa: F811
    orders = month_orders(care)
    month = care["month"]
    base = live_server.url
    log_in(page, base, "county")
    page.goto(f"{base}/eldercare/?month={month:%Y-%m}")
    expected_orders = ServiceOrder.objects.filter(
        division__code__startswith="150102", window_start__month=month.month
    ).exclude(status="cancelled")
    expect(page.locator("#card-orders")).to_have_text(str(expected_orders.count()))
    page.locator("#part-links").get_by_role("link", name="养老服务结算").click()
    page.fill("#generate-month", f"{month:%Y-%m}")
    page.get_by_role("button", name="生成（草稿可重新生成）").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成 2 张结算单草稿")
    statement = Settlement.objects.get(provider=care["provider"])
    page.get_by_role("link", name=statement.number).click()
    paid = ServiceOrder.objects.filter(pk__in=[o.pk for o in orders["paid"]]).aggregate(t=Sum("subsidy"))["t"]
    expect(page.locator("#total-amount")).to_have_text(str(paid))
    expect(page.locator("#exclusions")).to_contain_text("未送餐上门")
    page.locator("[data-action=submit] button").click()
    expect(page.locator("#settlement-status")).to_have_text("待审核")
    log_out(page)

    log_in(page, base, "county2")
    rows = approve_and_download_bank_file(page, base, statement.pk)
    statement.refresh_from_db()
    assert rows[1][:3] == [statement.number, "1", str(statement.total_amount)]
    assert rows[3][1:4] == [ACCOUNT, "安康居家养老服务中心", str(paid)]
    assert Decimal(rows[3][3]) == statement.lines.aggregate(t=Sum("subsidy"))["t"]
    page.goto(f"{base}/eldercare/settlements/{statement.pk}/")
    expect(page.locator("#settlement-status")).to_have_text("已生成银行文件")
    batch = BankBatch(
        statement.number,
        statement.exported_at.date(),
        rows[1][4],
        [BankRow(statement.number, ACCOUNT, rows[3][2], Decimal(rows[3][3]), rows[3][4])],
    )
    result = tmp_path / "result.csv"
    result.write_bytes(bank_result_render(template_get("csv_utf8"), batch, {}))
    page.select_option("#result-form select[name=template]", "csv_utf8")
    page.set_input_files("#result-form input[type=file]", str(result))
    page.get_by_role("button", name="导入回盘").click()
    expect(page.locator("#payment-outcome")).to_contain_text("已到账")
    statement.refresh_from_db()
    assert (statement.status, statement.payment_outcome) == (SettlementStatus.RECONCILED, PaymentOutcome.PAID)
