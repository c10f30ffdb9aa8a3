"""API of eldercare: providers (issue 17), under /api/v1/eldercare/: the providers registered in or serving
the jurisdiction, with their areas and priced catalogue (bank account masked)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.schemas import refusals
from minzheng.eldercare.models import Provider
from minzheng.eldercare.selectors import providers as selectors

router = Router(tags=["智慧养老：服务机构"])


class ItemOut(Schema):
    id: int
    kind: str
    name: str
    unit: str
    price: Decimal
    co_payment: Decimal
    standard_minutes: int
    active: bool


class ProviderOut(Schema):
    id: int
    name: str
    credit_code: str
    division_code: str
    status: str
    bank_account_masked: str
    area_codes: list[str]
    items: list[ItemOut]


def provider_out(provider: Provider) -> ProviderOut:
    return ProviderOut(
        id=provider.pk,
        name=provider.name,
        credit_code=provider.credit_code,
        division_code=provider.division.code,
        status=provider.status,
        bank_account_masked=provider.bank_account_masked,
        area_codes=sorted(a.division.code for a in provider.areas.all()),
        items=[
            ItemOut(
                id=i.pk,
                kind=i.kind,
                name=i.name,
                unit=i.unit,
                price=i.price,
                co_payment=i.co_payment,
                standard_minutes=i.standard_minutes,
                active=i.active,
            )
            for i in provider.items.all()
        ],
    )


@router.get("/providers", response={200: list[ProviderOut], **refusals()}, summary="服务机构列表（本辖区）")
def provider_list(request: HttpRequest, status: str = "", kind: str = "") -> list[ProviderOut]:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    rows = selectors.provider_list(actor=actor, status=status, kind=kind).prefetch_related(
        "areas__division", "items"
    )
    return [provider_out(p) for p in rows[:500]]


@router.get("/providers/{provider_id}", response={200: ProviderOut, **refusals(404)}, summary="服务机构详情")
def provider_get(request: HttpRequest, provider_id: int) -> ProviderOut:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    return provider_out(selectors.provider_get(actor=actor, pk=provider_id))
