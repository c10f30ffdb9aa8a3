"""The what-if of standard setting (issue 3 §7): exact gains, losses and cost differences by division,
through the service, the page (HTTP), the Excel export and the permission rules."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import id_number
from minzheng.audit.models import Event
from minzheng.benefits.whatif import ProposedChange, WhatIfInvalid, whatif_run
from minzheng.common.errors import PermissionDenied
from minzheng.registry.models import IncomeRecord, Membership, Person

pytestmark = pytest.mark.django_db

D = dt.date
VALID_FROM = D(2025, 1, 1)  # the reference period is the 12 months of 2024; built-in urban standard 840
URL = "/benefits/what-if/"


def _wage(household, person, monthly: str) -> None:
    IncomeRecord.objects.create(household=household, person=person, category="wage",
                                amount=Decimal(monthly) * 12, period_start=D(2024, 1, 1), period_end=D(2024, 12, 31))  # fmt: skip


@pytest.fixture
def scenario(household_factory, users):
    """Three households: in Hohhot (urban) one at 850 per capita (above 840, below 882 = 840 × 1.05) and
    one couple at 300 per capita; in Taibus (rural, Xilingol) one at 100 per capita."""
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    above = household_factory(head_name="略高")
    _wage(above, above.head, "850.00")
    couple = household_factory(head_name="夫妻")
    spouse = Person.objects.create(name="配偶", id_number_encrypted="x", id_number_index="spouse-1",
                                   id_number_masked="x", birth_date=D(1982, 2, 2), sex="female",
                                   employment_status="unemployed", household=couple)  # fmt: skip
    Membership.objects.create(
        household=couple, person=spouse, relation_to_head="spouse", joined_on=D(2020, 1, 1)
    )
    _wage(couple, couple.head, "600.00")
    rural = household_factory(actor=users["taibus_caseworker"], division_code="152527201206", head_name="牧民",
                              id_number=id_number("152527", seq=77))  # fmt: skip
    _wage(rural, rural.head, "100.00")
    return {"above": above, "couple": couple, "rural": rural}


def _change(**overrides) -> ProposedChange:
    fields = {"key": "dibao.standard_monthly", "division_code": "150100000000", "urban_rural": "urban",
              "valid_from": VALID_FROM, "percent": Decimal(5)}  # fmt: skip
    fields.update(overrides)
    return ProposedChange(**fields)


def test_five_percent_on_hohhot_urban_gains_one_household_and_costs_116_a_month(scenario, users):
    report = whatif_run(actor=users["region"], change=_change())
    assert report.value_before == "840.00"
    assert report.value_after == "882.00"
    assert [(r.division_code, r.division_name) for r in report.rows] == [
        ("150100000000", "呼和浩特市"), ("152500000000", "锡林郭勒盟")]  # fmt: skip
    hohhot, xilingol = report.rows
    # before: the couple (840 − 300) × 2 = 1080; after: (882 − 300) × 2 = 1164 and (882 − 850) × 1 = 32
    assert (hohhot.households, hohhot.dibao_before, hohhot.dibao_after) == (2, 1, 2)
    assert (hohhot.gained, hohhot.lost, hohhot.changed) == (1, 0, 1)
    assert (hohhot.persons_before, hohhot.persons_after) == (2, 3)
    assert (hohhot.monthly_before, hohhot.monthly_after) == (Decimal("1080.00"), Decimal("1196.00"))
    assert hohhot.monthly_difference == Decimal("116.00")
    assert hohhot.annual_difference == Decimal("1392.00")
    # Xilingol's rural standard is untouched: (670 − 100) × 1 = 570 before and after
    assert (xilingol.monthly_before, xilingol.monthly_difference, xilingol.gained) == (
        Decimal("570.00"),
        0,
        0,
    )
    assert report.total.monthly_difference == Decimal("116.00")
    assert report.total.households == 3
    event = Event.objects.get(verb="benefits.whatif_run")
    assert event.data["monthly_difference"] == "116.00"


def test_a_new_value_and_a_cut_lose_households(scenario, users):
    report = whatif_run(actor=users["region"], change=_change(percent=None, value="299.00"), level=3)
    assert report.rows[0].division_code == "150102000000"  # 新城区 at county level
    assert (report.total.lost, report.total.gained) == (1, 0)
    assert report.total.monthly_after == Decimal("570.00")  # only the Taibus household remains


def test_a_prefecture_supervisor_sees_only_its_league_and_cannot_test_another(scenario, users):
    report = whatif_run(actor=users["prefecture"], change=_change())
    assert report.total.households == 2
    assert [r.division_code for r in report.rows] == ["150102000000"]
    with pytest.raises(PermissionDenied):
        whatif_run(actor=users["prefecture"], change=_change(division_code="152500000000"))


def test_unsupported_key_and_percent_on_a_rule_set_are_refused(scenario, users):
    with pytest.raises(WhatIfInvalid) as caught:
        whatif_run(actor=users["region"], change=_change(key="orphan.home_monthly"))
    assert caught.value.field == "key"
    with pytest.raises(WhatIfInvalid) as caught:
        whatif_run(actor=users["region"], change=_change(key="supplements"))
    assert caught.value.field == "percent"


def _query(**overrides) -> dict[str, str]:
    query = {"run": "1", "key": "dibao.standard_monthly", "division_code": "150100000000", "urban_rural": "urban",
             "valid_from": "2025-01-01", "percent": "5", "value": "", "level": ""}  # fmt: skip
    query.update(overrides)
    return query


def test_page_shows_the_report_and_exports_it(client, scenario, users):
    client.force_login(users["region"])
    page = client.post(URL, _query(), follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0].startswith("/benefits/what-if/jobs/")
    html = page.content.decode()
    assert 'id="whatif-after">882.00<' in html
    assert 'id="whatif-gained">1<' in html
    assert 'id="whatif-monthly">116.00<' in html
    assert 'id="whatif-annual">1392.00<' in html
    assert "呼和浩特市" in html
    assert 'id="whatif-chart-data"' in html
    workbook = client.get(page.redirect_chain[-1][0], {"format": "xlsx"})
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[4][:3] == ("区划代码", "区划", "在册户数")
    assert rows[-1][1] == "合计"
    assert rows[-1][13] == 116  # 月差额


def test_page_htmx_returns_only_the_report(client, scenario, users):
    client.force_login(users["region"])
    page = client.post(URL, _query(), HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="whatif-report"')
    assert page["HX-Push-Url"].startswith("/benefits/what-if/jobs/")
    assert "<html" not in html


def test_page_errors_are_chinese_and_nothing_runs(client, scenario, users):
    client.force_login(users["region"])
    both = client.post(URL, _query(value="900"))
    assert "调整比例与新取值只能填一个" in both.content.decode()
    missing = client.post(URL, _query(valid_from="2019-01-01"))  # no urban standard was found for 2019
    assert "没有适用于" in missing.content.decode()  # ParameterMissing: no standard on that date
    assert not Event.objects.filter(verb="benefits.whatif_run").exists()


def test_page_is_for_standard_setters_only(client, scenario, users):
    client.force_login(users["caseworker"])
    assert client.get(URL).status_code == 403
    client.force_login(users["county"])
    assert client.get(URL).status_code == 200


def test_the_form_as_it_opens_runs_and_shows_no_codes(client, scenario, users):
    """Issue 14: the default used to be 城乡通用, which finds no 低保 standard where towns and countryside
    differ; the parameters were listed with their keys; the new value was a JSON textarea."""
    client.force_login(users["prefecture"])
    form = client.get(URL).context["form"]
    assert form["urban_rural"].value() == "urban"
    assert form["division_code"].value() == "150100000000"
    assert form["key"].value() == "dibao.standard_monthly"
    assert [label for _, label in form.fields["key"].choices][:2] == [
        "最低生活保障标准",
        "低保边缘家庭人均收入上限（低保标准的倍数）",
    ]
    assert 'class="form-select"' in str(form["key"])
    assert "<textarea" not in str(form["value"])
    query = {name: form[name].value() or "" for name in ("key", "division_code", "urban_rural", "level")}
    page = client.post(
        URL, {**query, "run": "1", "valid_from": "2025-01-01", "percent": "5", "value": ""}, follow=True
    )
    html = page.content.decode()
    assert 'id="whatif-after">882.00<' in html
    assert "没有适用于" not in html
