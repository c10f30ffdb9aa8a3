"""资金发放 endpoints of the JSON API: payroll list, detail, generation, transitions (submit, approve,
send back — maker ≠ checker), and the bank result import (multipart upload). They call the same services
and selectors as the pages, as the authenticated user; a payroll outside the user's jurisdiction is 404.
A rejected result file is 422 with every row-level problem in ``rows`` and nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound
from minzheng.common.schemas import refusals
from minzheng.divisions.models import Division
from minzheng.payments import selectors, services
from minzheng.payments.errors import BankFileInvalid
from minzheng.payments.models import Payroll
from minzheng.payments.schemas import (
    BankFileErrorOut,
    PayrollDetailOut,
    PayrollGenerateIn,
    PayrollPage,
    PayrollQuery,
    PayrollTransitionIn,
    ResultImportOut,
)

router = Router(tags=["资金发放"])

_READ_ERRORS = refusals(404)
_WRITE_ERRORS = refusals(404, 409)


def _month(text: str) -> dt.date:
    """A ``Month`` (``YYYY-MM``, already checked by the schema) → its first day."""
    return dt.date.fromisoformat(f"{text}-01")


def _out(payroll: Payroll) -> dict[str, Any]:
    return {
        "id": payroll.pk,
        "number": payroll.number,
        "county_code": payroll.county.code,
        "county_name": payroll.county.name,
        "month": payroll.month,
        "status": payroll.status,
        "line_count": payroll.line_count,
        "total_amount": payroll.total_amount,
        "generated_by": payroll.generated_by.username,
        "approved_by": payroll.approved_by.username if payroll.approved_by else None,
    }


def _detail(actor: User, pk: int) -> dict[str, Any]:
    payroll = selectors.payroll_get(actor=actor, pk=pk)
    totals = selectors.payroll_totals(actor=actor, payroll=payroll)
    changes = selectors.payroll_snapshot_changes(actor=actor, payroll=payroll)
    return {
        **_out(payroll),
        "snapshot_changed_lines": changes.lines,
        "snapshot_changed_payments": changes.payments,
        "totals": [
            {
                "programme": t.programme,
                "township": t.township,
                "lines": t.lines,
                "regular": t.regular,
                "adjustment": t.adjustment,
                "retry": t.retry,
                "total": t.total,
            }
            for t in totals
        ],
    }


@router.get("/payrolls", response={200: PayrollPage, **_READ_ERRORS}, summary="发放批次列表")
def payroll_list(request: HttpRequest, filters: Query[PayrollQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.VIEW_PAYMENTS, denied="您的角色无权查看资金发放")
    payrolls = selectors.payroll_list(
        actor=actor,
        filters=selectors.PayrollFilters(
            _month(filters.month) if filters.month else None, filters.county or "", filters.status or ""
        ),
    )
    page = payrolls[filters.offset : filters.offset + filters.limit]
    return {
        "count": payrolls.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(p) for p in page],
    }


@router.get(
    "/payrolls/{payroll_id}", response={200: PayrollDetailOut, **_READ_ERRORS}, summary="发放批次详情"
)
def payroll_detail(request: HttpRequest, payroll_id: int) -> dict[str, Any]:
    return _detail(
        request_actor(request, Capability.VIEW_PAYMENTS, denied="您的角色无权查看资金发放"), payroll_id
    )


@router.post(
    "/payrolls", response={201: PayrollDetailOut, **_WRITE_ERRORS}, summary="生成（或重新生成草稿）发放批次"
)
def payroll_generate(request: HttpRequest, payload: PayrollGenerateIn) -> tuple[int, dict[str, Any]]:
    """Generates the county's payroll for the month set-based; a draft is regenerated, an approved
    payroll is 409 ``payroll_locked``."""
    actor = request_actor(request, Capability.VIEW_PAYMENTS, denied="您的角色无权查看资金发放")
    county = Division.objects.visible_to(actor).filter(code=payload.county.ljust(12, "0")).first()
    if county is None:
        raise NotFound("区划不存在或不在您的管辖范围内", field="county")
    payroll = services.payroll_generate(actor=actor, county=county, month=_month(payload.month))
    return 201, _detail(actor, payroll.pk)


@router.post(
    "/payrolls/{payroll_id}/transitions",
    response={200: PayrollDetailOut, **_WRITE_ERRORS},
    summary="提交、审核通过或退回发放批次",
)
def payroll_transition(request: HttpRequest, payroll_id: int, payload: PayrollTransitionIn) -> dict[str, Any]:
    """``approve`` and ``reject`` by the generator are 403 ``maker_is_checker``; a payroll no longer in
    the transition's source status is 409."""
    actor = request_actor(request, Capability.VIEW_PAYMENTS, denied="您的角色无权查看资金发放")
    services.payroll_transition(actor=actor, payroll_id=payroll_id, code=payload.code, reason=payload.reason)
    return _detail(actor, payroll_id)


@router.post(
    "/payrolls/{payroll_id}/result",
    response={200: ResultImportOut, 422: BankFileErrorOut, **refusals(404, 409, besides=frozenset({422}))},
    summary="导入银行回盘文件",
)
def payroll_result_import(
    request: HttpRequest, payroll_id: int, template: Form[str], file: File[UploadedFile]
) -> tuple[int, dict[str, Any]]:
    actor = request_actor(request, Capability.VIEW_PAYMENTS, denied="您的角色无权查看资金发放")
    try:
        imported = services.payroll_result_import(
            actor=actor,
            payroll_id=payroll_id,
            template_code=template,
            data=file.read(),
            file_name=file.name or "",
        )
    except BankFileInvalid as error:
        return 422, {
            "code": error.code,
            "message": error.message,
            "field": error.field,
            "rows": [{"row": row, "message": text} for row, text in error.rows],
        }
    return 200, {
        "payroll_id": payroll_id,
        "rows": imported.rows,
        "paid_count": imported.paid_count,
        "paid_amount": imported.paid_amount,
        "failed_count": imported.failed_count,
        "failed_amount": imported.failed_amount,
    }
