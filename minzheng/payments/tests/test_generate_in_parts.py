"""A first generation on PostgreSQL writes its regular lines in two parts on two connections, each
committed on its own (issue 21): until the last step the payroll is "generating" — no one sees its lines,
it cannot be submitted — and a run that stops between the parts is redone by the next generation with
exactly the lines of an uninterrupted run: no duplicate, no gap."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from minzheng.enrolments.models import EntitlementPeriod
from minzheng.payments import exports, generation, selectors, services
from minzheng.payments.errors import PayrollInvalid, PayrollTransitionNotAllowed
from minzheng.payments.models import Payroll, PayrollLine
from minzheng.payments.rules import PayrollStatus

from .factories import approve, enrol, month, period

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="parts only on PostgreSQL"),
]

JAN, FEB = month(2026, 1), month(2026, 2)
_FIELDS = [f.attname for f in PayrollLine._meta.concrete_fields if f.attname not in ("id", "payroll_id")]


class Stopped(Exception):
    """The simulated crash."""


def _lines(payroll: Payroll) -> list[tuple[Any, ...]]:
    """Every column of the payroll's lines except the ids, sorted: what an uninterrupted run writes."""
    return sorted(PayrollLine.objects.filter(payroll=payroll).values_list(*_FIELDS), key=repr)


def _forget(payroll: Payroll) -> None:
    PayrollLine.objects.filter(payroll=payroll).delete()
    payroll.delete()


def _this_connection() -> bool:
    return threading.current_thread() is threading.main_thread()


def _stop_in_part(monkeypatch: pytest.MonkeyPatch, stopped: int) -> None:
    """Part ``stopped`` (0: the one on this connection, 1: the other's) raises once it has written its
    lines, before its commit; the other part runs."""
    run = generation.stage_run

    def stage_run(sql: str, **params: Any) -> int:
        written = run(sql, **params)
        if params.get("ids") and _this_connection() == (stopped == 0):
            raise Stopped
        return written

    monkeypatch.setattr(generation, "stage_run", stage_run)


@pytest.fixture
def county_households(divisions, household_factory):
    """Nine enrolments, so both parts have lines."""
    names = ("赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七", "王八", "冯九")
    return [
        enrol(household_factory(head_name=name), divisions["street"], f"{500 + 10 * i}.00", JAN)
        for i, name in enumerate(names)
    ]


def test_a_first_payroll_is_written_in_two_parts(users, divisions, county_households, monkeypatch):
    parts: list[tuple[bool, tuple[int, int], int]] = []
    run = generation.stage_run

    def stage_run(sql: str, **params: Any) -> int:
        written = run(sql, **params)
        if params.get("ids"):
            parts.append((_this_connection(), params["ids"], written))
        return written

    monkeypatch.setattr(generation, "stage_run", stage_run)

    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)

    # two ranges of ids covering the county's enrolments, one on this connection, one on another
    ids = sorted(e.pk for e in county_households)
    assert sorted(p[0] for p in parts) == [False, True]
    (low, middle), (middle_too, high) = sorted(p[1] for p in parts)
    assert (low, middle_too, high) == (ids[0], middle, ids[-1] + 1)
    assert all(p[2] > 0 for p in parts)
    payroll.refresh_from_db()
    assert payroll.status == PayrollStatus.DRAFT
    assert payroll.line_count == 9
    assert payroll.total_amount == Decimal("4860.00")
    assert sorted(
        PayrollLine.objects.filter(payroll=payroll).values_list("enrolment_id", flat=True)
    ) == sorted(e.pk for e in county_households)


@pytest.mark.parametrize("stopped", [0, 1], ids=["this-connection-part", "other-connection-part"])
def test_a_run_stopped_between_parts_is_invisible_then_redone_exactly(
    users, make_user, divisions, county_households, monkeypatch, stopped
):
    county, maker = divisions["xincheng"], users["county"]
    uninterrupted = _lines(services.payroll_generate(actor=maker, county=county, month=JAN))
    _forget(Payroll.objects.get())

    _stop_in_part(monkeypatch, stopped)
    with pytest.raises(Stopped):
        services.payroll_generate(actor=maker, county=county, month=JAN)

    # the other part committed (part 1) or not (part 0, rolled back with the last step): either way the
    # payroll is "generating", and nothing of it is shown, totalled, exported or submittable
    payroll = Payroll.objects.get()
    committed = PayrollLine.objects.filter(payroll=payroll).count()
    assert payroll.status == PayrollStatus.GENERATING
    assert payroll.line_count == 0
    assert (committed > 0) == (stopped == 0), committed
    township_user = users["caseworker"]
    for actor in (maker, township_user):
        assert not selectors.payroll_lines(actor=actor, payroll=payroll).exists()
        assert selectors.payroll_totals(actor=actor, payroll=payroll) == []
        assert selectors.payroll_status_counts(actor=actor, payroll=payroll) == {}
        assert selectors.payroll_snapshot_changes(actor=actor, payroll=payroll).lines == 0
        assert selectors.payroll_overpayments(actor=actor, payroll=payroll) == []
    assert exports._roster_villages(maker, payroll) == {}
    listed = selectors.payroll_list(actor=township_user).get()
    assert (listed.line_count, listed.total_amount) == (0, Decimal("0.00"))
    with pytest.raises(PayrollTransitionNotAllowed):
        services.payroll_submit(actor=maker, payroll_id=payroll.pk)
    with pytest.raises(PayrollInvalid):  # months in order: the next waits for this one
        services.payroll_generate(actor=maker, county=county, month=FEB)

    monkeypatch.undo()
    rerun = services.payroll_generate(actor=maker, county=county, month=JAN)

    assert rerun.pk == payroll.pk
    rerun.refresh_from_db()
    assert rerun.status == PayrollStatus.DRAFT
    assert rerun.line_count == len(uninterrupted)
    assert _lines(rerun) == uninterrupted
    services.payroll_submit(actor=maker, payroll_id=rerun.pk)


def test_february_with_arrears_stopped_then_redone_exactly(
    users, make_user, divisions, county_households, monkeypatch
):
    # January approved; a raise back-dated to January for three enrolments: February pays arrears too
    county, maker = divisions["xincheng"], users["county"]
    checker = make_user("county2", "county_approver", county)
    approve(services.payroll_generate(actor=maker, county=county, month=JAN), maker, checker)
    for enrolment in county_households[:3]:
        EntitlementPeriod.objects.filter(enrolment=enrolment).delete()
        period(enrolment, "800.00", JAN)
    uninterrupted = _lines(services.payroll_generate(actor=maker, county=county, month=FEB))
    assert {row[_FIELDS.index("kind")] for row in uninterrupted} == {"regular", "adjustment"}
    _forget(Payroll.objects.get(month=FEB))

    _stop_in_part(monkeypatch, 0)
    with pytest.raises(Stopped):
        services.payroll_generate(actor=maker, county=county, month=FEB)
    monkeypatch.undo()
    assert Payroll.objects.get(month=FEB).status == PayrollStatus.GENERATING

    rerun = services.payroll_generate(actor=maker, county=county, month=FEB)

    assert _lines(rerun) == uninterrupted


def test_inside_a_callers_transaction_one_transaction(users, divisions, county_households):
    from django.db import transaction

    with transaction.atomic():
        assert not generation.parts_possible()
        payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.DRAFT
    assert connection.vendor == "postgresql"
