"""Application pages (issue 4 §9): my queue, the list with filters and Excel export, intake with its
printable receipt, the detail with the actions this user may take at the current step, and a village's
public notice.

Each view checks a capability, reads through one selector with ``actor=request.user`` (an application
outside the user's divisions is a 404) and writes through one service. Actions post the step the user
saw (``expected_step``) and follow Post/Redirect/Get. A ``DomainError`` re-renders the page with the
message and the error's status (409 when the step moved on meanwhile, 422 for a missing record or
input, 403 for the wrong role); the service wrote nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.applications import exports, rules, selectors, services
from minzheng.applications.forms import (
    ApplicationCreateForm,
    ApplicationFilterForm,
    CareAssessmentForm,
    ExpenseForm,
    ExtendForm,
    HandoverForm,
    HomeVisitForm,
    NoticeForm,
    ObjectionForm,
    TransitionForm,
    VerificationForm,
    transition_fields,
)
from minzheng.applications.models import Application, CareAssessment, VerificationSource
from minzheng.applications.rules import Channel, Record, Step, Transition, Workflow
from minzheng.benefits.views import LEVEL_LABELS
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.pages import ListPage, capability_required, list_page, query_without
from minzheng.common.pages import error_attach as _attach
from minzheng.common.selectors import queryset_count_capped

STEP_COLOURS = {Step.APPROVED: "green", Step.REJECTED: "red", Step.WITHDRAWN: "secondary",
                Step.TERMINATED: "secondary"}  # fmt: skip

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


def _row(application: Application, today: Any) -> Row:
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
    return ListPage([_row(a, today) for a in page.rows], page.number, page.has_previous, page.has_next,
                    page.total, page.total_capped)  # fmt: skip


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


def _columns(current_sort: str) -> list[dict[str, Any]]:
    return [
        {
            "label": label, "key": key, "css": css,
            "active": key is not None and current_sort.lstrip("-") == key,
            "descending": current_sort.startswith("-"),
            "next_sort": (f"-{key}" if current_sort == key else key) if key else None,
        }
        for key, label, css in SORT_COLUMNS
    ]  # fmt: skip


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
        "columns": _columns(filters.sort if filters else selectors.DEFAULT_SORT),
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
        actor=actor, filters=filters, ip_address=request.META.get("REMOTE_ADDR") or None
    )
    return _xlsx(content, f"救助申请-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


# --- intake and receipt -------------------------------------------------------------------------------

INTAKE_ALIASES: dict[str, str | None] = {
    "applicant_id": "applicant",
    "subject_id": "subject",
    "household_id": None,
}


@require_http_methods(["GET", "POST"])
@capability_required(Capability.ACCEPT_APPLICATIONS)
def application_create(request: HttpRequest) -> HttpResponse:
    """Register an application for ``?household=<id>`` in any channel; the number is shown on success."""
    actor = request_actor(request)
    raw = request.GET.get("household", "")
    if not raw.isdigit():
        return render(
            request, "applications/create_pick.html", {"household": raw}, status=200 if not raw else 422
        )
    intake = selectors.intake_household(actor=actor, household_id=int(raw))
    form = ApplicationCreateForm(
        request.POST or None, members=intake.members, initial={"channel": Channel.WINDOW}
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                application = services.application_create(
                    actor=actor, data=form.application_data(household_id=intake.household.pk)
                )
            except DomainError as error:
                status = _attach(form, error, INTAKE_ALIASES)
            else:
                messages.success(
                    request, _("已登记申请，申请编号：%(number)s") % {"number": application.number}
                )
                if not selectors.application_is_visible(actor=actor, pk=application.pk):
                    # a village assistant registers for the township, whose applications lie outside
                    # the village's jurisdiction
                    return redirect("registry:household_detail", pk=intake.household.pk)
                return redirect("applications:detail", pk=application.pk)
    context = {
        "form": form, "household": intake.household, "temporary": sorted(rules.TEMPORARY_WORKFLOWS),
        "allowances": sorted(rules.ALLOWANCE_WORKFLOWS), "disability": Workflow.DISABILITY_SUBSIDIES.value,
    }  # fmt: skip
    return render(request, "applications/create.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def application_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """受理回执: the printable receipt with the number and, if any, the one-time notice of missing items."""
    application = selectors.application_get(actor=request_actor(request), pk=pk)
    context = {
        "application": application,
        "workflow_label": rules.WORKFLOW_LABELS.get(Workflow(application.workflow), application.workflow),
        "printed_on": timezone.localdate(),
    }
    return render(request, "applications/receipt.html", context)


# --- detail and actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    transition: Transition
    form: TransitionForm
    is_exit: bool  # withdraw / terminate: open at every step, shown apart


def _opinion_kept(transition: Transition, application: Application) -> dict[str, str]:
    """After the appraisal the township's stored opinion is what goes to the county, so it is offered
    for editing; elsewhere the opinion is written afresh."""
    return {"opinion": application.opinion} if transition.code == "submit_after_appraisal" else {}


def _actions(actor: User, detail: selectors.ApplicationDetail, bound: dict[str, Any]) -> list[Action]:
    application = detail.application
    workflow = Workflow(application.workflow)
    signed = application.pledge_signed_at is not None
    actions = []
    for transition in selectors.actions_for(actor=actor, detail=detail):
        form = bound.get(transition.code) or TransitionForm(
            transition=transition,
            names=transition_fields(transition, workflow=workflow, pledge_signed=signed),
            initial={"expected_step": application.step, **_opinion_kept(transition, application)},
        )
        actions.append(Action(transition, form, transition not in rules.WORKFLOWS[workflow]))
    return actions


def _record_forms(actor: User, application: Application, bound: dict[str, Any]) -> dict[str, Any]:
    """The record forms this user may fill in at the current step, as ``rules.RECORDS`` has them (the
    services check the same rows): 入户调查 while investigating (the county's own visit during review),
    信息核对 (the township's data matching for children; the 残联's review at 县级残联审核), the 特困
    assessment, 刚性支出, 公示异议 during the notice, and 延长时限 once the limit runs."""
    if not application.is_open:
        return {}
    today = timezone.localdate()
    federation = application.step == Step.FEDERATION_REVIEW
    makers: dict[Record, Callable[[], django_forms.Form]] = {
        Record.HOME_VISIT: lambda: HomeVisitForm(initial={"visited_on": today}),
        Record.VERIFICATION: lambda: VerificationForm(
            initial={"source": VerificationSource.DISABILITY_FEDERATION} if federation else None
        ),
        Record.CARE: lambda: CareAssessmentForm(initial=_care_initial(application, today)),
        Record.EXPENSE: lambda: ExpenseForm(initial={"incurred_on": today}),
        Record.OBJECTION: lambda: ObjectionForm(initial={"received_on": today}),
        Record.EXTEND: ExtendForm,
    }
    shown = rules.records_open(
        workflow=Workflow(application.workflow), step=application.step, role=actor.role
    )
    if not application.accepted_on or application.extension_reason:
        shown = [record for record in shown if record != Record.EXTEND]  # once, from acceptance (45 days)
    return {record: bound.get(record) or makers[record]() for record in shown}


def _care_initial(application: Application, today: dt.date) -> dict[str, Any]:
    """An earlier assessment pre-fills the form (recording again replaces it)."""
    care = CareAssessment.objects.filter(application=application).first()
    if care is None:
        return {"assessed_on": today, **dict.fromkeys(CareAssessmentForm.ADL, True)}
    fields = (
        "assessed_on",
        "supporter_status",
        "supporter_inability",
        "other_no_work_capacity",
        "support_mode",
    )
    return {
        **{name: getattr(care, name) for name in (*fields, *CareAssessmentForm.ADL)},
        "assessors": "、".join(care.assessors),
    }


def _handover_form(actor: User, application: Application, bound: dict[str, Any]) -> HandoverForm | None:
    """A household rejected for 低保/特困 can be moved into the margin or rigid-expense procedure."""
    if (
        Workflow(application.workflow) not in rules.HANDOVER_FROM
        or application.step != Step.REJECTED
        or actor.role not in rules.HANDOVER_ROLES
    ):
        return None
    return bound.get("handover") or HandoverForm()


def _reason_rows(assessment: dict[str, Any] | None) -> list[dict[str, Any]]:
    reasons = (assessment or {}).get("reasons") or []
    return [{"number": n, **reason} for n, reason in enumerate(reasons, start=1)]


def _detail_page(
    request: HttpRequest, detail: selectors.ApplicationDetail, *, bound: dict[str, Any] | None = None,
    error: str = "", status: int = 200,
) -> HttpResponse:  # fmt: skip
    actor = request_actor(request)
    application = detail.application
    bound = bound or {}
    actions = _actions(actor, detail, bound)
    context = {
        "detail": detail,
        "application": application,
        "row": _row(application, timezone.localdate()),
        "channel_label": Channel(application.channel).label,
        "step_colour": STEP_COLOURS.get(Step(application.step), "blue"),
        "extension_label": rules.EXTENSION_REASONS.get(application.extension_reason, ""),
        "actions": [a for a in actions if not a.is_exit],
        "exits": [a for a in actions if a.is_exit],
        "records": _record_forms(actor, application, bound),
        "handover": _handover_form(actor, application, bound),
        "expenses": [
            {
                "incurred_on": e.incurred_on,
                "amount": e.amount,
                "note": e.note,
                "label": services.EXPENSE_LABELS.get(e.kind, e.kind),
            }
            for e in application.expenses.order_by("incurred_on", "id")
        ],
        "level_label": LEVEL_LABELS.get(application.level, application.level),
        "subsidy_labels": [rules.SUBSIDY_LABELS.get(code, code) for code in application.subsidies],
        "reason_rows": _reason_rows(application.assessment),
        "step_labels": dict(Step.choices),
        "error": error,
    }
    return render(request, "applications/detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, selectors.application_detail(actor=request_actor(request), pk=pk))


def _transition_named(workflow: Workflow, code: str, step: str) -> Transition | None:
    found = rules.transition_for(workflow, step, code)
    return found or next((t for t in rules.transitions(workflow) if t.code == code), None)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def application_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Take one transition; the service checks step, role, jurisdiction and the step's records."""
    actor = request_actor(request)
    detail = selectors.application_detail(actor=actor, pk=pk)
    application = detail.application
    workflow = Workflow(application.workflow)
    transition = _transition_named(workflow, code, request.POST.get("expected_step") or application.step)
    if transition is None:
        raise Http404(_("该类别申请没有此办理事项"))
    names = transition_fields(
        transition, workflow=workflow, pledge_signed=application.pledge_signed_at is not None
    )
    form = TransitionForm(request.POST, transition=transition, names=names)
    if not form.is_valid():
        return _detail_page(request, detail, bound={code: form}, error=_("请更正表单中的错误"), status=422)
    try:
        moved = services.application_transition(
            actor=actor,
            application_id=pk,
            code=code,
            expected_step=form.cleaned_data["expected_step"],
            data=form.transition_data(),
        )
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        status = _attach(form, error)
        return _detail_page(request, detail, bound={code: form}, error=error.message, status=status)
    messages.success(
        request,
        _("已办理“%(label)s”，当前环节：%(step)s")
        % {"label": transition.label, "step": Step(moved.step).label},
    )
    return redirect("applications:detail", pk=pk)


Save = Callable[[User, dict[str, Any]], object]


def _record_view(
    request: HttpRequest, pk: int, key: str, form: django_forms.Form, save: Save, done: str
) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.application_detail(actor=actor, pk=pk)
    if not form.is_valid():
        return _detail_page(request, detail, bound={key: form}, error=_("请更正表单中的错误"), status=422)
    try:
        save(actor, form.cleaned_data)
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        status = _attach(form, error)
        return _detail_page(request, detail, bound={key: form}, error=error.message, status=status)
    messages.success(request, done)
    return redirect("applications:detail", pk=pk)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def home_visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = HomeVisitForm(request.POST)
    return _record_view(request, pk, "home_visit", form, lambda actor, data: services.home_visit_record(
        actor=actor, application_id=pk, visited_on=data["visited_on"],
        investigators=form.investigator_names(), members_present=data["members_present"],
        findings=data["findings"], housing=data["housing"],
    ), _("入户调查记录已保存"))  # fmt: skip


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def verification_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "verification", VerificationForm(request.POST), lambda actor, data: (
        services.verification_record(actor=actor, application_id=pk, source=data["source"],
                                     outcome=data["outcome"], detail=data["detail"], amount=data["amount"])
    ), _("核对结果已录入"))  # fmt: skip


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "objection", ObjectionForm(request.POST), lambda actor, data: (
        services.objection_record(actor=actor, application_id=pk, received_on=data["received_on"],
                                  content=data["content"])
    ), _("公示异议已登记"))  # fmt: skip


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def care_assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = CareAssessmentForm(request.POST)
    return _record_view(request, pk, "care", form, lambda actor, data: services.care_assessment_record(
        actor=actor, application_id=pk, **form.service_kwargs()), _("特困人员评估已保存"))  # fmt: skip


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def expense_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "expense", ExpenseForm(request.POST), lambda actor, data: (
        services.expense_record(actor=actor, application_id=pk, kind=data["kind"], amount=data["amount"],
                                incurred_on=data["incurred_on"], note=data["note"])
    ), _("刚性支出已录入"))  # fmt: skip


