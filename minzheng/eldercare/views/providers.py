"""Pages of eldercare: providers (issue 17 §4, §9) — list with filters and Excel, register/edit, detail with
service areas, workers (and their logins), the priced catalogue and the status. Staff with VIEW_ELDERCARE
read; MANAGE_ELDERCARE edits providers registered in the jurisdiction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.divisions.models import Division
from minzheng.eldercare import forms_orders as forms
from minzheng.eldercare.choices import ServiceKind
from minzheng.eldercare.selectors import orders_export
from minzheng.eldercare.selectors import providers as selectors
from minzheng.eldercare.services import providers as services

SORT_COLUMNS = [
    ("name", _("机构名称")),
    (None, _("统一社会信用代码")),
    (None, _("登记旗县")),
    ("status", _("状态")),
    (None, _("服务区域")),
]


def _filtered(request: HttpRequest) -> tuple[forms.ProviderFilterForm, Any]:
    form = forms.ProviderFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.provider_list(
        actor=request_actor(request),
        search=data.get("search", ""),
        status=data.get("status", ""),
        kind=data.get("kind", ""),
        sort=data.get("sort") or "name",
    )
    return form, rows


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def provider_list(request: HttpRequest) -> HttpResponse:
    form, rows = _filtered(request)
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and form.is_valid() else 1
    page = list_page(rows.prefetch_related("areas__division"), number)
    context = {
        "form": form,
        "page": page,
        "columns": sort_columns(SORT_COLUMNS, request.GET.get("sort", "name")),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_manage": request_actor(request).can(Capability.MANAGE_ELDERCARE),
    }
    return render(request, "eldercare/providers/provider_list.html", context)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def provider_export(request: HttpRequest) -> HttpResponse:
    _form, rows = _filtered(request)
    if rows[: settings.EXPORT_SYNC_LIMIT + 1].count() > settings.EXPORT_SYNC_LIMIT:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect("eldercare:provider_list")
    content, _count = orders_export.providers_xlsx(rows)
    return xlsx_response(content, f"养老服务机构-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=orders_export.XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def county_choices(actor: Any) -> list[tuple[str, str]]:
    rows = Division.objects.visible_to(actor).filter(level__lte=3, abolished_on__isnull=True).order_by("code")
    return [(d.code, d.name) for d in rows[:300]]


def area_choices(actor: Any) -> list[tuple[str, str]]:
    rows = (
        Division.objects.visible_to(actor)
        .filter(level__in=(3, 4), abolished_on__isnull=True)
        .order_by("code")
    )
    return [(d.code, f"{'　' if d.level == 4 else ''}{d.name}") for d in rows[:1000]]


def _provider_data(form: forms.ProviderForm) -> services.ProviderData:
    return services.ProviderData(**form.cleaned_data)


@capability_required(Capability.MANAGE_ELDERCARE)
def provider_new(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.ProviderForm(request.POST or None, divisions=county_choices(actor))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                actor=actor, data=_provider_data(form), ip_address=client_address(request)
            )
        except DomainError as error:
            status = error_attach(form, error, {"division": "division_code"})
        else:
            messages.success(request, _("已登记服务机构“%(name)s”") % {"name": provider.name})
            return redirect("eldercare:provider_detail", provider.pk)
    elif request.method == "POST":
        status = 422
    return render(
        request, "eldercare/providers/provider_form.html", {"form": form, "provider": None}, status=status
    )


@capability_required(Capability.MANAGE_ELDERCARE)
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    provider = selectors.provider_get(actor=actor, pk=pk)
    initial = {
        "name": provider.name,
        "credit_code": provider.credit_code,
        "division_code": provider.division.code,
        "address": provider.address,
        "contact_name": provider.contact_name,
        "bank_name": provider.bank_name,
        "bank_account_name": provider.bank_account_name,
    }
    form = forms.ProviderForm(request.POST or None, initial=initial, divisions=county_choices(actor))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(
                actor=actor, pk=pk, data=_provider_data(form), ip_address=client_address(request)
            )
        except DomainError as error:
            status = error_attach(form, error, {"division": "division_code"})
        else:
            messages.success(request, _("已保存"))
            return redirect("eldercare:provider_detail", pk)
    elif request.method == "POST":
        status = 422
    context = {"form": form, "provider": provider}
    return render(request, "eldercare/providers/provider_form.html", context, status=status)


def _detail(
    request: HttpRequest, pk: int, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.provider_detail(actor=actor, pk=pk)
    bound = bound or {}
    context = {
        "detail": detail,
        "provider": detail.provider,
        "can_manage": detail.editable and actor.can(Capability.MANAGE_ELDERCARE),
        "can_make_logins": actor.can(Capability.MANAGE_USERS),
        "area_form": bound.get("area") or forms.AreaForm(divisions=area_choices(actor)),
        "item_form": bound.get("item") or forms.ItemForm(),
        "worker_form": bound.get("worker") or forms.WorkerForm(),
        "status_form": bound.get("status") or forms.StatusForm(initial={"status": detail.provider.status}),
        "kind_labels": dict(ServiceKind.choices),
        "linkable_logins": services.linkable_logins(detail.provider) if detail.editable else [],
    }
    return render(request, "eldercare/providers/provider_detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def provider_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per detail-page form: area, area_remove, item, worker, worker_active, status."""
    actor = request_actor(request)
    ip = client_address(request)
    form: Any = None
    try:
        if action == "area":
            form = forms.AreaForm(request.POST, divisions=area_choices(actor))
            if form.is_valid():
                services.provider_area_add(
                    actor=actor, pk=pk, division_code=form.cleaned_data["division_code"], ip_address=ip
                )
        elif action == "area_remove":
            services.provider_area_remove(
                actor=actor, pk=pk, area_id=int(request.POST.get("area", 0)), ip_address=ip
            )
        elif action == "item":
            form = forms.ItemForm(request.POST)
            if form.is_valid():
                services.item_save(
                    actor=actor, pk=pk, data=services.ItemData(**form.cleaned_data), ip_address=ip
                )
        elif action == "worker":
            form = forms.WorkerForm(request.POST)
            if form.is_valid():
                services.worker_create(actor=actor, pk=pk, ip_address=ip, **form.cleaned_data)
        elif action == "item_active":
            services.item_active_set(
                actor=actor,
                pk=pk,
                item_id=int(request.POST.get("item", 0) or 0),
                active=request.POST.get("active") == "1",
                ip_address=ip,
            )
        elif action == "worker_login":
            services.worker_login_link(
                actor=actor,
                pk=pk,
                worker_id=int(request.POST.get("worker", 0) or 0),
                user_id=int(request.POST.get("user", 0) or 0),
                ip_address=ip,
            )
        elif action == "worker_active":
            services.worker_active_set(
                actor=actor,
                pk=pk,
                worker_id=int(request.POST.get("worker", 0)),
                active=request.POST.get("active") == "1",
                ip_address=ip,
            )
        elif action == "status":
            form = forms.StatusForm(request.POST)
            if form.is_valid():
                services.provider_status_set(actor=actor, pk=pk, ip_address=ip, **form.cleaned_data)
        else:
            return redirect("eldercare:provider_detail", pk)
    except DomainError as error:
        if form is None:
            messages.error(request, error.message)
            return redirect("eldercare:provider_detail", pk)
        return _detail(
            request, pk, {action: form}, status=error_attach(form, error, {"division": "division_code"})
        )
    if form is not None and not form.is_valid():
        return _detail(request, pk, {action: form}, status=422)
    messages.success(request, _("已保存"))
    return redirect("eldercare:provider_detail", pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("providers/", provider_list, name="provider_list"),
    path("providers/export/", provider_export, name="provider_export"),
    path("providers/new/", provider_new, name="provider_new"),
    path("providers/<int:pk>/", provider_detail, name="provider_detail"),
    path("providers/<int:pk>/edit/", provider_edit, name="provider_edit"),
    path("providers/<int:pk>/<slug:action>/", provider_action, name="provider_action"),
]
