"""My queue, the list with filters and Excel export, and a village's public notice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from minzheng.accounts.actors import request_actor
from minzheng.applications import exports, rules, selectors
from minzheng.applications.forms import (
    ApplicationFilterForm,
    NoticeForm,
)
from minzheng.applications.models import Application
from minzheng.applications.rules import Step, Workflow
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import ListPage, capability_required, list_page, query_without, sort_columns
from minzheng.common.selectors import queryset_count_capped

# (sort key, header, CSS classes: narrow screens hide the less needed columns)
SORT_COLUMNS = [
    ("number", _lazy("申请编号"), ""),
    (None, _lazy("救助类别"), ""),
    (None, _lazy("户主"), ""),
    (None, _lazy("村（社区）"), "d-none d-md-table-cell"),
    ("step", _lazy("当前环节"), ""),
    ("due", _lazy("环节时限"), ""),
    ("submitted", _lazy("申请日期"), "d-none d-lg-table-cell"),
    (None, _lazy("渠道"), "d-none d-lg-table-cell"),
]


@dataclass(frozen=True)
class Row:
    """One application in a list, with its labels and the urgency of its limits judged today."""

    application: Application
    workflow_label: str
    step_label: str
    step_urgency: str
    overall_urgency: str


def row_of(application: Application, today: Any) -> Row:
    is_open = application.is_open
    return Row(
        application,
        rules.WORKFLOW_LABELS.get(Workflow(application.workflow), application.workflow),
        Step(application.step).label,
        selectors.urgency(application.step_due_on, today) if is_open else "",
        selectors.urgency(application.overall_due_on, today) if is_open else "",
    )


def _rows(page: ListPage) -> ListPage:
    today = timezone.localdate()
    return ListPage(
        [row_of(a, today) for a in page.rows],
        page.number,
        page.has_previous,
        page.has_next,
        page.total,
        page.total_capped,
    )


# --- my queue -----------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def application_queue(request: HttpRequest) -> HttpResponse:
    """我的待办: the applications waiting for the user's role, nearest step limit first."""
    actor = request_actor(request)
    number = request.GET.get("page", "1")
    page = _rows(list_page(selectors.my_queue(actor=actor), int(number) if number.isdigit() else 1))
    context = {"page": page, "page_query": query_without(request, "page")}
    return render(request, "applications/queue.html", context)


# --- list and export ----------------------------------------------------------------------------------


def _filters(form: ApplicationFilterForm) -> selectors.ApplicationFilters | None:
    if form.is_bound and not form.is_valid():
        return None
    return form.to_filters() if form.is_bound else selectors.ApplicationFilters()


def _summary_chart(rows: list[selectors.DivisionCount]) -> dict[str, Any]:
    return {
        "names": [row.name for row in rows],
        "open": [row.open for row in rows],
        "overdue": [row.overdue for row in rows],
        "labels": {"open": _("办理中"), "overdue": _("已超期")},
    }


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def application_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = ApplicationFilterForm(request.GET or None)
    filters = _filters(form)
    page = None
    if filters is not None:
        queryset = selectors.application_list(actor=actor, filters=filters)
        page = _rows(list_page(queryset, (form.cleaned_data.get("page") or 1) if form.is_bound else 1))
    partial = bool(request.htmx and request.htmx.target == "application-results")  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "columns": sort_columns(SORT_COLUMNS, filters.sort if filters else selectors.DEFAULT_SORT),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_apply": actor.can(Capability.ACCEPT_APPLICATIONS),
    }
    if partial:
        # htmx swaps only 2xx responses: the partial carries the error message, so it is a 200
        return render(request, "applications/_results.html", context)
    summary = selectors.application_counts_by_division(actor=actor)
    context.update(
        division_choices=selectors.division_filter_choices(actor=actor),
        summary=summary,
        chart=_summary_chart(summary) if summary else None,
    )
    return render(request, "applications/list.html", context, status=200 if page else 422)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_GET
@capability_required(Capability.EXPORT)
def application_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel, masked ID numbers only; logged as a personal-data access."""
    actor = request_actor(request)
    filters = _filters(ApplicationFilterForm(request.GET or None))
    back = f"{reverse('applications:list')}?{query_without(request, 'page')}"
    if filters is None:
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(back)
    queryset = selectors.application_list(actor=actor, filters=filters)
    _total, too_many = queryset_count_capped(queryset, cap=settings.EXPORT_SYNC_LIMIT)
    if too_many:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect(back)
    content, _count = exports.application_export(
        actor=actor, filters=filters, ip_address=client_address(request)
    )
    return _xlsx(content, f"救助申请-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


# --- public notice ------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def public_notice(request: HttpRequest) -> HttpResponse:
    """公示名单 of one village or community: name, household size, programme, the proposed amount (the
    engine's, as of the notice's first day: ``selectors.decisions.notice_amounts``) and the notice period; no
    ID numbers (《最低生活保障审核确认办法》第 24 条). Printable; ``format=xlsx`` for Excel."""
    actor = request_actor(request)
    form = NoticeForm(request.GET if "village" in request.GET else None)
    notice, status = None, 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                notice = selectors.public_notice_list(actor=actor, village_code=form.cleaned_data["village"])
            except NotFound as error:
                form.add_error("village", error.message)
            else:
                status = 200
    if notice is not None and request.GET.get("format") == "xlsx":
        return _xlsx(exports.public_notice_export(notice), f"公示名单-{notice.village.code}.xlsx")
    rows = (
        []
        if notice is None
        else [
            {
                "application": a,
                "label": rules.WORKFLOW_LABELS.get(Workflow(a.workflow), a.workflow),
                "amount": notice.amounts.get(a.pk),
            }
            for a in notice.applications
        ]
    )
    context = {
        "form": form,
        "notice": notice,
        "rows": rows,
        "villages": selectors.village_choices(actor=actor),
        "export_query": urlencode({"village": notice.village.code, "format": "xlsx"}) if notice else "",
        # 蒙汉双语: the notice once in traditional Mongolian and once in Chinese (ADR 0040)
        "bilingual": request.GET.get("script") == "mn",
        "bilingual_query": urlencode({"village": notice.village.code, "script": "mn"}) if notice else "",
        "printed_on": timezone.localdate(),
    }
    return render(request, "applications/notice.html", context, status=status)
