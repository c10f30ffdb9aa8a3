"""Issue 14's "Done when": `make run` and then the demo month — generate → approve → bank file → result
import → statistics — works on the embedded SQLite database, shown in a real browser.

What ``make run`` does, on a fresh data directory: ``migrate``, ``demo-setup``, ``collectstatic``, the
background worker (``db_worker``) and ``runserver`` as subprocesses on SQLite. Chromium then walks the
month as the demo county user (maker) and the demo checker (maker ≠ checker), and the statistics page's
total row is compared with a query of the SQLite file itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from minzheng.demo.accounts import DEMO_PASSWORD
from minzheng.payments.bankfiles import BankBatch, BankRow, bank_result_render, template_get

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
MINZHENG = Path(sys.executable).parent / "minzheng"
MONTH = "2026-12"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo on SQLite as `make run` starts it; yields the base URL and the database file."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(MINZHENG_DATA_DIR=str(tmp_path / "data"), STATIC_ROOT=str(tmp_path / "static"))

    def run(*args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own console script
            [str(MINZHENG), *args], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]

    run("migrate", "--no-input", "-v0")
    run("demo-setup", "--households", "120")
    run("collectstatic", "--no-input", "-v0")
    port = _free_port()
    processes = [
        subprocess.Popen(  # noqa: S603
            [str(MINZHENG), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for args in (
            ("db_worker", "--no-reload", "--no-startup-delay"),
            ("runserver", f"127.0.0.1:{port}", "--noreload"),
        )
    ]
    try:
        for _ in range(100):  # the server is up when it accepts a connection
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", tmp_path / "data" / "minzheng.sqlite3"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#current-user")).to_be_visible()


def _expected(database: Path, username: str) -> list[str]:
    """The county's total row straight from the SQLite file: 低保 households and persons, 特困 persons, the
    December payroll's owed and paid amounts (households placed where they are registered)."""
    with sqlite3.connect(database) as db:
        (prefix,) = db.execute(
            "SELECT substr(d.code, 1, 6) FROM accounts_user u JOIN divisions_division d ON d.id = u.division_id "
            "WHERE u.username = ?",
            (username,),
        ).fetchone()
        enrolled = db.execute(
            "SELECT e.programme, e.household_id, e.person_id, h.member_count FROM enrolments_enrolment e "
            "JOIN registry_household h ON h.id = e.household_id "
            "JOIN divisions_division d ON d.id = h.hukou_division_id "
            "WHERE d.code LIKE ? AND e.status <> 'suspended'",
            (prefix + "%",),
        ).fetchall()
        lines = db.execute(
            "SELECT l.amount, l.payment_status FROM payments_payrollline l "
            "JOIN payments_payroll p ON p.id = l.payroll_id AND p.status = 'approved' AND p.month = ? "
            "JOIN registry_household h ON h.id = l.household_id "
            "JOIN divisions_division d ON d.id = h.hukou_division_id WHERE d.code LIKE ?",
            (f"{MONTH}-01", prefix + "%"),
        ).fetchall()
    dibao = {household: members for programme, household, _, members in enrolled if programme == "dibao"}
    extreme = sum(1 for programme, *_ in enrolled if programme == "extreme_poverty_support")

    def money(value: object) -> Decimal:
        return Decimal(str(value)).quantize(Decimal("0.01"))

    owed = sum((money(a) for a, _ in lines), Decimal("0.00"))
    paid = sum((money(a) for a, status in lines if status == "paid"), Decimal("0.00"))
    return ["合计", str(len(dibao)), str(sum(dibao.values())), str(extreme), "0", "0", str(owed), str(paid)]


def test_demo_month_on_the_embedded_database(embedded, page: Page, tmp_path: Path) -> None:
    base, database = embedded

    # the county user generates December's payroll (a job the worker runs) and submits it
    log_in(page, base, "county")
    page.goto(f"{base}/payments/")
    page.fill("#generate-month", MONTH)
    page.get_by_role("button", name="生成（草稿可重新生成）").click()
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "succeeded", timeout=120_000)
    page.locator("#job-result").click()
    expect(page.locator("#payroll-status")).to_have_text("草稿")
    page.locator('[data-action="submit"] button').click()
    expect(page.locator("#payroll-status")).to_have_text("已提交待审核")
    payroll_url = page.url
    page.get_by_role("button", name="退出").click()

    # the checker (not the maker) approves it and downloads the bank file
    log_in(page, base, "checker")
    page.goto(payroll_url)
    page.locator('[data-action="approve"] button').click()
    expect(page.locator("#payroll-status")).to_have_text("已审核（锁定）")
    page.select_option("#bank-file-form select[name=template]", "csv_utf8")
    with page.expect_download() as download:
        page.get_by_role("button", name="生成银行代发文件").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    control, details = rows[1], rows[3:]
    assert len(details) > 0

    # and imports the bank's result with the first payment failed
    batch = BankBatch(
        control[0],
        dt.date(2026, 12, 5),
        control[4],
        [BankRow(r[5], r[1], r[2], Decimal(r[3]), r[4]) for r in details],
    )
    result = tmp_path / f"{control[0]}-result.csv"
    result.write_bytes(bank_result_render(template_get("csv_utf8"), batch, {details[0][5]: "账户已冻结"}))
    page.select_option("#result-form select[name=template]", "csv_utf8")
    page.set_input_files("#result-form input[type=file]", str(result))
    page.get_by_role("button", name="导入回盘").click()
    expect(page.locator(".alert-success")).to_contain_text("回盘已导入")

    # then the statistics page (from the sidebar) shows the month's totals of the database
    page.get_by_role("link", name="统计分析").first.click()
    page.goto(f"{page.url.split('?')[0]}?month={MONTH}")
    expected = _expected(database, "checker")
    expect(page.locator("#area-total td")).to_have_text(expected)
    assert Decimal(expected[6]) == sum(Decimal(r[3]) for r in details)
    assert Decimal(expected[6]) - Decimal(expected[7]) == Decimal(details[0][3])
    # the charts are drawn, and nothing overflows the window sideways at 1366 and 1024 pixels
    expect(page.locator("#composition-chart canvas")).to_have_count(1)
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        # the charts follow a resize on their next frame: wait for the layout to settle (a lasting overflow
        # still fails, after 5 s); an immediate check failed once under a loaded suite
        page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth", timeout=5000)
