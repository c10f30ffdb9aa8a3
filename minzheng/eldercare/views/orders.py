"""Pages of eldercare: orders (issue 17 §4, §9) for staff — the list with filters and Excel, the order with
its events, flags in words and actions (dispatch, review, call-back confirmation, dispute, cancel), placing
by a caseworker, standing plans and the weekly generation, the no-show scan, and the check-in/out photos.
The worker's phone pages are ``orders_worker``; the portal pages ``orders_portal`` (/portal/eldercare/)."""

from __future__ import annotations

import datetime as dt
import mimetypes
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.audit.services import personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.eldercare import forms_orders as forms
from minzheng.eldercare.models import OlderPerson
from minzheng.eldercare.selectors import orders as selectors
from minzheng.eldercare.selectors import orders_export
from minzheng.eldercare.selectors.providers import items_serving, provider_list, providers_serving
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.services import orders_confirm as confirm
from minzheng.eldercare.services import orders_plans as plans
from minzheng.eldercare.views import orders_worker
from minzheng.eldercare.views.providers import xlsx_response

SORT_COLUMNS = [
    ("number", _("订单号")),
    (None, _("老人")),
    (None, _("服务项目")),
    (None, _("服务机构")),
    ("window_start", _("预约时间")),
    ("status", _("状态")),
    ("amount", _("金额（元）")),
    (None, _("核验提示")),
]


