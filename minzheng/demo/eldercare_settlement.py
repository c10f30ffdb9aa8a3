"""Demo data of eldercare: settlement (issue 17). Idempotent; seconds, not minutes.

Settles the previous month's confirmed orders of the demo county's busiest provider (the orders demo writes
them): the county approver makes the statement, the second county approver (``checker``) approves it, so
the demo shows an approved statement ready for its bank file. Nothing to do when there are no orders."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.common.months import add_months, month_label, month_start
from minzheng.demo.accounts import COUNTY_CODE
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import OrderStatus
from minzheng.eldercare.models import Provider, ServiceOrder, Settlement
from minzheng.eldercare.rules.settlement import SettlementStatus
from minzheng.eldercare.services.settlement import (
    month_bounds,
    settlement_approve,
    settlement_generate,
    settlement_submit,
)


def demo_ensure() -> list[str]:
    """What this part adds to the demo; returns notes for the demo-setup output."""
    county = Division.objects.filter(code=COUNTY_CODE).first()
    maker = User.objects.filter(username="county").first()
    checker = User.objects.filter(username="checker").first()
    if county is None or maker is None or checker is None:
        return []
    month = add_months(month_start(timezone.localdate()), -1)
    start, until = month_bounds(month)
    busiest = (
        ServiceOrder.objects.filter(
            division__code__startswith=COUNTY_CODE[:6],
            status=OrderStatus.CONFIRMED,
            check_out_at__gte=start,
            check_out_at__lt=until,
        )
        .values("provider")
        .annotate(n=Count("id"))
        .order_by("-n", "provider")
        .first()
    )
    if busiest is None:
        return [f"养老服务结算：{month_label(month)}没有已确认的服务订单，未生成结算单"]
    provider = Provider.objects.get(pk=busiest["provider"])
    statement = Settlement.objects.filter(provider=provider, county=county, month=month).first()
    if statement is None or statement.status == SettlementStatus.DRAFT:
        settlement_generate(actor=maker, county=county, month=month, provider=provider)
        statement = Settlement.objects.get(provider=provider, county=county, month=month)
        settlement_submit(actor=maker, settlement_id=statement.pk)
        settlement_approve(actor=checker, settlement_id=statement.pk)
        statement.refresh_from_db()
    return [
        f"养老服务结算：{provider.name}{month_label(month)}结算单 {statement.number}"
        f"（{statement.get_status_display()}，{statement.line_count} 笔，{statement.total_amount} 元）"
    ]
