"""The statistics page (统计分析, issue 14 §5): the actor's jurisdiction rolled up one level down, with
drill-down by ``?division=<code>``, the month or the year to date, by programme, charts, and the same
tables as Excel (``?format=xlsx``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied as DomainPermissionDenied
from minzheng.common.months import month_start
from minzheng.common.pages import capability_required
from minzheng.statistics import exports, selectors
from minzheng.statistics.forms import StatisticsForm
from minzheng.statistics.rules import PERIOD_LABELS, Period


def _link(**query: str) -> str:
    return f"{reverse('statistics:overview')}?{urlencode({k: v for k, v in query.items() if v})}"


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def overview(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = StatisticsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    month = data.get("month") or month_start(timezone.localdate())
    period = Period(data.get("period") or Period.MONTH)
    try:
        report = selectors.statistics_report(
            actor=actor, month=month, period=period, division_code=data.get("division") or None
        )
    except DomainPermissionDenied as error:
        raise PermissionDenied(error.message) from None
    query = {"month": f"{month:%Y-%m}", "period": period.value}
    if request.GET.get("format") == "xlsx":
        if not actor.can(Capability.EXPORT):
            raise PermissionDenied("您的角色无权导出")
        response = HttpResponse(exports.statistics_workbook(report), content_type=exports.XLSX)
        name = f"救助统计-{report.division.name}-{month:%Y-%m}-{period.value}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    here = report.division.code if report.division.pk != getattr(actor.division, "pk", None) else ""
    context = {
        "form": form,
        "report": report,
        "title": exports.report_title(report),
        "crumbs": [(d.name, _link(division=d.code, **query)) for d in report.breadcrumb],
        "area_rows": [
            (row, _link(division=row.code, **query) if row.code else "") for row in report.areas.rows
        ],
        "periods": [
            (label, _link(division=here, month=query["month"], period=p.value), p == period)
            for p, label in PERIOD_LABELS.items()
        ],
        "division_code": here,
        "export_url": _link(division=here, format="xlsx", **query),
        "can_export": actor.can(Capability.EXPORT),
    }
    return render(request, "statistics/overview.html", context)
