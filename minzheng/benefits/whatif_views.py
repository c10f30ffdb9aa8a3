"""The what-if page (标准测算, issue 3 §7): the form — a number or percentage, or the table of a rule value in
force with an input per figure (issue 14) — and the report of the change over the user's jurisdiction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.benefits import whatif_editor
from minzheng.benefits.exports import whatif_workbook_response
from minzheng.benefits.forms import WhatIfForm, basis_code
from minzheng.benefits.whatif import (
    LEVEL_DIGITS,
    WHATIF_KEYS,
    WhatIfReport,
    whatif_value_in_force,
)
from minzheng.benefits.whatif_editor import BRACKETS, RULE_KEYS
from minzheng.benefits.whatif_jobs import whatif_job_get, whatif_start
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.models import Job
from minzheng.common.pages import capability_required
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.policy.rules import PARAMETER_KEYS, URBAN_RURAL_LABELS, jurisdiction_chain


def _whatif_divisions(user: User) -> list[tuple[str, str]]:
    """The jurisdictions a change may be tested for: the user's ancestors and subtree down to the county
    (standards are set at region, league/city and county level)."""
    own = user.division
    if own is None:
        return []
    chain = jurisdiction_chain(own.code)
    rows = (
        Division.objects.filter(Q(code__in=chain) | Q(code__startswith=user.scope_prefix))
        .filter(level__lte=Level.COUNTY, abolished_on__isnull=True)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    return [(code, f"{'　' * (level - 1)}{name}（{code}）") for code, name, level in rows]


def _whatif_chart(report: WhatIfReport) -> dict[str, Any]:
    return {
        "names": [row.division_name for row in report.rows],
        "difference": [float(row.monthly_difference) for row in report.rows],
        "gained": [row.gained for row in report.rows],
        "lost": [row.lost for row in report.rows],
        "labels": {"difference": _("月支出变化（元）"), "gained": _("新增低保户"), "lost": _("退出低保户"),
                   "yuan": _("元"), "households": _("户")},
    }  # fmt: skip


@dataclass(frozen=True)
class WhatIfBasis:
    """The parameter, place, type and date the editor reads the value in force for."""

    key: str
    division_code: str
    urban_rural: str
    valid_from: dt.date | None

    @property
    def code(self) -> str:
        return basis_code(self.key, self.division_code, self.urban_rural, self.valid_from)


def _whatif_basis(query: Any, own: str, divisions: list[tuple[str, str]]) -> WhatIfBasis:
    """The basis asked for, each part falling back to the form's default when missing or not allowed
    (the form itself reports what is wrong)."""
    key = query.get("key") if query.get("key") in WHATIF_KEYS else "dibao.standard_monthly"
    codes = {code for code, _label in divisions}
    division = query.get("division_code") if query.get("division_code") in codes else own
    urban_rural = query.get("urban_rural", "urban")
    if urban_rural not in URBAN_RURAL_LABELS:
        urban_rural = "urban"
    default = timezone.localdate().replace(month=1, day=1)
    try:
        valid_from: dt.date | None = dt.date.fromisoformat(query.get("valid_from") or default.isoformat())
    except ValueError:
        valid_from = None
    return WhatIfBasis(key, division, urban_rural, valid_from)


def _whatif_current(user: User, basis: WhatIfBasis) -> tuple[Any, str]:
    """The value in force of a rule-type key for the basis, or the Chinese reason there is none."""
    if basis.key not in RULE_KEYS:
        return None, ""
    if basis.valid_from is None:
        return None, _("请先填写生效日期，以显示该日现行的取值")
    try:
        value = whatif_value_in_force(actor=user, key=basis.key, division_code=basis.division_code,
                                      urban_rural=basis.urban_rural, on=basis.valid_from)  # fmt: skip
    except DomainError as error:
        return None, error.message
    return value, ""


def _editor_changes(shown: str, basis: WhatIfBasis) -> bool:
    """Whether the editor shown (its basis) differs from the one for the new choice: always for a rule
    value (its figures are those in force for the place and date), for a number only between keys."""
    shown_key = shown.split("|", 1)[0]
    return basis.key in RULE_KEYS or shown_key in RULE_KEYS or not shown


EDIT_ACTIONS = ("editor", "refresh", "add_row", "remove_row")


def _whatif_initial(
    query: Any, own: str, basis: WhatIfBasis, current: Any
) -> tuple[dict[str, Any], int | None]:
    """The unbound form after an editor action: the choices made so far; the figures typed when they were
    typed for the same basis (else those in force), with a bracket row added or removed."""
    initial: dict[str, Any] = {"division_code": own, "key": "dibao.standard_monthly"}
    initial.update({name: value for name, value in query.items() if name not in EDIT_ACTIONS})
    initial["basis"] = basis.code
    if query.get("basis") != basis.code:
        return {
            k: v
            for k, v in initial.items()
            if not k.startswith("row-") and k not in ("method", "unit", "rows")
        }, None
    if basis.key != BRACKETS or current is None:
        return initial, None
    try:
        remove: int | None = int(query.get("remove_row", ""))
    except ValueError:
        remove = None
    rows = whatif_editor.bracket_rows(current, query.get("rows"))
    cells, rows = whatif_editor.bracket_edit(query, rows, add="add_row" in query, remove=remove)
    initial = {k: v for k, v in initial.items() if not k.startswith("row-")}
    return {**initial, **cells, "rows": rows}, rows


def _whatif_form(user: User, query: Any, *, run: bool) -> tuple[WhatIfForm | None, dict[str, Any]]:
    """The form for ``query`` and the page's context; bound (to run) only for a run whose figures were read
    for the chosen parameter, place and date. ``None``: an editor reload that changes nothing (204)."""
    assert user.division is not None  # the views refuse a user without one
    levels = [int(lv) for lv in LEVEL_DIGITS if lv >= user.division.level]
    divisions = _whatif_divisions(user)
    basis = _whatif_basis(query, user.division.code, divisions)
    if "editor" in query and not _editor_changes(query.get("basis", ""), basis):
        return None, {}  # a number stays a number: keep what is typed in it
    current, editor_error = _whatif_current(user, basis)
    editing = any(name in query for name in EDIT_ACTIONS)
    stale = basis.key in RULE_KEYS and (query.get("basis") != basis.code or current is None)
    options = {"divisions": divisions, "levels": levels, "current": current}
    context: dict[str, Any] = {"report": None, "error": None, "editor_error": editor_error}
    if run and not editing and not stale:
        form = WhatIfForm(query, initial={"basis": basis.code}, **options)
    else:
        initial, rows = _whatif_initial(query, user.division.code, basis, current)
        form = WhatIfForm(None, initial=initial, rows=rows, **options)
        if run and not editing and current is not None:
            context["notice"] = _(
                "已显示所选参数在该区划、该日期现行的取值；修改要调整的数字后，再点“开始测算”。"
            )
    context["form"] = form
    return form, context


def _whatif_user(request: HttpRequest) -> User:
    user = request_actor(request)  # capability_required has checked the capability
    if user.division is None:
        raise DjangoPermissionDenied(_("您没有所属区划，不能测算"))
    return user


# The form fields a job keeps to show the form again on its page (not the token, the buttons, the export).
_NOT_KEPT = frozenset({"csrfmiddlewaretoken", "run", "format", *EDIT_ACTIONS})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_POLICY)
def whatif(request: HttpRequest) -> HttpResponse:
    """标准测算: the what-if of a proposed parameter change over the user's jurisdiction (issue 3 §7).

    GET shows the form (and reloads the editor); POST with ``run`` submits the run as a background job
    (issue 21) and goes to the job's page, where the progress bar and then the report are shown — with
    htmx the job's progress replaces the report area at once and the address becomes the job's.

    For a rule-type parameter the form is a table of the value in force with an input per figure (issue
    14); an editor action (reload, add or remove a bracket row) or a run whose figures were read for
    another parameter, place or date re-renders the editor and runs nothing."""
    user = _whatif_user(request)
    query = request.POST if request.method == "POST" else request.GET
    run = request.method == "POST" and bool(query.get("run"))
    form, context = _whatif_form(user, query, run=run)
    if form is None:
        return HttpResponse(status=204)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            kept = {name: value for name, value in query.items() if name not in _NOT_KEPT}
            level = form.cleaned_data.get("level")
            job = whatif_start(actor=user, change=form.change(), level=level, query=kept)
        except DomainError as error:
            field = form.fields.get(error.field or "")  # the field's Chinese label, not its name
            context.update(error=error.message, error_field=field.label if field else None)
        else:
            url = reverse("benefits:whatif_job", args=[job.pk])
            if not getattr(request, "htmx", False):
                return redirect(url)
            context.update(_whatif_job_context(job, whatif_job_get(actor=user, job_id=job.pk)[1]))
            response = render(request, "benefits/_whatif_report.html", {**context, "editor_oob": True})
            response["HX-Push-Url"] = url
            return response
    elif form.is_bound:
        context["error"] = _("请更正表单中的错误")
        status = 422
    if getattr(request, "htmx", False) and request.htmx.target == "whatif-editor":  # type: ignore[attr-defined]
        return render(request, "benefits/_whatif_editor.html", context, status=status)
    partial = getattr(request, "htmx", False) and run
    template = "benefits/_whatif_report.html" if partial else "benefits/whatif.html"
    return render(request, template, {**context, "editor_oob": bool(partial)}, status=status)


@require_GET
@capability_required(Capability.MANAGE_POLICY)
def whatif_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A what-if run: its progress bar (polled by htmx every second while it runs), then the stored report
    and its Excel export (``?format=xlsx``), below the form as it was submitted. Only its starter sees it."""
    user = _whatif_user(request)
    job, report = whatif_job_get(actor=user, job_id=job_id)  # NotFound → 404
    if report is not None and request.GET.get("format") == "xlsx":
        return whatif_workbook_response(report)
    context = _whatif_job_context(job, report)
    if getattr(request, "htmx", False):
        return render(request, "benefits/_whatif_report.html", context)
    query = QueryDict(mutable=True)
    query.update(job.parameters.get("query") or {})
    form, page = _whatif_form(user, query, run=False)
    return render(request, "benefits/whatif.html", {**page, **context})


def _whatif_job_context(job: Job, report: WhatIfReport | None) -> dict[str, Any]:
    """The report area of a job: the progress bar while it runs, the reason if it failed, else the report."""
    url = reverse("benefits:whatif_job", args=[job.pk])
    context: dict[str, Any] = {"job": job, "job_url": url, "report": report, "error": None}
    if job.status == Job.Status.FAILED:
        context["error"] = job.message or _("测算失败，请重新测算")
    if report is not None:
        context.update(_whatif_report_context(report, export_url=f"{url}?format=xlsx"))
    return context


def _whatif_report_context(report: WhatIfReport, *, export_url: str) -> dict[str, Any]:
    division = Division.objects.get(code=report.entry.division_code)
    urban_rural = URBAN_RURAL_LABELS[report.entry.urban_rural]
    key = report.entry.key
    return {
        "report": report,
        "chart": _whatif_chart(report),
        "key_label": PARAMETER_KEYS[key].label,
        "division_label": f"{division.name}（{urban_rural}）",
        "export_url": export_url,
        "value_changes": (
            whatif_editor.value_changes(key, report.value_before, report.value_after)
            if key in RULE_KEYS
            else None
        ),
    }
