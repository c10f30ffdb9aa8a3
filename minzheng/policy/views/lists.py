"""The parameter list with its filters, the Excel export, and the history of one key with its chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.pages import capability_required, list_page, query_without, sort_columns
from minzheng.common.spreadsheets import xlsx_append
from minzheng.policy import selectors
from minzheng.policy.forms import (
    PARAMETER_SORTS,
    ParameterFilterForm,
    ParameterFilters,
)
from minzheng.policy.models import Parameter
from minzheng.policy.rules import (
    PARAMETER_KEYS,
    URBAN_RURAL_LABELS,
    Kind,
    ParameterKey,
)
from minzheng.policy.views._base import NUMERIC_KINDS, XLSX, _may_maintain, _may_set
from minzheng.policy.views.display import ParameterItem, _cell, _items

# --- list and export --------------------------------------------------------------------------------

SORT_COLUMNS = [
    ("key", _lazy("参数"), ""),
    ("division", _lazy("适用区划"), ""),
    ("urban_rural", _lazy("城乡"), "d-none d-md-table-cell"),
    ("valid_from", _lazy("有效期"), ""),
    (None, _lazy("取值"), ""),
    ("version", _lazy("版本"), "d-none d-lg-table-cell"),
    ("status", _lazy("核实状态"), ""),
    (None, _lazy("依据"), "d-none d-xl-table-cell"),
]


def _filter_form(request: HttpRequest, actor: User) -> ParameterFilterForm:
    divisions = (
        selectors.parameter_list(actor=actor)
        .order_by("division__code")
        .values_list("division__code", "division__name")
        .distinct()
    )
    choices = [(code, f"{name}（{code}）") for code, name in divisions]
    return ParameterFilterForm(request.GET or None, division_choices=choices)


def _filtered(actor: User, filters: ParameterFilters) -> QuerySet[Parameter]:
    rows = selectors.parameter_list(actor=actor, key=filters.key or None)
    if filters.division_code:
        rows = rows.filter(division__code=filters.division_code)
    if filters.urban_rural is not None:
        rows = rows.filter(urban_rural=filters.urban_rural)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.in_force_on:
        day = filters.in_force_on
        rows = rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day)
    descending = filters.sort.startswith("-")
    first, *rest = PARAMETER_SORTS[filters.sort.lstrip("-")]
    return rows.order_by(f"-{first}" if descending else first, *rest, "version")


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def parameter_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = _filter_form(request, actor)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters() if valid else ParameterFilters()
    page = None
    if valid:
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        page = list_page(_filtered(actor, filters), number)
        page = dataclasses.replace(page, rows=_items(actor, page.rows))
    columns = sort_columns(SORT_COLUMNS, filters.sort)
    context = {
        "form": form,
        "page": page,
        "columns": columns,
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_maintain": _may_maintain(actor),
    }
    if request.htmx and request.htmx.target == "parameter-results":  # type: ignore[attr-defined]
        return render(request, "policy/_parameter_results.html", context)  # htmx swaps only 2xx
    return render(request, "policy/parameter_list.html", context, status=200 if page else 422)


EXPORT_HEADERS = (
    "参数代码",
    "参数名称",
    "适用区划",
    "区划代码",
    "城乡类型",
    "生效日期",
    "失效日期（不含）",
    "取值",
    "单位",
    "版本",
    "核实状态",
    "依据",
    "说明",
)
NUMBER_FORMATS = {Kind.MONEY: "#,##0.00", Kind.RATIO: "0.####", Kind.MULTIPLE: "0.####", Kind.INTEGER: "0"}


def _excel_value(sheet: Any, definition: ParameterKey | None, value: Any) -> Any:
    """Numbers as numbers (money with two decimals shown); structured values as compact JSON text."""
    if definition is None or definition.kind is Kind.JSON:
        return _cell(value)
    cell = WriteOnlyCell(sheet, value=int(value) if definition.kind is Kind.INTEGER else Decimal(value))
    cell.number_format = NUMBER_FORMATS[definition.kind]
    return cell


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def parameter_export(request: HttpRequest) -> HttpResponse:
    """The filtered list (every page) as .xlsx. Published policy, not personal data: no access log."""
    actor = request_actor(request)
    form = _filter_form(request, actor)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(f"{reverse('policy:parameter_list')}?{query_without(request, 'page')}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("政策参数")
    xlsx_append(sheet, EXPORT_HEADERS)
    for parameter in _filtered(actor, form.to_filters()):
        definition = PARAMETER_KEYS.get(parameter.key)
        xlsx_append(
            sheet,
            [
                parameter.key,
                definition.label if definition else "",
                parameter.division.name,
                parameter.division.code,
                URBAN_RURAL_LABELS.get(parameter.urban_rural, parameter.urban_rural),
                parameter.valid_from,
                parameter.valid_to,
                _excel_value(sheet, definition, parameter.value),
                definition.unit if definition else "",
                parameter.version,
                parameter.get_status_display(),
                parameter.source,
                parameter.note,
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"政策参数-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --- history of one key -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionItem:
    item: ParameterItem
    corrected_by: int | None  # version of the correction that superseded this one


@dataclass(frozen=True)
class ChainHistory:
    """Every version of one (key, division, urban_rural), corrections included, oldest first."""

    division_name: str
    division_code: str
    urban_rural: str
    versions: list[VersionItem]
    can_set: bool

    @property
    def name(self) -> str:
        return f"{self.division_name} {URBAN_RURAL_LABELS[self.urban_rural]}"

    @property
    def new_version_query(self) -> str:
        key = self.versions[0].item.parameter.key
        return urlencode({"key": key, "division_code": self.division_code, "urban_rural": self.urban_rural})


def _chains(actor: User, parameters: list[Parameter]) -> list[ChainHistory]:
    grouped: dict[tuple[str, str], list[Parameter]] = {}
    for parameter in parameters:
        grouped.setdefault((parameter.division.code, parameter.urban_rural), []).append(parameter)
    chains = []
    for (code, urban_rural), rows in grouped.items():
        corrected_by = {row.supersedes_id: row.version for row in rows if row.supersedes_id}
        versions = [VersionItem(item, corrected_by.get(item.parameter.id)) for item in _items(actor, rows)]
        chains.append(ChainHistory(rows[0].division.name, code, urban_rural, versions, _may_set(actor, code)))
    return chains


def chart_series(parameters: Iterable[Parameter], today: dt.date) -> list[dict[str, Any]]:
    """Step-line series of the current versions per jurisdiction and urban/rural type for echarts:
    ``[date, value]`` at each ``valid_from``; a gap (``"-"``) where no version is in force; the open
    version drawn up to today. Values stay decimal strings (the browser parses them for drawing)."""
    grouped: dict[tuple[str, str], list[Parameter]] = {}
    for parameter in parameters:
        if parameter.superseded_at is None:
            grouped.setdefault((parameter.division.code, parameter.urban_rural), []).append(parameter)
    series = []
    for (code, urban_rural), rows in grouped.items():
        rows.sort(key=lambda row: row.valid_from)
        points: list[list[Any]] = []
        for index, row in enumerate(rows):
            value = str(row.value)
            points.append([row.valid_from.isoformat(), value])
            following = rows[index + 1] if index + 1 < len(rows) else None
            if row.valid_to is None:
                points.append([max(today, row.valid_from).isoformat(), value])
            elif following is None or following.valid_from != row.valid_to:
                points += [[row.valid_to.isoformat(), value], [row.valid_to.isoformat(), "-"]]
        name = f"{rows[0].division.name}（{code}）{URBAN_RURAL_LABELS[urban_rural]}"
        series.append({"name": name, "points": points})
    return series


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def parameter_history(request: HttpRequest, key: str) -> HttpResponse:
    definition = PARAMETER_KEYS.get(key)
    if definition is None:
        raise Http404(_("未知的政策参数"))
    actor = request_actor(request)
    parameters = list(
        selectors.parameter_list(actor=actor, key=key, include_superseded=True)
        .select_related("created_by", "supersedes")
        .order_by("division__code", "urban_rural", "valid_from", "version")
    )
    chart = None
    if definition.kind in NUMERIC_KINDS and parameters:
        chart = {"unit": definition.unit, "series": chart_series(parameters, timezone.localdate())}
    context = {
        "definition": definition,
        "chains": _chains(actor, parameters),
        "chart": chart,
        "can_maintain": _may_maintain(actor),
    }
    return render(request, "policy/parameter_history.html", context)
