"""Monthly statistics: exact recipients, new and exited, amounts, and scoping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.payments import selectors, services

from .factories import approve, enrol, month

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB = month(2026, 1), month(2026, 2)


def test_monthly_figures(users, divisions, household_factory, make_user):
    # given: in 新城区 two dibao households (one of 1 member, one whose member count we set to 3), one 特困
    # person, one dibao household that ended in January, and one Taibus household
    street = divisions["street"]
    one, three, single, gone = (household_factory(head_name=n) for n in ("赵一", "钱二", "孙三", "李四"))
    three.member_count = 3
    three.save()
    enrol(one, street, "500.00", JAN, level="A")
    enrol(three, street, "900.00", FEB, level="B")
    enrol(single, street, "1200.00", JAN, programme="extreme_poverty_support", person=single.head)
    enrol(gone, street, "300.00", month(2025, 6), until=FEB, ends=JAN, status="ended")
    enrol(
        household_factory(head_name="周五", division_code="152527201206", actor=users["taibus_caseworker"]),
        divisions["sumu"],
        "700.00",
        JAN,
    )
    checker = make_user("county2", "county_approver", divisions["xincheng"])
    approve(
        services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN),
        users["county"],
        checker,
    )
    approve(
        services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=FEB),
        users["county"],
        checker,
    )

    # when
    stats = selectors.payment_statistics(actor=users["county"], month=FEB)

    # then
    assert stats.total == selectors.RecipientRow("合计", 3, 5, 1, 1)
    assert stats.by_programme == [
        selectors.RecipientRow("最低生活保障", 2, 4, 1, 1),
        selectors.RecipientRow("特困人员救助供养", 1, 1, 0, 0),
    ]
    assert stats.by_level[:2] == [
        selectors.RecipientRow("最低生活保障 · A", 1, 1, 0, 0),
        selectors.RecipientRow("最低生活保障 · B", 1, 3, 1, 0),
    ]
    assert stats.by_urban_rural[0] == selectors.RecipientRow("最低生活保障 · 城镇", 2, 4, 1, 1)
    assert stats.amount_total == selectors.AmountRow("合计", 3, D("2600.00"), D("0.00"), D("0.00"))
    assert stats.amount_by_division == [
        selectors.AmountRow("海拉尔东路街道", 3, D("2600.00"), D("0.00"), D("0.00"))
    ]

    # scoping: the region sees Taibus too (no payroll there), a Taibus caseworker sees only Taibus
    assert selectors.payment_statistics(actor=users["region"], month=FEB).total.households == 4
    taibus = selectors.payment_statistics(actor=users["taibus_caseworker"], month=FEB)
    assert (taibus.total.households, taibus.amount_total.total) == (1, D("0.00"))
