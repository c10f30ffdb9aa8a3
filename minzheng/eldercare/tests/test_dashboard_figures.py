"""The 智慧养老 overview on a small fixture: exact figures, drill-down, scoping, Excel and the API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from minzheng.eldercare.choices import OrderStatus
from minzheng.eldercare.models import OlderPerson, ServiceOrder
from minzheng.eldercare.selectors.dashboard import eldercare_dashboard

from .fixtures_settlement import at, care, order_make  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_orders(care):  # noqa: F811
    m, (a, b, c) = care["month"], care["olders"]
    OlderPerson.objects.filter(pk=a.pk).update(lives_alone=True, advanced_age=True)
    OlderPerson.objects.filter(pk=b.pk).update(dibao=True)
    meal, cleaning = care["meal"], care["cleaning"]
    first = order_make(a, meal, at(m, 10))
    ServiceOrder.objects.filter(pk=first.pk).update(rating=5)
    order_make(a, cleaning, at(m, 11, 12), late_minutes=150)
    order_make(a, meal, at(m, 12), status=OrderStatus.SERVED)
    disputed = order_make(b, meal, at(m, 13), status=OrderStatus.DISPUTED, dispute_reason="饭菜已凉")
    ServiceOrder.objects.filter(pk=disputed.pk).update(rating=1)
    order_make(b, meal, at(m, 14), status=OrderStatus.NO_SHOW)
    order_make(c, meal, at(m, 15), status=OrderStatus.CANCELLED)
    order_make(care["far_older"], care["far_meal"], at(m, 15))
    order_make(a, meal, at(m, 1, 0) - dt.timedelta(days=3))  # the month before: not counted
    return care


def test_figures_of_the_county(month_of_orders):
    care = month_of_orders  # noqa: F811 - the fixture, extended
    board = eldercare_dashboard(actor=care["maker"], month=care["month"])
    t = board.totals
    assert (t["orders"], t["served"], t["confirmed"], t["disputed"], t["no_show"]) == (5, 4, 2, 1, 1)
    assert (t["checked_in"], t["on_time"], t["on_time_rate"], t["confirmation_rate"]) == (
        4, 3, Decimal("75.0"), Decimal("50.0"))  # fmt: skip
    assert (t["low_rating"], t["subsidy"]) == (1, Decimal("52.00"))
    coverage = {row["key"]: (row["people"], row["served"], row["rate"]) for row in board.coverage}
    assert coverage["all"] == (3, 2, Decimal("66.7"))
    assert coverage["advanced_age"] == (1, 1, Decimal("100.0"))
    assert coverage["dibao"] == (1, 1, Decimal("100.0"))
    assert coverage["empty_nest"] == (0, 0, None)
    assert [(k["label"], k["orders"]) for k in board.by_kind] == [("助餐", 4), ("助洁", 1)]
    assert [(p["provider__name"], p["orders"]) for p in board.by_provider] == [("安康居家养老服务中心", 5)]
    assert [(a["name"], a["people"], a["orders"]) for a in board.areas] == [("海拉尔东路街道", 3, 5)]


def test_drill_down_and_scope(month_of_orders, users):
    care = month_of_orders  # noqa: F811 - the fixture, extended
    street = eldercare_dashboard(actor=care["maker"], month=care["month"], division_code="150102001000")
    assert [(a["name"], a["people"], a["orders"], a["on_time_rate"]) for a in street.areas] == [
        ("锡林南路社区居委会", 2, 5, Decimal("75.0")),
        ("东风路社区居委会", 1, 0, None),
    ]
    assert [d.name for d in street.breadcrumb] == ["新城区", "海拉尔东路街道"]
    region = eldercare_dashboard(actor=users["region"], month=care["month"])
    assert (region.totals["orders"], region.coverage[0]["people"]) == (6, 4)


def test_page_excel_and_api(client, month_of_orders):
    care = month_of_orders  # noqa: F811 - the fixture, extended
    client.force_login(care["maker"])
    month = f"{care['month']:%Y-%m}"
    page = client.get("/eldercare/", {"month": month})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="card-orders">5<' in body
    assert "75.0% / 50.0%" in body
    assert "/eldercare/settlements/" in body
    assert "eldercare-chart-data" in body
    assert "vendor/echarts.min.js" in body
    excel = client.get("/eldercare/", {"month": month, "format": "xlsx"})
    book = load_workbook(io.BytesIO(excel.content))
    assert list(book["覆盖情况"].iter_rows(values_only=True))[2] == ("全部老年人", 3, 2, 66.7)
    kinds = list(book["按服务类别"].iter_rows(values_only=True))
    assert kinds[1][:3] == ("助餐", 4, 3)
    api = client.get("/api/v1/eldercare/dashboard", {"month": month}).json()
    assert (api["totals"]["orders"], api["totals"]["on_time_rate"]) == (5, "75.0")
    assert client.get("/eldercare/", {"division": "152527"}).status_code == 403
