"""The statistics a supervisor reads (issue 14 §5): exact figures at every level, month and year to date,
户次/人次 of 临时救助 with the reserve fund counted, care tiers by name, and drill-down kept inside the
jurisdiction. Expected figures are worked out by hand from ``scenario`` and checked against the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from minzheng.divisions.errors import DivisionNotFound
from minzheng.payments.models import PayrollLine, ReserveEntry
from minzheng.payments.tests.factories import enrol
from minzheng.statistics import selectors
from minzheng.statistics.rules import Period

from . import scenario
from .scenario import FEB

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def data(users, divisions, household_factory, make_user):
    return scenario.build(users, divisions, household_factory, make_user)


def _db_money(prefix: str, first, last) -> tuple[Decimal, Decimal]:
    """Owed and paid from the database: approved payroll lines of the months plus reserve draws."""
    lines = PayrollLine.objects.filter(
        payroll__status="approved",
        payroll__month__gte=first,
        payroll__month__lte=last,
        household__hukou_division__code__startswith=prefix,
    )
    draws = ReserveEntry.objects.filter(
        kind="draw",
        entry_date__gte=first,
        entry_date__lt=scenario.MAR,
        application__household__hukou_division__code__startswith=prefix,
    ).aggregate(s=Sum("amount"))["s"] or D(0)
    owed = (lines.aggregate(s=Sum("amount"))["s"] or D(0)) + draws
    paid = (lines.filter(payment_status="paid").aggregate(s=Sum("amount"))["s"] or D(0)) + draws
    return owed, paid


def cells(table: selectors.Table) -> list[tuple]:
    return [row.cells for row in table.all_rows()]


def test_county_month_by_township_and_programme(users, data):
    report = selectors.statistics_report(actor=users["county"], month=FEB)

    # the county sees its townships, with the total row
    assert report.division.name == "新城区"
    assert report.areas.headers == (
        "苏木乡镇（街道）",
        "最低生活保障户数",
        "最低生活保障人数",
        "特困人员救助供养人数",
        "临时救助户次",
        "临时救助人次",
        "应发金额（元）",
        "实发金额（元）",
    )
    # 低保 A (4) and B (3); 特困 C and D; 临时救助 E (payroll, 2 members) and F (reserve, 2 members, two
    # draws = one grant); owed 500 + 900 + 1200 + 800 + 2000 + 300 reserve; paid A's 500 + the reserve 300
    assert cells(report.areas) == [
        ("海拉尔东路街道", 2, 7, 2, 2, 4, D("5700.00"), D("800.00")),
        ("合计", 2, 7, 2, 2, 4, D("5700.00"), D("800.00")),
    ]
    assert _db_money("150102", FEB, FEB) == (D("5700.00"), D("800.00"))
    assert report.areas.rows[0].code == "150102001000"  # links one level down

    # by programme: catalogue labels, 特困 care tiers by name (never full/none/partial)
    programmes = cells(report.programmes)
    assert programmes[:5] == [
        ("最低生活保障", 2, 7, "—", "—", D("1400.00"), D("500.00")),
        ("特困人员救助供养", 2, 2, "—", "—", D("2000.00"), D("0.00")),
        ("特困人员救助供养 · 部分丧失生活自理能力", 1, 1, "—", "—", "—", "—"),
        ("特困人员救助供养 · 完全丧失生活自理能力", 1, 1, "—", "—", "—", "—"),
        ("临时救助", "—", "—", 2, 4, D("2300.00"), D("300.00")),
    ]
    assert programmes[-1] == ("合计", "—", "—", 2, 4, D("5700.00"), D("800.00"))
    flat = " ".join(str(c) for row in programmes for c in row)
    assert not any(code in flat for code in ("full", "none", "partial", "dibao", "temporary"))


def test_year_to_date_adds_the_months(users, data):
    month = selectors.statistics_report(actor=users["county"], month=FEB)
    ytd = selectors.statistics_report(actor=users["county"], month=FEB, period=Period.YEAR_TO_DATE)

    # January adds A's reserve grant (4 persons, 300, paid in cash) and the January payroll (500 + 1200 + 800)
    assert ytd.first == scenario.JAN
    assert cells(ytd.areas)[-1] == ("合计", 2, 7, 2, 3, 8, D("8500.00"), D("1100.00"))
    assert _db_money("150102", scenario.JAN, FEB) == (D("8500.00"), D("1100.00"))
    assert cells(month.areas)[-1][4:6] == (2, 4)
    # the January month alone: only A was on 低保, and the one reserve grant
    january = selectors.statistics_report(actor=users["county"], month=scenario.JAN)
    assert cells(january.areas)[-1] == ("合计", 1, 4, 2, 1, 4, D("2800.00"), D("300.00"))


def test_a_household_enrolled_twice_in_the_year_counts_once(users, data, divisions):
    """B (3 members) was on 低保 in January too, under an enrolment that ended: year to date it is still one
    household of 3 persons, not 6."""
    enrol(
        data["b"], divisions["street"], "900.00", scenario.JAN, until=FEB, ends=scenario.JAN, status="ended"
    )
    ytd = selectors.statistics_report(actor=users["county"], month=FEB, period=Period.YEAR_TO_DATE)
    assert cells(ytd.areas)[-1][:3] == ("合计", 2, 7)
    assert cells(ytd.programmes)[0][:3] == ("最低生活保障", 2, 7)


def test_every_level_rolls_up_one_level_down(users, data):
    region = selectors.statistics_report(actor=users["region"], month=FEB)
    assert cells(region.areas) == [
        ("呼和浩特市", 2, 7, 2, 2, 4, D("5700.00"), D("800.00")),
        ("锡林郭勒盟", 1, 1, 0, 0, 0, D("700.00"), D("0.00")),
        ("合计", 3, 8, 2, 2, 4, D("6400.00"), D("800.00")),
    ]
    assert _db_money("15", FEB, FEB) == (D("6400.00"), D("800.00"))
    league = selectors.statistics_report(actor=users["prefecture"], month=FEB)
    assert [r.cells[0] for r in league.areas.all_rows()] == ["新城区", "合计"]
    assert league.areas.total == region.areas.rows[0].__class__(("合计", *region.areas.rows[0].cells[1:]))

    # the township sees its communities (where the households are registered)
    township = selectors.statistics_report(actor=users["reviewer"], month=FEB)
    assert township.row_level == "嘎查村（社区）"
    rows = cells(township.areas)
    assert rows == [
        ("锡林南路社区居委会", 2, 7, 1, 0, 0, D("2600.00"), D("500.00")),
        ("东风路社区居委会", 0, 0, 1, 2, 4, D("3100.00"), D("300.00")),
        ("合计", 2, 7, 2, 2, 4, D("5700.00"), D("800.00")),
    ]
    assert _db_money(scenario.COMMUNITY2, FEB, FEB) == (D("3100.00"), D("300.00"))
    assert all(row.code == "" for row in township.areas.rows)  # nothing below a village

    # a village assistant sees its own row, without money
    village = selectors.statistics_report(actor=users["assistant"], month=FEB)
    assert cells(village.areas) == [("锡林南路社区居委会", 2, 7, 1, 0, 0), ("合计", 2, 7, 1, 0, 0)]


def test_drill_down_stays_inside_the_jurisdiction(users, data):
    # the region drills into a county and sees its townships
    county = selectors.statistics_report(actor=users["region"], month=FEB, division_code="150102000000")
    assert cells(county.areas)[-1] == ("合计", 2, 7, 2, 2, 4, D("5700.00"), D("800.00"))
    assert [d.name for d in county.breadcrumb] == ["内蒙古自治区", "呼和浩特市", "新城区"]
    # a county user cannot look into another county, nor up to its league
    for code in ("152527000000", "150100000000", "1525"):
        with pytest.raises(DivisionNotFound):
            selectors.statistics_report(actor=users["county"], month=FEB, division_code=code)
    # the breadcrumb starts at the user's own level
    own = selectors.statistics_report(actor=users["county"], month=FEB, division_code="150102001000")
    assert [d.name for d in own.breadcrumb] == ["新城区", "海拉尔东路街道"]


def test_a_month_without_figures_lists_the_children_with_zeros(users, divisions):
    report = selectors.statistics_report(actor=users["region"], month=FEB)
    assert cells(report.areas) == [
        ("呼和浩特市", 0, 0, 0, 0, 0, D("0.00"), D("0.00")),
        ("锡林郭勒盟", 0, 0, 0, 0, 0, D("0.00"), D("0.00")),
        ("合计", 0, 0, 0, 0, 0, D("0.00"), D("0.00")),
    ]
