"""Races with two real connections: two dispatchers at once, two confirmations at once, two identical
placements at once — one effect each, the other a clear refusal or the same order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minzheng.common.errors import Conflict
from minzheng.eldercare.models import OrderEvent, ServiceOrder
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.tests.fixtures_orders import *  # noqa: F403
from minzheng.eldercare.tests.fixtures_orders import meal, window

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], Any]) -> list[Any]:
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


def test_two_dispatchers_at_once_one_dispatch(family, older, provider, users):
    start, end = window(1)
    order, _ = services.order_place(
        older_person_id=older.pk,
        item_id=meal(provider).pk,
        window_start=start,
        window_end=end,
        account=family,
    )
    outcomes = race(
        lambda: services.order_dispatch(actor=users["caseworker"], order_id=order.pk),
        lambda: services.order_dispatch(actor=users["reviewer"], order_id=order.pk),
    )
    assert sum(isinstance(o, ServiceOrder) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) and "已派单" in o.message for o in outcomes) == 1
    assert OrderEvent.objects.filter(order=order, to_status="dispatched").count() == 1


def test_a_double_click_at_once_gives_one_order(family, older, provider):
    start, end = window(1)

    def click():
        return services.order_place(
            older_person_id=older.pk,
            item_id=meal(provider).pk,
            window_start=start,
            window_end=end,
            account=family,
        )

    outcomes = race(click, click)
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert {o[0].pk for o in outcomes} == {ServiceOrder.objects.get().pk}


def test_two_confirmations_at_once_confirm_once(
    family, older, provider, users, worker, evv_parameters, settings, tmp_path
):
    from minzheng.eldercare.services import orders_confirm as confirm
    from minzheng.eldercare.tests.test_orders_services import serve

    settings.MEDIA_ROOT = tmp_path
    start, end = window(0.25)
    order, _ = services.order_place(
        older_person_id=older.pk,
        item_id=meal(provider).pk,
        window_start=start,
        window_end=end,
        account=family,
    )
    serve(order, users, worker)
    confirm.order_review(actor=users["caseworker"], order_id=order.pk, decision="accepted")
    outcomes = race(
        lambda: confirm.order_confirm(order_id=order.pk, channel="portal", rating=5, account=family),
        lambda: confirm.order_confirm(actor=users["reviewer"], order_id=order.pk, channel="staff", rating=4),
    )
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert {message for _order, message in outcomes} == {
        "已确认服务完成，感谢您的评价",
        "该订单已确认，无需重复确认",
    }
    assert OrderEvent.objects.filter(order=order, to_status="confirmed").count() == 1
