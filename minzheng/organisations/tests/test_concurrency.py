"""Two registrars concluding the same report at once (two real PostgreSQL connections released together):
exactly one conclusion, one event row; the other gets “已被他人处理”."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minzheng.common.errors import Conflict
from minzheng.organisations.models import AnnualReport, ReportEvent
from minzheng.organisations.services.accounts import account_set
from minzheng.organisations.services.reports import inspection_year_open, report_save, report_transition

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=5)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_registrars_conclude_at_once_one_wins(make_org, org_users):
    organisation = make_org(supervised=False)
    account = account_set(actor=org_users["registrar"], organisation_id=organisation.pk, password="Zuzhi@2026x",
                          phone="")  # fmt: skip
    inspection_year_open(actor=org_users["registrar"], year=2025)
    report = AnnualReport.objects.get(organisation=organisation)
    report_save(account=account, report_id=report.pk, data={"total_income": "1", "total_expense": "1",
                                                             "net_assets": "1", "activities": "活动"})  # fmt: skip
    report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)

    def conclude(user_key: str, conclusion: str) -> Callable[[], Any]:
        return lambda: report_transition(report_id=report.pk, action="conclude", expected_status="awaiting_review",
                                         actor=org_users[user_key], conclusion=conclusion, note="理由")  # fmt: skip

    outcomes = race(conclude("registrar", "qualified"), conclude("registrar2", "unqualified"))
    winners = [o for o in outcomes if isinstance(o, AnnualReport)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert "已被他人处理" in losers[0].message
    report.refresh_from_db()
    assert report.conclusion == winners[0].conclusion
    assert ReportEvent.objects.filter(report=report, action="conclude").count() == 1
