"""The API of entitlements, visits and home care (scoping, the compare-and-set transition, the orders
part's ``entitlements/current``), and races with two real connections: two approvers at once, one wins."""
# ruff: noqa: F811, PT018 - fixtures are imported from fixtures_care; paired facts are asserted together

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from minzheng.accounts.api_auth import api_token_create
from minzheng.eldercare.models import EntitlementEvent, ServiceEntitlement
from minzheng.eldercare.services.entitlements import (
    EntitlementConflict,
    entitlement_apply,
    entitlement_transition,
)

from .fixtures_care import make_older, set_param  # noqa: F401 - fixtures


@pytest.fixture
def api(users):
    def make(name: str) -> Client:
        _token, secret = api_token_create(username=users[name].username, name="测试")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


@pytest.mark.django_db
def test_entitlement_api_apply_transition_current_and_scoping(api, users, make_older, set_param):
    set_param("eldercare.entitlement.monthly_amount.dibao", "300.00")
    older = make_older(dibao=True)
    caseworker = api("caseworker")
    created = caseworker.post(
        "/api/v1/eldercare/entitlements",
        {"older_person_id": older.pk, "category": "dibao"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    row_id = created.json()["id"]
    refused = caseworker.post(
        "/api/v1/eldercare/entitlements",
        {"older_person_id": older.pk, "category": "dibao"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["message"] == "该老年人已有正在办理的服务资格申请"
    reviewed = api("reviewer").post(
        f"/api/v1/eldercare/entitlements/{row_id}/transitions",
        {"code": "review", "expected_status": "applied"},
        content_type="application/json",
    )
    assert reviewed.json()["status_label"] == "待旗县审批"
    approved = api("county").post(
        f"/api/v1/eldercare/entitlements/{row_id}/transitions",
        {"code": "approve", "expected_status": "reviewed"},
        content_type="application/json",
    )
    assert approved.status_code == 200 and approved.json()["monthly_amount"] == "300.00"
    current = caseworker.get(f"/api/v1/eldercare/entitlements/current/{older.pk}").json()
    assert (current["entitlement_id"], current["category"], current["monthly_amount"]) == (
        row_id,
        "dibao",
        "300.00",
    )
    taibus = api("taibus_county")
    assert taibus.get(f"/api/v1/eldercare/entitlements/{row_id}").status_code == 404
    assert taibus.get("/api/v1/eldercare/entitlements").json()["results"] == []
    assert api("assistant").get("/api/v1/eldercare/visits").status_code == 200
    assert api("auditor").get("/api/v1/eldercare/home-care").status_code == 403


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each returns its result or the error raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=5)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_exactly_one_approval(users, make_user, divisions, make_older, set_param):
    set_param("eldercare.entitlement.monthly_hours.extreme_poverty", 30)
    second = make_user("county2", "county_approver", divisions["xincheng"])
    older = make_older(extreme_poverty=True)
    row = entitlement_apply(actor=users["caseworker"], older_person_id=older.pk, category="extreme_poverty")
    entitlement_transition(
        actor=users["reviewer"], entitlement_id=row.pk, code="review", expected_status="applied"
    )

    def approve(actor: Any) -> Callable[[], ServiceEntitlement]:
        return lambda: entitlement_transition(
            actor=actor, entitlement_id=row.pk, code="approve", expected_status="reviewed"
        )

    outcomes = race(approve(users["county"]), approve(second))
    approved = [o for o in outcomes if isinstance(o, ServiceEntitlement)]
    refused = [o for o in outcomes if isinstance(o, EntitlementConflict)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert (
        refused[0].message == "该申请当前状态为“已批准”，不能办理“旗县审批通过”（可能已由他人办理，请刷新）"
    )
    assert EntitlementEvent.objects.filter(entitlement=row, action="approve").count() == 1
    assert ServiceEntitlement.objects.get(pk=row.pk).decided_by_id == approved[0].decided_by_id
