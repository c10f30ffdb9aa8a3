"""Two handlers acting on the same matter at once, with two real database connections released together at a
barrier: exactly one acceptance is written, the other gets the clear conflict, and nothing is doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minzheng.common.errors import Conflict
from minzheng.petitions import services
from minzheng.petitions.models import Petition, PetitionEvent

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


def test_two_handlers_accept_at_once(register, ready):
    petition = register()

    def accept(actor: Any) -> Callable[[], Petition]:
        return lambda: services.petition_accept(
            actor=actor, pk=petition.pk, expected_status="registered", notice=f"{actor.username} 受理"
        )

    outcomes = race(accept(ready["handler"]), accept(ready["handler2"]))

    accepted = [o for o in outcomes if isinstance(o, Petition)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(accepted), len(refused)) == (1, 1), outcomes
    assert refused[0].message == "信访事项状态已变为“已受理”，请刷新后再办理"
    assert PetitionEvent.objects.filter(petition=petition, action="accept").count() == 1
    stored = Petition.objects.get(pk=petition.pk)
    assert stored.accept_notice == accepted[0].accept_notice
