"""Assessment endpoint of the JSON API: ``POST /api/v1/assessments`` (issue 3 §6; docs/assessment-format.md).

The body is the same JSON household description as ``minzheng assess`` reads; the answer is the same JSON
result, computed with the policy parameters stored in the database. The household need not exist in the
registry and nothing is written, so the only check is the capability to assess; places outside the
user's jurisdiction may be assessed too (the parameters are public policy, no personal data is read).

The body is parsed by ``json_format.assessment_json_parse`` from the raw bytes, not by a pydantic
model, so amounts stay exact ``Decimal`` values (a JSON number such as ``1200.10`` is never a float) and
unknown keys are refused with their path. The OpenAPI document still describes the body: its JSON Schema
is generated from the reader's own field tables (``json_format.request_json_schema``) and attached with
``openapi_extra``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.benefits.json_format import assessment_evaluate, assessment_json_parse, request_json_schema
from minzheng.benefits.providers import SelectorParams
from minzheng.catalogue.roles import Capability
from minzheng.common.schemas import refusals

router = Router(tags=["assessments 救助测算"])

_ERRORS = refusals(404, 409)


class ParameterUseOut(Schema):
    key: str = Field(..., description="政策参数键，如 dibao.standard_monthly")
    parameter_id: int
    version: int
    division_code: str = Field(..., description="参数所属区划（可能是上级区划）")
    urban_rural: str
    valid_from: str
    valid_to: str | None
    status: str = Field(..., description="confirmed / reported / unconfirmed")
    source: str


class ReasonOut(Schema):
    rule_code: str = Field(..., description="规则代码，如 dibao.gap_payment")
    article: str = Field(..., description="依据的文件和条款")
    message: str = Field(..., description="中文说明")
    value: Any = Field(None, description="本步骤得出的值（金额为字符串）")
    inputs: dict[str, Any]
    parameters: list[ParameterUseOut]
    status: str = Field(
        ..., description="空、unconfirmed（参数未经确认）、unconfigured（未配置）或 manual（需人工核定）"
    )


class MemberAmountOut(Schema):
    person_key: str
    eligible: bool
    monthly_amount: str
    level: str


class AssessmentOut(Schema):
    format_version: int
    programme: str
    as_of: str
    division_code: str
    urban_rural: str
    household_key: str
    person_key: str | None
    parameter_source: str = Field(..., description="接口总是 database（数据库中的现行政策参数）")
    eligible: bool
    outcome: str = Field(..., description="eligible（符合）、ineligible（不符合）或 manual（需人工核定）")
    manual_review: bool = Field(..., description="规则未配置、数值缺失或参数缺失，需人工核定")
    per_capita_monthly_income: str | None = Field(
        ..., description="人均月收入（元）；无收入核查的项目为 null"
    )
    counted_members: list[str]
    monthly_amount: str = Field(..., description="月救助金额（元，两位小数的字符串）")
    one_off_amount: str = Field(..., description="一次性救助金额（临时救助）")
    level: str = Field(..., description="档次：自理能力类别、年龄段、救助档次、gradual_exit 等")
    approval_level: str = Field(..., description="临时救助审批层级：township / county")
    procedure: list[str]
    members: list[MemberAmountOut]
    unconfirmed: bool = Field(..., description="有依据使用了未确认或未配置的参数")
    reasons: list[ReasonOut]


_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "JSON 家庭描述（docs/assessment-format.md）。金额可写成字符串或数字，按十进制精确读取。"
        ),
        "content": {"application/json": {"schema": request_json_schema()}},
    }
}


@router.post(
    "/assessments",
    response={200: AssessmentOut, **_ERRORS},
    summary="救助测算（按 JSON 家庭描述）",
    openapi_extra=_REQUEST_BODY,
)
def assessment_create(request: HttpRequest) -> dict[str, Any]:
    """Eligibility, per-capita income, amounts, tier and reasons for the household described, as of its
    ``as_of`` date, with the database's policy parameters. Errors name the field: 422 for the format and
    the household's consistency, 404 for an unknown programme or a division code not in the division
    table, 409 for a member counted in two households, 422 ``parameter_missing`` (field ``as_of``) when no
    parameter is in force for the place and date."""
    request_actor(request, Capability.ASSESS, denied=_("您的角色无权进行救助测算"))
    return assessment_evaluate(
        data=assessment_json_parse(request.body), params=SelectorParams(), parameter_source="database"
    )
