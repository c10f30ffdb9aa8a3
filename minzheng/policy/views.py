"""Policy-parameter pages: the list with filters and Excel export, one key's history with a chart, and
the two-step form that writes a new version (docs/policy-parameters.md, "维护页面").

Reads go through ``selectors.parameter_list(actor=…)`` (the actor's ancestors and subtree); the write
goes through ``services.parameter_set``. The form first shows what the write will do (``rules.plan_chain``
over the chain's current rows) and saves only when that preview is confirmed unchanged: a hidden token
fingerprints the rows the preview was planned on. A repeated confirmation finds its version already
stored and writes nothing (the service is idempotent for an identical entry).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.pages import capability_required, list_page, query_without
from minzheng.common.pages import error_attach as _attach
from minzheng.divisions.rules import Level, level_of
from minzheng.divisions.selectors import division_choices_for
from minzheng.policy import selectors, services
from minzheng.policy.forms import (
    PARAMETER_SORTS,
    ParameterFilterForm,
    ParameterFilters,
    ParameterSetForm,
    value_as_text,
)
from minzheng.policy.models import Parameter, ParameterStatus
from minzheng.policy.rules import (
    PARAMETER_KEYS,
    URBAN_RURAL_LABELS,
    Action,
    Kind,
    ParameterEntry,
    ParameterKey,
    ParameterRow,
    PlannedChange,
    can_set_parameter,
    entry_problems,
    plan_chain,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_BADGES = {"confirmed": "bg-green-lt", "reported": "bg-blue-lt", "unconfirmed": "bg-yellow-lt"}
NUMERIC_KINDS = frozenset({Kind.MONEY, Kind.RATIO, Kind.MULTIPLE, Kind.INTEGER})


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise DjangoPermissionDenied(_("请先登录"))
    return user


def _may_set(actor: User, division_code: str) -> bool:
    role = actor.role if actor.is_active else ""
    return can_set_parameter(role, actor.scope_prefix, division_code).allowed


def _may_maintain(actor: User) -> bool:
    """Whether the actor may set parameters at all (for its own division, the root of its scope)."""
    return actor.division is not None and _may_set(actor, actor.division.code)


# --- value display ----------------------------------------------------------------------------------

# Column order and Chinese headers of the records inside structured values (PostgreSQL's jsonb keeps
# its own key order, so the order is set here).
FIELD_LABELS = {
    "code": _lazy("代码"), "label": _lazy("名称"), "age_min": _lazy("起始年龄"), "age_max": _lazy("截止年龄"),
    "assistance_type": _lazy("救助类型"), "categories": _lazy("财产类别"), "measure": _lazy("计量方式"),
    "when": _lazy("条件"), "amount": _lazy("金额（元）"), "percent_of_standard": _lazy("占低保标准比例"),
    "max": _lazy("上限"), "max_multiple": _lazy("上限（月低保标准倍数）"),
    "max_dibao_months": _lazy("上限（月低保标准倍数）"), "method": _lazy("取整方式"),
    "unit": _lazy("取整单位"),
}  # fmt: skip
FIELD_ORDER = {name: index for index, name in enumerate(FIELD_LABELS)}


def _ordered(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=lambda name: (FIELD_ORDER.get(name, len(FIELD_ORDER)), name))


@dataclass(frozen=True)
class ValueDisplay:
    """A stored value for people: inline ``text``, or a table / indented JSON behind a ``summary``."""

    text: str = ""
    summary: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    json: str = ""


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)


def _percent(text: str) -> str:
    return format((Decimal(text) * 100).normalize(), "f")


def value_display(definition: ParameterKey, value: Any) -> ValueDisplay:
    """Money with its unit (``840.00 元/人·月``), ratios with a percentage, lists of records as a table."""
    kind = definition.kind
    if kind is Kind.MONEY or kind is Kind.INTEGER:
        return ValueDisplay(text=f"{value} {definition.unit}")
    if kind is Kind.RATIO:
        return ValueDisplay(text=f"{value}（{_percent(value)}%）")
    if kind is Kind.MULTIPLE:
        return ValueDisplay(text=_("%(value)s 倍") % {"value": value})
    if isinstance(value, list) and not value:
        return ValueDisplay(text=_("空列表"))
    if isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
        return ValueDisplay(text=" / ".join(_cell(item) for item in value))
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        names = _ordered(name for item in value for name in item)
        return ValueDisplay(
            summary=_("%(count)s 项") % {"count": len(value)},
            headers=[str(FIELD_LABELS.get(name, name)) for name in names],
            rows=[[_cell(item.get(name)) for name in names] for item in value],
        )
    if isinstance(value, dict) and all(not isinstance(item, dict | list) for item in value.values()):
        return ValueDisplay(
            text=" · ".join(
                f"{FIELD_LABELS.get(name, name)} {_cell(value[name])}" for name in _ordered(value)
            )
        )
    return ValueDisplay(
        summary=_("查看 JSON"), json=json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    )


@dataclass(frozen=True)
class ParameterItem:
    parameter: Parameter
    definition: ParameterKey | None
    value: ValueDisplay
    badge: str
    can_set: bool

    @property
    def new_version_query(self) -> str:
        p = self.parameter
        return urlencode({"key": p.key, "division_code": p.division.code, "urban_rural": p.urban_rural})


def _items(actor: User, parameters: Iterable[Parameter]) -> list[ParameterItem]:
    items = []
    for parameter in parameters:
        definition = PARAMETER_KEYS.get(parameter.key)
        shown = (
            value_display(definition, parameter.value) if definition else ValueDisplay(_cell(parameter.value))
        )
        items.append(ParameterItem(
            parameter, definition, shown, STATUS_BADGES.get(parameter.status, ""),
            _may_set(actor, parameter.division.code),
        ))  # fmt: skip
    return items


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
    actor = _actor(request)
    form = _filter_form(request, actor)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters() if valid else ParameterFilters()
    page = None
    if valid:
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        page = list_page(_filtered(actor, filters), number)
        page = dataclasses.replace(page, rows=_items(actor, page.rows))
    columns = [
        {
            "label": label, "key": key, "css": css,
            "active": key is not None and filters.sort.lstrip("-") == key,
            "descending": filters.sort.startswith("-"),
            "next_sort": (f"-{key}" if filters.sort == key else key) if key else None,
        }
        for key, label, css in SORT_COLUMNS
    ]  # fmt: skip
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
    "参数代码", "参数名称", "适用区划", "区划代码", "城乡类型", "生效日期", "失效日期（不含）", "取值",
    "单位", "版本", "核实状态", "依据", "说明",
)  # fmt: skip
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
    actor = _actor(request)
    form = _filter_form(request, actor)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(f"{reverse('policy:parameter_list')}?{query_without(request, 'page')}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("政策参数")
    sheet.append(EXPORT_HEADERS)
    for parameter in _filtered(actor, form.to_filters()):
        definition = PARAMETER_KEYS.get(parameter.key)
        sheet.append([
            parameter.key, definition.label if definition else "", parameter.division.name,
            parameter.division.code, URBAN_RURAL_LABELS.get(parameter.urban_rural, parameter.urban_rural),
            parameter.valid_from, parameter.valid_to, _excel_value(sheet, definition, parameter.value),
            definition.unit if definition else "", parameter.version, parameter.get_status_display(),
            parameter.source, parameter.note,
        ])  # fmt: skip
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
    actor = _actor(request)
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


# --- new version: form, preview, confirmation --------------------------------------------------------


def _require_maintainer(request: HttpRequest) -> User:
    actor = _actor(request)
    if not _may_maintain(actor):
        raise DjangoPermissionDenied(_("只有自治区、盟市监管人员和系统管理员可以设定政策参数"))
    return actor


def _chain_rows(actor: User, entry: ParameterEntry | tuple[str, str, str]) -> list[ParameterRow]:
    key, code, urban_rural = entry.chain if isinstance(entry, ParameterEntry) else entry
    rows = selectors.parameter_list(actor=actor, key=key).filter(division__code=code, urban_rural=urban_rural)
    ordered = rows.order_by("valid_from").values_list(*selectors.ROW_FIELDS)
    return [ParameterRow(*values) for values in ordered]


def _plan_token(rows: list[ParameterRow]) -> str:
    """Fingerprint of the rows a plan was made on: any write to the chain since the preview changes it."""
    state = sorted((row.id, row.valid_to.isoformat() if row.valid_to else "") for row in rows)
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:32]


def _range(valid_from: dt.date, valid_to: dt.date | None) -> str:
    end = valid_to.isoformat() if valid_to else _("长期")
    return _("%(start)s 至 %(end)s") % {"start": valid_from.isoformat(), "end": end}


def _describe(change: PlannedChange, next_version: int, definition: ParameterKey) -> str:
    entry, row = change.entry, change.row
    new_value = value_display(definition, entry.value).text or _("新取值（见下）")
    if change.action is Action.UNCHANGED and row is not None:
        return _("与现有版本 v%(version)s 完全相同，不会写入") % {"version": row.version}
    if change.action is Action.CLOSE and row is not None:
        old = value_display(definition, row.value).text or _("原取值")
        return _("现行版本 v%(version)s（%(old)s，自 %(start)s 起）的失效日期设为 %(end)s") % {
            "version": row.version, "old": old, "start": row.valid_from.isoformat(),
            "end": change.close_on.isoformat() if change.close_on else "",
        }  # fmt: skip
    if change.action is Action.SUPERSEDE and row is not None:
        text = _(
            "更正版本 v%(old)s（生效日期相同）：原版本标记为已更正，新建版本 v%(new)s，%(range)s，%(value)s"
        )
        return text % {
            "old": row.version, "new": next_version, "range": _range(entry.valid_from, entry.valid_to),
            "value": new_value,
        }  # fmt: skip
    return _("新建版本 v%(new)s，%(range)s，%(value)s") % {
        "new": next_version, "range": _range(entry.valid_from, entry.valid_to), "value": new_value,
    }  # fmt: skip


def _next_version(actor: User, entry: ParameterEntry) -> int:
    rows = selectors.parameter_list(actor=actor, key=entry.key, include_superseded=True)
    last = rows.filter(division__code=entry.division_code, urban_rural=entry.urban_rural).aggregate(
        last=Max("version")
    )["last"]
    return (last or 0) + 1


def _initial(request: HttpRequest, actor: User, division_codes: set[str]) -> dict[str, Any]:
    """Key, division and urban/rural from the link ("新版本"); the chain's latest value to edit from."""
    key = request.GET.get("key", "")
    code = request.GET.get("division_code", "")
    urban_rural = request.GET.get("urban_rural", "")
    initial: dict[str, Any] = {"urban_rural": urban_rural if urban_rural in URBAN_RURAL_LABELS else ""}
    if key in PARAMETER_KEYS:
        initial["key"] = key
    if code in division_codes:
        initial["division_code"] = code
    if "key" in initial and "division_code" in initial:
        rows = _chain_rows(actor, (key, code, initial["urban_rural"]))
        if rows:
            initial["value"] = value_as_text(PARAMETER_KEYS[key].kind, rows[-1].value)
    return initial


