"""Shapes of the portal API (/api/v1/portal/…): input parsing and documented output only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from minzheng.common.schemas import BodyIn


class CodeIn(BodyIn):
    phone: str = Field(..., max_length=20, description="11 位手机号码")


class CodeSentOut(Schema):
    sent: bool
    phone_masked: str
    expires_in: int = Field(..., description="验证码有效秒数")
    resend_after: int = Field(..., description="多少秒后可重新获取")


class SignInIn(BodyIn):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., max_length=6, description="短信验证码（6 位数字）")


class AccountOut(Schema):
    id: int
    phone_masked: str
    name: str
    id_number_masked: str
    bound: bool = Field(..., description="已与登记系统中的人员绑定（可查看本户信息）")
    claimed: bool = Field(..., description="已登记身份证号码，登记系统中暂无此人")


class BindIn(BodyIn):
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=18)


class FigureOut(Schema):
    label: str
    text: str
    unconfirmed: bool


class StageOut(Schema):
    label: str
    time_limit: str


class ProcedureOut(Schema):
    workflow: str
    label: str
    stages: list[StageOut]
    overall: str


class ProgrammeGuideOut(Schema):
    code: str
    name: str
    who: str
    figures: list[FigureOut]
    documents: list[str]
    procedures: list[ProcedureOut]
    how_long: str
    legal_basis: str
    missing: list[str]


class PolicyGuideOut(Schema):
    division_code: str
    division_name: str
    urban_rural: str
    as_of: dt.date
    programmes: list[ProgrammeGuideOut]


class MemberIn(BodyIn):
    age: StrictInt = Field(..., ge=0, le=120)
    disability_category: Literal[
        "", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"
    ] = ""
    disability_grade: StrictInt | None = Field(None, ge=1, le=4)


class SelfCheckIn(BodyIn):
    division_code: str = Field(..., min_length=12, max_length=12, pattern=r"^\d{12}$")
    urban_rural: Literal["urban", "rural"]
    members: list[MemberIn] = Field(..., min_length=1, max_length=20)
    monthly_income: Decimal = Field(Decimal(0), ge=0, le=99999999, decimal_places=2)
    savings: Decimal = Field(Decimal(0), ge=0, le=99999999, decimal_places=2)
    vehicles: StrictInt = Field(0, ge=0, le=9)
    other_houses: StrictInt = Field(0, ge=0, le=9)
    serious_illness: StrictBool = False
    large_expenses: Decimal = Field(Decimal(0), ge=0, le=99999999, decimal_places=2)
    has_able_supporter: StrictBool = True
    child_status: Literal["", "orphan", "de_facto_orphan"] = ""


class SelfCheckRowOut(Schema):
    programme: str
    name: str
    outcome: Literal["try", "unlikely", "unknown"]
    reasons: list[str]
    monthly_amount: Decimal | None
    one_off_amount: Decimal | None
    unconfirmed: bool


class SelfCheckOut(Schema):
    estimate_only: bool = Field(True, description="估算结果，仅供参考，以审核确认为准")
    notice: str
    stored: bool = Field(False, description="填写的内容不会保存")
    results: list[SelfCheckRowOut]


class EntitlementOut(Schema):
    enrolment_id: int
    programme: str
    name: str
    person_name: str
    monthly_amount: Decimal
    since: dt.date
    status: str
    status_label: str


class PaymentOut(Schema):
    payroll_month: dt.date
    entitlement_month: dt.date
    programme: str
    name: str
    kind: str
    amount: Decimal
    status: str
    status_label: str
    settled_on: dt.date | None


class ProgrammeTotalOut(Schema):
    programme: str
    name: str
    received: Decimal
    pending: Decimal


class EntitlementsOut(Schema):
    household_id: int
    township_name: str
    current: list[EntitlementOut]
    monthly_total: Decimal
    from_month: dt.date
    payments: list[PaymentOut]
    totals: list[ProgrammeTotalOut]
    received_total: Decimal


class ReportItemOut(Schema):
    enrolment_id: int
    programme: str
    name: str
    person_name: str
    review_due_on: dt.date | None
    due: bool
    reported_today: bool
    last_reported_on: str


class MemberReportIn(BodyIn):
    person_id: StrictInt
    living_here: StrictBool
    change: str = Field("", max_length=200)


class SelfReportIn(BodyIn):
    members: list[MemberReportIn] = Field(..., max_length=30)
    new_members: str = Field("", max_length=300)
    monthly_income: Decimal = Field(..., ge=0, le=99999999, decimal_places=2)
    income_note: str = Field("", max_length=300)
    vehicles: StrictInt = Field(0, ge=0, le=99)
    houses: StrictInt = Field(0, ge=0, le=99)
    savings: Decimal = Field(Decimal(0), ge=0, le=99999999, decimal_places=2)
    circumstances: str = Field("", max_length=1000)


class SelfReportOut(Schema):
    review_id: int
    enrolment_id: int
    received_on: dt.date
    review_due_on: dt.date
