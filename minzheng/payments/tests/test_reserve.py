"""The township reserve fund (临时救助备用金): allocation, draw, settlement, top-up, a balance that never
goes negative (also with two draws at once on two connections), and the period report."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from minzheng.applications.models import Application
from minzheng.common.errors import PermissionDenied
from minzheng.payments import selectors, services
from minzheng.payments.errors import ReserveError, ReserveFundMissing, ReserveInsufficient
from minzheng.payments.models import ReserveEntry, ReserveFund

D = Decimal


def temporary_application(household: Any, township: Any, number: str = "LS2026000001") -> Application:
    return Application.objects.create(
        number=number,
        workflow="temporary_emergency",
        programme="temporary_assistance",
        household=household,
        applicant=household.head,
        division=township,
        channel="window",
        submitted_on=dt.date(2026, 3, 2),
        step="aid_paid",
    )


@pytest.mark.django_db
def test_ledger_allocate_draw_settle_top_up_and_report(users, divisions, household_factory):
    street = divisions["street"]
    application = temporary_application(household_factory(), street)
    services.reserve_allocate(
        actor=users["county"], township=street, amount=D("1000"), allocated_on=dt.date(2026, 1, 5)
    )

    draw = services.reserve_draw(
        actor=users["caseworker"],
        township=street,
        application=application,
        amount=D("300"),
        drawn_on=dt.date(2026, 3, 2),
    )
    with pytest.raises(ReserveInsufficient) as refused:
        services.reserve_draw(
            actor=users["caseworker"],
            township=street,
            application=application,
            amount=D("800"),
            drawn_on=dt.date(2026, 3, 3),
        )
    settlement = services.reserve_settle(
        actor=users["county"], draw_id=draw.pk, settled_on=dt.date(2026, 3, 20)
    )
    with pytest.raises(ReserveError) as twice:
        services.reserve_settle(actor=users["county"], draw_id=draw.pk, settled_on=dt.date(2026, 3, 21))
    services.reserve_allocate(
        actor=users["county"], township=street, amount=D("500"), top_up=True, allocated_on=dt.date(2026, 4, 1)
    )

    assert (
        refused.value.message
        == "海拉尔东路街道临时救助备用金余额不足：当前余额 700.00 元，本次支出 800.00 元"
    )
    assert twice.value.message == "该笔支出已归垫，不能重复归垫"
    assert (draw.balance_after, settlement.balance_after, settlement.amount) == (
        D("700.00"),
        D("1000.00"),
        D("300.00"),
    )
    assert ReserveFund.objects.get(township=street).balance == D("1500.00")
    report = selectors.reserve_report(
        actor=users["reviewer"],
        township_id=street.pk,
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31),
    )
    assert (report.opening, report.inflow, report.outflow, report.closing) == (
        D("1000.00"),
        D("300.00"),
        D("300.00"),
        D("1000.00"),
    )
    assert [e.kind for e in report.entries] == ["draw", "settlement"]


@pytest.mark.django_db
def test_draw_refusals_write_nothing(users, divisions, household_factory):
    street = divisions["street"]
    application = temporary_application(household_factory(), street)
    with pytest.raises(ReserveFundMissing) as missing:
        services.reserve_draw(
            actor=users["caseworker"],
            township=street,
            application=application,
            amount=D("100"),
            drawn_on=dt.date(2026, 3, 2),
        )
    assert missing.value.message == "海拉尔东路街道 尚未设立临时救助备用金，请先由旗县民政部门拨付"
    services.reserve_allocate(
        actor=users["county"], township=street, amount=D("100"), allocated_on=dt.date(2026, 1, 5)
    )
    with pytest.raises(PermissionDenied):
        services.reserve_draw(
            actor=users["taibus_caseworker"],
            township=street,
            application=application,
            amount=D("10"),
            drawn_on=dt.date(2026, 3, 2),
        )
    with pytest.raises(ReserveError):
        services.reserve_draw(
            actor=users["caseworker"],
            township=street,
            application=application,
            amount=D("0"),
            drawn_on=dt.date(2026, 3, 2),
        )
    with pytest.raises(PermissionDenied):
        services.reserve_allocate(
            actor=users["caseworker"], township=street, amount=D("10"), allocated_on=dt.date(2026, 1, 5)
        )
    assert ReserveEntry.objects.count() == 1
    # the database backs the rule: the stored balance cannot go below zero
    with pytest.raises(IntegrityError), transaction.atomic():
        ReserveFund.objects.filter(township=street).update(balance=D("-0.01"))


@pytest.mark.django_db
def test_draw_inside_the_callers_transaction_rolls_back_with_it(users, divisions, household_factory):
    street = divisions["street"]
    application = temporary_application(household_factory(), street)
    services.reserve_allocate(
        actor=users["county"], township=street, amount=D("100"), allocated_on=dt.date(2026, 1, 5)
    )

    def caller_step_fails() -> None:
        with transaction.atomic():
            services.reserve_draw(
                actor=users["caseworker"],
                township=street,
                application=application,
                amount=D("60"),
                drawn_on=dt.date(2026, 3, 2),
            )
            raise RuntimeError("the caller's step failed")

    with pytest.raises(RuntimeError):
        caller_step_fails()
    assert ReserveFund.objects.get(township=street).balance == D("100.00")


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


@pytest.mark.django_db(transaction=True)
def test_two_draws_at_once_never_overdraw(users, make_user, divisions, household_factory):
    # given: 1,000 yuan and two caseworkers each drawing 600 at the same moment
    street = divisions["street"]
    other = make_user("caseworker2", "township_caseworker", street)
    first = temporary_application(household_factory(head_name="甲某"), street, "LS2026000001")
    second = temporary_application(household_factory(head_name="乙某"), street, "LS2026000002")
    services.reserve_allocate(
        actor=users["county"], township=street, amount=D("1000"), allocated_on=dt.date(2026, 1, 5)
    )

    def draw(actor: Any, application: Application) -> Callable[[], ReserveEntry]:
        return lambda: services.reserve_draw(
            actor=actor,
            township=street,
            application=application,
            amount=D("600"),
            drawn_on=dt.date(2026, 3, 2),
        )

    # when
    outcomes = race(draw(users["caseworker"], first), draw(other, second))

    # then
    drawn = [o for o in outcomes if isinstance(o, ReserveEntry)]
    refused = [o for o in outcomes if isinstance(o, ReserveInsufficient)]
    assert (len(drawn), len(refused)) == (1, 1), outcomes
    assert (
        refused[0].message == "海拉尔东路街道临时救助备用金余额不足：当前余额 400.00 元，本次支出 600.00 元"
    )
    assert ReserveFund.objects.get(township=street).balance == D("400.00")
    assert ReserveEntry.objects.filter(kind="draw").count() == 1
