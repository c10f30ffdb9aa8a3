"""Reads of the settlement: statements scoped to the actor's jurisdiction, or — for a provider's own staff
(养老服务机构人员, PROVIDE_CARE) — to their own provider's statements, read-only."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound
from minzheng.eldercare.models import Provider, Settlement, SettlementExclusion, SettlementLine
from minzheng.eldercare.rules.settlement import ExclusionReason

SORTS = {
    "month": ("month", "provider__name"),
    "provider": ("provider__name", "month"),
    "total": ("total_amount", "id"),
    "status": ("status", "id"),
}


@dataclass(frozen=True)
class SettlementFilters:
    month: dt.date | None = None
    status: str = ""
    q: str = ""  # provider name or statement number
    sort: str = "-month"


def own_provider(actor: User) -> Provider | None:
    """The provider of a provider's staff member (their ``CareWorker`` login), else None."""
    worker = getattr(actor, "care_worker", None)
    return worker.provider if worker is not None else None


def settlements_visible(actor: User) -> QuerySet[Settlement]:
    """Staff with VIEW_ELDERCARE see their jurisdiction; a provider's staff see their own provider's."""
    if actor.can(Capability.VIEW_ELDERCARE):
        return Settlement.objects.visible_to(actor)
    provider = own_provider(actor) if actor.can(Capability.PROVIDE_CARE) else None
    if provider is None:
        return Settlement.objects.none()
    return Settlement.objects.filter(provider=provider)


def settlement_list(*, actor: User, filters: SettlementFilters) -> QuerySet[Settlement]:
    rows = settlements_visible(actor).select_related("provider", "county", "made_by", "checked_by")
    if filters.month:
        rows = rows.filter(month=filters.month)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.q.strip():
        text = filters.q.strip()
        rows = rows.filter(Q(provider__name__icontains=text) | Q(number=text))
    key = filters.sort.lstrip("-")
    columns = SORTS.get(key, SORTS["month"])
    descending = filters.sort.startswith("-")
    return rows.order_by(*[f"-{c}" if descending else c for c in columns])


def settlement_get(*, actor: User, settlement_id: int) -> Settlement:
    statement = (
        settlements_visible(actor)
        .select_related("provider", "county", "made_by", "checked_by")
        .filter(pk=settlement_id)
        .first()
    )
    if statement is None:
        raise NotFound("结算单不存在或不在您的管辖范围内")
    return statement


def statement_lines(statement: Settlement, q: str = "") -> QuerySet[SettlementLine]:
    """The statement's lines in the statement's order (service time, order number)."""
    rows = statement.lines.select_related("division").order_by("served_at", "order_number")
    if q.strip():
        rows = rows.filter(Q(order_number=q.strip()) | Q(person_name__icontains=q.strip()))
    return rows


def _flag_labels() -> dict[str, str]:
    """Labels of the orders part's EVV flags, once it declares them (``rules.orders.FLAGS``)."""
    try:
        order_rules = importlib.import_module("minzheng.eldercare.rules.orders")
    except ImportError:  # the orders part's rules are not there (yet)
        return {}
    flags: Any = getattr(order_rules, "FLAGS", {})
    if isinstance(flags, dict):
        return {str(k): str(getattr(v, "label", v)) for k, v in flags.items()}
    return {}


def exclusion_detail(exclusion: SettlementExclusion) -> str:
    """What the provider reads: the older person's dispute reason, or the check-in flags in words."""
    if exclusion.reason != ExclusionReason.FLAGGED:
        return exclusion.detail
    try:
        codes = json.loads(exclusion.detail or "[]")
    except ValueError:
        codes = []
    labels = _flag_labels()
    words = [labels.get(str(code), "签到时间或位置异常") for code in codes]
    return "、".join(dict.fromkeys(words)) or "签到时间或位置异常"


def statement_exclusions(statement: Settlement) -> list[dict[str, Any]]:
    return [
        {
            "order_number": x.order_number,
            "person_name": x.person_name,
            "item_name": x.item_name,
            "subsidy": x.subsidy,
            "reason": x.get_reason_display(),
            "detail": exclusion_detail(x),
        }
        for x in statement.exclusions.order_by("order_number")
    ]
