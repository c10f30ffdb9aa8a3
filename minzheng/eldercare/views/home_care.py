"""Pages of family care beds and home adaptation (issue 17 §6, §9): the list (filters, sort, pages, Excel),
the application with the older-person picker, and one project with the form of its next step (assessment
visit, contract with a provider serving the place, completion, acceptance with photos, subsidy)."""

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
from minzheng.eldercare.forms_care import ProjectApplyForm, ProjectFilterForm, ProjectStepForm
from minzheng.eldercare.rules import home_care as rules
from minzheng.eldercare.selectors import home_care as selectors
from minzheng.eldercare.services import home_care as services
from minzheng.eldercare.services.care_common import actor_level
from minzheng.eldercare.views.care_common import picker_context

SORT_COLUMNS = [
    (None, "老年人"),
    ("kind", "项目类别"),
    (None, "居住地"),
    ("status", "状态"),
    ("applied", "申请日期"),
    (None, "服务机构"),
    ("subsidy", "补贴金额（元）"),
]
# the fields each step's form shows (the services read only these)
STEP_FIELDS = {
    "assess": ("day", "note"),
    "contract": ("day", "provider", "contract_amount"),
    "build": ("day",),
    "accept": ("day", "note", "photos"),
    "subsidise": ("day", "manual_amount", "note"),
    "reject": ("note",),
}
DAY_LABELS = {
    "assess": "评估日期",
    "contract": "签约日期",
    "build": "完工日期",
    "accept": "验收日期",
    "subsidise": "核发日期",
}


def _filters(form: ProjectFilterForm) -> selectors.ProjectFilters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return selectors.ProjectFilters(
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        division=data.get("division") or "",
        name=data.get("name", ""),
        sort=data.get("sort") or "-applied",
    )


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def home_care_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = ProjectFilterForm(request.GET or None)
    filters = _filters(form)
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and form.is_valid() else 1
    context = {
        "form": form,
        "page": list_page(selectors.project_list(actor=actor, filters=filters), number),
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_apply": actor.can(Capability.MANAGE_ELDERCARE),
    }
    if request.htmx and request.htmx.target == "home-care-results":  # type: ignore[attr-defined]
        return render(request, "eldercare/home_care/_results.html", context)
    return render(request, "eldercare/home_care/list.html", context)


@require_GET
@capability_required(Capability.EXPORT)
def home_care_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request, Capability.VIEW_ELDERCARE)
    rows = selectors.project_list(actor=actor, filters=_filters(ProjectFilterForm(request.GET or None)))
    return xlsx_response(
        actor=actor,
        title="家庭养老床位和适老化改造",
        headers=[
            "项目类别",
            "姓名",
            "身份证号码（脱敏）",
            "居住地",
            "状态",
            "申请日期",
            "床位数",
            "服务机构",
            "合同金额（元）",
            "验收日期",
            "补贴金额（元）",
            "补贴需人工核定原因",
        ],
        rows=(
            [
                r.get_kind_display(),
                r.older_person.person.name,
                r.older_person.person.id_number_masked,
                r.division.name,
                r.get_status_display(),
                r.applied_on,
                r.beds,
                r.provider.name if r.provider else "",
                r.contract_amount,
                r.accepted_on,
                r.subsidy_amount,
                r.subsidy_manual_reason,
            ]
            for r in rows
        ),
        purpose="导出家庭养老床位和适老化改造项目",
        ip=client_address(request),
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ELDERCARE)
def home_care_apply(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    picker = picker_context(request)
    older = picker["older"]
    form = ProjectApplyForm(request.POST or None)
    status = 200
    if request.method == "POST" and older is not None and form.is_valid():
        try:
            row = services.home_care_apply(
                actor=actor,
                older_person_id=older.pk,
                kind=form.cleaned_data["kind"],
                beds=form.cleaned_data["beds"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            status = error_attach(form, error, {"older_person": None})
        else:
            messages.success(request, _("已受理申请"))
            return redirect("eldercare:home_care_detail", pk=row.pk)
    elif request.method == "POST":
        status = 422
        if older is None:
            form.add_error(None, _("请先选择老年人"))
    context = {**picker, "form": form, "picker_url": reverse("eldercare:home_care_apply")}
    return render(request, "eldercare/home_care/apply.html", context, status=status)


def _detail(
    request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    actor = request_actor(request)
    row = selectors.project_get(actor=actor, pk=pk)
    bound = bound or {}
    providers = selectors.provider_choices(actor=actor, division_code=row.division.code)
    steps = []
    if actor.can(Capability.MANAGE_ELDERCARE):
        for transition in rules.transitions_from(row.status):
            if rules.transition_problem(transition.code, row.status, actor_level(actor)):
                continue
            form = bound.get(transition.code) or ProjectStepForm(
                initial={"expected_status": row.status, "day": timezone.localdate()}, providers=providers
            )
            if transition.code in DAY_LABELS:
                form.fields["day"].label = DAY_LABELS[transition.code]
            steps.append((transition, form, STEP_FIELDS[transition.code]))
    context = {
        "error": error,
        "row": row,
        "events": list(row.events.select_related("actor")),
        "photos": list(row.photos.all()),
        "steps": steps,
        "status_label": rules.STATUS_LABELS[rules.Status(row.status)],
    }
    return render(request, "eldercare/home_care/detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def home_care_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def home_care_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    actor = request_actor(request)
    row = selectors.project_get(actor=actor, pk=pk)
    if code not in rules.TRANSITION_BY_CODE:
        return _detail(request, pk, status=404)
    form = ProjectStepForm(
        request.POST,
        request.FILES,
        providers=selectors.provider_choices(actor=actor, division_code=row.division.code),
    )
    if not form.is_valid():
        return _detail(request, pk, bound={code: form}, status=422, error=_("请更正表单中的错误"))
    data = form.cleaned_data
    step = services.StepData(
        day=data["day"],
        note=data["note"],
        provider_id=data["provider"] or None,
        contract_amount=data["contract_amount"],
        manual_amount=data["manual_amount"],
        photos=data["photos"],
    )
    try:
        services.home_care_transition(
            actor=actor, project_id=pk, code=code, expected_status=data["expected_status"], data=step
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _detail(request, pk, bound={code: form}, status=status, error=error.message)
    messages.success(request, _("已办理“%(label)s”") % {"label": rules.TRANSITION_BY_CODE[code].label})
    return redirect("eldercare:home_care_detail", pk=pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("home-care/", home_care_list, name="home_care_list"),
    path("home-care/export/", home_care_export, name="home_care_export"),
    path("home-care/new/", home_care_apply, name="home_care_apply"),
    path("home-care/<int:pk>/", home_care_detail, name="home_care_detail"),
    path("home-care/<int:pk>/act/<str:code>/", home_care_act, name="home_care_act"),
]
