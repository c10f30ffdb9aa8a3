"""Provider services: register (credit code checked, duplicates refused), areas, priced items, workers and
their logins (made by the staff administrator through the accounts service, linked by eldercare staff),
suspension stopping new orders."""

from __future__ import annotations

import pytest

from minzheng.accounts.services import StaffData, user_create
from minzheng.common.errors import Conflict, PermissionDenied, ValidationFailed
from minzheng.eldercare.services import orders as order_services
from minzheng.eldercare.services import providers as services
from minzheng.eldercare.tests.fixtures_orders import *  # noqa: F403
from minzheng.eldercare.tests.fixtures_orders import CREDIT_CODE, meal, valid_credit_code, window

pytestmark = pytest.mark.django_db


def data(divisions, code: str, **extra) -> services.ProviderData:
    return services.ProviderData(name="新城区康乐养老服务中心", credit_code=code,
                                 division_code=divisions["xincheng"].code, **extra)  # fmt: skip


def test_register_checks_code_scope_and_duplicates(users, divisions, provider):
    with pytest.raises(ValidationFailed, match="校验位不正确"):
        services.provider_create(actor=users["county"], data=data(divisions, "91110000600037341X"))
    with pytest.raises(Conflict, match="已登记，不能重复登记"):
        services.provider_create(actor=users["county"], data=data(divisions, CREDIT_CODE))
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.provider_create(
            actor=users["taibus_county"], data=data(divisions, valid_credit_code("52150102MJ0000009"))
        )
    created = services.provider_create(
        actor=users["county"],
        data=data(divisions, valid_credit_code("52150102MJ0000009"), bank_account="6228480012345678901"),
    )
    assert created.bank_account_masked != "6228480012345678901"
    assert created.bank_account_index


def test_items_and_areas(users, divisions, provider):
    with pytest.raises(ValidationFailed, match="个人自付不能高于单价"):
        services.item_save(actor=users["county"], pk=provider.pk,
                           data=services.ItemData(kind="bathing", name="助浴", unit="times", price="50", co_payment="60"))  # fmt: skip
    item = services.item_save(actor=users["county"], pk=provider.pk,
                              data=services.ItemData(kind="bathing", name="助浴", unit="times", price="50.00"))  # fmt: skip
    assert str(item.price) == "50.00"
    with pytest.raises(Conflict, match="已在服务区域内"):
        services.provider_area_add(
            actor=users["county"], pk=provider.pk, division_code=divisions["street"].code
        )
    with pytest.raises(ValidationFailed, match="服务区域应为"):
        services.provider_area_add(
            actor=users["county"], pk=provider.pk, division_code=divisions["community"].code
        )


def test_worker_logins_are_made_by_the_administrator_and_linked_here(users, divisions, provider):
    with pytest.raises(PermissionDenied, match="请系统管理员"):
        services.worker_create(
            actor=users["county"], pk=provider.pk, name="孙师傅", username="sun", password="x"
        )
    worker = services.worker_create(actor=users["county"], pk=provider.pk, name="孙师傅", phone="13900002222")
    assert worker.phone_masked == "139****2222"
    login = user_create(actor=users["admin"], username="sunshifu", password="Care@Pass2026",
                        data=StaffData("孙师傅", "care_provider", divisions["xincheng"].code))  # fmt: skip
    assert [u.username for u in services.linkable_logins(provider)] == ["sunshifu"]
    linked = services.worker_login_link(
        actor=users["county"], pk=provider.pk, worker_id=worker.pk, user_id=login.pk
    )
    assert linked.user == login
    assert services.linkable_logins(provider) == []


def test_a_suspended_provider_gets_no_new_orders(users, provider, family, older):
    services.provider_status_set(
        actor=users["county"], pk=provider.pk, status="suspended", reason="服务质量整改"
    )
    start, end = window(1)
    with pytest.raises(ValidationFailed, match="已暂停派单"):
        order_services.order_place(older_person_id=older.pk, item_id=meal(provider).pk, window_start=start,
                                   window_end=end, account=family)  # fmt: skip
    with pytest.raises(ValidationFailed, match="请写明暂停或退出的原因"):
        services.provider_status_set(actor=users["county"], pk=provider.pk, status="ended", reason="")


def test_a_township_cannot_edit_a_county_provider(users, provider):
    from minzheng.common.errors import NotFound

    with pytest.raises(NotFound, match="不由您的辖区登记管理"):
        services.provider_status_set(
            actor=users["caseworker"], pk=provider.pk, status="suspended", reason="测试暂停"
        )
