"""Regenerating a draft applies only the difference to its lines (issue 21): the draft ends with exactly the
lines — every column — and totals a full generation writes, lines that did not change keep their ids, and
a regeneration that dies part-way leaves the draft as it was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from minzheng.audit.models import Event
from minzheng.enrolments.models import EntitlementPeriod
from minzheng.payments import services
from minzheng.payments.models import Payroll, PayrollLine
from minzheng.registry.models import Person

from .factories import approve, enrol, month, period

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB = month(2026, 1), month(2026, 2)
_FIELDS = [f.attname for f in PayrollLine._meta.concrete_fields if f.attname != "id"]


def _lines(payroll: Payroll) -> list[tuple[Any, ...]]:
    """Every column of the payroll's lines except the id, sorted."""
    return sorted(PayrollLine.objects.filter(payroll=payroll).values_list(*_FIELDS), key=repr)


def _ids(payroll: Payroll) -> dict[tuple[Any, ...], int]:
    rows = PayrollLine.objects.filter(payroll=payroll).values_list(
        "id", "kind", "enrolment_id", "entitlement_month", "retry_of_id"
    )
    return {tuple(row[1:]): row[0] for row in rows}


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


def test_regenerated_draft_equals_a_full_generation(users, divisions, household_factory, checker):
    # given: January approved with one failed payment; a February draft with regular, retry and
    # adjustment lines
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    homes = [household_factory(head_name=name) for name in ("赵一", "钱二", "孙三", "李四", "周五")]
    kept, raised, failed, suspended = (enrol(home, street, "400.00", JAN) for home in homes[:4])
    jan = approve(services.payroll_generate(actor=maker, county=county, month=JAN), maker, checker)
    # as the result import marks it: a failed line always carries the bank's reason (CHECK, migration 0005)
    PayrollLine.objects.filter(payroll=jan, enrolment=failed).update(
        payment_status="failed", bank_reason="账户已冻结"
    )
    EntitlementPeriod.objects.filter(enrolment=raised).delete()
    period(raised, "450.00", JAN)  # raised back-dated: +50 for January
    draft = services.payroll_generate(actor=maker, county=county, month=FEB)
    before = _ids(draft)
    assert len(before) == 6  # 4 regular, 1 retry, 1 adjustment

    # when: between generation and regeneration the raise grows, one enrolment is suspended, a new one
    # starts back-dated to January and a head's name changes (the payee snapshot); then it is regenerated
    EntitlementPeriod.objects.filter(enrolment=raised).update(monthly_amount=D("480.00"))
    suspended.status = "suspended"
    suspended.save()
    enrol(homes[4], street, "300.00", JAN)  # late: from January
    Person.objects.filter(pk=homes[0].head_id).update(name="赵一改")
    regenerated = services.payroll_generate(actor=maker, county=county, month=FEB)
    staged_lines, staged_totals = _lines(regenerated), (regenerated.line_count, regenerated.total_amount)
    staged_ids = _ids(regenerated)

    # then: lines and totals exactly as a generation from scratch writes them
    PayrollLine.objects.filter(payroll=draft).delete()
    full = services.payroll_generate(actor=maker, county=county, month=FEB)
    assert staged_lines == _lines(full)
    assert staged_totals == (full.line_count, full.total_amount) == (7, D("2360.00"))
    # 480 + 80 + 400 (kept, renamed) + 400 + 400 (retry) + 300 + 300 (late, January)
    assert regenerated.pk == draft.pk

    # and only the difference was written: the suspended enrolment's line deleted, the raise's two lines
    # and the renamed head's line updated, the late enrolment's two lines inserted
    event = Event.objects.filter(verb="payroll.generate", object_id=draft.pk).order_by("id")[1]
    assert event.data["changes"] == {"deleted": 1, "updated": 3, "inserted": 2}
    kept_keys = set(before) & set(staged_ids)
    assert len(kept_keys) == 5
    assert all(before[key] == staged_ids[key] for key in kept_keys)  # updated in place, not re-inserted


def test_regeneration_that_dies_leaves_the_draft_unchanged(users, divisions, household_factory, checker):
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    homes = [household_factory(head_name=name) for name in ("赵一", "钱二")]
    first = enrol(homes[0], street, "400.00", JAN)
    draft = services.payroll_generate(actor=maker, county=county, month=JAN)
    before = _lines(draft)
    enrol(homes[1], street, "300.00", JAN)
    EntitlementPeriod.objects.filter(enrolment=first).update(monthly_amount=D("500.00"))

    def dies(stage: str, written: int) -> None:
        if stage == "adjustment":
            raise RuntimeError(
                "进程被终止"
            )  # killed after the last statement, before the difference is applied

    with pytest.raises(RuntimeError):
        services.payroll_generate(actor=maker, county=county, month=JAN, progress=dies)

    assert _lines(draft) == before
    again = services.payroll_generate(actor=maker, county=county, month=JAN)
    assert (again.line_count, again.total_amount) == (2, D("800.00"))
    # the stage went with the rolled-back transaction: a third run stages afresh
    assert services.payroll_generate(actor=maker, county=county, month=JAN).total_amount == D("800.00")
