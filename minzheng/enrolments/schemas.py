"""Shapes of the enrolment API (input parsing only; the rules are the services')."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import StrictInt

from minzheng.common.schemas import BodyIn, IsoDate, MonthOrDate


class EnrolmentQuery(Schema):
    programme: str = Field("", max_length=32)
    status: str = Field("", max_length=10)
    division: str = Field("", pattern=r"^\d{0,12}$", description="户籍区划代码前缀")
    month: MonthOrDate | None = Field(None, description="只列出该月有待遇的对象（YYYY-MM，或该月任一日期）")
    search: str = Field("", max_length=50, description="姓名前缀或完整身份证号码")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class PeriodOut(Schema):
    from_month: dt.date
    until_month: dt.date | None
    monthly_amount: Decimal
    reason: str
    basis: str


class ChangeOut(Schema):
    id: int
    kind: str
    state: str
    effective_month: dt.date | None
    amount_before: Decimal | None
    amount_after: Decimal | None
    reason: str
    basis: str
    notice_ends_on: dt.date | None
    notice_ends_provisional: bool


class EnrolmentOut(Schema):
    id: int
    programme: str
    household_id: int
    person_id: int | None
    subject_name: str
    subject_id_number_masked: str
    division_code: str
    source: str
    status: str
    starts_month: dt.date
    ends_month: dt.date | None
    monthly_amount: Decimal
    level: str
    support_mode: str


class EnrolmentDetailOut(EnrolmentOut):
    periods: list[PeriodOut]
    changes: list[ChangeOut]


class EnrolmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EnrolmentOut]


class ChangeIn(BodyIn):
    kind: str = Field(
        ..., description="increase 增发 / decrease 减发 / stop 停发 / suspend 暂停 / resume 恢复"
    )
    effective_month: IsoDate = Field(..., description="生效月份（某月 1 日）")
    new_amount: Decimal | None = None
    reason: str = Field(..., max_length=200)
    basis: str = Field("", max_length=200)


class GradualExitIn(BodyIn):
    effective_month: IsoDate
    months: StrictInt | None = Field(None, ge=1, le=12)
    reason: str = Field(..., max_length=200)


class ReviewOut(Schema):
    id: int
    enrolment_id: int
    trigger: str
    category: str
    due_on: dt.date
    status: str
    outcome: str
