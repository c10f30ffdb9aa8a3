"""The policy guide (政策清单): generated from the programme definitions, workflows and the parameters in
force for the person's place — not hand-written copies."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from minzheng.applications.rules import Workflow
from minzheng.policy.services import parameter_import
from minzheng.portal import rules, selectors

pytestmark = pytest.mark.django_db


def figures(item) -> list[tuple[str, str, bool]]:
    return [(f.label, f.text, f.unconfirmed) for f in item.figures]


def test_guide_for_the_region_lists_every_programme_with_figures_from_the_parameters(params, divisions):
    guide = selectors.policy_guide(division=divisions["region"])

    assert [p.code for p in guide.programmes] == list(rules.GUIDE_ORDER)
    dibao = guide.programme("dibao")
    assert dibao.name == "最低生活保障"
    assert figures(dibao) == [
        ("低保标准（城镇）", "840 元/人·月", True),
        ("低保标准（农村）", "670 元/人·月", True),
        ("发放金额", "按家庭人均收入低于标准的差额，逐月发放", False),
    ]
    assert dibao.documents == ("身份证明", "户口簿", "收入证明", "财产证明", "承诺书及授权书")
    assert dibao.how_long == "自受理起 30 个工作日，特殊情况可延长至 45 个工作日"
    assert figures(guide.programme("senior_allowance")) == [
        ("80—99 岁", "100 元/人·月", False),
        ("100 岁以上", "600 元/人·月", False),
    ]
    assert guide.programme("senior_allowance").how_long == "无需申请：达到年龄的次月起按户籍登记直接纳入发放"
    # the region's multiples were not found (ADR 0029): open, shown as the local authority's to set
    assert figures(guide.programme("temporary_assistance"))[:3] == [
        ("急难型（城镇）", "最高额度由当地核定", True),
        ("支出型（城镇）", "最高额度由当地核定", True),
        ("小额快救（城镇）", "最高额度由当地核定", True),
    ]
    assert guide.programme("extreme_poverty_support").how_long == (
        "各环节时限：已受理 15 个工作日；公示 7 天；审核确认 15 个工作日"
    )
    # a figure the bureau has not entered is listed as missing, never guessed
    assert guide.programme("rigid_expense_household").missing == ("上年度居民人均可支配收入",)


def test_a_county_standard_overrides_the_region_from_its_date(params, divisions):
    document = {
        "format_version": 1,
        "kind": "minzheng.policy-parameters",
        "parameters": [{
            "key": "dibao.standard_monthly", "division": "150102000000", "urban_rural": "urban",
            "valid_from": "2025-01-01", "valid_to": None, "value": "905.50", "status": "confirmed",
            "source": "新城区测试文件", "note": "",
        }],
    }  # fmt: skip
    parameter_import(actor=None, text=json.dumps(document, ensure_ascii=False))

    guide = selectors.policy_guide(division=divisions["xincheng"], urban_rural="urban")
    before = selectors.policy_guide(
        division=divisions["xincheng"], urban_rural="urban", as_of=dt.date(2024, 6, 1)
    )

    assert figures(guide.programme("dibao"))[0] == ("低保标准", "905.50 元/人·月", False)
    assert figures(guide.programme("margin_household"))[0] == (
        "人均月收入上限",
        "1358.25 元/人·月（低保标准的 1.5 倍）",
        False,
    )
    assert figures(before.programme("dibao"))[0] == ("低保标准", "840 元/人·月", True)


def test_procedure_is_read_from_the_workflow_table():
    procedure = rules.procedure_of(Workflow.DIBAO)

    assert [(s.label, s.time_limit) for s in procedure.stages] == [
        ("已受理", "3 个工作日"),
        ("家庭经济状况调查", ""),
        ("信息核对", "3 个工作日"),
        ("乡镇初审", ""),
        ("公示", "7 天"),
        ("审核确认", "10 个工作日"),
        ("已批准", ""),
    ]


def test_policy_page_marks_unconfirmed_figures_and_offers_the_county_chooser(client, params):
    response = client.get("/portal/policies/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"以下为 内蒙古自治区 {timezone.localdate():%Y-%m-%d} 执行的标准" in html
    assert '840 元/人·月 <span class="pending-mark">（待确认）</span>' in html
    assert '<option value="150102000000">· · 新城区</option>' in html
    assert "承诺书及授权书" in html


def test_policy_page_for_a_chosen_county(client, params):
    response = client.get("/portal/policies/", {"division": "152527000000"})

    assert "以下为 太仆寺旗" in response.content.decode()
    assert '<option value="152527000000" selected>' in response.content.decode()


def test_a_bound_person_sees_the_figures_of_their_own_place(bound_client, params):
    html = bound_client.get("/portal/policies/").content.decode()

    # the household is urban (Xincheng community) and registered in 锡林南路社区居委会
    assert "以下为 锡林南路社区居委会" in html
    assert "（城镇）" in html
    assert "低保标准</dt><dd>840 元/人·月" in html
    assert "670 元/人·月" not in html


def test_policy_detail_shows_the_steps_and_the_legal_basis(client, params):
    html = client.get("/portal/policies/extreme_poverty_support/").content.decode()

    assert "<h1>特困人员救助供养</h1>" in html
    assert '已受理<span class="muted">（时限 15 个工作日）</span>' in html
    assert "《特困人员认定办法》（2021）" in html


def test_unknown_programme_is_404(client, params):
    assert client.get("/portal/policies/nothing/").status_code == 404


def test_guide_without_parameters_lists_what_is_missing(client, divisions):
    guide = selectors.policy_guide(division=divisions["region"])

    assert guide.programme("dibao").figures[-1].label == "发放金额"
    assert "最低生活保障标准" in guide.programme("dibao").missing
    assert client.get("/portal/policies/").status_code == 200


def test_english_page(client, params):
    client.cookies["django_language"] = "en"

    html = client.get("/portal/policies/").content.decode()

    assert '<html lang="en">' in html
