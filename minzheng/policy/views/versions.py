"""A new parameter version: the form, the preview of what changes, and the confirmation."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.common.errors import DomainError
from minzheng.common.pages import error_attach as _attach
from minzheng.divisions.rules import Level, level_of
from minzheng.divisions.selectors import division_choices_for
from minzheng.policy import selectors, services
from minzheng.policy.forms import (
    ParameterSetForm,
    value_as_text,
)
from minzheng.policy.models import ParameterStatus
from minzheng.policy.rules import (
    PARAMETER_KEYS,
    URBAN_RURAL_LABELS,
    Action,
    Kind,
    ParameterEntry,
    ParameterKey,
    ParameterRow,
    PlannedChange,
    entry_problems,
    plan_chain,
)
from minzheng.policy.views._base import _may_maintain
from minzheng.policy.views.display import value_display

# --- new version: form, preview, confirmation --------------------------------------------------------


def _require_maintainer(request: HttpRequest) -> User:
    actor = request_actor(request)
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
            "version": row.version,
            "old": old,
            "start": row.valid_from.isoformat(),
            "end": change.close_on.isoformat() if change.close_on else "",
        }
    if change.action is Action.SUPERSEDE and row is not None:
        text = _(
            "更正版本 v%(old)s（生效日期相同）：原版本标记为已更正，新建版本 v%(new)s，%(range)s，%(value)s"
        )
        return text % {
            "old": row.version,
            "new": next_version,
            "range": _range(entry.valid_from, entry.valid_to),
            "value": new_value,
        }
    return _("新建版本 v%(new)s，%(range)s，%(value)s") % {
        "new": next_version,
        "range": _range(entry.valid_from, entry.valid_to),
        "value": new_value,
    }


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
    form.fields["key"].widget.attrs.update(
        {
            "hx-get": reverse("policy:parameter_create"),
            "hx-trigger": "change",
            "hx-include": "#id_key, #id_division_code, #id_urban_rural",
            "hx-target": "#value-field",
            "hx-select": "#value-field",
            "hx-swap": "outerHTML",
        }
    )
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
            request,
            form,
            preview=True,
            token=token,
            stale=confirmed,
            plan=[_describe(change, next_version, definition) for change in changes],
            value=value_display(definition, entry.value),
            entry=entry,
            division_level=level_of(entry.division_code),
            division_label=dict(divisions)[entry.division_code].strip(),
            urban_rural_label=URBAN_RURAL_LABELS[entry.urban_rural],
            status_label=ParameterStatus(entry.status).label,
        )
    try:
        parameter = services.parameter_set(
            actor=actor,
            key=entry.key,
            division_code=entry.division_code,
            urban_rural=entry.urban_rural,
            valid_from=entry.valid_from,
            valid_to=entry.valid_to,
            value=entry.value,
            source=entry.source,
            status=entry.status,
            note=entry.note,
        )
    except DomainError as error:
        return _form_page(request, form, status=_attach(form, error))
    return _saved(
        request,
        entry,
        _("已保存：%(label)s v%(version)s，自 %(start)s 起生效")
        % {
            "label": definition.label,
            "version": parameter.version,
            "start": entry.valid_from.isoformat(),
        },
    )
