"""The data the statistics tests read: two leagues, monthly programmes, 特困 in two care tiers, 临时救助 paid
by a payroll and from the township reserve fund (备用金), two approved months of payrolls.

In 新城区 (海拉尔东路街道), households registered in two communities:
- 锡林南路社区: 低保 A (4 members, from Jan, 500), 低保 B (3 members, from Feb, 900), 特困 C (tier none,
  from Jan, 1200); A also received 300 from the reserve fund on Jan 15;
- 东风路社区: 特困 D (tier partial, from Jan, 800), 临时救助 E (2 members, paid by the Feb payroll, 2000),
  F (2 members) paid 200 + 100 from the reserve fund in February (one application, two draws).
In 太仆寺旗: 低保 G (1 member, from Jan, 700). A's February line is paid; the rest pending.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from minzheng.applications.models import Application
from minzheng.payments import services
from minzheng.payments.models import PayrollLine
from minzheng.payments.tests.factories import approve, enrol, month
from minzheng.registry.choices import SelfCare

JAN, FEB, MAR = month(2026, 1), month(2026, 2), month(2026, 3)
COMMUNITY2 = "150102001002"


def _members(household: Any, count: int) -> Any:
    household.member_count = count
    household.save(update_fields=["member_count"])
    return household


def _application(household: Any, township: Any, number: str) -> Application:
    return Application.objects.create(
        number=number,
        workflow="temporary_small_fast",
        programme="temporary_assistance",
        household=household,
        applicant=household.head,
        division=township,
        channel="window",
        submitted_on=dt.date(2026, 1, 10),
        step="aid_paid",
    )


def build(users: dict[str, Any], divisions: dict[str, Any], household_factory: Any, make_user: Any) -> dict:
    street = divisions["street"]
    a = _members(household_factory(head_name="甲一"), 4)
    b = _members(household_factory(head_name="乙二"), 3)
    c = household_factory(head_name="丙三")
    d = household_factory(head_name="丁四", division_code=COMMUNITY2)
    e = _members(household_factory(head_name="戊五", division_code=COMMUNITY2), 2)
    f = _members(household_factory(head_name="己六", division_code=COMMUNITY2), 2)
    g = household_factory(head_name="庚七", division_code="152527201206", actor=users["taibus_caseworker"])
    enrol(a, street, "500.00", JAN)
    enrol(b, street, "900.00", FEB)
    enrol(
        c,
        street,
        "1200.00",
        JAN,
        programme="extreme_poverty_support",
        person=c.head,
        level=SelfCare.FULLY_INCAPABLE,
    )
    enrol(
        d,
        street,
        "800.00",
        JAN,
        programme="extreme_poverty_support",
        person=d.head,
        level=SelfCare.PARTLY_INCAPABLE,
    )
    enrol(e, street, "2000.00", FEB, until=MAR, ends=FEB, programme="temporary_assistance")
    enrol(g, divisions["sumu"], "700.00", JAN)
    services.reserve_allocate(
        actor=users["county"], township=street, amount=Decimal("5000"), allocated_on=dt.date(2026, 1, 5)
    )
    for household, number, amount, day in (
        (a, "LS2026000001", "300", dt.date(2026, 1, 15)),
        (f, "LS2026000002", "200", dt.date(2026, 2, 3)),
        (f, "LS2026000002", "100", dt.date(2026, 2, 10)),
    ):
        application = Application.objects.filter(number=number).first() or _application(
            household, street, number
        )
        services.reserve_draw(
            actor=users["caseworker"],
            township=street,
            application=application,
            amount=Decimal(amount),
            drawn_on=day,
        )
    checker = make_user("county2", "county_approver", divisions["xincheng"])
    taibus_checker = make_user("taibus2", "county_approver", divisions["taibus"])
    payrolls = {}
    for m in (JAN, FEB):
        payrolls[("xincheng", m)] = approve(
            services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=m),
            users["county"],
            checker,
        )
        approve(
            services.payroll_generate(actor=users["taibus_county"], county=divisions["taibus"], month=m),
            users["taibus_county"],
            taibus_checker,
        )
    PayrollLine.objects.filter(payroll=payrolls[("xincheng", FEB)], household=a).update(payment_status="paid")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "checker": checker}