VALUE_HINTS = {
    Kind.MONEY: _lazy("金额，单位 %(unit)s，最多两位小数"),
    Kind.RATIO: _lazy("0 到 1 之间的比例，最多四位小数，如 0.7 表示 70%%"),
    Kind.MULTIPLE: _lazy("大于 0 的倍数，最多四位小数，如 1.5"),
    Kind.INTEGER: _lazy("整数，单位 %(unit)s"),
    Kind.JSON: _lazy(
        "JSON 格式，结构见《政策参数》说明（docs/policy-parameters.md）；保存前按导入文件的同一规则校验"
    ),
}


def _form_page(request: HttpRequest, form: ParameterSetForm, status: int = 200, **extra: Any) -> HttpResponse:
    key = form["key"].value()
    definition = PARAMETER_KEYS.get(key) if isinstance(key, str) else None
    form.fields["key"].widget.attrs.update({
        "hx-get": reverse("policy:parameter_create"), "hx-trigger": "change",
        "hx-include": "#id_key, #id_division_code, #id_urban_rural", "hx-target": "#value-field",
        "hx-select": "#value-field", "hx-swap": "outerHTML",
    })  # fmt: skip
    context = {
        "form": form,
        "definition": definition,
        "value_hint": VALUE_HINTS[definition.kind] % {"unit": definition.unit} if definition else "",
        "back_url": reverse("policy:parameter_list"),
        **extra,
    }
    return render(request, "policy/parameter_form.html", context, status=status)


