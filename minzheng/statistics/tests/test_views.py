"""The statistics page: the tables on screen equal the Excel file cell for cell, drill-down links and the
breadcrumb, the period switch, refusals outside the jurisdiction, ECharts loaded here only."""

from __future__ import annotations

import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from openpyxl import load_workbook

from . import scenario

pytestmark = pytest.mark.django_db


class _Tables(HTMLParser):
    """The text of every cell of every ``<table id=…>``: {id: [[header…], [cell…], …]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.current = dict(attrs).get("id") or ""
            self.tables[self.current] = []
        elif tag == "tr" and self.current is not None:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.current is not None:
            self.tables[self.current][-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def as_text(cell) -> str:
    """A cell of the Excel file as a spreadsheet program shows it (money in the ``0.00`` format)."""
    if cell.value is None:
        return ""
    if cell.number_format == "0.00":
        return f"{Decimal(str(cell.value)):.2f}"
    return str(cell.value)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def data(users, divisions, household_factory, make_user):
    return scenario.build(users, divisions, household_factory, make_user)


@pytest.mark.parametrize(
    ("user", "query"),
    [
        ("region", "month=2026-02"),
        ("county", "month=2026-02&period=ytd"),
        ("reviewer", "month=2026-02"),
        ("region", "month=2026-01&division=150102000000"),
    ],
)
def test_excel_equals_the_screen(users, data, user, query):
    client = client_for(users[user])
    page = client.get(f"/statistics/?{query}")
    assert page.status_code == 200
    shown = tables(page.content.decode())
    response = client.get(f"/statistics/?{query}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    for sheet, table_id in (("按地区", "area-table"), ("按救助项目", "programme-table")):
        rows = list(book[sheet].iter_rows())
        # row 1 is the title (the page's heading), then the header, the rows and the total
        assert rows[0][0].value.startswith(page.context["title"])
        assert [[as_text(c) for c in row] for row in rows[1:]] == shown[table_id]


def test_page_links_down_and_back_up(users, data):
    region = client_for(users["region"])
    page = region.get("/statistics/?month=2026-02").content.decode()
    assert 'href="/statistics/?division=150100000000&amp;month=2026-02&amp;period=month"' in page
    assert shown_total(page) == ["合计", "3", "8", "2", "2", "4", "6400.00", "800.00"]
    county = region.get("/statistics/?division=150102000000&month=2026-02&period=month").content.decode()
    assert '<span aria-current="page">新城区</span>' in county
    assert (
        'href="/statistics/?division=150000000000&amp;month=2026-02&amp;period=month">内蒙古自治区' in county
    )
    assert shown_total(county) == ["合计", "2", "7", "2", "2", "4", "5700.00", "800.00"]
    # the period switch keeps the division and the month
    assert 'href="/statistics/?division=150102000000&amp;month=2026-02&amp;period=ytd">本年累计' in county


def shown_total(html: str) -> list[str]:
    return tables(html)["area-table"][-1]


def test_drill_down_outside_the_jurisdiction_is_refused(users, data):
    county = client_for(users["county"])
    assert county.get("/statistics/?division=152527000000").status_code == 404
    assert county.get("/statistics/?division=150100000000").status_code == 404
    assert county.get("/statistics/?division=152527000000&format=xlsx").status_code == 404
    township = client_for(users["reviewer"])
    assert township.get("/statistics/?division=150102000000").status_code == 404
    assert county.get("/statistics/?division=150102001000").status_code == 200


def test_echarts_only_here_the_chart_data_and_the_old_address(users, data):
    county = client_for(users["county"])
    page = county.get("/statistics/?month=2026-02")
    html = page.content.decode()
    assert "vendor/echarts.min.js" in html
    assert "js/statistics.js" in html
    assert 'id="stats-chart-data"' in html
    chart = page.context["report"].chart
    assert chart["composition"] == [
        {"name": "最低生活保障", "value": "1400.00"},
        {"name": "特困人员救助供养", "value": "2000.00"},
        {"name": "临时救助", "value": "2300.00"},
    ]
    assert chart["trend"]["months"][-2:] == ["2026-01", "2026-02"]
    dibao = next(s for s in chart["trend"]["series"] if s["name"] == "最低生活保障")
    assert dibao["data"][-2:] == ["500.00", "1400.00"]
    temporary = next(s for s in chart["trend"]["series"] if s["name"] == "临时救助")
    assert temporary["data"][-2:] == ["300.00", "2300.00"]
    assert "echarts" not in county.get("/payments/").content.decode()
    # the old address (bookmarks, the payments tabs) leads here with its query
    old = county.get("/payments/statistics/?month=2026-02")
    assert (old.status_code, old["Location"]) == (302, "/statistics/?month=2026-02")
    # no raw codes on the page
    assert not any(code in html for code in (">full<", ">none<", ">partial<", "extreme_poverty_support<"))


def test_export_needs_the_capability_and_amounts_need_payments(users, data, make_user, divisions):
    assistant = client_for(users["assistant"])
    page = assistant.get("/statistics/?month=2026-02")
    assert "实发金额" not in page.content.decode()
    # without money to show, the composition is by households (锡林南路社区: 低保 A and B, 特困 C)
    chart = page.context["report"].chart
    assert chart["composition"] == [
        {"name": "最低生活保障", "value": 2},
        {"name": "特困人员救助供养", "value": 1},
    ]
    assert chart["composition_unit"] == "户"
    assert "trend" not in chart
    nobody = make_user("nodiv", "county_approver", None)
    assert client_for(nobody).get("/statistics/").status_code == 403
