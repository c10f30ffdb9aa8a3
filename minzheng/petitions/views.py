"""信访 staff pages (issue 20): the register (search, filters, sort, pages, Excel), registration, a matter
with the actions of its status, the petitioner's identity for its handlers, the written documents as PDF and
the dashboard.

Every read goes through ``selectors.petition_queryset`` (jurisdiction + the confidentiality rule): a matter
the user may not know of is a 404 on every page, export and PDF. Writes go through one service each; a
``DomainError`` re-renders the page with the message (nothing was written).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, PermissionDenied
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.common.selectors import queryset_count_capped
from minzheng.petitions import exports, rules, selectors, services
from minzheng.petitions.forms import ActionForm, PetitionFilterForm, RegisterForm

SORT_COLUMNS = [
    ("number", "信访编号"),
    (None, "标题"),
    (None, "信访人"),
    (None, "事项类型"),
    (None, "责任单位"),
    ("status", "状态"),
    ("received", "收到日期"),
    ("due", "当前期限"),
]


def _file(content: bytes, filename: str, content_type: str, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=attachment, filename=filename) or ""
    )
    return response


def _labels() -> dict[str, Any]:
    return {
        "status_labels": {str(k): v for k, v in rules.STATUS_LABELS.items()},
        "matter_labels": {str(k): v for k, v in rules.MATTER_LABELS.items()},
        "kind_labels": {str(k): v for k, v in rules.KIND_LABELS.items()},
        "channel_labels": {str(k): v for k, v in rules.CHANNEL_LABELS.items()},
        "due_labels": {str(k): v for k, v in rules.DUE_STATE_LABELS.items()},
        "satisfaction_labels": {str(k): v for k, v in rules.SATISFACTION_LABELS.items()},
    }


# --- the register ------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_PETITIONS)
def petition_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = PetitionFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters() if form.is_bound and valid else selectors.PetitionFilters()
    page = None
    if valid:
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        page = list_page(selectors.petition_list(actor=actor, filters=filters), number)
    context = {
        "form": form,
        "page": page,
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_register": actor.can(Capability.HANDLE_PETITIONS),
        **_labels(),
    }
    if request.htmx and request.htmx.target == "petition-results":  # type: ignore[attr-defined]
        return render(request, "petitions/_results.html", context)
    return render(request, "petitions/list.html", context, status=200 if valid else 422)


@require_GET
@capability_required(Capability.EXPORT)
def petition_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request, Capability.VIEW_PETITIONS)
    form = PetitionFilterForm(request.GET or None)
    back = f"{reverse('petitions:list')}?{query_without(request, 'page')}"
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(back)
    filters = form.to_filters() if form.is_bound else selectors.PetitionFilters()
    rows = selectors.petition_list(actor=actor, filters=filters)
    _total, too_many = queryset_count_capped(rows, cap=settings.EXPORT_SYNC_LIMIT)
    if too_many:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect(back)
    content, _count = exports.register_xlsx(rows)
    return _file(content, f"信访登记-{timezone.localtime():%Y%m%d-%H%M}.xlsx", exports.XLSX)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.HANDLE_PETITIONS)
def petition_register(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    staff = [(pk, label) for pk, label in _staff_choices(actor)]
    form = RegisterForm(request.POST or None, units=selectors.unit_choices(actor=actor), staff=staff)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                petition = services.petition_register(actor=actor, data=form.to_data())
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已登记，编号 %(number)s") % {"number": petition.number})
                return redirect("petitions:detail", pk=petition.pk)
        else:
            status = 422
    return render(request, "petitions/register.html", {"form": form}, status=status)


def _staff_choices(actor: User) -> list[tuple[int, str]]:
    users = User.objects.visible_to(actor).filter(is_active=True).select_related("division")
    return [
        (u.pk, f"{u}（{u.division.name if u.division else ''}）") for u in users.order_by("username")[:500]
    ]


# --- one matter --------------------------------------------------------------------------------------------


def _detail_page(
    request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.petition_detail(actor=actor, pk=pk)
    petition = detail.petition
    bound = bound or {}
    units = staff = None
    if any(t.action in ("assign", "transfer") for t in detail.actions):
        units = selectors.unit_choices(actor=actor, petition=petition)
        staff = selectors.handler_choices(actor=actor, petition=petition)
    forms = [
        (
            t,
            bound.get(t.action)
            or ActionForm(initial={"expected_status": petition.status}, units=units, staff=staff),
        )
        for t in detail.actions
    ]
    documents = [
        (code, title) for code, title in exports.DOCUMENTS.items() if exports.document_text(petition, code)
    ]
    context = {
        "detail": detail,
        "petition": petition,
        "forms": forms,
        "error": error,
        "documents": documents,
        "today": timezone.localdate(),
        **_labels(),
    }
    return render(request, "petitions/detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_PETITIONS)
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


ACTIONS: dict[str, Callable[[User, int, dict[str, Any]], object]] = {
    "accept": lambda a, pk, d: services.petition_accept(
        actor=a, pk=pk, expected_status=d["expected_status"], notice=d["notice"]
    ),
    "decline": lambda a, pk, d: services.petition_decline(
        actor=a, pk=pk, expected_status=d["expected_status"], notice=d["notice"]
    ),
    "assign": lambda a, pk, d: services.petition_assign(
        actor=a,
        pk=pk,
        expected_status=d["expected_status"],
        division_code=d["division"] or "",
        handler_id=int(d["handler"]) if d["handler"] else None,
        note=d["note"],
    ),  # fmt: skip
    "object": lambda a, pk, d: services.petition_object(
        actor=a, pk=pk, expected_status=d["expected_status"], reason=d["reason"]
    ),
    "start": lambda a, pk, d: services.petition_start(actor=a, pk=pk, expected_status=d["expected_status"]),
    "extend": lambda a, pk, d: services.petition_extend(
        actor=a, pk=pk, expected_status=d["expected_status"], days=d["days"] or 0, reason=d["reason"]
    ),
    "reply": lambda a, pk, d: services.petition_reply(
        actor=a,
        pk=pk,
        expected_status=d["expected_status"],
        text=d["text"],
        publishable=d["publishable"],
        public_question=d["public_question"],
        public_answer=d["public_answer"],
    ),  # fmt: skip
    "evaluate": lambda a, pk, d: services.petition_evaluate(
        actor=a, pk=pk, expected_status=d["expected_status"], satisfaction=d["satisfaction"], note=d["note"]
    ),
    "close": lambda a, pk, d: services.petition_close(
        actor=a, pk=pk, expected_status=d["expected_status"], note=d["note"]
    ),
    "request_review": lambda a, pk, d: services.petition_review_request(
        actor=a, pk=pk, expected_status=d["expected_status"], reason=d["reason"]
    ),
    "decide_review": lambda a, pk, d: services.petition_review_decide(
        actor=a, pk=pk, expected_status=d["expected_status"], text=d["text"]
    ),
    "request_rereview": lambda a, pk, d: services.petition_rereview_request(
        actor=a, pk=pk, expected_status=d["expected_status"], reason=d["reason"]
    ),
    "decide_rereview": lambda a, pk, d: services.petition_rereview_decide(
        actor=a, pk=pk, expected_status=d["expected_status"], text=d["text"]
    ),
}
ACTIONS["transfer"] = ACTIONS["assign"]


@require_POST
@capability_required(Capability.HANDLE_PETITIONS)
def petition_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    petition = selectors.petition_get(actor=actor, pk=pk)  # 404 for a matter the user may not know of
    if action not in ACTIONS:
        raise Http404(_("没有这项办理操作"))
    units = (
        selectors.unit_choices(actor=actor, petition=petition) if action in ("assign", "transfer") else None
    )
    staff = (
        selectors.handler_choices(actor=actor, petition=petition)
        if action in ("assign", "transfer")
        else None
    )
    form = ActionForm(request.POST, units=units, staff=staff)
    if not form.is_valid():
        return _detail_page(request, pk, bound={action: form}, error=_("请更正表单中的错误"), status=422)
    try:
        ACTIONS[action](actor, pk, form.cleaned_data)
    except DomainError as error:
        status = error_attach(form, error)
        return _detail_page(request, pk, bound={action: form}, error=error.message, status=status)
    messages.success(request, _("已办理：%(action)s") % {"action": rules.ACTION_LABELS.get(action, action)})
    return redirect("petitions:detail", pk=pk)


@require_POST
@capability_required(Capability.HANDLE_PETITIONS)
def petition_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        identity = services.petition_identity_reveal(
            actor=actor, pk=pk, purpose="petition_detail", ip_address=client_address(request)
        )
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from None
    return render(request, "petitions/_identity.html", {"identity": identity})


@require_GET
@capability_required(Capability.VIEW_PETITIONS)
def petition_pdf(request: HttpRequest, pk: int, document: str) -> HttpResponse:
    actor = request_actor(request)
    petition = selectors.petition_get(actor=actor, pk=pk)
    if document not in exports.DOCUMENTS or not exports.document_text(petition, document):
        raise Http404(_("该文书尚未形成"))
    name = petition.petitioner_name_masked
    if selectors.identity_visible(actor, petition):
        name = services.petition_identity_reveal(
            actor=actor, pk=pk, purpose="petition_pdf", ip_address=client_address(request)
        ).name
    content = exports.petition_pdf(petition, document, name)
    filename = f"{exports.DOCUMENTS[document]}-{petition.number}.pdf"
    return _file(content, filename, "application/pdf", attachment=False)


# --- the dashboard ----------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", "")) if request.GET.get("start") else None
        end = dt.date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else None
    except ValueError:
        start = end = None
    end = end or today
    return start or end.replace(month=1, day=1), end


@require_GET
@capability_required(Capability.VIEW_PETITIONS)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    start, end = _period(request)
    board = selectors.dashboard(actor=actor, start=start, end=end)
    chart = {
        "matter": [{"name": label, "value": n} for label, n in board.by_matter],
        "divisions": {
            "names": [name for name, _n, _late in board.by_division],
            "received": [n for _name, n, _late in board.by_division],
            "overdue": [late for _name, _n, late in board.by_division],
        },
    }
    context = {
        "board": board,
        "chart": chart,
        "start": start,
        "end": end,
        "can_export": actor.can(Capability.EXPORT),
        "query": query_without(request),
    }
    return render(request, "petitions/dashboard.html", context)


@require_GET
@capability_required(Capability.EXPORT)
def dashboard_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request, Capability.VIEW_PETITIONS)
    start, end = _period(request)
    content = exports.dashboard_xlsx(selectors.dashboard(actor=actor, start=start, end=end))
    return _file(content, f"信访统计-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", exports.XLSX)