def _saved(request: HttpRequest, entry: ParameterEntry, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("policy:parameter_history", args=[entry.key])
    return redirect(f"{url}#chain-{entry.division_code}-{entry.urban_rural or 'both'}")


@require_http_methods(["GET", "POST"])
def parameter_create(request: HttpRequest) -> HttpResponse:
    """GET: the form (pre-filled from a "新版本" link). POST: validate and show the plan; POST with
    ``confirmed`` and the plan's token: save through ``services.parameter_set``."""
    actor = _require_maintainer(request)
    divisions = [(code, f"{label}（{code}）") for code, label in division_choices_for(actor, Level.COUNTY)]
    if request.method == "GET":
        initial = _initial(request, actor, {code for code, _label in divisions})
        return _form_page(request, ParameterSetForm(initial=initial, division_choices=divisions))
    form = ParameterSetForm(request.POST, division_choices=divisions)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    if "edit" in request.POST:
        return _form_page(request, form)
    entry = form.entry()
    definition = PARAMETER_KEYS[entry.key]
    for problem in entry_problems(entry, level_of(entry.division_code)):
        form.add_error(None, problem)
    if form.errors:
        return _form_page(request, form, status=422)
    current = _chain_rows(actor, entry)
    try:
        changes = plan_chain(current, [entry])
    except DomainError as error:
        return _form_page(request, form, status=_attach(form, error))
    token = _plan_token(current)
    confirmed = form.cleaned_data["confirmed"]
    if confirmed and all(change.action is Action.UNCHANGED for change in changes):
        return _saved(request, entry, _("该版本已保存，没有重复写入"))
    if not confirmed or form.cleaned_data["plan_token"] != token:
        next_version = _next_version(actor, entry)
        return _form_page(
            request, form, preview=True, token=token, stale=confirmed,
            plan=[_describe(change, next_version, definition) for change in changes],
            value=value_display(definition, entry.value), entry=entry,
            division_level=level_of(entry.division_code),
            division_label=dict(divisions)[entry.division_code].strip(),
            urban_rural_label=URBAN_RURAL_LABELS[entry.urban_rural],
            status_label=ParameterStatus(entry.status).label,
        )  # fmt: skip
    try:
        parameter = services.parameter_set(
            actor=actor, key=entry.key, division_code=entry.division_code, urban_rural=entry.urban_rural,
            valid_from=entry.valid_from, valid_to=entry.valid_to, value=entry.value, source=entry.source,
            status=entry.status, note=entry.note,
        )  # fmt: skip
    except DomainError as error:
        return _form_page(request, form, status=_attach(form, error))
    return _saved(request, entry, _("已保存：%(label)s v%(version)s，自 %(start)s 起生效") % {
        "label": definition.label, "version": parameter.version, "start": entry.valid_from.isoformat(),
    })  # fmt: skip
