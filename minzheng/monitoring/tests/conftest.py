"""Fixtures of the monitoring tests: the policy figures, a household maker with an exact income, enrolments
and feed deliveries as CSV text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import id_number
from minzheng.benefits.means_test import reference_period
from minzheng.enrolments.models import Enrolment
from minzheng.monitoring import feeds, services
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.services import PersonData, income_record_add, person_add_to_household


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def monitoring_ready(divisions, users):
    policy_builtin_load()
    services.monitoring_parameters_load()
    services.rule_builtin_load()
    return users


@pytest.fixture
def family(monitoring_ready, household_factory, today):
    """``family(annual_income=…, members=…)``: a household in the Xincheng community with its head (and
    ``members`` more adults), with one wage record over exactly the 12-month reference period."""
    users = monitoring_ready
    counter = {"n": 0}

    def make(annual_income: str = "0", members: int = 0, division_code: str = "150102001001", **head):
        counter["n"] += 1
        actor = users["caseworker"] if division_code.startswith("150102") else users["taibus_caseworker"]
        household = household_factory(actor=actor, division_code=division_code,
                                      head_name=f"户主{counter['n']}", **head)  # fmt: skip
        for n in range(members):
            person_add_to_household(
                actor=actor, household=household, relation="son", joined_on=dt.date(2020, 1, 1),
                data=PersonData(name=f"成员{counter['n']}-{n}", employment_status="unemployed",
                                id_number=id_number(division_code[:6], dt.date(1990, 1, 1), 500 + counter["n"] * 10 + n)),
            )  # fmt: skip
        if Decimal(annual_income):
            start, end = reference_period(today, 12)
            income_record_add(
                actor=actor, household=household, person=household.head, category="wage",
                amount=Decimal(annual_income), period_start=start, period_end=end, source="declared",
            )  # fmt: skip
        household.refresh_from_db()
        return household

    return make


@pytest.fixture
def enrol(today):
    def make(household, programme: str = "dibao", person=None, status: str = "active"):
        return Enrolment.objects.create(
            programme=programme, household=household, person=person, division=household.hukou_division.parent,
            source="legacy", status=status, starts_month=dt.date(2024, 1, 1), monthly_amount=Decimal("500.00"),
        )  # fmt: skip

    return make


def csv_text(header: list[str], rows: list[list[object]]) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def deliver(monitoring_ready):
    """``deliver(feed, header, rows)`` imports a CSV as the region supervisor and returns the outcome."""

    def make(feed: str, header: list[str], rows: list[list[object]], name: str = "data.csv"):
        return feeds.feed_import(actor=monitoring_ready["region"], feed=feed, content=csv_text(header, rows),
                                 file_name=name)  # fmt: skip

    return make
