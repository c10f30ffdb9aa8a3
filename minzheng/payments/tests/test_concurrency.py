"""Races on payrolls with two real database connections: two checkers approving at once, and two
generations of the same county and month at once. One outcome, a clear message, no duplicate line."""

from __future__ import annotations

from typing import Any

import pytest

from minzheng.audit.models import Event
from minzheng.payments import services
from minzheng.payments.errors import PayrollTransitionNotAllowed
from minzheng.payments.models import Payroll, PayrollLine

from .factories import enrol, lines_of, month
from .test_reserve import race

pytestmark = pytest.mark.django_db(transaction=True)

JAN = month(2026, 1)


def test_two_checkers_approve_at_once(users, make_user, divisions, household_factory):
    enrol(household_factory(head_name="赵一"), divisions["street"], "500.00", JAN)
    first = make_user("county2", "county_approver", divisions["xincheng"])
    second = make_user("county3", "county_approver", divisions["xincheng"])
    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    services.payroll_submit(actor=users["county"], payroll_id=payroll.pk)

    def approve(actor: Any) -> Any:
        return lambda: services.payroll_approve(actor=actor, payroll_id=payroll.pk)

    outcomes = race(approve(first), approve(second))

    approved = [o for o in outcomes if isinstance(o, Payroll)]
    refused = [o for o in outcomes if isinstance(o, PayrollTransitionNotAllowed)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert refused[0].message == (
        "发放批次 150102202601 当前为“已审核（锁定）”，不能“审核通过”（可能已由他人办理，请刷新）"
    )
    assert Event.objects.filter(verb="payroll.approve").count() == 1


def test_two_generations_at_once(users, make_user, divisions, household_factory):
    homes = [household_factory(head_name=n) for n in ("赵一", "钱二", "孙三")]
    for home in homes:
        enrol(home, divisions["street"], "500.00", JAN)
    other = make_user("county2", "county_approver", divisions["xincheng"])

    def generate(actor: Any) -> Any:
        return lambda: services.payroll_generate(actor=actor, county=divisions["xincheng"], month=JAN)

    outcomes = race(generate(users["county"]), generate(other))

    # either both succeed (the second regenerated the first's draft) or the second is told to wait
    assert all(isinstance(o, Payroll | PayrollTransitionNotAllowed) for o in outcomes), outcomes
    assert Payroll.objects.count() == 1
    payroll = Payroll.objects.get()
    assert PayrollLine.objects.count() == 3
    assert [line[1] for line in lines_of(payroll)] == ["regular"] * 3
