"""Reads of payments, always scoped to the actor's jurisdiction (ADR 0006).

A payroll belongs to a county; county users and above see the payrolls of their subtree, township users
see their county's payrolls but only their own township's lines and totals.
(The statistics page is ``minzheng.statistics``, ADR 0023.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable

from minzheng.accounts.models import User
from minzheng.common.errors import NotFound
from minzheng.common.money import yuan
from minzheng.common.months import add_months, month_start
from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment
from minzheng.payments import sqlnames as n
from minzheng.payments.models import (
    INFLOWS,
    Payroll,
    PayrollLine,
    ReserveEntry,
    ReserveFund,
)
from minzheng.payments.rules import PaymentStatus, PayrollStatus, ReserveEntryKind
from minzheng.payments.sqlportable import calendar, fen, from_fen
from minzheng.policy.rules import PROGRAMMES

PROGRAMME_NAMES = {p.code: p.name for p in PROGRAMMES}
ZERO = Decimal("0.00")


def _prefix(actor: User) -> str:
    return actor.scope_prefix or ""


class _TownshipTotalsIterable(ModelIterable):
    """Payrolls whose ``line_count``/``total_amount`` are the township's share, not the county's: the list
    page, the API and the export read those two fields, so a township user must never get the county-wide
    figures in them (issue 16). Only ever given to township and village actors, who cannot write payrolls."""

    def __iter__(self) -> Iterator[Payroll]:
        for payroll in super().__iter__():
            payroll.line_count = payroll.township_line_count
            payroll.total_amount = payroll.township_total_amount
            yield payroll


def _township_totals(payrolls: QuerySet[Payroll], prefix: str) -> QuerySet[Payroll]:
    lines = PayrollLine.objects.filter(payroll=OuterRef("pk"), township__code__startswith=prefix)
    count = lines.order_by().values("payroll").annotate(n=Count("pk")).values("n")
    amount = lines.order_by().values("payroll").annotate(s=Sum("amount")).values("s")
    # A "generating" payroll's parts are not the payroll yet: 0, like the county's ``line_count`` then.
    generating = Q(status=PayrollStatus.GENERATING)
    payrolls = payrolls.annotate(
        township_line_count=Case(When(generating, then=Value(0)), default=Coalesce(Subquery(count), 0)),
        township_total_amount=Case(
            When(generating, then=Value(ZERO)), default=Coalesce(Subquery(amount), Value(ZERO))
        ),
    )
    payrolls._iterable_class = _TownshipTotalsIterable
    return payrolls


def payroll_visible(actor: User) -> QuerySet[Payroll]:
    """County and above: the payrolls of their subtree; a township or village: its county's payrolls, with
    the line count and total of its own lines only."""
    prefix = _prefix(actor)
    if not getattr(actor, "is_authenticated", False) or not prefix:
        return Payroll.objects.none()
    if len(prefix) > 6:
        return _township_totals(Payroll.objects.filter(county__code=prefix[:6] + "000000"), prefix)
    return Payroll.objects.filter(county__code__startswith=prefix)


@dataclass(frozen=True)
class PayrollFilters:
    month: dt.date | None = None
    county_code: str = ""
    status: str = ""


def payroll_list(*, actor: User, filters: PayrollFilters | None = None) -> QuerySet[Payroll]:
    filters = filters or PayrollFilters()
    payrolls = payroll_visible(actor).select_related("county", "generated_by", "approved_by")
    if filters.month:
        payrolls = payrolls.filter(month=month_start(filters.month))
    if filters.county_code:
        payrolls = payrolls.filter(county__code__startswith=filters.county_code.strip())
    if filters.status:
        payrolls = payrolls.filter(status=filters.status)
    return payrolls.order_by("-month", "county__code")


def payroll_get(*, actor: User, pk: int) -> Payroll:
    payroll = payroll_list(actor=actor).filter(pk=pk).first()
    if payroll is None:
        raise NotFound("发放批次不存在或不在您的管辖范围内", code="payroll_not_found")
    return payroll


def payroll_lines_ready(*, actor: User, payroll: Payroll) -> QuerySet[PayrollLine]:
    """The payroll's lines the actor may see (a township user: its township's) — none while the payroll is
    "generating": a first generation commits its regular lines in parts before the payroll is complete
    (``services.payroll_generate``), and a stopped one leaves a part until it is regenerated. Every page,
    export and figure of one payroll's lines reads them through here."""
    if payroll.status == PayrollStatus.GENERATING:
        return PayrollLine.objects.none()
    return PayrollLine.objects.visible_to(actor).filter(payroll=payroll)


