"""Fixtures of the departments tests: a two-member household with a declared wage, an application taken to
信息核对 through the services, and feed deliveries through the ordinary import service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import id_number
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    home_visit_record,
)
from minzheng.benefits.means_test import reference_period
from minzheng.monitoring import feeds
from minzheng.registry.models import IncomeRecord
from minzheng.registry.services import PersonData, person_add_to_household

HEAD_ID = id_number("150102", dt.date(1970, 3, 9), 201)
SON_ID = id_number("150102", dt.date(1998, 6, 1), 203)


def month_starts(today: dt.date, months: int = 12) -> list[dt.date]:
    """The first days of the last ``months`` months, this month included."""
    year, month, out = today.year, today.month, []
    for _ in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def ready(users):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    return users


@pytest.fixture
def family(ready, household_factory, today):
    """``family(son=True, declared="3600.00")``: the head (and a son), a declared wage over the reference
    period."""

    def make(son: bool = True, declared: str = "3600.00", head_id: str = HEAD_ID, son_id: str = SON_ID):
        home = household_factory(head_name="王五", id_number=head_id)
        if son:
            person_add_to_household(
                actor=ready["caseworker"],
                household=home,
                relation="son",
                joined_on=dt.date(2020, 1, 1),
                data=PersonData(name="王小五", id_number=son_id, employment_status="unemployed"),
            )
        start, end = reference_period(today, 12)
        IncomeRecord.objects.create(
            household=home,
            person=home.head,
            category="wage",
            amount=Decimal(declared),
            period_start=start,
            period_end=end,
            source="declared",
        )
        home.refresh_from_db()
        return home

    return make


@pytest.fixture
def at_verification(ready, today):
    """An application of the household taken to 信息核对 (accept, investigate, home visit, request)."""

    def make(household):
        users = ready
        application = application_create(
            actor=users["caseworker"],
            data=ApplicationData(
                workflow="dibao",
                household_id=household.pk,
                applicant_id=household.head_id,
                channel="window",
                pledge_signed=True,
            ),
        )
        for code in ("accept", "start_investigation"):
            application_transition(actor=users["caseworker"], application_id=application.pk, code=code)
        home_visit_record(
            actor=users["caseworker"],
            application_id=application.pk,
            visited_on=today,
            investigators=["甲", "乙"],
            members_present="王五",
            findings="家庭困难属实",
        )
        return application_transition(
            actor=users["caseworker"], application_id=application.pk, code="request_verification"
        )

    return make


@pytest.fixture
def deliver(ready):
    """``deliver(feed, rows)``: JSON rows through the ordinary import service (blind-index matching)."""

    def make(feed: str, rows: list[dict[str, object]]):
        outcome = feeds.feed_import_rows(actor=None, feed=feed, rows=rows)
        assert not outcome.rejected, outcome.batch.errors
        return outcome

    return make
