"""Pages of eldercare: capacity assessment (issue 17 §2, GB/T 42195-2022) — the 26-item form, the result with
its reasons (需人工核定 with a manual level and reason where no cut-offs apply), completing or withdrawing a
draft, and the older people due for re-assessment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.pages import capability_required, error_attach, list_page, query_without
from minzheng.eldercare.forms_people import AssessmentForm, CancelForm, CompleteForm
from minzheng.eldercare.models import CapacityAssessment
from minzheng.eldercare.rules.assessment import DIMENSIONS, Level, Status
from minzheng.eldercare.selectors import assessment as selectors
from minzheng.eldercare.selectors import people as people_selectors
from minzheng.eldercare.services import assessment as services
from minzheng.monitoring.selectors import division_filter_choices
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.keys.eldercare_assessment import SELF_CARE_MAP
from minzheng.policy.selectors import parameter_value
from minzheng.registry.choices import SelfCare


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ELDERCARE)
def assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    older = people_selectors.older_person_get(actor=actor, pk=pk)
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessment = services.assessment_create(
                    actor=actor, older_person_id=older.pk, data=form.to_data()
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                return redirect("eldercare:assessment_detail", pk=assessment.pk)
        else:
            status = 422
    else:
        form = AssessmentForm(initial={"assessor_name": actor.full_name})
    context = {"older": older, "form": form, "maximum": sum(d.maximum for d in DIMENSIONS)}
    return render(request, "eldercare/assessment/assessment_form.html", context, status=status)


def _self_care_mapping(assessment: CapacityAssessment) -> dict[str, str] | None:
    try:
        value = parameter_value(SELF_CARE_MAP, assessment.older_person.division, assessment.assessed_on).value
    except ParameterMissing:
        return None
    return {Level(level).label: SelfCare(tier).label for level, tier in value.items()}


def _detail(
    request: HttpRequest, pk: int, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    assessment = selectors.assessment_get(actor=actor, pk=pk)
    forms = forms or {}
    initial = {"expected_status": assessment.status}
    dimensions = [
        (
            d,
            assessment.dimension_scores.get(d.code, 0),
            [(i, assessment.item_scores.get(i.code)) for i in d.items],
        )
        for d in DIMENSIONS
    ]
    context = {
        "assessment": assessment,
        "older": assessment.older_person,
        "dimensions": dimensions,
        "is_draft": assessment.status == Status.DRAFT,
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "complete_form": forms.get("complete") or CompleteForm(initial=initial),
        "cancel_form": forms.get("cancel") or CancelForm(initial=initial),
        "self_care_mapping": _self_care_mapping(assessment),
        "parameters_used": [(key, used) for key, used in assessment.parameters.items()],
    }
    return render(request, "eldercare/assessment/assessment_detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def assessment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    form = CompleteForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, forms={"complete": form}, status=422)
    d = form.cleaned_data
    try:
        services.assessment_complete(
            actor=request_actor(request),
            assessment_id=pk,
            expected_status=d["expected_status"],
            manual_level=d.get("manual_level") or "",
            manual_reason=d.get("manual_reason") or "",
            next_assessment_on=d.get("next_assessment_on"),
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _detail(request, pk, forms={"complete": form}, status=status)
    messages.success(request, _("评估已完成"))
    return redirect("eldercare:assessment_detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def assessment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, forms={"cancel": form}, status=422)
    try:
        services.assessment_cancel(
            actor=request_actor(request), assessment_id=pk, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _detail(request, pk, forms={"cancel": form}, status=status)
    messages.success(request, _("评估已作废"))
    return redirect("eldercare:assessment_detail", pk=pk)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or default)))
    except ValueError:
        return default


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def assessment_due(request: HttpRequest) -> HttpResponse:
    """Older people whose next assessment falls within ``days`` from today (overdue first)."""
    actor = request_actor(request)
    today = timezone.localdate()
    days = _int(request.GET.get("days"), 30, 0, 366)
    division = request.GET.get("division", "").strip()
    division = division if division.isdigit() and 2 <= len(division) <= 12 else ""
    queryset = selectors.reassessment_due(actor=actor, by=today + dt.timedelta(days=days), division=division)
    page = list_page(queryset, _int(request.GET.get("page"), 1, 1, 100000))
    context = {
        "page": page,
        "today": today,
        "days": days,
        "division": division,
        "division_choices": division_filter_choices(actor=actor),
        "page_query": query_without(request, "page"),
        "level_labels": dict(Level.choices),
        "day_choices": (0, 30, 90, 180, 366),
    }
    return render(request, "eldercare/assessment/assessment_due.html", context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("people/<int:pk>/assessments/new/", assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/complete/", assessment_complete, name="assessment_complete"),
    path("assessments/<int:pk>/cancel/", assessment_cancel, name="assessment_cancel"),
    path("assessments/due/", assessment_due, name="assessment_due"),
]