def _filters(request: HttpRequest) -> tuple[forms.OrderFilterForm, selectors.OrderFilters]:
    providers = [(p.pk, p.name) for p in provider_list(actor=request_actor(request))[:200]]
    form = forms.OrderFilterForm(request.GET or None, providers=providers)
    if not (form.is_bound and form.is_valid()):
        return form, selectors.OrderFilters()
    data = form.cleaned_data
    return form, selectors.OrderFilters(
        status=data["status"],
        kind=data["kind"],
        provider=data["provider"],
        number=data["number"],
        window_from=data["window_from"],
        window_to=data["window_to"],
        flagged=data["flagged"],
        review_pending=data["review_pending"],
        sort=data["sort"] or "-window_start",
    )


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def order_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form, filters = _filters(request)
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and form.is_valid() else 1
    context = {
        "form": form,
        "page": list_page(selectors.order_list(actor=actor, filters=filters), number),
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
    }
    return render(request, "eldercare/orders/order_list.html", context, status=422 if form.errors else 200)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def order_export(request: HttpRequest) -> HttpResponse:
    _form, filters = _filters(request)
    rows = selectors.order_list(actor=request_actor(request), filters=filters)
    if rows[: settings.EXPORT_SYNC_LIMIT + 1].count() > settings.EXPORT_SYNC_LIMIT:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect("eldercare:order_list")
    content, count = orders_export.orders_xlsx(rows)
    personal_data_access_record(
        actor=request_actor(request),
        fields=["name"],
        purpose="导出养老服务订单",
        record_count=count,
        ip_address=client_address(request),
    )  # the older people's names leave the system
    return xlsx_response(content, f"养老服务订单-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


def _detail(
    request: HttpRequest, pk: int, bound: dict[str, Any] | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    actor = request_actor(request)
    order = selectors.order_get(actor=actor, pk=pk)
    detail = selectors.order_detail(order)
    bound = bound or {}
    serving = [(str(p.pk), p.name) for p in providers_serving(order.division.code).order_by("name")]
    context = {
        "detail": detail,
        "order": order,
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "error": error,
        "dispatch_form": bound.get("dispatch")
        or forms.DispatchForm(providers=serving, initial={"provider": str(order.provider_id)}),
        "review_form": bound.get("review") or forms.ReviewForm(),
        "resolve_form": bound.get("resolve") or forms.ResolveForm(),
        "cancel_form": bound.get("cancel") or forms.NoteForm(),
        "callback_form": bound.get("callback") or forms.ConfirmForm(),
    }
    return render(request, "eldercare/orders/order_detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _act(actor: Any, pk: int, action: str, form: Any, ip: str | None) -> str:
    """Run one staff action; returns the success message."""
    data = form.cleaned_data
    if action == "dispatch":
        services.order_dispatch(actor=actor, order_id=pk, provider_id=int(data["provider"]), ip_address=ip)
        return _("已派单")
    if action == "review":
        confirm.order_review(
            actor=actor, order_id=pk, decision=data["decision"], note=data["note"], ip_address=ip
        )
        return _("已记录核验结论")
    if action == "resolve":
        confirm.order_dispute_resolve(
            actor=actor, order_id=pk, outcome=data["outcome"], note=data["note"], ip_address=ip
        )
        return _("已处理异议")
    if action == "cancel":
        services.order_cancel(actor=actor, order_id=pk, reason=data["note"], ip_address=ip)
        return _("订单已取消")
    _order, message = confirm.order_confirm(
        actor=actor,
        order_id=pk,
        channel="staff",
        rating=data["rating"],
        feedback=data["feedback"],
        ip_address=ip,
    )
    return message


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    order = selectors.order_get(actor=actor, pk=pk)
    makers = {
        "dispatch": lambda: forms.DispatchForm(
            request.POST,
            providers=[(str(p.pk), p.name) for p in providers_serving(order.division.code)]
            or [(str(order.provider_id), order.provider.name)],
        ),
        "review": lambda: forms.ReviewForm(request.POST),
        "resolve": lambda: forms.ResolveForm(request.POST),
        "cancel": lambda: forms.NoteForm(request.POST),
        "callback": lambda: forms.ConfirmForm(request.POST),
    }
    if action not in makers:
        raise Http404
    form = makers[action]()
    if not form.is_valid():
        return _detail(request, pk, {action: form}, status=422)
    try:
        message = _act(actor, pk, action, form, client_address(request))
    except DomainError as error:
        status = error_attach(form, error)
        return _detail(request, pk, {action: form}, status=status, error=error.message)
    messages.success(request, message)
    return redirect("eldercare:order_detail", pk)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def order_photo(request: HttpRequest, pk: int, moment: str) -> HttpResponse:
    """A check-in or check-out photo, for staff of the jurisdiction, under a sandboxing CSP (ADR 0028)."""
    order = selectors.order_get(actor=request_actor(request), pk=pk)
    name = {"in": order.check_in_photo, "out": order.check_out_photo}.get(moment, "")
    if not name or not default_storage.exists(name):
        raise Http404(_("没有照片"))
    with default_storage.open(name, "rb") as stored:  # a compressed phone photo: small enough to read
        response = HttpResponse(stored.read(), content_type=mimetypes.guess_type(name)[0])
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- placing by a caseworker, plans, scans ------------------------------------------------------------------


def _people_choices(actor: Any) -> list[tuple[int, str]]:
    rows = OlderPerson.objects.visible_to(actor).filter(active=True).select_related("person", "division")
    return [
        (o.pk, f"{o.person.name}（{o.division.name}）") for o in rows.order_by("division__code", "pk")[:500]
    ]


def _item_choices(actor: Any) -> list[tuple[int, str]]:
    code = actor.division.code if actor.division else ""
    if not code:
        return []
    return [(i.pk, _item_label(i)) for i in items_serving(code)[:300]]


def _item_label(item: Any) -> str:
    price = f"{item.price} 元/{item.get_unit_display()}"
    return f"{item.get_kind_display()} · {item.name}（{item.provider.name}，{price}）"


@capability_required(Capability.MANAGE_ELDERCARE)
def order_new(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.PlaceForm(
        request.POST or None, people=_people_choices(actor), items=_item_choices(actor), staff=True
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            start, end = form.window()
            try:
                order, created = services.order_place(
                    actor=actor,
                    older_person_id=form.cleaned_data["older_person"],
                    item_id=form.cleaned_data["item"],
                    window_start=start,
                    window_end=end,
                    quantity=form.cleaned_data["quantity"],
                    note=form.cleaned_data["note"],
                    ip_address=client_address(request),
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已下单") if created else _("相同的订单已存在，未重复下单"))
                return redirect("eldercare:order_detail", order.pk)
    return render(request, "eldercare/orders/order_new.html", {"form": form}, status=status)


@capability_required(Capability.VIEW_ELDERCARE)
def plan_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = forms.PlanForm(request.POST or None, people=_people_choices(actor), items=_item_choices(actor))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                plans.plan_create(
                    actor=actor,
                    older_person_id=data["older_person"],
                    item_id=data["item"],
                    weekdays=",".join(data["weekdays"]),
                    start_time=data["start_time"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    ip_address=client_address(request),
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已制定固定服务计划"))
                return redirect("eldercare:plan_list")
    rows = list_page(selectors.plan_list(actor=actor), int(request.GET.get("page", "1") or 1))
    context = {
        "form": form,
        "page": rows,
        "page_query": query_without(request, "page"),
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "next_monday": plans.week_monday(timezone.localdate()) + dt.timedelta(days=7),
    }
    return render(request, "eldercare/orders/plan_list.html", context, status=status)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def plans_run(request: HttpRequest) -> HttpResponse:
    """Generate a week's plan orders (this week or next); idempotent."""
    monday = plans.week_monday(timezone.localdate())
    if request.POST.get("week") == "next":
        monday += dt.timedelta(days=7)
    created = plans.plans_generate(week_start=monday, actor=request_actor(request))
    messages.success(
        request, _("已生成 %(n)s 单（%(d)s 起的一周；已生成过的不重复生成）") % {"n": created, "d": monday}
    )
    return redirect("eldercare:plan_list")


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def no_show_run(request: HttpRequest) -> HttpResponse:
    marked = confirm.orders_no_show_scan(actor=request_actor(request))
    messages.success(request, _("未上门检查完成：标记 %(n)s 单为未上门") % {"n": marked})
    return redirect(f"{reverse('eldercare:order_list')}?status=no_show")


urlpatterns: list[URLPattern | URLResolver] = [
    path("orders/", order_list, name="order_list"),
    path("orders/export/", order_export, name="order_export"),
    path("orders/new/", order_new, name="order_new"),
    path("orders/no-show-scan/", no_show_run, name="order_no_show_scan"),
    path("orders/<int:pk>/", order_detail, name="order_detail"),
    path("orders/<int:pk>/photo/<slug:moment>/", order_photo, name="order_photo"),
    path("orders/<int:pk>/<slug:action>/", order_action, name="order_action"),
    path("plans/", plan_list, name="plan_list"),
    path("plans/generate/", plans_run, name="plan_generate"),
    *orders_worker.urlpatterns,
]
