"""Reads of providers, their areas, workers and catalogue (issue 17 §4), scoped to the actor.

A provider is registered with a county (``Provider.division``) but serves townships (``ProviderArea``):
a township user sees the providers registered in the jurisdiction *and* those serving it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from minzheng.common.errors import NotFound
from minzheng.eldercare.choices import ProviderStatus
from minzheng.eldercare.models import CareWorker, Provider, ProviderArea, ServiceItem
from minzheng.eldercare.rules.providers import significant_prefix


def ancestor_codes(code: str) -> list[str]:
    """The 12-digit codes of a division and its ancestors: 150102001001 → [150000000000, …, itself]."""
    codes = [code[:length].ljust(12, "0") for length in (2, 4, 6, 9) if code[:length].ljust(12, "0") != code]
    return [*codes, code]


def _actor_prefix(actor: Any) -> str:
    prefix = getattr(actor, "scope_prefix", "") or ""
    return prefix if getattr(actor, "is_authenticated", False) else ""


def provider_list(
    *, actor: Any, search: str = "", status: str = "", kind: str = "", sort: str = "name"
) -> QuerySet[Provider]:
    prefix = _actor_prefix(actor)
    if not prefix:
        return Provider.objects.none()
    own_code = actor.division.code if getattr(actor, "division", None) else prefix.ljust(12, "0")
    serving = ProviderArea.objects.filter(
        Q(division__code__startswith=prefix) | Q(division__code__in=ancestor_codes(own_code))
    ).values("provider_id")
    rows = Provider.objects.filter(Q(division__code__startswith=prefix) | Q(pk__in=serving))
    if search.strip():
        rows = rows.filter(Q(name__contains=search.strip()) | Q(credit_code__icontains=search.strip()))
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(items__kind=kind, items__active=True).distinct()
    allowed = {"name", "-name", "status", "-status", "created_at", "-created_at"}
    return rows.select_related("division").order_by(sort if sort in allowed else "name", "pk")


def provider_get(*, actor: Any, pk: int) -> Provider:
    provider = provider_list(actor=actor).filter(pk=pk).first()
    if provider is None:
        raise NotFound("服务机构不存在或不在您的管辖范围内")
    return provider


def provider_editable(*, actor: Any, provider: Provider) -> bool:
    """Edits are for the registering county's jurisdiction (its users and those above)."""
    return Provider.objects.visible_to(actor).filter(pk=provider.pk).exists()


@dataclass(frozen=True)
class ProviderDetail:
    provider: Provider
    areas: list[ProviderArea]
    workers: list[CareWorker]
    items: list[ServiceItem]
    editable: bool


def provider_detail(*, actor: Any, pk: int) -> ProviderDetail:
    provider = provider_get(actor=actor, pk=pk)
    return ProviderDetail(
        provider=provider,
        areas=list(provider.areas.select_related("division").order_by("division__code")),
        workers=list(provider.workers.select_related("user").order_by("-active", "name")),
        items=list(provider.items.order_by("kind", "name")),
        editable=provider_editable(actor=actor, provider=provider),
    )


def providers_serving(village_code: str) -> QuerySet[Provider]:
    """Active providers whose service area covers the village (any county may register them)."""
    codes = ancestor_codes(village_code)
    return Provider.objects.filter(status=ProviderStatus.ACTIVE, areas__division__code__in=codes).distinct()


def items_serving(village_code: str, kind: str = "") -> QuerySet[ServiceItem]:
    """Active items of the active providers serving the village, optionally of one kind."""
    rows = ServiceItem.objects.filter(active=True, provider__in=providers_serving(village_code))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("provider").order_by("kind", "provider__name", "name")


def area_codes(provider_id: int) -> list[str]:
    return list(ProviderArea.objects.filter(provider_id=provider_id).values_list("division__code", flat=True))


def area_prefixes(provider_id: int) -> list[str]:
    return [significant_prefix(code) for code in area_codes(provider_id)]
