"""Pages of the settlement (issue 17 §7): the month's statements (generate, filters, Excel), a statement
(lines, excluded orders with reasons, totals, the actions of the user's role and the statement's status:
submit, approve, send back, bank file, result import), and the same statement read-only for the
provider's own staff (养老服务机构人员).

Each view reads through ``selectors.settlement`` with ``actor=request.user`` and writes through one
service; a ``DomainError`` becomes a message with nothing written."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.months import add_months, month_start
from minzheng.common.pages import capability_required, list_page, query_without, sort_columns
from minzheng.common.spreadsheets import xlsx_append
from minzheng.divisions.rules import Level
from minzheng.eldercare import forms_settlement as forms
from minzheng.eldercare.models import Settlement
from minzheng.eldercare.rules import settlement as rules
from minzheng.eldercare.selectors import settlement as selectors
from minzheng.eldercare.services import settlement as services
from minzheng.eldercare.services import settlement_bank as bank
from minzheng.payments.errors import BankFileInvalid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    if isinstance(error, BankFileInvalid):
        for row, text in error.rows[:50]:
            messages.error(request, f"第 {row} 行：{text}" if row else text)


def _page_number(request: HttpRequest) -> int:
    number = request.GET.get("page", "1")
    return int(number) if number.isdigit() else 1


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _workbook(title: str, headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    xlsx_append(sheet, headers)
    for row in rows:
        xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _viewer(request: HttpRequest) -> User:
    """Staff of the jurisdiction (VIEW_ELDERCARE) or a provider's own staff (PROVIDE_CARE, read-only)."""
    actor = request_actor(request)
    if not (actor.can(Capability.VIEW_ELDERCARE) or actor.can(Capability.PROVIDE_CARE)):
        raise PermissionDenied("您的角色无权查看养老服务结算单")
    return actor


def _county_of(actor: User) -> Any:
    """The county a maker generates for: their own division when it is a county."""
    division = actor.division
    if actor.can(Capability.MANAGE_ELDERCARE) and division is not None and division.level == Level.COUNTY:
        return division
    return None


@require_GET
def settlement_list(request: HttpRequest) -> HttpResponse:
    actor = _viewer(request)
    form = forms.FilterForm(request.GET or None)
    sort = request.GET.get("sort", "-month")
    filters = selectors.SettlementFilters(sort=sort)
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.SettlementFilters(data["month"], data["status"] or "", data["q"] or "", sort)
    rows = selectors.settlement_list(actor=actor, filters=filters)
    if request.GET.get("format") == "xlsx":
        if not actor.can(Capability.EXPORT):
            raise PermissionDenied("您的角色无权导出")
        return _download(_list_workbook(rows[:5000]), "养老服务结算单.xlsx", XLSX)
    columns: list[tuple[str | None, str] | tuple[str | None, str, str]] = [
        ("month", "结算月份"),
        (None, "结算单号"),
        ("provider", "服务机构"),
        (None, "旗县（市区）"),
        ("status", "状态"),
        (None, "订单数", "text-end"),
        ("total", "结算金额（元）", "text-end"),
    ]
    context = {
        "form": form,
        "page": list_page(rows, _page_number(request)),
        "page_query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "columns": sort_columns(columns, sort),
        "county": _county_of(actor),
        "default_month": add_months(month_start(timezone.localdate()), -1),
        "provider_view": not actor.can(Capability.VIEW_ELDERCARE),
    }
    return render(request, "eldercare/settlement/list.html", context)


