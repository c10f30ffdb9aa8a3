"""Audit pages for auditors: business events (with Excel export) and personal-data accesses."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from minzheng.audit import rules, selectors
from minzheng.audit.forms import EventFilterForm, PersonalDataAccessFilterForm
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.network import client_address
from minzheng.common.spreadsheets import xlsx_append

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_auditor(request: HttpRequest) -> Any:
    user = request.user
    if not user.can(Capability.VIEW_AUDIT):  # type: ignore[union-attr]
        raise HttpForbidden(_("您的角色无权查看审计日志"))
    return user


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _event_filters(request: HttpRequest, actor: Any) -> tuple[EventFilterForm, selectors.EventFilters]:
    form = EventFilterForm(request.GET or None, verbs=selectors.event_verbs(actor=actor))
    filters = selectors.EventFilters(**form.cleaned_data) if form.is_valid() else selectors.EventFilters()
    return form, filters


def event_list(request: HttpRequest) -> HttpResponse:
    actor = _require_auditor(request)
    form, filters = _event_filters(request, actor)
    events = selectors.event_list(actor=actor, filters=filters)
    page = Paginator(events, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.verb_label = rules.verb_label(event.verb)  # type: ignore[attr-defined]
        event.object_label = rules.object_label(event.object_type, event.object_id)  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    return render(request, "audit/event_list.html", context)


EXPORT_COLUMNS = ["时间", "事件", "对象类型", "对象编号", "区划代码", "操作人", "摘要", "IP 地址"]


def event_export(request: HttpRequest) -> HttpResponse:
    actor = _require_auditor(request)
    _form, filters = _event_filters(request, actor)
    events = selectors.event_list(actor=actor, filters=filters)
    limit = settings.EXPORT_SYNC_LIMIT
    rows = list(events[: limit + 1])
    if len(rows) > limit:
        messages.error(
            request, _("符合条件的事件超过 %(limit)s 条，请缩小筛选范围后再导出") % {"limit": limit}
        )
        return redirect(f"{reverse('audit:event_list')}?{_query_without_page(request)}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("业务事件")
    xlsx_append(sheet, EXPORT_COLUMNS)
    for event in rows:
        xlsx_append(
            sheet,
            [
                timezone.localtime(event.occurred_at).replace(tzinfo=None),
                rules.verb_label(event.verb),
                rules.OBJECT_TYPES.get(event.object_type, "对象"),
                event.object_id,
                event.division_code,
                (event.actor.full_name or event.actor.username) if event.actor else "",
                event.summary,
                event.ip_address or "",
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    event_record(
        actor=actor,
        verb="audit.exported",
        object_type="event",
        object_id=len(rows),
        division_code=actor.division.code if actor.division else "",
        summary=f"导出业务事件 {len(rows)} 条",
        data={"filters": request.GET.dict()},
        ip_address=client_address(request),
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.xlsx"'
    return response


def personal_data_access_list(request: HttpRequest) -> HttpResponse:
    actor = _require_auditor(request)
    form = PersonalDataAccessFilterForm(request.GET or None)
    filters = (
        selectors.PersonalDataAccessFilters(**form.cleaned_data)
        if form.is_valid()
        else selectors.PersonalDataAccessFilters()
    )
    accesses = selectors.personal_data_access_list(actor=actor, filters=filters)
    page = Paginator(accesses, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    return render(request, "audit/personal_data_access_list.html", context)
