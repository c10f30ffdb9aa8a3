"""Pages of service entitlements (政府购买服务资格, issue 17 §3, §9): the list (filters, sort, pages,
Excel), the application with the older-person picker, one entitlement with the actions of its status.

Each view checks a capability, reads through a scoped selector (another jurisdiction's row is a 404) and
writes through one service; a ``DomainError`` re-renders the page with the message (nothing written)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.eldercare.exports_care import xlsx_response
from minzheng.eldercare.forms_care import EntitlementActionForm, EntitlementApplyForm, EntitlementFilterForm
from minzheng.eldercare.rules import entitlements as rules
from minzheng.eldercare.selectors import entitlements as selectors
from minzheng.eldercare.services import entitlements as services
from minzheng.eldercare.services.care_common import actor_level, flags_of
from minzheng.eldercare.views.care_common import picker_context
from minzheng.policy.rules import PARAMETER_KEYS

SORT_COLUMNS = [
    (None, "老年人"),
    (None, "居住地"),
    ("category", "服务对象类别"),
    ("status", "状态"),
    ("applied", "申请日期"),
    (None, "办理时限"),
    ("valid_from", "有效期起"),
    (None, "月服务时长/金额"),
]


def _filters(form: EntitlementFilterForm) -> selectors.EntitlementFilters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return selectors.EntitlementFilters(
        status=data.get("status", ""),
        category=data.get("category", ""),
        division=data.get("division") or "",
        name=data.get("name", ""),
        sort=data.get("sort") or "-applied",
    )


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def entitlement_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = EntitlementFilterForm(request.GET or None)
    filters = _filters(form)
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and form.is_valid() else 1
    context = {
        "form": form,
        "page": list_page(selectors.entitlement_list(actor=actor, filters=filters), number),
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_apply": actor.can(Capability.MANAGE_ELDERCARE) and (actor_level(actor) or 9) <= 4,
        "today": timezone.localdate(),
    }
    if request.htmx and request.htmx.target == "entitlement-results":  # type: ignore[attr-defined]
        return render(request, "eldercare/entitlements/_results.html", context)
    return render(request, "eldercare/entitlements/list.html", context)


@require_GET
@capability_required(Capability.EXPORT)
def entitlement_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    rows = selectors.entitlement_list(
        actor=actor, filters=_filters(EntitlementFilterForm(request.GET or None))
    )
    return xlsx_response(
        actor=actor,
        title="政府购买服务资格",
        headers=[
            "姓名",
            "身份证号码（脱敏）",
            "居住地",
            "服务对象类别",
            "状态",
            "申请日期",
            "有效期起",
            "有效期止",
            "月服务时长（小时）",
            "月服务金额（元）",
            "人工核定",
        ],
        rows=(
            [
                r.older_person.person.name,
                r.older_person.person.id_number_masked,
                r.division.name,
                r.get_category_display(),
                r.get_status_display(),
                r.applied_on,
                r.valid_from,
                r.valid_to,
                r.monthly_hours,
                r.monthly_amount,
                "是" if r.manual else "",
            ]
            for r in rows
        ),
        purpose="导出政府购买服务资格名单",
        ip=client_address(request),
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ELDERCARE)
def entitlement_apply(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    picker = picker_context(request)
    older = picker["older"]
    met = rules.categories_met(flags_of(older)) if older else []
    categories = [(c.value, rules.CATEGORY_LABELS[c]) for c in met]
    form = EntitlementApplyForm(request.POST or None, categories=categories)
    status = 200
    if request.method == "POST" and older is not None and form.is_valid():
        try:
            row = services.entitlement_apply(
                actor=actor,
                older_person_id=older.pk,
                category=form.cleaned_data["category"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            status = error_attach(form, error, {"older_person": None})
        else:
            messages.success(request, _("已受理服务资格申请"))
            return redirect("eldercare:entitlement_detail", pk=row.pk)
    elif request.method == "POST":
        status = 422
        if older is None:
            form.add_error(None, _("请先选择老年人"))
    context = {**picker, "form": form, "picker_url": reverse("eldercare:entitlement_apply"), "met": met}
    return render(request, "eldercare/entitlements/apply.html", context, status=status)


def _detail(
    request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    actor = request_actor(request)
    row = selectors.entitlement_get(actor=actor, pk=pk)
    bound = bound or {}
    can_act = actor.can(Capability.MANAGE_ELDERCARE)
    level = actor_level(actor)
    actions = [
        (
            t,
            bound.get(t.code)
            or EntitlementActionForm(
                initial={"expected_status": row.status, "valid_from": timezone.localdate()}
            ),
        )
        for t in rules.transitions_from(row.status)
        if can_act and not rules.transition_problem(t.code, row.status, level)
    ]
    context = {
        "error": error,
        "row": row,
        "events": list(row.events.select_related("actor")),
        # the parameters used, by their Chinese names (the keys are for the parameter pages)
        "parameters_used": [
            (PARAMETER_KEYS[p["key"]].label if p.get("key") in PARAMETER_KEYS else "", p)
            for p in row.parameters or []
        ],
        "actions": actions,
        "status_label": rules.STATUS_LABELS[rules.Status(row.status)],
        "today": timezone.localdate(),
    }
    return render(request, "eldercare/entitlements/detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def entitlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def entitlement_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    actor = request_actor(request)
    selectors.entitlement_get(actor=actor, pk=pk)  # 404 outside the jurisdiction
    form = EntitlementActionForm(request.POST)
    if code not in rules.TRANSITION_BY_CODE:
        return _detail(request, pk, status=404)
    if not form.is_valid():
        return _detail(request, pk, bound={code: form}, status=422, error=_("请更正表单中的错误"))
    data = form.cleaned_data
    decision = services.Decision(
        valid_from=data["valid_from"],
        valid_to=data["valid_to"],
        manual_hours=data["manual_hours"],
        manual_amount=data["manual_amount"],
        manual_note=data["manual_note"],
    )
    try:
        services.entitlement_transition(
            actor=actor,
            entitlement_id=pk,
            code=code,
            expected_status=data["expected_status"],
            reason=data["reason"],
            decision=decision,
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _detail(request, pk, bound={code: form}, status=status, error=error.message)
    messages.success(request, _("已办理“%(label)s”") % {"label": rules.TRANSITION_BY_CODE[code].label})
    return redirect("eldercare:entitlement_detail", pk=pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("entitlements/", entitlement_list, name="entitlement_list"),
    path("entitlements/export/", entitlement_export, name="entitlement_export"),
    path("entitlements/new/", entitlement_apply, name="entitlement_apply"),
    path("entitlements/<int:pk>/", entitlement_detail, name="entitlement_detail"),
    path("entitlements/<int:pk>/act/<str:code>/", entitlement_act, name="entitlement_act"),
]
