"""Races on applications with two real database connections (one per thread, started together at a
barrier): two approvers confirming at once, and the same household submitted twice at once. Exactly one
succeeds; the other gets a clear conflict and nothing is half-written."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from minzheng.applications.errors import DuplicateApplication, TransitionNotAllowed
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Step
from minzheng.applications.services import ApplicationData, application_create, application_transition
from minzheng.audit.models import Event

from .test_workflows import apply, to_review

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in two threads released together; each returns its result or the error raised."""
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


@pytest.fixture
def second_approver(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


def test_two_approvers_at_once_exactly_one_decision(users, second_approver, household_factory):
    # given: a 低保 application waiting for the county's confirmation
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    application = to_review(users, apply(users, household_factory(head_name="郑某")))
    assert application.step == Step.COUNTY_REVIEW

    def approve(actor: Any) -> Callable[[], Application]:
        return lambda: application_transition(
            actor=actor, application_id=application.pk, code="approve", expected_step=Step.COUNTY_REVIEW
        )

    # when
    outcomes = race(approve(users["county"]), approve(second_approver))

    # then
    approved = [o for o in outcomes if isinstance(o, Application)]
    refused = [o for o in outcomes if isinstance(o, TransitionNotAllowed)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert refused[0].message == (
        f"申请 {application.number} 当前处于“已批准”环节，不能办理“审核确认：批准”（可能已由他人办理，请刷新）"
    )
    stored = Application.objects.get(pk=application.pk)
    assert (stored.step, stored.monthly_amount, stored.decided_by_id) == (
        Step.APPROVED, Decimal("840.00"), approved[0].decided_by_id,
    )  # fmt: skip
    assert ApplicationEvent.objects.filter(application=application, code="approve").count() == 1
    assert Event.objects.filter(verb="application.approve", object_id=application.pk).count() == 1


def test_double_intake_at_once_creates_one_application(users, make_user, divisions, household_factory):
    # given: two caseworkers at the window with the same household
    other_caseworker = make_user("caseworker2", "township_caseworker", divisions["street"])
    home = household_factory(head_name="冯某")
    data = ApplicationData(
        workflow="dibao", household_id=home.pk, applicant_id=home.head_id, channel="window"
    )

    # when
    outcomes = race(
        lambda: application_create(actor=users["caseworker"], data=data),
        lambda: application_create(actor=other_caseworker, data=data),
    )

    # then
    created = [o for o in outcomes if isinstance(o, Application)]
    duplicates = [o for o in outcomes if isinstance(o, DuplicateApplication)]
    assert (len(created), len(duplicates)) == (1, 1), outcomes
    assert duplicates[0].message == "该家庭已有办理中的“最低生活保障”申请，不能重复申请"
    assert list(Application.objects.filter(household=home).values_list("pk", flat=True)) == [created[0].pk]
    assert ApplicationEvent.objects.filter(application__household=home).count() == 1
    assert Event.objects.filter(verb="application.created").count() == 1
