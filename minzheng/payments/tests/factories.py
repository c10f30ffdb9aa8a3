"""Enrolments and entitlement periods written directly with the ORM (the payments tests do not depend on
the enrolment services), and a helper that walks a payroll to approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from minzheng.enrolments.models import Enrolment, EntitlementPeriod
from minzheng.payments import services
from minzheng.payments.models import Payroll, PayrollLine


def month(year: int, number: int) -> dt.date:
    return dt.date(year, number, 1)


def enrol(
    household: Any,
    township: Any,
    amount: str,
    starts: dt.date,
    *,
    until: dt.date | None = None,
    programme: str = "dibao",
    status: str = "active",
    person: Any = None,
    ends: dt.date | None = None,
    level: str = "",
) -> Enrolment:
    enrolment = Enrolment.objects.create(
        programme=programme,
        household=household,
        person=person,
        division=township,
        source="application",
        status=status,
        starts_month=starts,
        ends_month=ends,
        monthly_amount=Decimal(amount),
        level=level,
    )
    period(enrolment, amount, starts, until)
    return enrolment


def period(
    enrolment: Enrolment, amount: str, starts: dt.date, until: dt.date | None = None
) -> EntitlementPeriod:
    return EntitlementPeriod.objects.create(
        enrolment=enrolment,
        from_month=starts,
        until_month=until,
        monthly_amount=Decimal(amount),
        reason="测试",
    )


def approve(payroll: Payroll, maker: Any, checker: Any) -> Payroll:
    services.payroll_submit(actor=maker, payroll_id=payroll.pk)
    return services.payroll_approve(actor=checker, payroll_id=payroll.pk)


def lines_of(payroll: Payroll) -> list[tuple[int, str, dt.date, Decimal]]:
    """(enrolment, kind, entitlement month, amount), sorted: what a payroll pays, without ids."""
    return sorted(
        PayrollLine.objects.filter(payroll=payroll).values_list(
            "enrolment_id", "kind", "entitlement_month", "amount"
        )
    )
