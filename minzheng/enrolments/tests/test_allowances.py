"""Senior allowance enrolled from the registry, set-based: new enrolments by age, bracket change, rerun."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import id_number
from minzheng.enrolments.allowances import senior_allowance_enrol
from minzheng.enrolments.models import Enrolment, EnrolmentChange, EntitlementPeriod
from minzheng.policy.services import policy_builtin_load

D = dt.date


def test_senior_allowance_by_age_and_bracket(
    users, household_factory, divisions, django_assert_max_num_queries
):
    policy_builtin_load()
    eighty = household_factory(id_number=id_number("150102", D(1946, 11, 30), 11)).head
    turning_100 = household_factory(id_number=id_number("150102", D(1927, 1, 15), 13)).head
    young = household_factory(id_number=id_number("150102", D(1947, 1, 2), 15)).head  # 80 only in 2027-01
    rural = household_factory(division_code="152527201206", actor=users["taibus_caseworker"],
                              id_number=id_number("152527", D(1930, 5, 5), 17)).head  # fmt: skip
    with django_assert_max_num_queries(20):
        run = senior_allowance_enrol(month=D(2026, 12, 1))
    assert (run.enrolled, run.changed) == (3, 0)
    amounts = dict(Enrolment.objects.values_list("person_id", "monthly_amount"))
    assert amounts == {
        eighty.pk: Decimal("100.00"),
        turning_100.pk: Decimal("100.00"),
        rural.pk: Decimal("100.00"),
    }
    assert Enrolment.objects.get(person=rural).division.code == "152527201000"
    assert senior_allowance_enrol(month=D(2026, 12, 1)) == type(run)(D(2026, 12, 1), 0, 0)
    run = senior_allowance_enrol(month=D(2027, 2, 1))
    assert (run.enrolled, run.changed) == (1, 1)
    periods = list(
        EntitlementPeriod.objects.filter(enrolment__person=turning_100)
        .order_by("from_month")
        .values_list("from_month", "until_month", "monthly_amount")
    )
    assert periods == [
        (D(2026, 12, 1), D(2027, 2, 1), Decimal("100.00")),
        (D(2027, 2, 1), None, Decimal("600.00")),
    ]
    change = EnrolmentChange.objects.get()
    assert (change.kind, change.amount_before, change.amount_after) == (
        "increase",
        Decimal("100.00"),
        Decimal("600.00"),
    )
    assert Enrolment.objects.get(person=young).starts_month == D(2027, 2, 1)
    assert Enrolment.objects.get(person=turning_100).monthly_amount == Decimal("600.00")
