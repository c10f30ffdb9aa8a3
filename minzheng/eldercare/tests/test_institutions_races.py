"""Races with two real database connections (issue 17 bad input and races): two people drawing the same
plan at once, two re-drawing from the same page, two recording the same inspection. One outcome, a clear
Chinese message for the other, never a second draw."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minzheng.audit.models import Event
from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.eldercare.models.institutions import Draw, Inspection
from minzheng.eldercare.rules.institutions import BUILTIN_CHECKLIST
from minzheng.eldercare.services import inspections as services
from minzheng.eldercare.tests.fixtures_institutions import *  # noqa: F403

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together, each on its own connection; outcomes or exceptions."""
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


def test_two_first_draws_at_once_make_one_draw(users, xincheng_setup):
    plan = xincheng_setup["plan"]
    county2 = xincheng_setup["inspectors"]["county2"]

    def draw(actor: Any) -> Any:
        return lambda: services.draw_make(actor=actor, plan_id=plan.pk)

    outcomes = race(draw(users["county"]), draw(county2))
    made = [o for o in outcomes if isinstance(o, Draw)]
    refused = [o for o in outcomes if isinstance(o, ValidationFailed)]
    assert (len(made), len(refused)) == (1, 1), outcomes
    assert "重新抽取必须填写理由" in refused[0].message
    assert Draw.objects.filter(plan=plan).count() == 1
    assert Event.objects.filter(verb="eldercare.inspection_drawn").count() == 1


def test_two_re_draws_from_the_same_page_make_one(users, xincheng_setup):
    plan = xincheng_setup["plan"]
    first = services.draw_make(actor=users["county"], plan_id=plan.pk)
    county2 = xincheng_setup["inspectors"]["county2"]

    def redraw(actor: Any, reason: str) -> Any:
        return lambda: services.draw_make(
            actor=actor, plan_id=plan.pk, reason=reason, expected_current=first.pk
        )

    outcomes = race(redraw(users["county"], "理由甲"), redraw(county2, "理由乙"))
    made = [o for o in outcomes if isinstance(o, Draw)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(made), len(refused)) == (1, 1), outcomes
    assert refused[0].message == "该计划已由他人重新抽取，请刷新后查看最新结果"
    assert list(Draw.objects.filter(plan=plan).order_by("pk").values_list("status", flat=True)) == [
        "superseded",
        "current",
    ]


def test_two_recordings_of_one_inspection_record_once(users, xincheng_setup):
    draw = services.draw_make(actor=users["county"], plan_id=xincheng_setup["plan"].pk)
    Draw.objects.filter(pk=draw.pk).update(drawn_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    inspection = Inspection.objects.filter(draw=draw).first()
    answers = {code: "met" for code, _ in BUILTIN_CHECKLIST}

    def record(actor: Any) -> Any:
        return lambda: services.inspection_record(
            actor=actor,
            inspection_id=inspection.pk,
            inspected_on=dt.date(2026, 11, 20),
            answers=answers,
            findings="",
            result="passed",
            today=dt.date(2026, 12, 7),
        )

    outcomes = race(record(users["county"]), record(xincheng_setup["inspectors"]["county2"]))
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refused) == 1, outcomes
    assert "可能已由他人办理" in refused[0].message
    assert inspection.events.count() == 1
