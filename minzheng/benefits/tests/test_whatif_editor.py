"""The what-if editor of rule-type parameters (issue 14): the value in force as a table with an input per
figure; editing a figure runs the what-if with the value in force and that figure changed, and the page's
totals are the service's for the same value; a wrong figure is refused beside its cell (422), nothing run."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import id_number
from minzheng.audit.models import Event
from minzheng.benefits.whatif import ProposedChange, whatif_run
from minzheng.policy.rules import parameter_value_normalise
from minzheng.registry.models import AssetRecord, IncomeRecord

pytestmark = pytest.mark.django_db

D = dt.date
URL = "/benefits/what-if/"
BASIS = {"division_code": "150100000000", "urban_rural": "urban", "valid_from": "2025-01-01", "level": ""}


def _wage(household, monthly: str) -> None:
    IncomeRecord.objects.create(household=household, person=household.head, category="wage",
                                amount=Decimal(monthly) * 12, period_start=D(2024, 1, 1), period_end=D(2024, 12, 31))  # fmt: skip


@pytest.fixture
def homes(household_factory):
    """Four households in Xincheng (urban standard 840 in 2025): a 94-year-old at 300 a month (80—99
    bracket, a 老年人 supplement), a 102-year-old at 850 (100+ bracket), one at 300 with 5000 yuan of
    deposits (an asset limit not configured) and one at 333.33 (506.67 a month before rounding to yuan)."""
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    old = household_factory(head_name="老人", id_number=id_number("150102", D(1930, 3, 1), seq=201))
    _wage(old, "300.00")
    hundred = household_factory(head_name="百岁", id_number=id_number("150102", D(1922, 6, 1), seq=203))
    _wage(hundred, "850.00")
    saver = household_factory(head_name="存款")
    _wage(saver, "300.00")
    AssetRecord.objects.create(household=saver, person=saver.head, category="deposit", value=Decimal("5000.00"),
                               valued_on=D(2024, 12, 1))  # fmt: skip
    odd = household_factory(head_name="尾数")
    _wage(odd, "333.33")
    return {"old": old, "hundred": hundred, "saver": saver, "odd": odd}


def _editor(client, key: str, **extra):
    """The page as it reloads the editor for ``key`` (the button a browser without JavaScript shows)."""
    return client.get(URL, {"run": "1", "key": key, **BASIS, "refresh": "1", **extra})


def _figures(response) -> dict[str, str]:
    """Every hidden and editor input of the form as the page filled it in."""
    form = response.context["form"]
    names = [n for n in form.fields if n.startswith("row-") or n in ("method", "unit", "basis", "rows")]
    return {name: "" if form[name].value() is None else str(form[name].value()) for name in names}


def _run(client, key: str, **cells):
    """Submit the run as the page's button does (POST); a valid run is followed to its job's page."""
    figures = _figures(_editor(client, key))
    return client.post(URL, {"run": "1", "key": key, **BASIS, **figures, **cells}, follow=True)


def _service(users, key: str, value) -> object:
    change = ProposedChange(key, "150100000000", "urban", D(2025, 1, 1), value=value)
    return whatif_run(actor=users["region"], change=change)


def _in_force(key: str):
    from minzheng.benefits.columnar import stored_params

    return stored_params().get(key, "150100000000", "urban", D(2025, 1, 1)).value


def _same_totals(page_report, direct) -> None:
    page, service = page_report.total, direct.total
    names = ("households", "dibao_before", "dibao_after", "gained", "lost", "changed", "monthly_before",
             "monthly_after", "manual_before", "manual_after", "senior_before", "senior_after")  # fmt: skip
    assert {n: getattr(page, n) for n in names} == {n: getattr(service, n) for n in names}


# --- the value in force, shown -------------------------------------------------------------------------


def test_supplements_editor_shows_the_rules_in_force(client, homes, users):
    client.force_login(users["region"])
    page = _editor(client, "supplements")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<textarea" not in html
    assert '"when"' not in html
    table = html[html.index('id="whatif-rule-table"') :]
    assert "老年人" in table
    assert "60 岁及以上" in table
    assert "未满 18 周岁" in table
    assert "残疾等级为一级、二级" in table
    assert "患重病" in table
    assert _figures(page) == {"basis": "supplements|150100000000|urban|2025-01-01", "rows": "",
                              "row-0-amount": "", "row-1-amount": "", "row-2-amount": "", "row-3-amount": ""}  # fmt: skip
    assert "金额留空表示未设定：有此类成员的低保家庭需人工核定。" in html
    assert 'id="id_percent"' not in html
    assert 'id="id_value"' not in html


def test_assets_editor_shows_categories_in_chinese(client, homes, users):
    client.force_login(users["region"])
    page = _editor(client, "assets.rules")
    table = page.content.decode().split('id="whatif-rule-table"')[1]
    assert "金融资产（存款、有价证券、基金、商业保险、债权、互联网金融资产）" in table
    assert "债权、商业保险（现金价值）、银行存款、基金、互联网金融资产、有价证券" in table
    assert "家庭人均价值（元/人）" in table
    assert "件数" in table
    assert "deposit" not in table
    assert "value_per_capita" not in table
    assert [_figures(page)[f"row-{i}-max"] for i in range(5)] == ["", "", "", "", ""]
    assert 'aria-label="车辆（机动车、船舶、大型农机具）上限"' in table


def test_brackets_editor_shows_the_brackets_in_force(client, homes, users):
    client.force_login(users["region"])
    figures = _figures(_editor(client, "senior_allowance.brackets"))
    assert figures == {"basis": "senior_allowance.brackets|150100000000|urban|2025-01-01", "rows": "2",
                       "row-0-age_min": "80", "row-0-age_max": "99", "row-0-amount": "100.00",
                       "row-1-age_min": "100", "row-1-age_max": "", "row-1-amount": "600.00"}  # fmt: skip


def test_rounding_editor_shows_selects_in_chinese(client, homes, users):
    client.force_login(users["region"])
    page = _editor(client, "rounding")
    html = page.content.decode()
    assert _figures(page) == {"basis": "rounding|150100000000|urban|2025-01-01", "rows": "", "method": "half_up",
                              "unit": "0.01"}  # fmt: skip
    assert '<option value="half_up" selected>四舍五入</option>' in html
    assert '<option value="1">1 元（到元）</option>' in html


def test_a_place_without_the_rule_says_so(client, homes, users):
    client.force_login(users["region"])
    html = _editor(client, "senior_allowance.brackets", valid_from="2010-01-01").content.decode()
    assert 'id="whatif-editor-error"' in html
    assert "没有适用于" in html
    assert 'id="whatif-rule-table"' not in html


# --- edited figures run the what-if --------------------------------------------------------------------


def test_a_supplement_amount_runs_with_the_rule_in_force_and_that_amount(client, homes, users):
    client.force_login(users["region"])
    page = _run(client, "supplements", **{"row-0-amount": "50"})
    assert page.status_code == 200
    expected = copy.deepcopy(_in_force("supplements"))
    expected[0]["amount"] = "50.00"
    report = page.context["report"]
    assert report.value_after == parameter_value_normalise("supplements", expected)
    direct = _service(users, "supplements", expected)
    _same_totals(report, direct)
    # the 94-year-old, 需人工核定 before, is now costed: (840 − 300) + 50 a month
    assert (report.total.manual_before - report.total.manual_after, report.total.gained) == (1, 1)
    assert report.total.monthly_difference == Decimal("590.00")
    html = page.content.decode()
    assert 'id="whatif-monthly">590.00<' in html
    assert (
        '老年人：<span class="text-secondary">未设定（需人工核定）</span> → <strong>50.00 元/月</strong>'
        in html
    )


def test_an_asset_limit_runs_with_that_limit(client, homes, users):
    client.force_login(users["region"])
    page = _run(client, "assets.rules", **{"row-0-max": "10000"})
    assert page.status_code == 200
    expected = copy.deepcopy(_in_force("assets.rules"))
    expected[0]["max"] = "10000.00"
    report = page.context["report"]
    assert report.value_after == expected
    _same_totals(report, _service(users, "assets.rules", expected))
    assert report.total.manual_before - report.total.manual_after == 1  # the saver's 5000 is under 10000
    assert f'id="whatif-monthly">{report.total.monthly_difference}<' in page.content.decode()


def test_a_bracket_amount_runs_and_costs_the_difference(client, homes, users):
    client.force_login(users["region"])
    page = _run(client, "senior_allowance.brackets", **{"row-1-amount": "800"})
    assert page.status_code == 200
    expected = [{"age_min": 80, "age_max": 99, "amount": "100.00"},
                {"age_min": 100, "age_max": None, "amount": "800.00"}]  # fmt: skip
    report = page.context["report"]
    assert report.value_before == _in_force("senior_allowance.brackets")
    assert report.value_after == expected
    _same_totals(report, _service(users, "senior_allowance.brackets", expected))
    assert (report.total.senior_before, report.total.senior_after) == (Decimal("700.00"), Decimal("900.00"))
    assert "100 岁以上 800.00 元/月" in page.content.decode()
    # and the Excel file words the change as the page does, not as the stored structure
    workbook = client.get(page.redirect_chain[-1][0], {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "参数：高龄津贴年龄段标准"
    assert rows[2][:3] == (
        "调整：年龄段标准",
        "现行：80—99 岁 100.00 元/月；100 岁以上 600.00 元/月",
        "调整后：80—99 岁 100.00 元/月；100 岁以上 800.00 元/月",
    )
    assert not any("{" in str(cell) for row in rows for cell in row if cell)


def test_a_rounding_rule_runs_with_the_chosen_method_and_unit(client, homes, users):
    client.force_login(users["region"])
    page = _run(client, "rounding", method="up", unit="1")
    expected = {"method": "up", "unit": "1"}
    report = page.context["report"]
    assert report.value_after == expected
    _same_totals(report, _service(users, "rounding", expected))
    assert report.total.monthly_difference == Decimal("0.33")  # 506.67 → 507
    assert "四舍五入到 0.01 元" in page.content.decode()


def test_an_added_bracket_is_sorted_into_place(client, homes, users):
    client.force_login(users["region"])
    figures = _figures(_editor(client, "senior_allowance.brackets"))
    figures = _figures(_editor(client, "senior_allowance.brackets", add_row="1", **figures))
    assert figures["rows"] == "3"
    assert figures["row-2-age_min"] == ""
    cells = {
        **figures,
        "row-0-age_min": "90",
        "row-2-age_min": "80",
        "row-2-age_max": "89",
        "row-2-amount": "50",
    }
    page = client.post(URL, {"run": "1", "key": "senior_allowance.brackets", **BASIS, **cells}, follow=True)
    assert page.status_code == 200
    assert page.context["report"].value_after == [
        {"age_min": 80, "age_max": 89, "amount": "50.00"}, {"age_min": 90, "age_max": 99, "amount": "100.00"},
        {"age_min": 100, "age_max": None, "amount": "600.00"}]  # fmt: skip


def test_a_removed_bracket_row_is_gone_and_nothing_runs(client, homes, users):
    client.force_login(users["region"])
    figures = _figures(_editor(client, "senior_allowance.brackets"))
    query = {"run": "1", "key": "senior_allowance.brackets", **BASIS, **figures, "row-1-amount": "700"}
    page = client.post(URL, {**query, "remove_row": "0"})
    assert page.context["report"] is None
    assert _figures(page) == {"basis": figures["basis"], "rows": "1", "row-0-age_min": "100", "row-0-age_max": "",
                              "row-0-amount": "700"}  # fmt: skip
    assert not Event.objects.filter(verb="benefits.whatif_run").exists()


# --- refused figures -----------------------------------------------------------------------------------


def _cell_error(html: str, name: str) -> str:
    """The error shown in the table cell of input ``name``."""
    cell = re.search(rf'<td class="whatif-cell w-25"><input[^>]*name="{name}"[^>]*>(.*?)</td>', html, re.S)
    assert cell, name
    found = re.search(rf'data-field="{name}">([^<]*)<', cell.group(1))
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("key", "cells", "name", "message"),
    [
        ("supplements", {"row-0-amount": "-5"}, "row-0-amount", "金额不能为负数（-5）"),
        ("supplements", {"row-2-amount": "12.345"}, "row-2-amount", "金额 12.345 最多两位小数（分）"),
        ("assets.rules", {"row-1-max": "-1"}, "row-1-max", "件数不能为负数"),
        ("assets.rules", {"row-0-max": "很多"}, "row-0-max", "金额“很多”不是数字"),
        (
            "senior_allowance.brackets",
            {"row-0-age_max": "70"},
            "row-0-age_max",
            "截止年龄不能小于起始年龄（80 岁）",
        ),
        ("senior_allowance.brackets", {"row-1-age_min": "95"}, "row-1-age_min", "与 80—99 岁 的年龄段重叠"),
        ("senior_allowance.brackets", {"row-0-amount": ""}, "row-0-amount", "请填写金额"),
        ("senior_allowance.brackets", {"row-1-amount": "-600"}, "row-1-amount", "金额不能为负数（-600）"),
    ],
)
def test_a_wrong_figure_is_refused_beside_its_cell(client, homes, users, key, cells, name, message):
    client.force_login(users["region"])
    page = _run(client, key, **cells)
    assert page.status_code == 422
    html = page.content.decode()
    assert _cell_error(html, name) == message
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag
    assert "is-invalid" in tag.group(0)
    assert 'aria-invalid="true"' in tag.group(0)
    assert "请更正表单中的错误" in html
    assert page.context["report"] is None
    assert not Event.objects.filter(verb="benefits.whatif_run").exists()


def test_htmx_refused_figures_come_back_in_the_editor_out_of_band(client, homes, users):
    client.force_login(users["region"])
    figures = _figures(_editor(client, "supplements"))
    page = client.post(URL, {"run": "1", "key": "supplements", **BASIS, **figures, "row-0-amount": "-5"},
                       HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-report")  # fmt: skip
    assert page.status_code == 422
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="whatif-report">')
    assert '<div id="whatif-editor" class="mb-3" hx-swap-oob="true">' in html
    assert _cell_error(html, "row-0-amount") == "金额不能为负数（-5）"


def test_htmx_editor_reload_returns_the_editor_of_the_new_choice(client, homes, users):
    client.force_login(users["region"])
    page = client.get(URL, {"run": "1", "key": "rounding", **BASIS, "basis": "x", "editor": "1"},
                      HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-editor")  # fmt: skip
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="whatif-editor"')
    assert 'name="method"' in html
    assert "<html" not in html
    assert 'id="whatif-report"' not in html
    numeric = client.get(URL, {"key": "dibao.standard_monthly", **BASIS, "editor": "1"},
                         HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-editor")  # fmt: skip
    assert 'id="id_percent"' in numeric.content.decode()


def test_a_run_for_figures_read_elsewhere_reloads_them_and_runs_nothing(client, homes, users):
    """Without JavaScript the editor is not reloaded when the parameter or place changes: the run reloads
    it instead of applying figures read for another value."""
    client.force_login(users["region"])
    figures = _figures(_editor(client, "senior_allowance.brackets"))
    page = client.post(URL, {"run": "1", "key": "senior_allowance.brackets", **BASIS, **figures,
                             "valid_from": "2025-06-01", "row-0-amount": "5"})  # fmt: skip
    assert page.status_code == 200
    assert page.context["report"] is None
    assert 'id="whatif-notice"' in page.content.decode()
    assert _figures(page)["row-0-amount"] == "100.00"  # the one in force, not the one typed for another date
    assert not Event.objects.filter(verb="benefits.whatif_run").exists()


def test_htmx_editor_reload_between_numbers_keeps_what_is_typed(client, homes, users):
    """Another place or date for a number changes nothing in its inputs: 204, htmx swaps nothing."""
    client.force_login(users["region"])
    shown = "dibao.standard_monthly|150100000000|urban|2025-01-01"
    query = {"key": "margin.income_multiple", **BASIS, "basis": shown, "percent": "5", "editor": "1"}
    page = client.get(URL, query, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-editor")
    assert page.status_code == 204
    back = client.get(
        URL, {**query, "key": "rounding"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-editor"
    )
    assert back.status_code == 200
    assert 'name="method"' in back.content.decode()


def test_the_editor_reads_the_stored_version_for_the_place_and_date(client, homes, users):
    """A league's own brackets from 2024 are what the editor shows for Hohhot in 2025 — and the region's
    for a date before them."""
    from minzheng.policy.services import parameter_set

    brackets = [
        {"age_min": 80, "age_max": 89, "amount": "120"},
        {"age_min": 90, "age_max": None, "amount": "300"},
    ]
    parameter_set(actor=users["prefecture"], key="senior_allowance.brackets", division_code="150100000000",
                  urban_rural="", valid_from=D(2024, 1, 1), value=brackets, source="测试", status="confirmed")  # fmt: skip
    client.force_login(users["prefecture"])
    figures = _figures(_editor(client, "senior_allowance.brackets"))
    assert [figures[f"row-{i}-{n}"] for i in (0, 1) for n in ("age_min", "age_max", "amount")] == [
        "80", "89", "120.00", "90", "", "300.00"]  # fmt: skip
    earlier = _figures(_editor(client, "senior_allowance.brackets", valid_from="2023-06-01"))
    assert earlier["row-1-amount"] == "600.00"
