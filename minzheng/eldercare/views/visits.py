"""Pages of visits (探访关爱, issue 17 §5, §9), made for a phone (390 px) as much as for a desk: the visit
list (the schedule, overdue first; filters, pages, Excel), an older person's visits with the form to record
one (photos from the phone's camera), and the photos themselves (scoped).

Village assistants see and record visits (``rules.visits``: VIEW_ELDERCARE to see; MANAGE_ELDERCARE or
ACCEPT_APPLICATIONS to record)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.eldercare.exports_care import xlsx_response
from minzheng.eldercare.forms_care import ScheduleFilterForm, VisitForm
from minzheng.eldercare.models import CarePhoto
from minzheng.eldercare.rules import visits as rules
from minzheng.eldercare.selectors import visits as selectors
from minzheng.eldercare.selectors.entitlements import older_person_get
from minzheng.eldercare.services import visits as services

SORT_COLUMNS = [("name", "姓名"), (None, "探访类别"), ("last", "最近探访"), ("due", "下次应探访")]


def _filters(form: ScheduleFilterForm) -> selectors.ScheduleFilters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return selectors.ScheduleFilters(
        due=data.get("due", ""),
        category=data.get("category", ""),
        division=data.get("division") or "",
        name=data.get("name", ""),
        sort=data.get("sort") or "due",
    )


def _can_record(request: HttpRequest) -> bool:
    actor = request_actor(request)
    return any(actor.can(c) for c in rules.RECORD_CAPABILITIES)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def visit_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    today = timezone.localdate()
    form = ScheduleFilterForm(request.GET or None)
    filters = _filters(form)
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and form.is_valid() else 1
    context = {
        "form": form,
        "page": list_page(selectors.schedule_list(actor=actor, filters=filters, today=today), number),
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_record": _can_record(request),
        "can_scan": actor.can(Capability.MANAGE_ELDERCARE),
        "today": today,
    }
    if request.htmx and request.htmx.target == "visit-results":  # type: ignore[attr-defined]
        return render(request, "eldercare/visits/_results.html", context)
    return render(request, "eldercare/visits/list.html", context)


@require_GET
@capability_required(Capability.EXPORT)
def visit_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    today = timezone.localdate()
    rows = selectors.schedule_list(
        actor=actor, filters=_filters(ScheduleFilterForm(request.GET or None)), today=today
    )
    return xlsx_response(
        actor=actor,
        title="探访关爱计划",
        headers=[
            "姓名",
            "身份证号码（脱敏）",
            "居住地",
            "探访类别",
            "探访间隔（天）",
            "最近探访",
            "下次应探访",
            "已逾期",
            "需人工核定原因",
        ],
        rows=(
            [
                r.older_person.person.name,
                r.older_person.person.id_number_masked,
                r.division.name,
                r.categories,
                r.interval_days,
                r.last_visited_on,
                r.next_due_on,
                "是" if r.next_due_on and r.next_due_on < today else "",
                r.manual_reason,
            ]
            for r in rows
        ),
        purpose="导出探访关爱计划",
        ip=client_address(request),
    )


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def visit_scan(request: HttpRequest) -> HttpResponse:
    """Run today's overdue scan now (it also runs daily: ``minzheng eldercare_visits_scan``)."""
    run = services.visits_overdue_scan(actor=request_actor(request))
    messages.success(
        request,
        _("已完成逾期探访检查：逾期 %(hits)s 人，新增预警 %(new)s 条")
        % {"hits": run.hits, "new": run.alerts_new},
    )
    return redirect("eldercare:visit_list")


def _person_page(
    request: HttpRequest, older_pk: int, form: VisitForm | None = None, status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    older = older_person_get(actor=actor, pk=older_pk)
    can_record = _can_record(request)
    context = {
        "older": older,
        "schedule": selectors.schedule_of(actor=actor, older_person_id=older.pk),
        "visits": list(
            selectors.visit_list(actor=actor, older_person_id=older.pk).prefetch_related("photos")[:50]
        ),
        "form": (form or VisitForm(initial={"visited_on": timezone.localdate()})) if can_record else None,
        "today": timezone.localdate(),
    }
    return render(request, "eldercare/visits/person.html", context, status=status)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_ELDERCARE)
def visit_person(request: HttpRequest, older_pk: int) -> HttpResponse:
    if request.method == "GET":
        return _person_page(request, older_pk)
    actor = request_actor(request)
    older_person_get(actor=actor, pk=older_pk)  # 404 outside the jurisdiction
    if not _can_record(request):
        from django.core.exceptions import PermissionDenied  # noqa: PLC0415 - only this path refuses

        raise PermissionDenied(_("您的角色无权录入探访记录"))
    form = VisitForm(request.POST, request.FILES)
    if not form.is_valid():
        return _person_page(request, older_pk, form, status=422)
    data = form.cleaned_data
    try:
        services.visit_record(
            actor=actor,
            older_person_id=older_pk,
            data=services.VisitData(
                visited_on=data["visited_on"],
                findings=data["findings"],
                living_conditions=data["living_conditions"],
                health=data["health"],
                risk_found=data["risk_found"],
                safety_risks=data["safety_risks"],
                needs=data["needs"],
                follow_up=data["follow_up"],
            ),
            photos=data["photos"],
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _person_page(request, older_pk, form, status=status)
    messages.success(
        request, _("已录入探访记录") + ("，" + _("已推送安全风险预警") if data["risk_found"] else "")
    )
    return redirect("eldercare:visit_person", older_pk=older_pk)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def care_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """One photo of a visit or an acceptance, to a user of its jurisdiction (else 404)."""
    photo = CarePhoto.objects.visible_to(request_actor(request)).filter(pk=pk).first()
    if photo is None:
        raise NotFound("照片不存在或不在您的管辖范围内")
    with photo.file.open("rb") as stored:  # photos are small (the upload limit), read whole
        response = HttpResponse(stored.read(), content_type=photo.content_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("visits/", visit_list, name="visit_list"),
    path("visits/export/", visit_export, name="visit_export"),
    path("visits/scan/", visit_scan, name="visit_scan"),
    path("visits/<int:older_pk>/", visit_person, name="visit_person"),
    path("photos/<int:pk>/", care_photo, name="care_photo"),
]
