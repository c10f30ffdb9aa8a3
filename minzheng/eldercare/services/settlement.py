"""Monthly provider settlement (issue 17 §7): generation and the status transitions.

``settlement_generate`` writes, in one transaction and set-based, the draft statement of every provider
with orders in the county and month (or of one provider): lines from the confirmed orders served in the
month, the excluded orders with their reasons, the totals. A draft is emptied and regenerated, so a re-run
gives the same statement; submitted, approved and later statements are left alone (locked).
``settlement_transition`` moves a statement along ``rules.settlement.TRANSITIONS`` with a locked
compare-and-set, a ``SettlementEvent`` and an audit event; approval and sending back need a second person.

Who: the maker holds MANAGE_ELDERCARE at the county (or above); the checker is another user whose
jurisdiction covers the county and who holds MANAGE_ELDERCARE or MANAGE_PAYMENTS (the county's civil-
affairs approver or its payments officer). Township staff hold MANAGE_ELDERCARE but not the county.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.months import month_label, month_start, next_month
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.eldercare.models import (
    Provider,
    Settlement,
    SettlementEvent,
    SettlementExclusion,
    SettlementLine,
)
from minzheng.eldercare.rules import settlement as rules
from minzheng.eldercare.rules.settlement import SettlementStatus
from minzheng.eldercare.services import settlement_sql as sql


class SettlementLocked(Conflict):
    code = "settlement_locked"


class SettlementTransitionNotAllowed(Conflict):
    code = "settlement_transition_not_allowed"


class MakerIsChecker(ValidationFailed):
    code = "maker_is_checker"
    http_status = 403


class SettlementInvalid(ValidationFailed):
    code = "settlement_invalid"


CHECKER_CAPABILITIES = (Capability.MANAGE_ELDERCARE, Capability.MANAGE_PAYMENTS)


def _require_any(actor: User, *capabilities: Capability) -> None:
    if not any(actor.can(c) for c in capabilities):
        raise PermissionDenied("您的角色无权办理养老服务结算", code="forbidden")


def _require_county(actor: User, county: Division) -> None:
    if county.level != Level.COUNTY:
        raise SettlementInvalid(f"结算单按旗县（市区）编制，{county.name} 不是旗县级区划", field="county")
    prefix = actor.scope_prefix
    if not prefix or not county.code.startswith(prefix):
        raise PermissionDenied(
            f"{county.name} 不在您的管辖范围内，或须由旗县级人员编制结算单", code="forbidden"
        )


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) instants in the bureau's time zone (a service ending at 23:30 on the last
    day belongs to that month)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(month_start(month), dt.time(), tzinfo=zone)
    until = dt.datetime.combine(next_month(month), dt.time(), tzinfo=zone)
    return start, until


@dataclass
class GenerationResult:
    month: dt.date
    county: Division
    settlements: list[Settlement] = field(default_factory=list)
    skipped: list[Settlement] = field(default_factory=list)  # not draft: left as they are
    lines: int = 0
    exclusions: int = 0


def settlement_generate(
    *, actor: User, county: Division, month: dt.date, provider: Provider | None = None
) -> GenerationResult:
    """Generate (or regenerate, while draft) the statements of ``county`` for ``month``.

    One transaction: the headers are created (unique per provider, county and month; a concurrent run
    waits on their row locks), the drafts are locked and emptied, then three statements write the lines,
    the exclusions and the totals. An order already on any statement is never taken again (NOT EXISTS and
    the UNIQUE order of a line)."""
    _require_any(actor, Capability.MANAGE_ELDERCARE)
    _require_county(actor, county)
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise SettlementInvalid(f"{month_label(month)}尚未结束，月末后方可结算", field="month")
    start, until = month_bounds(month)
    provider_id = provider.pk if provider is not None else 0
    values = sql.params(county=county, month=month, start=start, until=until, provider_id=provider_id)
    result = GenerationResult(month=month, county=county)
    with transaction.atomic():
        _headers_ensure(actor, county, month, sql.providers_with_orders(values))
        scope = Settlement.objects.filter(county=county, month=month)
        if provider is not None:
            scope = scope.filter(provider=provider)
        locked = list(scope.select_for_update().order_by("id"))
        drafts = [s for s in locked if s.status in rules.REGENERABLE]
        result.skipped = [s for s in locked if s.status not in rules.REGENERABLE]
        draft_ids = [s.pk for s in drafts]
        SettlementLine.objects.filter(settlement_id__in=draft_ids).delete()
        SettlementExclusion.objects.filter(settlement_id__in=draft_ids).delete()
        result.lines, result.exclusions = sql.lines_write(values)
        _totals_store(actor, drafts, sql.totals(values))
        result.settlements = drafts
        event_record(
            actor=actor,
            verb="eldercare.settlement.generate",
            object_type="eldercare_settlement_month",
            object_id=f"{county.code[:6]}-{month:%Y%m}",
            division_code=county.code,
            summary=f"生成{county.name}{month_label(month)}养老服务结算单 {len(drafts)} 张："
            f"{result.lines} 笔订单，{result.exclusions} 笔未结算",
            data={"settlements": draft_ids, "skipped": [s.pk for s in result.skipped]},
        )
    return result


def _headers_ensure(actor: User, county: Division, month: dt.date, provider_ids: list[int]) -> None:
    """A draft header per provider that has orders in the month (created once: ignore_conflicts on the
    unique provider × county × month; the payee is copied from the provider)."""
    now = timezone.now()
    providers = Provider.objects.in_bulk(provider_ids)
    known = set(Settlement.objects.filter(county=county, month=month).values_list("provider_id", flat=True))
    Settlement.objects.bulk_create(
        [
            Settlement(
                number=rules.settlement_number(county.code, month, pid),
                provider_id=pid,
                county=county,
                month=month,
                made_by=actor,
                made_at=now,
            )
            for pid in provider_ids
            if pid in providers
        ],
        ignore_conflicts=True,
    )
    if set(provider_ids) - known and connection.vendor == "postgresql":
        # The month's new headers: fresh statistics, or the planner takes the statements table for empty
        # and joins a million orders to the catalogue by nested loops (measured: bench/eldercare.py).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Settlement._meta.db_table}")


def _totals_store(actor: User, drafts: list[Settlement], totals: dict[int, tuple[Any, ...]]) -> None:
    now = timezone.now()
    providers = Provider.objects.in_bulk({s.provider_id for s in drafts})
    for statement in drafts:
        count, amount, co_payment, subsidy, excluded = totals.get(statement.pk, (0, 0, 0, 0, 0))
        payee = providers[statement.provider_id]
        statement.line_count, statement.excluded_count = count, excluded
        statement.service_amount, statement.co_payment_total, statement.total_amount = (
            amount,
            co_payment,
            subsidy,
        )
        statement.payee_name = payee.bank_account_name or payee.name
        statement.bank_name = payee.bank_name
        statement.bank_account_encrypted = payee.bank_account_encrypted
        statement.bank_account_index = payee.bank_account_index
        statement.bank_account_masked = payee.bank_account_masked
        statement.made_by, statement.made_at, statement.rejected_reason = actor, now, ""
    Settlement.objects.bulk_update(
        drafts,
        [
            "line_count",
            "excluded_count",
            "service_amount",
            "co_payment_total",
            "total_amount",
            "payee_name",
            "bank_name",
            "bank_account_encrypted",
            "bank_account_index",
            "bank_account_masked",
            "made_by",
            "made_at",
            "rejected_reason",
        ],
    )


# --- transitions -----------------------------------------------------------------------------------------


def settlement_locked_get(actor: User, settlement_id: int) -> Settlement:
    """The statement, row-locked, if it is in the actor's jurisdiction."""
    statement = (
        Settlement.objects.select_for_update(of=("self",))
        .select_related("county", "provider")
        .filter(pk=settlement_id)
        .first()
    )
    if (
        statement is None
        or not actor.scope_prefix
        or not statement.county.code.startswith(actor.scope_prefix)
    ):
        raise NotFound("结算单不存在或不在您的管辖范围内")
    return statement


