"""Pages of the 双随机一公开 inspections (part ``institutions``, issue 17 §8): plans, the draw page (draw,
re-draw with a reason, verify from the seed, its audit events), inspections with the checklist, results and
rectification, the overdue list, and the public results page (no login; ``accounts.middleware`` lets
``/eldercare/public/`` through as it lets the portal through)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.pages import capability_required, error_attach, list_page, query_without
from minzheng.common.spreadsheets import xlsx_append
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.eldercare.forms_institutions import (
    DrawForm,
    InspectionFilterForm,
    InspectionRecordForm,
    PlanForm,
    RectifyForm,
)
from minzheng.eldercare.rules.institutions import (
    ChecklistAnswer,
    DrawStatus,
    InspectionResult,
    InspectionStatus,
    needs_rectification,
)
from minzheng.eldercare.selectors import institutions as selectors
from minzheng.eldercare.services import inspections as services

PUBLIC_PATH = "public/inspections/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 5000


def _county_choices(request: HttpRequest) -> list[tuple[str, str]]:
    actor = request_actor(request)
    return list(
        Division.objects.visible_to(actor)
        .filter(level=Level.COUNTY, abolished_on__isnull=True)
        .values_list("code", "name")
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_ELDERCARE)
def plan_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    counties = _county_choices(request)
    form = PlanForm(request.POST if request.method == "POST" else None, counties=counties)
    status = 200
    if request.method == "POST":
        if not actor.can(Capability.MANAGE_ELDERCARE):
            raise PermissionDenied(_("您的角色无权制定检查计划"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = services.plan_create(
                    actor=actor,
                    county_code=d["county"],
                    year=d["year"],
                    round_number=d["round"],
                    title=d["title"],
                    target_number=d["target_number"],
                    target_share=form.share(),
                    inspectors_per_target=d["inspectors_per_target"],
                    exclude_own_township=d["exclude_own_township"],
                )
            except DomainError as error:
                status = error_attach(form, error, {"target_share": "target_percent"})
            else:
                messages.success(request, _("已制定检查计划，请进行随机抽取"))
                return redirect("eldercare:institution_plan_detail", pk=plan.pk)
        else:
            status = 422
    context = {
        "plans": selectors.plan_list(actor=actor),
        "form": form,
        "can_plan": actor.can(Capability.MANAGE_ELDERCARE) and bool(counties),
    }
    return render(request, "eldercare/institutions/plan_list.html", context, status=status)


def _plan_context(request: HttpRequest, pk: int, form: DrawForm | None = None) -> dict[str, Any]:
    actor = request_actor(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    current = selectors.current_draw(actor=actor, plan=plan)
    return {
        "plan": plan,
        "current": current,
        "summary": services.draw_summary(current) if current else None,
        "draws": selectors.draws_of(actor=actor, plan=plan),
        "form": form or DrawForm(initial={"expected_current": current.pk if current else None}),
        "can_draw": actor.can(Capability.MANAGE_ELDERCARE),
        # once a result is recorded the draw stands (services refuse a re-draw); the form is not offered
        "results_recorded": current is not None
        and current.inspections.exclude(
            status__in=(InspectionStatus.PLANNED, InspectionStatus.CANCELLED)
        ).exists(),
    }


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "eldercare/institutions/plan_detail.html", _plan_context(request, pk))


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = DrawForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            draw = services.draw_make(
                actor=actor,
                plan_id=pk,
                reason=form.cleaned_data["reason"] or "",
                expected_current=form.cleaned_data["expected_current"],
            )
        except DomainError as error:
            status = error_attach(form, error)
        else:
            messages.success(request, _("随机抽取完成，结果已记入审计日志"))
            return redirect("eldercare:institution_draw_detail", pk=draw.pk)
    return render(
        request, "eldercare/institutions/plan_detail.html", _plan_context(request, pk, form), status=status
    )


def _draw_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = request_actor(request)
    draw = selectors.draw_get(actor=actor, pk=pk)
    return {
        "draw": draw,
        "summary": services.draw_summary(draw),
        "events": selectors.draw_events(actor=actor, draw=draw),
        "inspections": draw.inspections.select_related("institution").order_by("institution__name"),
        "is_current": draw.status == DrawStatus.CURRENT,
        "can_audit": actor.can(Capability.VIEW_AUDIT),
    }


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "eldercare/institutions/draw_detail.html", _draw_context(request, pk))


@require_POST
@capability_required(Capability.VIEW_ELDERCARE)
def draw_verify(request: HttpRequest, pk: int) -> HttpResponse:
    verification = services.draw_verify(actor=request_actor(request), draw_id=pk)
    context = {**_draw_context(request, pk), "verification": verification}
    return render(request, "eldercare/institutions/draw_detail.html", context)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def inspection_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = InspectionFilterForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    filters = form.to_filters() if valid else selectors.InspectionFilters()
    today = timezone.localdate()
    number = (form.cleaned_data.get("page") or 1) if valid else 1
    context = {
        "form": form,
        "page": list_page(selectors.inspection_list(actor=actor, filters=filters, today=today), number),
        "page_query": query_without(request, "page"),
        "today": today,
        "overdue": filters.overdue,
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
    }
    return render(request, "eldercare/institutions/inspection_list.html", context)


@require_GET
@capability_required(Capability.EXPORT)
def inspection_export(request: HttpRequest) -> HttpResponse:
    """The inspection list (with its filters, e.g. only overdue) as Excel."""
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    form = InspectionFilterForm(request.GET or None)
    filters = form.to_filters() if form.is_bound and form.is_valid() else selectors.InspectionFilters()
    today = timezone.localdate()
    rows = selectors.inspection_list(actor=actor, filters=filters, today=today)[:EXPORT_LIMIT]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("双随机检查")
    xlsx_append(
        sheet,
        [
            "机构名称",
            "所在乡镇（街道）",
            "检查计划",
            "状态",
            "检查日期",
            "检查结果",
            "发现的问题",
            "整改期限",
            "整改完成日期",
            "逾期未整改",
        ],
    )
    for i in rows:
        overdue = i.status == InspectionStatus.RECORDED and bool(
            i.rectification_due_on and i.rectification_due_on < today
        )
        xlsx_append(
            sheet,
            [
                i.institution.name,
                i.institution.township.name,
                i.draw.plan.title,
                i.get_status_display(),
                i.inspected_on,
                i.get_result_display() if i.result else "",
                i.findings,
                i.rectification_due_on,
                i.rectified_on,
                "是" if overdue else "",
            ],
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    filename = f"双随机检查-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _inspection_context(request: HttpRequest, pk: int, **forms: Any) -> dict[str, Any]:
    actor = request_actor(request)
    inspection = selectors.inspection_get(actor=actor, pk=pk)
    today = timezone.localdate()
    checklist, source = services.checklist_for(inspection.draw.plan.county.code, today)
    initial = {f"item_{code}": ChecklistAnswer.MET for code, _ in checklist}
    return {
        "inspection": inspection,
        "record_form": forms.get("record_form")
        or InspectionRecordForm(checklist=checklist, initial={"inspected_on": today, **initial}),
        "rectify_form": forms.get("rectify_form") or RectifyForm(initial={"rectified_on": today}),
        "checklist_source": source,
        # the manual deadline is asked for only where the deadline parameter is missing (需人工核定)
        "due_needs_manual": services.rectification_due(inspection.draw.plan.county.code, today)[0] is None,
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "is_planned": inspection.status == InspectionStatus.PLANNED,
        "needs_rectification": needs_rectification(inspection.result),
        "overdue": bool(
            inspection.status == InspectionStatus.RECORDED
            and inspection.rectification_due_on
            and inspection.rectification_due_on < today
        ),
        "answer_labels": dict(ChecklistAnswer.choices),
        "result_labels": dict(InspectionResult.choices),
    }


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "eldercare/institutions/inspection_detail.html", _inspection_context(request, pk))


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def inspection_record(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    inspection = selectors.inspection_get(actor=actor, pk=pk)
    checklist, _source = services.checklist_for(inspection.draw.plan.county.code, timezone.localdate())
    form = InspectionRecordForm(request.POST, checklist=checklist)
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.inspection_record(
                actor=actor,
                inspection_id=pk,
                inspected_on=d["inspected_on"],
                answers=form.answers(),
                findings=d["findings"],
                result=d["result"],
                today=timezone.localdate(),
                manual_due_on=d["manual_due_on"],
            )
        except DomainError as error:
            status = error_attach(form, error)
        else:
            messages.success(request, _("已录入检查结果"))
            return redirect("eldercare:institution_inspection_detail", pk=pk)
    context = _inspection_context(request, pk, record_form=form)
    return render(request, "eldercare/institutions/inspection_detail.html", context, status=status)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def inspection_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = RectifyForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.inspection_rectify(
                actor=actor,
                inspection_id=pk,
                rectified_on=form.cleaned_data["rectified_on"],
                note=form.cleaned_data["note"],
                today=timezone.localdate(),
            )
        except DomainError as error:
            status = error_attach(form, error)
        else:
            messages.success(request, _("已记录整改情况"))
            return redirect("eldercare:institution_inspection_detail", pk=pk)
    context = _inspection_context(request, pk, rectify_form=form)
    return render(request, "eldercare/institutions/inspection_detail.html", context, status=status)


def _rectification_label(row: dict[str, Any], today: Any) -> str:
    if not needs_rectification(row["result"]):
        return _("无需整改")
    if row["status"] == InspectionStatus.RECTIFIED:
        return _("已整改（%(day)s）") % {"day": f"{row['rectified_on']:%Y-%m-%d}"}
    if row["rectification_due_on"] and row["rectification_due_on"] < today:
        return _("逾期未整改")
    return _("整改中")


@require_GET
def public_results(request: HttpRequest) -> HttpResponse:
    """双随机一公开: a county's published results for a year, readable without login on a phone."""
    counties = selectors.public_counties()
    county = request.GET.get("county", "")
    if county not in {code for code, _name in counties}:
        county = counties[0][0] if counties else ""
    years = selectors.public_years(county) if county else []
    year_text = request.GET.get("year", "")
    year = (
        int(year_text) if year_text.isdigit() and int(year_text) in years else (years[0] if years else None)
    )
    today = timezone.localdate()
    rows = selectors.public_results(county, year) if county and year else []
    results = dict(InspectionResult.choices)
    for row in rows:
        row["result_label"] = results.get(row["result"], "")
        row["rectification_label"] = _rectification_label(row, today)
    context = {
        "counties": counties,
        "county": county,
        "county_name": dict(counties).get(county, ""),
        "years": years,
        "year": year,
        "rows": rows,
    }
    return render(request, "eldercare/institutions/public_results.html", context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("inspections/plans/", plan_list, name="institution_plan_list"),
    path("inspections/plans/<int:pk>/", plan_detail, name="institution_plan_detail"),
    path("inspections/plans/<int:pk>/draw/", plan_draw, name="institution_plan_draw"),
    path("inspections/draws/<int:pk>/", draw_detail, name="institution_draw_detail"),
    path("inspections/draws/<int:pk>/verify/", draw_verify, name="institution_draw_verify"),
    path("inspections/", inspection_list, name="institution_inspection_list"),
    path("inspections/export/", inspection_export, name="institution_inspection_export"),
    path("inspections/<int:pk>/", inspection_detail, name="institution_inspection_detail"),
    path("inspections/<int:pk>/record/", inspection_record, name="institution_inspection_record"),
    path("inspections/<int:pk>/rectify/", inspection_rectify, name="institution_inspection_rectify"),
    path(PUBLIC_PATH, public_results, name="institution_public_results"),
]
