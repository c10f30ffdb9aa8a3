"""The demo month on the embedded SQLite database of ``make run`` (issue 14 §1), with every figure identical to
PostgreSQL's on the same data.

``demo_month`` walks the payments area through Django's test client, as the demo users: the county user
generates the December payroll from the page (a background job: on SQLite the real ``db_worker`` runs it)
and submits it; the second county user approves it, downloads the bank file and imports the bank's result
with the first payment failed; the statistics page; then a caseworker changes a household's bank account
through the API (the redirect attempt of issue 16 §2), two entitlements are changed back-dated into
December, and January is generated and walked the same way — so the regular, retry and adjustment
statements, the deduction cap, the overpayment list, the reconciliation and both forms of the statistics
all run. It returns the figures (amounts as exact decimal strings, no database ids).

The test runs it on a fresh SQLite file (``minzheng migrate`` + ``demo-setup --households 300`` +
``minzheng shell``, the smoke test's approach) and in-process on the PostgreSQL test database after the same
``demo_setup``, and asserts both give exactly the same figures, and that they are right.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from minzheng.accounts.models import User
from minzheng.common.models import Job
from minzheng.demo.registry import demo_setup
from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment, EntitlementPeriod
from minzheng.payments import selectors
from minzheng.payments.bankfiles import BankBatch, BankRow, bank_result_render, template_get
from minzheng.payments.models import Payroll, PayrollLine
from minzheng.portal.models import PortalAccount
from minzheng.portal.selectors.entitlements import entitlement_list
from minzheng.statistics.rules import Period
from minzheng.statistics.selectors import Report, statistics_report

MINZHENG = Path(sys.executable).parent / "minzheng"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
DECEMBER, JANUARY = dt.date(2026, 12, 1), dt.date(2027, 1, 1)
NEW_ACCOUNT = "6217000010001234567"
RAISE, CUT = Decimal("50.10"), Decimal("30.25")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def _csv(content: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    return rows[1], rows[3:]


def _generate(client: Client, county: Division, month: dt.date) -> Payroll:
    """From the page: the job is enqueued; the immediate backend (tests) has run it, otherwise the worker."""
    response = client.post("/payments/generate/", {"county": county.pk, "month": f"{month:%Y-%m}"})
    assert response.status_code == 302, response.content
    job = Job.objects.order_by("-pk").first()
    assert job is not None
    if job.status != Job.Status.SUCCEEDED:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
        job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    payroll = Payroll.objects.get(county=county, month=month)
    assert client.get(response["Location"]).status_code == 200
    assert (
        job.message
        == f"已生成发放批次 {payroll.number}：{payroll.line_count} 条，合计 {payroll.total_amount} 元"
    )
    return payroll


def _act(client: Client, payroll: Payroll, code: str) -> None:
    response = client.post(f"/payments/{payroll.pk}/actions/{code}/")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def _bank_file(client: Client, payroll: Payroll) -> tuple[list[str], list[list[str]]]:
    response = client.post(f"/payments/{payroll.pk}/bank-file/", {"template": "csv_utf8"})
    assert response.status_code == 200, response.content
    return _csv(response.content)


def _reconcile(client: Client, payroll: Payroll, control: list[str], details: list[list[str]]) -> str:
    """The bank's result with the first payment failed, imported from the page; returns the message."""
    batch = BankBatch(
        control[0],
        dt.date(2026, 12, 5),
        control[4],
        [BankRow(r[5], r[1], r[2], Decimal(r[3]), r[4]) for r in details],
    )
    data = bank_result_render(template_get("csv_utf8"), batch, {details[0][5]: "账户已冻结"})
    upload = io.BytesIO(data)
    upload.name = f"{payroll.number}-result.csv"
    response = client.post(
        f"/payments/{payroll.pk}/result/", {"template": "csv_utf8", "file": upload}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index("回盘已导入")
    return page[start : page.index("元", page.index("失败", start)) + 1]


def _rows(details: list[list[str]]) -> list[list[str]]:
    """Bank rows without the account and reference (both carry database ids): name, amount, purpose."""
    return [[r[0], r[2], r[3], r[4]] for r in details]


def _figures(report: Report) -> dict[str, Any]:
    return {
        "areas": [[str(cell) for cell in row.cells] for row in report.areas.all_rows()],
        "programmes": [[str(cell) for cell in row.cells] for row in report.programmes.all_rows()],
        "chart": report.chart,
    }


def _statistics(client: Client, actor: User, month: dt.date) -> dict[str, Any]:
    """The statistics page answers, for the month and the year to date; their figures (the same portable
    statements on both databases, ADR 0023)."""
    figures = {}
    for period in Period:
        page = client.get(f"/statistics/?month={month:%Y-%m}&period={period.value}")
        assert page.status_code == 200
        figures[period.value] = _figures(statistics_report(actor=actor, month=month, period=period))
        assert f'<td class="text-end">{figures[period.value]["areas"][-1][-1]}</td>' in page.content.decode()
    return figures


def _change_back_dated(enrolment: Enrolment, delta: Decimal) -> None:
    """The enrolment's amount changed from December (a back-dated raise or cut), as a new period."""
    period = EntitlementPeriod.objects.get(enrolment=enrolment, until_month__isnull=True)
    EntitlementPeriod.objects.filter(pk=period.pk).update(until_month=DECEMBER)
    EntitlementPeriod.objects.create(
        enrolment=enrolment,
        from_month=DECEMBER,
        monthly_amount=period.monthly_amount + delta,
        reason="追溯调整",
    )


def _lines(payroll: Payroll) -> list[list[str]]:
    """What the payroll pays, without ids: payee, programme, kind, entitlement month, owed, booked, amount."""
    rows = PayrollLine.objects.filter(payroll=payroll).values_list(
        "payee_name", "programme", "kind", "entitlement_month", "owed", "booked_before", "amount"
    )
    return sorted([str(value) for value in row] for row in rows)


def _payroll_figures(checker: Client, actor: User, payroll: Payroll) -> dict[str, Any]:
    """Bank file, result import with the first payment failed, totals, overpayments, statistics."""
    control, details = _bank_file(checker, payroll)
    assert (control[0], int(control[1]), Decimal(control[2])) == (
        payroll.number,
        len(details),
        payroll.total_amount,
    )
    return {
        "lines": _lines(payroll),
        "count": payroll.line_count,
        "total": str(payroll.total_amount),
        "bank": _rows(details),
        "result": _reconcile(checker, payroll, control, details),
        "statuses": sorted(
            PayrollLine.objects.filter(payroll=payroll).values_list("payment_status", flat=True)
        ),
        "totals": [
            [str(v) for v in vars(r).values()] for r in selectors.payroll_totals(actor=actor, payroll=payroll)
        ],
        "overpayments": [
            [o.name, o.programme, str(o.amount)]
            for o in selectors.payroll_overpayments(actor=actor, payroll=payroll)
        ],
        "statistics": _statistics(checker, actor, payroll.month),
    }


def demo_month() -> dict[str, Any]:
    """The payments walk-through on the demo data of ``demo-setup --households 300``; returns its figures."""
    users = {u.username: u for u in User.objects.filter(username__in=["county", "checker", "caseworker"])}
    county, checker = _client(users["county"]), _client(users["checker"])
    xincheng = Division.objects.get(code="150102000000")
    enrolled = Enrolment.objects.filter(division__code__startswith="150102").order_by("pk")
    out: dict[str, Any] = {}

    # December: generate (job), submit, approve (maker ≠ checker), bank file, result import, statistics
    assert county.get("/payments/").status_code == 200
    december = _generate(county, xincheng, DECEMBER)
    assert (december.line_count, december.total_amount) == (
        enrolled.count(),
        enrolled.aggregate(total=Sum("monthly_amount"))["total"],
    )
    _act(county, december, "submit")
    assert 'id="snapshot-changes"' not in checker.get(f"/payments/{december.pk}/").content.decode()
    _act(checker, december, "approve")
    december.refresh_from_db()
    assert december.status == "approved"
    out["december"] = _payroll_figures(checker, users["checker"], december)

    # a caseworker redirects a December payment after approval (issue 16 §2): the approved file keeps it
    _, details = _bank_file(checker, december)
    failed_reference = details[0][5]
    street = enrolled.filter(division__code="150102001000").exclude(pk=int(failed_reference)).first()
    assert street is not None
    old_account = next(r[1] for r in details if r[5] == str(street.pk))
    patched = _client(users["caseworker"]).patch(
        f"/api/v1/households/{street.household_id}",
        json.dumps({"bank_account": NEW_ACCOUNT}),
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    _, again = _bank_file(checker, december)
    assert next(r[1] for r in again if r[5] == str(street.pk)) == old_account != NEW_ACCOUNT

    # January: two amounts changed back to December, the failed payment retried, the new account paid
    household_programme = [e for e in enrolled if e.person_id is None and e.pk != street.pk]
    raised, cut = household_programme[0], household_programme[1]
    _change_back_dated(raised, RAISE)
    _change_back_dated(cut, -CUT)
    january = _generate(county, xincheng, JANUARY)
    adjustments = dict(
        PayrollLine.objects.filter(payroll=january, kind="adjustment").values_list("enrolment_id", "amount")
    )
    assert adjustments == {raised.pk: RAISE, cut.pk: -CUT}
    retried = PayrollLine.objects.filter(payroll=january, kind="retry").values_list("enrolment_id", flat=True)
    assert list(retried) == [int(failed_reference)]
    _act(county, january, "submit")
    _act(checker, january, "approve")
    january.refresh_from_db()
    _, details = _bank_file(checker, january)
    assert next(r[1] for r in details if r[5] == str(street.pk)) == NEW_ACCOUNT
    out["january"] = _payroll_figures(checker, users["checker"], january)

    # the applicant portal's payment list of the demo account (approved payrolls of the last 12 months)
    account = PortalAccount.objects.order_by("pk").first()
    if account is not None:
        listed = entitlement_list(account=account, today=dt.date(2027, 1, 20))
        out["portal"] = [
            [str(p.payroll_month), p.programme, p.kind, str(p.amount), p.status] for p in listed.payments
        ] + [str(listed.received_total)]
    return out


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["MINZHENG_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 - our own console script
        [str(MINZHENG), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


DRIVER = """
import json
from django.test.utils import setup_test_environment
from minzheng.payments.tests.test_sqlite_month import demo_month
setup_test_environment()
print("RESULT " + json.dumps(demo_month(), ensure_ascii=False))
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_month_on_sqlite_matches_postgresql(tmp_path):
    # given the embedded database of `make run`: migrated, with the demo data
    for command in (("migrate", "--no-input", "-v0"), ("demo-setup", "--households", "300")):
        done = _run(*command, data_dir=tmp_path)
        assert done.returncode == 0, done.stderr
    # when December and January are walked through on SQLite
    walked = _run("shell", "-c", DRIVER, data_dir=tmp_path)
    assert walked.returncode == 0, walked.stderr
    on_sqlite = json.loads(
        next(line for line in walked.stdout.splitlines() if line.startswith("RESULT "))[7:]
    )
    # and on PostgreSQL, after the same demo-setup
    demo_setup(households=300)
    on_postgresql = demo_month()

    # then every figure is identical, to the fen
    assert on_sqlite == on_postgresql
    # and right: December pays each enrolment its amount, one payment failed
    december, january = on_postgresql["december"], on_postgresql["january"]
    enrolled = Enrolment.objects.filter(division__code__startswith="150102")
    total = enrolled.aggregate(total=Sum("monthly_amount"))["total"]
    assert december["count"] == enrolled.count() == len(december["bank"])
    assert Decimal(december["total"]) == total == sum(Decimal(row[2]) for row in december["bank"])
    failed = Decimal(december["bank"][0][2])
    paid = total - failed
    assert (
        december["result"] == f"回盘已导入：成功 {december['count'] - 1} 笔 {paid} 元，失败 1 笔 {failed} 元"
    )
    assert december["statuses"].count("failed") == 1
    # the statistics: the county's total row owes the payroll and has paid all of it but the failure
    total_row = december["statistics"]["month"]["areas"][-1]
    assert [total_row[0], Decimal(total_row[-2]), Decimal(total_row[-1])] == ["合计", total, paid]
    # January: every enrolment again with the raise and the cut, both back to December, and the retry
    assert Decimal(january["total"]) == total + 2 * RAISE - 2 * CUT + failed
    assert january["count"] == december["count"] + 2 + 1
    assert january["overpayments"] == []