def payroll_lines(
    *, actor: User, payroll: Payroll, search: str = "", kind: str = "", status: str = "", sort: str = ""
) -> QuerySet[PayrollLine]:
    """The payroll's lines the actor may see (a township user: its township's), with head and village."""
    lines = payroll_lines_ready(actor=actor, payroll=payroll).select_related(
        "household__head", "household__hukou_division", "township", "enrolment__person"
    )
    search = search.strip()
    if search.isdigit():
        lines = lines.filter(enrolment_id=int(search))
    elif search:
        lines = lines.filter(
            Q(household__head__name__startswith=search) | Q(enrolment__person__name__startswith=search)
        )
    if kind:
        lines = lines.filter(kind=kind)
    if status:
        lines = lines.filter(payment_status=status)
    order = {"amount": ["-amount", "id"], "month": ["entitlement_month", "id"]}.get(
        sort, ["township__code", "enrolment_id", "id"]
    )
    return lines.order_by(*order)


@dataclass(frozen=True)
class TotalRow:
    programme: str
    programme_name: str
    township: str
    lines: int
    regular: Decimal
    adjustment: Decimal
    retry: Decimal
    total: Decimal


def payroll_totals(*, actor: User, payroll: Payroll) -> list[TotalRow]:
    """Totals by programme and township (one GROUP BY), township ``""`` = all townships of a programme."""
    lines = payroll_lines_ready(actor=actor, payroll=payroll)
    by = lines.values("programme", "township__name").annotate(
        n=Count("id"),
        regular=Sum("amount", filter=Q(kind="regular"), default=ZERO),
        adjustment=Sum("amount", filter=Q(kind="adjustment"), default=ZERO),
        retry=Sum("amount", filter=Q(kind="retry"), default=ZERO),
        total=Sum("amount", default=ZERO),
    )
    rows = [
        TotalRow(
            r["programme"],
            PROGRAMME_NAMES.get(r["programme"], r["programme"]),
            r["township__name"],
            r["n"],
            yuan(r["regular"]),
            yuan(r["adjustment"]),
            yuan(r["retry"]),
            yuan(r["total"]),
        )
        for r in by
    ]
    return sorted(rows, key=lambda r: (r.programme, r.township))


def payroll_summary(rows: list[TotalRow]) -> TotalRow:
    def total(name: str) -> Decimal:
        return sum((getattr(r, name) for r in rows), ZERO)

    return TotalRow(
        "",
        "合计",
        "",
        sum(r.lines for r in rows),
        total("regular"),
        total("adjustment"),
        total("retry"),
        total("total"),
    )


def payroll_status_counts(*, actor: User, payroll: Payroll) -> dict[str, int]:
    rows = payroll_lines_ready(actor=actor, payroll=payroll).values("payment_status").annotate(n=Count("id"))
    return {r["payment_status"]: r["n"] for r in rows}


@dataclass(frozen=True)
class SnapshotChanges:
    lines: int
    payments: int  # enrolments


def payroll_snapshot_changes(*, actor: User, payroll: Payroll) -> SnapshotChanges:
    """Lines whose payee snapshot (head's name, bank account by its blind index) no longer matches the
    household in the registry: shown to the checker before approval — the payroll pays the snapshot, so a
    changed account is paid only after the payroll is sent back and regenerated (issue 16 §2, ADR 0022).
    One aggregate query, scoped."""
    changed = (
        payroll_lines_ready(actor=actor, payroll=payroll)
        .exclude(
            bank_account_index=F("household__bank_account_index"),
            payee_name=Coalesce(F("household__head__name"), Value("")),
        )
        .aggregate(lines=Count("id"), payments=Count("enrolment_id", distinct=True))
    )
    return SnapshotChanges(changed["lines"], changed["payments"])


_OUTSTANDING_SQL = f"""
WITH calendar(m) AS (VALUES {{calendar}}),
enr AS (
    SELECT e.id, e.ends_month FROM {n.ENROLMENT} e JOIN {n.DIVISION} d ON d.id = e.division_id
    WHERE d.code LIKE %(prefix)s
),
owed AS (
    SELECT p.enrolment_id, c.m, {fen("p.monthly_amount")} AS owed, 0 AS booked
    FROM {n.PERIOD} p JOIN enr ON enr.id = p.enrolment_id
    JOIN calendar c ON c.m >= p.from_month AND (p.until_month IS NULL OR c.m < p.until_month)
     AND (enr.ends_month IS NULL OR c.m <= enr.ends_month)
),
booked AS (
    SELECT l.enrolment_id, l.entitlement_month AS m, 0 AS owed, {fen("l.amount")} AS booked
    FROM {n.LINE} l JOIN enr ON enr.id = l.enrolment_id
    JOIN {n.PAYROLL} p ON p.id = l.payroll_id
    WHERE l.entitlement_month >= %(first)s AND l.entitlement_month < %(until)s
      AND ((p.status = '{n.APPROVED}' AND l.payment_status <> '{n.FAILED}') OR l.payroll_id = %(payroll)s)
)
SELECT enrolment_id, sum(booked) - sum(owed) AS overpaid
FROM (SELECT * FROM owed UNION ALL SELECT * FROM booked) x
GROUP BY enrolment_id
HAVING sum(booked) - sum(owed) > 0
ORDER BY enrolment_id
"""