def settlement_transition(*, actor: User, settlement_id: int, code: str, reason: str = "") -> Settlement:
    """Submit, approve or send back a statement. Approval and sending back need another user of the
    county than the maker (maker-checker); approval locks the statement."""
    transition = rules.transition_for(code)
    if transition is None or code in ("export", "reconcile"):
        raise SettlementTransitionNotAllowed(f"未知的操作“{code}”")
    if transition.needs_other_actor:
        _require_any(actor, *CHECKER_CAPABILITIES)
    else:
        _require_any(actor, Capability.MANAGE_ELDERCARE)
    with transaction.atomic():
        statement = settlement_locked_get(actor, settlement_id)
        if not rules.maker_checker_ok(transition, maker_id=statement.made_by_id, actor_id=actor.pk):
            raise MakerIsChecker(
                f"结算单 {statement.number} 由您编制，须由本旗县另一名审核人员"
                f"{transition.label}（编制与审核分离）"
            )
        if code == "reject" and not reason.strip():
            raise SettlementInvalid("请填写退回理由", field="reason")
        transition_apply(statement, transition, actor, reason.strip())
    return statement


def transition_apply(
    statement: Settlement, transition: rules.SettlementTransition, actor: User, note: str = ""
) -> None:
    """The compare-and-set: the statement (already locked by the caller) must be in the transition's
    source status — a second user acting at once finds it moved and gets a clear message."""
    if statement.status != transition.source:
        raise SettlementTransitionNotAllowed(
            f"结算单 {statement.number} 当前为“{SettlementStatus(statement.status).label}”，"
            f"不能“{transition.label}”（可能已由他人办理，请刷新）"
        )
    now = timezone.now()
    previous = statement.status
    statement.status = transition.target
    fields = ["status", "updated_at"]
    if transition.code == "submit":
        statement.submitted_at = now
        fields.append("submitted_at")
    elif transition.code == "approve":
        statement.checked_by, statement.approved_at = actor, now
        fields += ["checked_by", "approved_at"]
    elif transition.code == "reject":
        statement.rejected_reason = note[:200]
        fields.append("rejected_reason")
    statement.save(update_fields=fields)
    SettlementEvent.objects.create(
        settlement=statement,
        from_status=previous,
        to_status=transition.target,
        actor=actor,
        at=now,
        note=note,
    )
    event_record(
        actor=actor,
        verb=f"eldercare.settlement.{transition.code}",
        object_type="eldercare_settlement",
        object_id=statement.pk,
        division_code=statement.county.code,
        summary=f"{transition.label}：养老服务结算单 {statement.number}（{statement.total_amount} 元）"
        + (f"（{note}）" if note else ""),
    )


def settlement_submit(*, actor: User, settlement_id: int) -> Settlement:
    return settlement_transition(actor=actor, settlement_id=settlement_id, code="submit")


def settlement_approve(*, actor: User, settlement_id: int) -> Settlement:
    return settlement_transition(actor=actor, settlement_id=settlement_id, code="approve")


def settlement_reject(*, actor: User, settlement_id: int, reason: str) -> Settlement:
    return settlement_transition(actor=actor, settlement_id=settlement_id, code="reject", reason=reason)
