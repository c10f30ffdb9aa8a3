"""Races with two real database connections (one per thread, released together): two caseworkers completing
the same assessment, two guardians added at once, two refreshes at once. Exactly one effect each."""
# ruff: noqa: F811  (fixtures imported from fixtures_people are used as parameters)

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minzheng.common.errors import Conflict
from minzheng.eldercare.models import CapacityAssessment, CapacityAssessmentEvent, CareContact, OlderPerson
from minzheng.eldercare.services.assessment import AssessmentData, assessment_complete, assessment_create
from minzheng.eldercare.services.people import ContactData, RefreshOutcome, contact_add, older_people_refresh
from minzheng.eldercare.tests.fixtures_people import (  # noqa: F401
    BANDS,
    TODAY,
    elder_household,
    older_world,
    parameter_set,
    scores_with_total,
)
from minzheng.policy.keys.eldercare_assessment import LEVEL_BANDS, REASSESSMENT_MONTHS

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


def test_two_completions_at_once_complete_once(users, older_world, divisions, make_user):
    parameter_set(LEVEL_BANDS, BANDS, divisions["region"])
    parameter_set(REASSESSMENT_MONTHS, 12, divisions["region"])
    second = make_user("caseworker2", "township_caseworker", divisions["street"])
    data = AssessmentData(
        assessed_on=dt.date(2026, 12, 1), assessor_name="李评估", scores=scores_with_total(70)
    )
    draft = assessment_create(actor=users["caseworker"], older_person_id=older_world["street"].pk, data=data)
    outcomes = race(
        lambda: assessment_complete(actor=users["caseworker"], assessment_id=draft.pk),
        lambda: assessment_complete(actor=second, assessment_id=draft.pk),
    )
    done = [o for o in outcomes if isinstance(o, CapacityAssessment)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(done), len(refused)) == (1, 1), outcomes
    assert "已是“已完成”" in refused[0].message
    assert CapacityAssessmentEvent.objects.filter(assessment=draft, to_status="completed").count() == 1


def test_two_guardians_at_once_one_guardian(users, older_world):
    older = older_world["street"]

    def add(name: str, phone: str) -> Callable[[], CareContact]:
        data = ContactData(name=name, relation="child", phone=phone, is_guardian=True)
        return lambda: contact_add(actor=users["caseworker"], older_person_id=older.pk, data=data)

    outcomes = race(add("王甲", "13900000001"), add("王乙", "13900000002"))
    assert sum(isinstance(o, CareContact) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    assert CareContact.objects.filter(older_person=older, is_guardian=True).count() == 1


def test_two_refreshes_at_once_one_row_per_person(elder_household):
    elder_household(dt.date(1940, 3, 1))
    elder_household(dt.date(1950, 1, 1), dt.date(1955, 6, 1))
    outcomes = race(lambda: older_people_refresh(today=TODAY), lambda: older_people_refresh(today=TODAY))
    assert all(isinstance(o, RefreshOutcome) for o in outcomes), outcomes
    assert sorted(o.opened for o in outcomes) == [0, 3]
    assert OlderPerson.objects.count() == 3