@require_POST
@capability_required(Capability.ACCEPT_APPLICATIONS)
def application_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Create the margin / rigid-expense application and open it."""
    actor = request_actor(request)
    detail = selectors.application_detail(actor=actor, pk=pk)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        return _detail_page(
            request, detail, bound={"handover": form}, error=_("请更正表单中的错误"), status=422
        )
    try:
        handed = services.application_handover(
            actor=actor, application_id=pk, workflow=form.cleaned_data["workflow"],
            consent=form.cleaned_data["consent"],
        )  # fmt: skip
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        status = _attach(form, error)
        return _detail_page(request, detail, bound={"handover": form}, error=error.message, status=status)
    messages.success(request, _("已转入%(label)s：%(number)s") % {
        "label": rules.WORKFLOW_LABELS[Workflow(handed.workflow)], "number": handed.number})  # fmt: skip
    return redirect("applications:detail", pk=handed.pk)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def application_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "extend", ExtendForm(request.POST), lambda actor, data: (
        services.application_extend(actor=actor, application_id=pk, reason=data["reason"])
    ), _("办理时限已延长"))  # fmt: skip


# --- public notice ------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def public_notice(request: HttpRequest) -> HttpResponse:
    """公示名单 of one village or community: name, household size, programme, amount and the notice
    period; no ID numbers (《最低生活保障审核确认办法》第 24 条). Printable; ``format=xlsx`` for Excel."""
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
    rows = [
        {"application": a, "label": rules.WORKFLOW_LABELS.get(Workflow(a.workflow), a.workflow),
         "amount": exports.proposed_amount(a)}
        for a in (notice.applications if notice else [])
    ]  # fmt: skip
    context = {
        "form": form,
        "notice": notice,
        "rows": rows,
        "villages": selectors.village_choices(actor=actor),
        "export_query": urlencode({"village": notice.village.code, "format": "xlsx"}) if notice else "",
    }
    return render(request, "applications/notice.html", context, status=status)
