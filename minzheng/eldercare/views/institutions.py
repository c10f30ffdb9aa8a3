"""Pages of eldercare: institutions (issue 17 §8–9) — the register (list with search, filters, sort, pages,
Excel), an institution with its residents and occupancy chart, add/edit, admit and discharge. The
inspection pages (plans, draws, inspections, the public results) are in ``views.inspections``; their
urlpatterns are added here so ``eldercare/urls.py`` needs one entry per part."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.months import month_label
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.common.spreadsheets import xlsx_append
from minzheng.eldercare.forms_institutions import (
    DischargeForm,
    InstitutionFilterForm,
    InstitutionForm,
    ResidentAdmitForm,
)
from minzheng.eldercare.rules.institutions import CareLevel, InstitutionKind, InstitutionStatus, PermitKind
from minzheng.eldercare.selectors import institutions as selectors
from minzheng.eldercare.services import institutions as services
from minzheng.eldercare.views import inspections

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 5000
SORT_COLUMNS = [
    ("name", _("机构名称")),
    ("township", _("所在乡镇（街道）")),
    (None, _("机构性质")),
    ("beds", _("床位")),
    ("residents", _("在院老人")),
    (None, _("状态")),
]


def _filter_form(request: HttpRequest) -> InstitutionFilterForm:
    actor = request_actor(request)
    return InstitutionFilterForm(
        request.GET or None, townships=selectors.township_filter_choices(actor=actor)
    )


def _filters(form: InstitutionFilterForm) -> selectors.InstitutionFilters:
    return form.to_filters() if form.is_bound and form.is_valid() else selectors.InstitutionFilters()


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def institution_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = _filter_form(request)
    filters = _filters(form)
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and form.is_valid() else 1
    context = {
        "form": form,
        "page": list_page(selectors.institution_list(actor=actor, filters=filters), number),
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "kind_labels": dict(InstitutionKind.choices),
        "status_labels": dict(InstitutionStatus.choices),
    }
    if request.htmx and request.htmx.target == "institution-results":  # type: ignore[attr-defined]
        return render(request, "eldercare/institutions/_results.html", context)
    return render(request, "eldercare/institutions/list.html", context)


@require_GET
@capability_required(Capability.EXPORT)
def institution_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    rows = selectors.institution_list(actor=actor, filters=_filters(_filter_form(request)))
    if rows[EXPORT_LIMIT : EXPORT_LIMIT + 1].exists():
        messages.error(request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": EXPORT_LIMIT})
        return redirect(f"{reverse('eldercare:institution_list')}?{query_without(request, 'page')}")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("养老机构")
    xlsx_append(
        sheet,
        [
            "机构名称",
            "统一社会信用代码",
            "机构性质",
            "登记方式",
            "备案回执或许可证编号",
            "所在乡镇（街道）",
            "地址",
            "床位总数",
            "护理型床位",
            "在院老人",
            "收住类型",
            "工作人员",
            "养老护理员",
            "状态",
        ],
    )
    for i in rows:
        xlsx_append(
            sheet,
            [
                i.name,
                i.credit_code,
                InstitutionKind(i.kind).label,
                PermitKind(i.permit_kind).label,
                i.permit_number,
                i.township.name,
                i.address,
                i.beds_total,
                i.nursing_beds,
                i.resident_count,
                "、".join(i.care_level_labels()),
                i.staff_total,
                i.carers,
                InstitutionStatus(i.status).label,
            ],
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    filename = f"养老机构-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _chart(months: list[selectors.OccupancyMonth]) -> dict[str, Any]:
    return {
        "months": [month_label(m.month) for m in months],
        "rates": [float(m.rate) if m.rate is not None else None for m in months],
        "label": _("入住率（%）"),
    }


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    institution = selectors.institution_get(actor=actor, pk=pk)
    today = timezone.localdate()
    months = selectors.occupancy(actor=actor, institution=institution, until=today)
    residents = list(selectors.residents_of(actor=actor, institution=institution))
    context = {
        "institution": institution,
        "residents": residents,
        "current_count": sum(1 for r in residents if r.left_on is None),
        "months": months,
        "chart": _chart(months),
        "inspections": selectors.inspections_of(actor=actor, institution=institution),
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "admit_form": ResidentAdmitForm(care_levels=institution.care_levels, initial={"admitted_on": today}),
        "discharge_form": DischargeForm(initial={"left_on": today}),
        "care_labels": dict(CareLevel.choices),
    }
    return render(request, "eldercare/institutions/detail.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ELDERCARE)
def institution_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = request_actor(request)
    institution = selectors.institution_get(actor=actor, pk=pk) if pk else None
    initial: dict[str, Any] = {"status": InstitutionStatus.OPERATING, "permit_kind": "filing"}
    if institution is not None:
        initial = {
            f: getattr(institution, f)
            for f in (
                "name",
                "credit_code",
                "kind",
                "permit_kind",
                "permit_number",
                "permit_on",
                "address",
                "beds_total",
                "nursing_beds",
                "care_levels",
                "staff_total",
                "carers",
                "status",
            )
        }
        initial["township"] = institution.township.code
    form = InstitutionForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        townships=selectors.township_choices(actor=actor),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.institution_save(actor=actor, data=form.to_data(), pk=pk)
        except DomainError as error:
            status = error_attach(form, error, {"township_code": "township"})
        else:
            messages.success(request, _("已保存养老机构 %(name)s") % {"name": saved.name})
            return redirect("eldercare:institution_detail", pk=saved.pk)
    elif request.method == "POST":
        status = 422
    return render(
        request, "eldercare/institutions/form.html", {"form": form, "institution": institution}, status=status
    )


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def resident_admit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    institution = selectors.institution_get(actor=actor, pk=pk)
    form = ResidentAdmitForm(request.POST, care_levels=institution.care_levels)
    if form.is_valid():
        d = form.cleaned_data
        try:
            resident = services.resident_admit(
                actor=actor,
                institution_id=pk,
                id_number=d["id_number"],
                admitted_on=d["admitted_on"],
                care_level=d["care_level"],
                institutional_support=d["institutional_support"],
                today=timezone.localdate(),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已登记 %(name)s 入住") % {"name": resident.person.name})
    else:
        messages.error(request, "；".join(f"{form[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect("eldercare:institution_detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def resident_discharge(request: HttpRequest, pk: int, resident_id: int) -> HttpResponse:
    actor = request_actor(request)
    form = DischargeForm(request.POST)
    if form.is_valid():
        try:
            resident = services.resident_discharge(
                actor=actor,
                resident_id=resident_id,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已办理 %(name)s 离院") % {"name": resident.person.name})
    else:
        messages.error(request, "；".join(f"{form[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect("eldercare:institution_detail", pk=pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("institutions/", institution_list, name="institution_list"),
    path("institutions/export/", institution_export, name="institution_export"),
    path("institutions/new/", institution_edit, name="institution_create"),
    path("institutions/<int:pk>/", institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/residents/", resident_admit, name="institution_resident_admit"),
    path(
        "institutions/<int:pk>/residents/<int:resident_id>/discharge/",
        resident_discharge,
        name="institution_resident_discharge",
    ),
    *inspections.urlpatterns,
]
