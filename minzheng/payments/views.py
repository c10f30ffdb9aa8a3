"""Payments pages: the payroll list (generate), the payroll detail (totals, lines, the actions of the
user's role and the payroll's status: submit, approve, send back, bank file, roster, result import, paid
by another method), the township reserve funds.

Each view checks a capability, reads through one selector with ``actor=request.user`` and writes through
one service; a ``DomainError`` becomes a message (or the form's error) with nothing written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.months import month_label, month_start
from minzheng.common.pages import capability_required, list_page, query_without
from minzheng.common.services import job_create, job_enqueue
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.enrolments.views import job_context
from minzheng.payments import exports, forms, rules, selectors, services, tasks
from minzheng.payments.errors import BankFileInvalid


def _error(request: HttpRequest, error: DomainError) -> None:
    if isinstance(error, BankFileInvalid) and error.rows:
        messages.error(request, error.message)
        for row, text in error.rows[:50]:
            messages.error(request, f"第 {row} 行：{text}" if row else text)
    else:
        messages.error(request, error.message)


def _page_number(request: HttpRequest) -> int:
    number = request.GET.get("page", "1")
    return int(number) if number.isdigit() else 1


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- payrolls -------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def payroll_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.PayrollFilterForm(request.GET or None)
    filters = selectors.PayrollFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PayrollFilters(data["month"], data["county"] or "", data["status"] or "")
    payrolls = selectors.payroll_list(actor=actor, filters=filters)
    if request.GET.get("format") == "xlsx":
        if not actor.can(Capability.EXPORT):
            raise PermissionDenied("您的角色无权导出")
        return _download(exports.payroll_list_workbook(payrolls[:5000]), "发放批次.xlsx", exports.XLSX)
    page = list_page(payrolls, _page_number(request))
    county = (
        actor.division
        if actor.can(Capability.MANAGE_PAYMENTS) and actor.division and actor.division.level == Level.COUNTY
        else None
    )
    context = {
        "form": form,
        "page": page,
        "page_query": query_without(request, "page"),
        "county": county,
        "default_month": month_start(timezone.localdate()),
    }
    return render(request, "payments/payroll_list.html", context)


@require_POST
@capability_required(Capability.MANAGE_PAYMENTS)
def payroll_generate(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.GenerateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect("payments:payroll_list")
    county = Division.objects.visible_to(actor).filter(pk=form.cleaned_data["county"]).first()
    if county is None:
        raise NotFound("区划不存在或不在您的管辖范围内")
    return _generate_start(actor, county, form.cleaned_data["month"])


def _generate_start(actor: User, county: Division, month: dt.date) -> HttpResponse:
    """Generation runs in the background (``tasks.payroll_generate_task``); the job page shows its progress
    and links to the payroll when done."""
    job = job_create(
        actor=actor,
        kind=tasks.PAYROLL_GENERATE_KIND,
        title=f"生成发放批次：{county.name}{month_label(month)}",
        total=tasks.STEPS,
        parameters={
            "county": county.code,
            "month": month.isoformat(),
            "back_url": reverse("payments:payroll_list"),
        },
    )
    job_enqueue(
        tasks.payroll_generate_task, job, user_id=actor.pk, county_id=county.pk, month=month.isoformat()
    )
    return redirect("payments:job", job_id=job.pk)


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def payroll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    payroll = selectors.payroll_get(actor=actor, pk=pk)
    form = forms.LineFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    lines = selectors.payroll_lines(
        actor=actor,
        payroll=payroll,
        search=data.get("q", ""),
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        sort=data.get("sort", ""),
    )
    totals = selectors.payroll_totals(actor=actor, payroll=payroll)
    manage = actor.can(Capability.MANAGE_PAYMENTS) and bool(actor.division_id == payroll.county_id)
    context = {
        "payroll": payroll,
        "form": form,
        "page": list_page(lines, _page_number(request)),
        "page_query": query_without(request, "page"),
        "totals": totals,
        "summary": selectors.payroll_summary(totals),
        "status_counts": {
            selectors.payment_status_label(k): v
            for k, v in selectors.payroll_status_counts(actor=actor, payroll=payroll).items()
        },
        "actions": _actions(actor, payroll) if manage else [],
        "manage": manage,
        "bank_form": forms.BankFileForm(),
        "import_form": forms.ResultImportForm(),
        "paid_form": forms.PaidOtherwiseForm(initial={"paid_on": timezone.localdate()}),
        "reject_form": forms.RejectForm(),
        "imported": payroll.result_imports.first(),
        "overpayments": selectors.payroll_overpayments(actor=actor, payroll=payroll),
        "snapshot_changes": selectors.payroll_snapshot_changes(actor=actor, payroll=payroll),
    }
    return render(request, "payments/payroll_detail.html", context)


def _actions(actor: User, payroll: Any) -> list[rules.PayrollTransition]:
    return [
        t
        for t in rules.TRANSITIONS
        if t.source == payroll.status
        and rules.maker_checker_ok(t, maker_id=payroll.generated_by_id, actor_id=actor.pk)
    ]


@require_POST
@capability_required(Capability.MANAGE_PAYMENTS)
def payroll_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    actor = request_actor(request)
    payroll = selectors.payroll_get(actor=actor, pk=pk)
    if code == "regenerate":
        return _generate_start(actor, payroll.county, payroll.month)
    try:
        services.payroll_transition(
            actor=actor, payroll_id=pk, code=code, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(request, "操作已完成")
    return redirect("payments:payroll_detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_PAYMENTS)
def payroll_bank_file(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.BankFileForm(request.POST)
    template = form.data.get("template", "") if not form.is_valid() else form.cleaned_data["template"]
    try:
        bank_file = services.payroll_bank_file(
            actor=request_actor(request), payroll_id=pk, template_code=template
        )
    except DomainError as error:
        _error(request, error)
        return redirect("payments:payroll_detail", pk=pk)
    content_type = "text/csv" if bank_file.template.layout == "csv" else "text/plain"
    return _download(
        bank_file.content, bank_file.name, f"{content_type}; charset={bank_file.template.encoding}"
    )


@require_POST
@capability_required(Capability.MANAGE_PAYMENTS)
def payroll_result_import(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.ResultImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect("payments:payroll_detail", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        imported = services.payroll_result_import(
            actor=request_actor(request),
            payroll_id=pk,
            data=upload.read(),
            template_code=form.cleaned_data["template"],
            file_name=upload.name,
        )
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            f"回盘已导入：成功 {imported.paid_count} 笔 {imported.paid_amount} 元，"
            f"失败 {imported.failed_count} 笔 {imported.failed_amount} 元",
        )
    return redirect("payments:payroll_detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_PAYMENTS)
def payment_paid_otherwise(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.PaidOtherwiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写发放方式和日期")
        return redirect("payments:payroll_detail", pk=pk)
    data = form.cleaned_data
    try:
        services.payment_mark_paid_otherwise(
            actor=request_actor(request),
            payroll_id=pk,
            enrolment_id=data["enrolment_id"],
            method=data["method"],
            paid_on=data["paid_on"],
            note=data["note"],
        )
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(request, "已登记为其他方式发放")
    return redirect("payments:payroll_detail", pk=pk)


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def payroll_roster(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    payroll = selectors.payroll_get(actor=actor, pk=pk)
    if request.path.endswith(".pdf"):
        content = exports.payroll_roster_pdf(actor=actor, payroll=payroll)
        return _download(content, f"发放名册-{payroll.number}.pdf", "application/pdf")
    content = exports.payroll_roster(actor=actor, payroll=payroll)
    return _download(content, f"发放名册-{payroll.number}.xlsx", exports.XLSX)


# --- reserve funds ----------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[forms.PeriodForm, dt.date, dt.date]:
    today = timezone.localdate()
    form = forms.PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, data.get("date_from") or today.replace(month=1, day=1), data.get("date_to") or today


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def reserve_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    funds = list(selectors.reserve_fund_list(actor=actor))
    with_fund = {f.township_id for f in funds}
    context = {
        "funds": funds,
        "manage": actor.can(Capability.MANAGE_PAYMENTS),
        "townships": [t for t in selectors.reserve_townships(actor=actor) if t.pk not in with_fund],
        "allocation_form": forms.AllocationForm(initial={"allocated_on": timezone.localdate()}),
    }
    return render(request, "payments/reserve_list.html", context)


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def reserve_detail(request: HttpRequest, township_id: int) -> HttpResponse:
    actor = request_actor(request)
    form, date_from, date_to = _period(request)
    report = selectors.reserve_report(
        actor=actor, township_id=township_id, date_from=date_from, date_to=date_to
    )
    if request.GET.get("format") == "xlsx":
        return _download(
            exports.reserve_workbook(report), f"备用金-{report.fund.township.name}.xlsx", exports.XLSX
        )
    context = {
        "report": report,
        "form": form,
        "manage": actor.can(Capability.MANAGE_PAYMENTS),
        "can_settle": actor.role in services.RESERVE_ROLES,
        "open_draws": selectors.reserve_open_draws(actor=actor, township_id=township_id),
        "allocation_form": forms.AllocationForm(
            initial={"allocated_on": timezone.localdate(), "township": township_id}
        ),
        "export_query": query_without(request, "format"),
    }
    return render(request, "payments/reserve_detail.html", context)


@require_POST
@capability_required(Capability.MANAGE_PAYMENTS)
def reserve_allocate(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.AllocationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写金额和日期")
        return redirect("payments:reserve_list")
    data = form.cleaned_data
    township = Division.objects.visible_to(actor).filter(pk=data["township"]).first()
    if township is None:
        raise NotFound("区划不存在或不在您的管辖范围内")
    try:
        entry = services.reserve_allocate(
            actor=actor,
            township=township,
            amount=data["amount"],
            allocated_on=data["allocated_on"],
            note=data["note"],
            top_up=data["top_up"],
        )
    except DomainError as error:
        _error(request, error)
        return redirect("payments:reserve_list")
    messages.success(request, f"已记录 {entry.amount} 元，余额 {entry.balance_after} 元")
    return redirect("payments:reserve_detail", township_id=township.pk)


@require_POST
@capability_required(Capability.VIEW_PAYMENTS)
def reserve_settle(request: HttpRequest, township_id: int) -> HttpResponse:
    form = forms.SettleForm(request.POST)
    if form.is_valid():
        try:
            services.reserve_settle(
                actor=request_actor(request),
                draw_id=form.cleaned_data["draw"],
                settled_on=form.cleaned_data["settled_on"],
            )
        except DomainError as error:
            _error(request, error)
        else:
            messages.success(request, "已归垫")
    else:
        messages.error(request, "请填写归垫日期")
    return redirect("payments:reserve_detail", township_id=township_id)


# --- background jobs --------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """A payments job (payroll generation) with its progress bar and, when done, the link to the payroll."""
    context = job_context(request, job_id, reverse("payments:job_progress", args=[job_id]))
    return render(request, "enrolments/job.html", context)


@require_GET
@capability_required(Capability.VIEW_PAYMENTS)
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    context = job_context(request, job_id, reverse("payments:job_progress", args=[job_id]))
    return render(request, "enrolments/_job_progress.html", context)