@dataclass(frozen=True)
class Overpayment:
    enrolment_id: int
    name: str
    programme: str
    status: str
    amount: Decimal


def payroll_overpayments(*, actor: User, payroll: Payroll) -> list[Overpayment]:
    """What was paid beyond what is owed, up to and including this payroll's month, and not yet deducted:
    the part of a back-dated decrease or end that the payroll could not carry because a recipient's net
    never goes below zero (ADR 0018). The next payroll deducts it from a continuing enrolment; for an ended
    one it is to be recovered outside the payroll (《社会救助暂行办法》第 68 条). One query, scoped; none
    while the payroll is "generating" (``payroll_lines_ready``)."""
    if payroll.status == PayrollStatus.GENERATING:
        return []
    first = (
        payroll_visible(actor).filter(county=payroll.county).order_by("month").values_list("month", flat=True)
    )
    params: dict[str, Any] = {
        "prefix": f"{_prefix(actor)}%" if _prefix(actor) else "-",
        "payroll": payroll.pk,
        "first": first[0] if first else payroll.month,
        "until": add_months(payroll.month, 1),
    }
    months, calendar_params = calendar(params["first"], params["until"])
    with connection.cursor() as cursor:
        cursor.execute(_OUTSTANDING_SQL.replace("{calendar}", months), {**params, **calendar_params})
        amounts = {enrolment: from_fen(overpaid) for enrolment, overpaid in cursor.fetchall()}
    enrolments = Enrolment.objects.filter(pk__in=amounts).select_related("household__head", "person")
    return [
        Overpayment(
            e.pk,
            e.person.name if e.person else (e.household.head.name if e.household.head else ""),
            PROGRAMME_NAMES.get(e.programme, e.programme),
            e.get_status_display(),
            amounts[e.pk],
        )
        for e in sorted(enrolments, key=lambda e: e.pk)
    ]


# --- reserve funds ---------------------------------------------------------------------------------------


def reserve_fund_list(*, actor: User) -> QuerySet[ReserveFund]:
    return ReserveFund.objects.visible_to(actor).select_related("township").order_by("township__code")


def reserve_townships(*, actor: User) -> QuerySet[Division]:
    return Division.objects.visible_to(actor).filter(level=4, abolished_on__isnull=True).order_by("code")


@dataclass(frozen=True)
class ReserveReport:
    fund: ReserveFund
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    inflow: Decimal
    outflow: Decimal
    closing: Decimal
    by_kind: dict[str, Decimal]
    entries: list[ReserveEntry] = field(default_factory=list)


def reserve_report(*, actor: User, township_id: int, date_from: dt.date, date_to: dt.date) -> ReserveReport:
    """Opening balance, money in and out, closing balance for a period (one conditional aggregate), with
    the period's entries. Opening = everything recorded before ``date_from``."""
    fund = reserve_fund_list(actor=actor).filter(township_id=township_id).first()
    if fund is None:
        raise NotFound("该乡镇（街道）尚未设立备用金，或不在您的管辖范围内", code="reserve_fund_not_found")
    signed = {kind: (1 if kind in INFLOWS else -1) for kind in ReserveEntryKind}
    entries = ReserveEntry.objects.filter(fund=fund)
    before = Q(entry_date__lt=date_from)
    within = Q(entry_date__gte=date_from, entry_date__lte=date_to)
    sums = entries.aggregate(
        **{f"before_{k}": Sum("amount", filter=before & Q(kind=k), default=ZERO) for k in ReserveEntryKind},
        **{f"in_{k}": Sum("amount", filter=within & Q(kind=k), default=ZERO) for k in ReserveEntryKind},
    )
    sums = {key: yuan(value) for key, value in sums.items()}
    opening = sum((signed[k] * sums[f"before_{k}"] for k in ReserveEntryKind), ZERO)
    by_kind = {k.value: sums[f"in_{k}"] for k in ReserveEntryKind}
    inflow = sum((by_kind[k] for k in INFLOWS), ZERO)
    outflow = by_kind[ReserveEntryKind.DRAW]
    listed = list(
        entries.filter(within).select_related("application", "recorded_by").order_by("entry_date", "id")
    )
    return ReserveReport(
        fund, date_from, date_to, opening, inflow, outflow, opening + inflow - outflow, by_kind, listed
    )


def reserve_open_draws(*, actor: User, township_id: int) -> QuerySet[ReserveEntry]:
    return (
        ReserveEntry.objects.visible_to(actor)
        .filter(fund__township_id=township_id, kind=ReserveEntryKind.DRAW, settled_by__isnull=True)
        .select_related("application")
        .order_by("entry_date", "id")
    )


def payment_status_label(status: str) -> str:
    return PaymentStatus(status).label
