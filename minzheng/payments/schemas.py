"""Shapes of the payments API (parsing only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from minzheng.common.schemas import BodyIn, ErrorOut, Month


class PayrollQuery(Schema):
    month: Month | None = Field(None, description="发放月份 YYYY-MM")
    county: str | None = Field(None, max_length=12, description="旗县区划代码前缀")
    status: str | None = Field(None, description="draft / submitted / approved")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class PayrollGenerateIn(BodyIn):
    county: str = Field(..., min_length=6, max_length=12, description="旗县区划代码（6 位或 12 位）")
    month: Month = Field(..., description="发放月份 YYYY-MM")


class PayrollTransitionIn(BodyIn):
    code: str = Field(..., description="submit（提交审核） / approve（审核通过） / reject（退回修改）")
    reason: str = Field("", max_length=200, description="退回理由（reject 必填）")


class TotalOut(Schema):
    programme: str
    township: str
    lines: int
    regular: Decimal
    adjustment: Decimal
    retry: Decimal
    total: Decimal


class PayrollOut(Schema):
    id: int
    number: str
    county_code: str
    county_name: str
    month: dt.date
    status: str
    line_count: int
    total_amount: Decimal
    generated_by: str
    approved_by: str | None


class PayrollDetailOut(PayrollOut):
    totals: list[TotalOut]
    snapshot_changed_lines: int = Field(
        description="生成后收款户名或银行账号已在家庭登记中变更的明细条数（本批次仍按生成时的快照发放）"
    )
    snapshot_changed_payments: int = Field(description="上述明细涉及的发放笔数（在保对象数）")


class PayrollPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PayrollOut]


class ResultImportOut(Schema):
    payroll_id: int
    rows: int
    paid_count: int
    paid_amount: Decimal
    failed_count: int
    failed_amount: Decimal


class RowProblemOut(Schema):
    row: int = Field(..., description="文件行号；0 = 整个文件")
    message: str


class BankFileErrorOut(ErrorOut):
    """422: the error shape, with every row-level problem of a rejected result file in ``rows`` (empty when
    the request itself was malformed: ``errors`` then names the fields)."""

    rows: list[RowProblemOut] = Field(default_factory=list, description="回盘文件逐行的问题；0 行 = 整个文件")
