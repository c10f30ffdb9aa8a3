"""The entitlement list (幸福清单): 惠从何来、惠在何处、惠有多少 — what the signed-in person's own household
receives now and was paid in the last 12 months."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from minzheng.catalogue.programmes import label as programme_label
from minzheng.common.months import add_months, month_start
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.payments.models import PayrollLine
from minzheng.payments.rules import LineKind, PaymentStatus, PayrollStatus
from minzheng.portal import rules
from minzheng.portal.labels import label
from minzheng.portal.models import PortalAccount
from minzheng.portal.selectors.accounts import account_household_require, township_of


@dataclass(frozen=True)
class EntitlementRow:
    enrolment_id: int
    programme: str
    name: str
    person_name: str  # "" for the whole household
    monthly_amount: Decimal
    since: dt.date
    status: str
    status_label: str
    level: str


@dataclass(frozen=True)
class PaymentRow:
    payroll_month: dt.date
    entitlement_month: dt.date
    programme: str
    name: str
    kind: str
    kind_label: str
    amount: Decimal
    status: str
    status_label: str
    settled_on: dt.date | None


@dataclass
class ProgrammeTotal:
    programme: str
    name: str
    received: Decimal = Decimal("0.00")  # 已到账 / 已以其他方式发放
    pending: Decimal = Decimal("0.00")  # 待发放 / 发放失败 (to be paid again)
    months: set[dt.date] = field(default_factory=set)


@dataclass(frozen=True)
class EntitlementList:
    household_id: int
    township_name: str
    current: tuple[EntitlementRow, ...]
    monthly_total: Decimal
    payments: tuple[PaymentRow, ...]
    totals: tuple[ProgrammeTotal, ...]
    from_month: dt.date
    received_total: Decimal

    def payments_by_month(self) -> list[tuple[dt.date, list[PaymentRow]]]:
        grouped: dict[dt.date, list[PaymentRow]] = defaultdict(list)
        for row in self.payments:
            grouped[row.payroll_month].append(row)
        return sorted(grouped.items(), reverse=True)


RECEIVED = frozenset({PaymentStatus.PAID, PaymentStatus.PAID_OTHERWISE})
PENDING = frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED})


def _guide_position(programme: str) -> int:
    """Totals are listed in the guide's order; a code outside the catalogue last."""
    return rules.GUIDE_ORDER.index(programme) if programme in rules.GUIDE_ORDER else len(rules.GUIDE_ORDER)


def entitlement_list(*, account: PortalAccount, today: dt.date | None = None) -> EntitlementList:
    """惠从何来、惠在何处、惠有多少: the current enrolments of the account's own household and the payroll
    lines of approved payrolls of the last 12 months (this month and the 11 before), totals per programme.
    Raises ``NotYours`` when the account has no current household."""
    household = account_household_require(account=account)
    today = today or timezone.localdate()
    first = add_months(month_start(today), -11)
    enrolments = (
        Enrolment.objects.filter(
            household=household, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED]
        )
        .select_related("person")
        .order_by("programme", "id")
    )
    current = tuple(
        EntitlementRow(
            enrolment_id=e.pk,
            programme=e.programme,
            name=label(programme_label(e.programme)),
            person_name=e.person.name if e.person else "",
            monthly_amount=e.monthly_amount,
            since=e.starts_month,
            status=e.status,
            status_label=e.get_status_display(),
            level=e.level,
        )
        for e in enrolments
    )
    lines = (
        PayrollLine.objects.filter(
            household_id=household.pk, payroll__status=PayrollStatus.APPROVED, payroll__month__gte=first
        )
        .exclude(payment_status=PaymentStatus.OFFSET)
        .select_related("payroll")
        .order_by("-payroll__month", "programme", "-entitlement_month", "id")
    )
    payments = []
    totals: dict[str, ProgrammeTotal] = {}
    for line in lines:
        name = label(programme_label(line.programme))
        payments.append(
            PaymentRow(
                payroll_month=line.payroll.month,
                entitlement_month=line.entitlement_month,
                programme=line.programme,
                name=name,
                kind=line.kind,
                kind_label=LineKind(line.kind).label,
                amount=line.amount,
                status=line.payment_status,
                status_label=PaymentStatus(line.payment_status).label,
                settled_on=line.settled_on,
            )
        )
        total = totals.setdefault(line.programme, ProgrammeTotal(line.programme, name))
        if line.payment_status in RECEIVED:
            total.received += line.amount
            total.months.add(line.payroll.month)
        elif line.payment_status in PENDING:
            total.pending += line.amount
    ordered = tuple(sorted(totals.values(), key=lambda t: _guide_position(t.programme)))
    return EntitlementList(
        household_id=household.pk,
        township_name=township_of(household.hukou_division).name,
        current=current,
        monthly_total=sum(
            (r.monthly_amount for r in current if r.status == EnrolmentStatus.ACTIVE), Decimal("0.00")
        ),
        payments=tuple(payments),
        totals=ordered,
        from_month=first,
        received_total=sum((t.received for t in ordered), Decimal("0.00")),
    )
