"""The policy guide is cached per place, date and language (issue 21) and a parameter change is visible at
once: through the services, through a direct write of a row, and from the next day on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from minzheng.policy.models import Parameter
from minzheng.policy.services import parameter_set
from minzheng.portal import selectors

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _chinese():
    """The texts below are the Chinese ones; a page request of an earlier test may leave English active."""
    with translation.override("zh-hans"):
        yield


def dibao_standard(division, urban_rural: str = "urban", as_of: dt.date = DAY) -> str:
    guide = selectors.policy_guide(division=division, urban_rural=urban_rural, as_of=as_of)
    return guide.programme("dibao").figures[0].text


def parameter_queries(context: CaptureQueriesContext) -> int:
    return sum('"policy_parameter"' in q["sql"] for q in context.captured_queries)


def test_the_second_read_of_a_place_and_day_reads_no_parameter(params, divisions):
    first = selectors.policy_guide(division=divisions["xincheng"], as_of=DAY)
    with CaptureQueriesContext(connection) as context:
        second = selectors.policy_guide(division=divisions["xincheng"], as_of=DAY)

    assert parameter_queries(context) == 0
    assert second.programmes == first.programmes
    assert second.division == divisions["xincheng"]


def test_a_parameter_set_through_the_service_is_shown_at_once(params, divisions, users):
    assert dibao_standard(divisions["xincheng"]) == "840 元/人·月"

    parameter_set(
        actor=users["region"], key="dibao.standard_monthly", division_code="150102000000",
        urban_rural="urban", valid_from=dt.date(2026, 1, 1), value="905.50", source="新城区测试文件",
        status="confirmed",
    )  # fmt: skip

    assert dibao_standard(divisions["xincheng"]) == "905.50 元/人·月"
    # another place of the same day is recomputed too, and still shows the region's figure
    assert dibao_standard(divisions["taibus"]) == "840 元/人·月"


def test_a_row_written_outside_the_services_is_shown_at_once(params, divisions):
    assert dibao_standard(divisions["xincheng"]) == "840 元/人·月"
    row = (
        Parameter.objects.current()
        .in_force_on(DAY)
        .get(key="dibao.standard_monthly", division__code="150000000000", urban_rural="urban")
    )

    row.value = "850"
    row.save()
    assert dibao_standard(divisions["xincheng"]) == "850 元/人·月"

    row.delete()
    assert selectors.policy_guide(division=divisions["xincheng"], urban_rural="urban", as_of=DAY).programme(
        "dibao"
    ).missing == ("最低生活保障标准",)


def test_the_next_day_reads_the_figures_in_force_that_day(params, divisions, users):
    parameter_set(
        actor=users["region"], key="dibao.standard_monthly", division_code="150102000000",
        urban_rural="urban", valid_from=DAY + dt.timedelta(days=1), value="905.50", source="新城区测试文件",
        status="confirmed",
    )  # fmt: skip

    assert dibao_standard(divisions["xincheng"], as_of=DAY) == "840 元/人·月"
    assert dibao_standard(divisions["xincheng"], as_of=DAY + dt.timedelta(days=1)) == "905.50 元/人·月"


def test_each_language_has_its_own_entry(params, divisions):
    chinese = selectors.policy_guide(division=divisions["region"], as_of=DAY)
    with translation.override("en"):
        english = selectors.policy_guide(division=divisions["region"], as_of=DAY)

    assert english.programme("dibao").who != chinese.programme("dibao").who


def test_the_page_shows_a_change_at_once(client, params, users):
    url = "/portal/policies/?division=150102000000"
    assert "低保标准（城镇）</dt><dd>840 元/人·月" in client.get(url).content.decode()

    parameter_set(
        actor=users["region"], key="dibao.standard_monthly", division_code="150102000000",
        urban_rural="urban", valid_from=dt.date(2025, 1, 1), value="905.50", source="新城区测试文件",
        status="confirmed",
    )  # fmt: skip

    html = client.get(url).content.decode()
    assert "低保标准（城镇）</dt><dd>905.50 元/人·月</dd>" in html
    # the chooser is cached too and still marks the place chosen
    assert '<option value="150102000000" selected>· · 新城区</option>' in html
