"""Fixtures of the entitlements, visits and home-care tests: older people made directly (until the people
part's refresh is merged), parameters set directly, a provider serving the Xincheng street."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from minzheng.common.identity import make_resident_id
from minzheng.divisions.models import Division
from minzheng.eldercare.models import OlderPerson, Provider, ProviderArea
from minzheng.policy.models import Parameter

TODAY = dt.date(2026, 6, 15)  # a Monday
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def make_older(
    household_factory: Callable[..., Any], divisions: dict[str, Division], users: dict[str, Any]
) -> Callable[..., OlderPerson]:
    """An older person (aged 78) heading a new household in the given village, with the given flags."""
    counter = {"n": 0}

    def make(
        name: str = "王大爷", division: str = "community", birth: dt.date = dt.date(1948, 3, 1), **flags: Any
    ) -> OlderPerson:
        village = divisions[division]
        counter["n"] += 1
        id_number = make_resident_id(village.code[:6], birth, 500 + counter["n"] * 2 + 1)
        actor = users["taibus_caseworker"] if village.code.startswith("152527") else users["caseworker"]
        household = household_factory(actor, division_code=village.code, head_name=name, id_number=id_number)
        person = household.head
        return OlderPerson.objects.create(
            person=person,
            household=household,
            division=village,
            birth_date=birth,
            refreshed_on=TODAY,
            **flags,
        )

    return make


@pytest.fixture
def set_param(divisions: dict[str, Division]) -> Callable[..., Parameter]:
    counter = {"n": 0}

    def make(
        key: str, value: Any, division: str = "region", valid_from: dt.date = dt.date(2026, 1, 1)
    ) -> Parameter:
        counter["n"] += 1
        return Parameter.objects.create(
            key=key,
            division=divisions[division],
            valid_from=valid_from,
            value=value,
            status="unconfirmed",
            source="测试",
            version=1,
        )

    return make


@pytest.fixture
def provider(divisions: dict[str, Division]) -> Provider:
    row = Provider.objects.create(
        name="新城区颐养服务中心", credit_code="91150102MA0N000001", division=divisions["xincheng"]
    )
    ProviderArea.objects.create(provider=row, division=divisions["street"])
    return row


@pytest.fixture
def far_provider(divisions: dict[str, Division]) -> Provider:
    row = Provider.objects.create(
        name="太仆寺旗养老服务站", credit_code="91152527MA0N000002", division=divisions["taibus"]
    )
    ProviderArea.objects.create(provider=row, division=divisions["sumu"])
    return row


def money(text: str) -> Decimal:
    return Decimal(text)