def _list_workbook(rows: Iterable[Settlement]) -> bytes:
    headers = (
        "结算单号",
        "结算月份",
        "服务机构",
        "旗县（市区）",
        "状态",
        "订单数",
        "服务金额（元）",
        "个人自付（元）",
        "结算金额（元）",
        "未结算订单数",
        "支付结果",
    )
    body = (
        (
            s.number,
            f"{s.month:%Y-%m}",
            s.provider.name,
            s.county.name,
            s.get_status_display(),
            s.line_count,
            s.service_amount,
            s.co_payment_total,
            s.total_amount,
            s.excluded_count,
            s.get_payment_outcome_display(),
        )
        for s in rows
    )
    return _workbook("结算单", headers, body)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def settlement_generate(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.GenerateForm(request.POST)
    county = _county_of(actor)
    if county is None:
        raise PermissionDenied("结算单由旗县（市区）民政部门编制")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect("eldercare:settlement_list")
    month = form.cleaned_data["month"]
    try:
        result = services.settlement_generate(actor=actor, county=county, month=month)
    except DomainError as error:
        _error(request, error)
        return redirect("eldercare:settlement_list")
    messages.success(
        request,
        f"已生成 {len(result.settlements)} 张结算单草稿：{result.lines} 笔订单计入结算，"
        f"{result.exclusions} 笔未结算（见各结算单）"
        + (f"；{len(result.skipped)} 张已提交或已审核的结算单未改动" if result.skipped else ""),
    )
    return redirect(f"{reverse('eldercare:settlement_list')}?month={month:%Y-%m}")


@require_GET
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _viewer(request)
    try:
        statement = selectors.settlement_get(actor=actor, settlement_id=pk)
    except NotFound as error:
        raise Http404(error.message) from None
    q = request.GET.get("q", "")
    lines = selectors.statement_lines(statement, q)
    exclusions = selectors.statement_exclusions(statement)
    if request.GET.get("format") == "xlsx":
        return _download(_statement_workbook(statement, lines, exclusions), f"{statement.number}.xlsx", XLSX)
    staff = actor.can(Capability.VIEW_ELDERCARE)
    context = {
        "statement": statement,
        "page": list_page(lines, _page_number(request)),
        "page_query": query_without(request, "page"),
        "q": q,
        "exclusions": exclusions,
        "events": statement.events.select_related("actor") if staff else [],
        "actions": _actions(actor, statement) if staff else [],
        "bank": staff and _may_pay(actor) and statement.status in bank.EXPORTABLE,
        "reconcile": staff and _may_pay(actor) and statement.status == rules.SettlementStatus.EXPORTED,
        "waiting_for_checker": statement.status == rules.SettlementStatus.SUBMITTED
        and statement.made_by_id == actor.pk,
        "reject_form": forms.RejectForm(),
        "bank_form": forms.BankFileForm(),
        "import_form": forms.ResultImportForm(),
        "provider_view": not staff,
    }
    return render(request, "eldercare/settlement/detail.html", context)


def _may_pay(actor: User) -> bool:
    return any(actor.can(c) for c in services.CHECKER_CAPABILITIES)


def _actions(actor: User, statement: Settlement) -> list[rules.SettlementTransition]:
    """The buttons: submit for the maker's side (MANAGE_ELDERCARE), approve/send back for another checker."""
    shown = []
    for transition in rules.transitions_from(statement.status):
        if transition.code in ("export", "reconcile"):
            continue
        if transition.needs_other_actor:
            if _may_pay(actor) and statement.made_by_id != actor.pk:
                shown.append(transition)
        elif actor.can(Capability.MANAGE_ELDERCARE):
            shown.append(transition)
    return shown


def _statement_workbook(statement: Settlement, lines: Any, exclusions: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "结算明细"
    xlsx_append(
        sheet, (f"{statement.provider.name} {statement.month:%Y年%m月} 养老服务结算单 {statement.number}",)
    )
    xlsx_append(
        sheet,
        (
            "序号",
            "订单号",
            "服务对象",
            "服务项目",
            "服务完成时间",
            "数量",
            "单价（元）",
            "金额（元）",
            "个人自付（元）",
            "结算金额（元）",
        ),
    )
    for number, line in enumerate(lines.iterator(chunk_size=2000), start=1):
        served = timezone.localtime(line.served_at).strftime("%Y-%m-%d %H:%M")
        xlsx_append(
            sheet,
            (
                number,
                line.order_number,
                line.person_name,
                line.item_name,
                served,
                line.quantity,
                line.unit_price,
                line.amount,
                line.co_payment,
                line.subsidy,
            ),
        )
    xlsx_append(
        sheet,
        (
            "合计",
            "",
            "",
            "",
            "",
            "",
            "",
            statement.service_amount,
            statement.co_payment_total,
            statement.total_amount,
        ),
    )
    excluded = book.create_sheet("未结算订单")
    xlsx_append(excluded, ("订单号", "服务对象", "服务项目", "补贴金额（元）", "未结算原因", "说明"))
    for row in exclusions:
        xlsx_append(
            excluded,
            (
                row["order_number"],
                row["person_name"],
                row["item_name"],
                row["subsidy"],
                row["reason"],
                row["detail"],
            ),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@require_POST
def settlement_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    actor = request_actor(request)
    if not _may_pay(actor):
        raise PermissionDenied("您的角色无权办理养老服务结算")
    try:
        statement = services.settlement_transition(
            actor=actor, settlement_id=pk, code=code, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(request, f"结算单 {statement.number}：{statement.get_status_display()}")
    return redirect("eldercare:settlement_detail", pk=pk)


@require_POST
def settlement_bank_file(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = forms.BankFileForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择银行文件模板")
        return redirect("eldercare:settlement_detail", pk=pk)
    try:
        bank_file = bank.settlement_bank_file(
            actor=actor, settlement_id=pk, template_code=form.cleaned_data["template"]
        )
    except DomainError as error:
        _error(request, error)
        return redirect("eldercare:settlement_detail", pk=pk)
    return _download(bank_file.content, bank_file.name, "application/octet-stream")


@require_POST
def settlement_result_import(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = forms.ResultImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect("eldercare:settlement_detail", pk=pk)
    try:
        statement = bank.settlement_result_import(
            actor=actor,
            settlement_id=pk,
            template_code=form.cleaned_data["template"],
            data=form.cleaned_data["file"].read(),
        )
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(request, f"回盘已导入：{statement.get_payment_outcome_display()}")
    return redirect("eldercare:settlement_detail", pk=pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("settlements/", settlement_list, name="settlement_list"),
    path("settlements/generate/", settlement_generate, name="settlement_generate"),
    path("settlements/<int:pk>/", settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/bank-file/", settlement_bank_file, name="settlement_bank_file"),
    path("settlements/<int:pk>/result/", settlement_result_import, name="settlement_result_import"),
    path("settlements/<int:pk>/<slug:code>/", settlement_act, name="settlement_act"),
]
