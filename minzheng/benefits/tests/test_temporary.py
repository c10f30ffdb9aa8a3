"""临时救助: types (民发〔2018〕23号 §二(一)), tiers × monthly 低保 standard (§二(三)), approval level
(暂行办法第48条), 小额快救 (2026 意见). Built-in placeholder tiers: small_fast 1×, emergency 3×,
expenditure 6×; township ceiling 3×; 2023 urban standard 840."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import AssessmentInputMissing, IncomeInvalid
from minzheng.benefits.facts import TemporaryRequest
from minzheng.common.errors import DomainError

from .builders import D, codes, entry, household, params, person, wage


def request(kind: str, need: str | None, hardship: str = "房屋失火") -> TemporaryRequest:
    return TemporaryRequest(kind, hardship, Decimal(need) if need is not None else None)


@pytest.mark.parametrize(
    ("req", "received", "amount", "approval", "procedure"),
    [
        pytest.param(request("emergency", "2000"), (), "2000.00", "township", ("aid_first", "complete_paperwork_after"),
                     id="民发2018-23号-急难型乡镇审批"),
        pytest.param(request("emergency", "9000"), (), "2520.00", "township", ("aid_first", "complete_paperwork_after"),
                     id="民发2018-23号-急难型封顶3倍"),
        pytest.param(request("small_fast", "1000"), (), "840.00", "township",
                     ("no_financial_verification", "no_publicity", "decide_within_3_days"), id="2026意见-小额快救不超过1个月标准"),
        pytest.param(request("expenditure", "4000", "住院医疗支出"), ("dibao",), "4000.00", "county",
                     ("spending_check_only", "publicity"), id="暂行办法第48条-超乡镇额度由县审批"),
        pytest.param(request("expenditure", None, "住院医疗支出"), ("margin_household",), "5040.00", "county",
                     ("spending_check_only", "publicity"), id="民发2018-23号-支出型6倍上限"),
    ],
)  # fmt: skip
def test_temporary_assistance(req, received, amount, approval, procedure):
    facts = household(person("a"), incomes=(wage("a", "3000"),), programmes_received=frozenset(received))
    result = assess("temporary_assistance", facts, params(), temporary_request=req)
    assert (result.eligible, result.one_off_amount, result.monthly_amount) == (
        True,
        Decimal(amount),
        Decimal("0.00"),
    )
    assert (result.approval_level, result.procedure) == (approval, procedure)


def test_small_fast_tier_above_one_month_is_capped():
    tiers = entry("temporary.tiers", [{"code": "fast", "label": "小额快救", "assistance_type": "small_fast",
                                       "max_multiple": "2"}], D(2022, 1, 1), division="150100000000")  # fmt: skip
    result = assess("temporary_assistance", household(person("a")), params(tiers),
                    temporary_request=request("small_fast", "1500"))  # fmt: skip
    assert result.one_off_amount == Decimal("840.00")
    assert "temporary.small_fast_cap" in codes(result)


def test_expenditure_type_for_a_household_not_yet_identified_tests_income():
    treatment = params().get("income.category_treatment", "150000000000", "", D(2023, 7, 1)).value
    provider = params(
        entry("income.previous_year_disposable_per_capita_annual", "36000", D(2023, 1, 1), valid_to=D(2024, 1, 1)),
        entry("income.category_treatment", treatment | {"temporary_assistance": treatment["dibao"]}, D(2021, 1, 1),
              valid_to=D(2026, 1, 1)),
    )  # fmt: skip
    poor = household(person("a"), incomes=(wage("a", "2999"),))
    rich = household(person("a"), incomes=(wage("a", "3000"),))
    assert assess(
        "temporary_assistance", poor, provider, temporary_request=request("expenditure", "100")
    ).eligible
    result = assess("temporary_assistance", rich, provider, temporary_request=request("expenditure", "100"))
    assert (result.eligible, result.one_off_amount) == (False, Decimal("0.00"))


@pytest.mark.parametrize(
    ("req", "field"),
    [(None, "temporary_request"), (request("flood", "1"), "temporary_request.assistance_type"),
     (request("emergency", "1", " "), "temporary_request.hardship"),
     (TemporaryRequest("emergency", "火灾", Decimal("-1")), "temporary_request.requested_amount")],
)  # fmt: skip
def test_request_errors(req, field):
    with pytest.raises(DomainError) as caught:
        assess("temporary_assistance", household(person("a")), params(), temporary_request=req)
    assert caught.value.field == field
    assert isinstance(caught.value, AssessmentInputMissing | IncomeInvalid)
