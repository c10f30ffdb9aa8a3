"""Enrolment pages (issue 5): the list with filters, search, sort, paging and Excel export; the detail with
periods, changes, reviews and the actions the role may take; the review queue; the legacy-system import.

Each view checks a capability, reads through a selector with ``actor=request.user`` (outside the user's
jurisdiction → 404) and writes through one service. A ``DomainError`` re-renders the detail with the
message on the form and the error's status; the service wrote nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability, Role
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.common.selectors import job_get, queryset_count_capped
from minzheng.common.services import job_create, job_enqueue, job_upload_keep, jobs_reap
from minzheng.enrolments import allowances, exports, reviews, selectors, services, tasks
from minzheng.enrolments.forms import (
    PROGRAMME_LABELS,
    AllowanceRunForm,
    CandidateDecisionForm,
    ChangeForm,
    EnrolmentFilterForm,
    GradualExitForm,
    LegacyImportForm,
    ReviewForm,
    TerminationForm,
    TransferForm,
    WithdrawForm,
)
from minzheng.enrolments.legacy import legacy_error_report
from minzheng.enrolments.models import CandidateStatus, EnrolmentStatus, ReviewStatus
from minzheng.registry.choices import SelfCare

SORT_COLUMNS = [
    ("id", "编号"),
    ("programme", "救助项目"),
    (None, "救助对象"),
    ("division", "户籍村（社区）"),
    ("amount", "当前月金额"),
    ("starts", "起始月份"),
    ("status", "状态"),
]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CANDIDATE_PROGRAMMES = (allowances.LIVING, allowances.CARE, allowances.ORPHAN)

SELF_CARE_LABELS = dict(SelfCare.choices)


def _filters(form: EnrolmentFilterForm) -> selectors.EnrolmentFilters | None:
    if form.is_bound and not form.is_valid():
        return None
    return form.to_filters() if form.is_bound else selectors.EnrolmentFilters()


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def enrolment_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = EnrolmentFilterForm(request.GET or None)
    filters = _filters(form)
    page = None
    if filters is not None:
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        page = list_page(selectors.enrolment_list(actor=actor, filters=filters), number)
        for row in page.rows:
            row.programme_label = PROGRAMME_LABELS.get(row.programme, row.programme)
    context = {
        "form": form,
        "page": page,
        "columns": sort_columns(SORT_COLUMNS, filters.sort if filters else selectors.DEFAULT_SORT),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_manage": actor.can(Capability.MANAGE_ENROLMENTS),
    }
    if request.htmx and request.htmx.target == "enrolment-results":  # type: ignore[attr-defined]
        return render(request, "enrolments/_results.html", context)
    return render(request, "enrolments/list.html", context, status=200 if page else 422)


@require_GET
@capability_required(Capability.EXPORT)
def enrolment_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel with masked ID numbers; logged as a personal-data access."""
    actor = request_actor(request)
    filters = _filters(EnrolmentFilterForm(request.GET or None))
    back = f"{reverse('enrolments:list')}?{query_without(request, 'page')}"
    if filters is None:
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(back)
    _total, too_many = queryset_count_capped(
        selectors.enrolment_list(actor=actor, filters=filters), cap=settings.EXPORT_SYNC_LIMIT
    )
    if too_many:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect(back)
    content, _count = exports.enrolment_export(
        actor=actor, filters=filters, ip_address=client_address(request)
    )
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"在保对象-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    )
    return response


# --- detail and actions -------------------------------------------------------------------------------


def _action_forms(actor: User, detail: selectors.EnrolmentDetail, bound: dict[str, Any]) -> dict[str, Any]:
    if not actor.can(Capability.MANAGE_ENROLMENTS):
        return {}
    enrolment = detail.enrolment
    shown: dict[str, Callable[[], django_forms.Form]] = {}
    if enrolment.status != EnrolmentStatus.ENDED:
        shown["change"] = ChangeForm
        if enrolment.programme == Programme.DIBAO and enrolment.status == EnrolmentStatus.ACTIVE:
            shown["gradual_exit"] = GradualExitForm
        if enrolment.programme == Programme.EXTREME_POVERTY_SUPPORT and detail.notice is None:
            shown["terminate"] = TerminationForm
    if detail.notice is not None:
        shown["withdraw"] = WithdrawForm
    if enrolment.programme == Programme.EXTREME_POVERTY_SUPPORT and enrolment.status == EnrolmentStatus.ENDED:
        shown["transfer"] = TransferForm
    if any(r.status == ReviewStatus.OPEN for r in detail.reviews):
        shown["review"] = ReviewForm
    return {key: bound.get(key) or make() for key, make in shown.items()}


def _detail_page(
    request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.enrolment_detail(actor=actor, pk=pk)
    context = {
        "detail": detail,
        "enrolment": detail.enrolment,
        "programme_label": PROGRAMME_LABELS.get(detail.enrolment.programme, detail.enrolment.programme),
        # a 特困 care tier is stored as the self-care code (full/partial/none): shown by its label
        "level_label": SELF_CARE_LABELS.get(detail.enrolment.level, detail.enrolment.level),
        "forms": _action_forms(actor, detail, bound or {}),
        "error": error,
        "open_review": next((r for r in detail.reviews if r.status == ReviewStatus.OPEN), None),
        "is_county": actor.role == Role.COUNTY_APPROVER,
        "today": timezone.localdate(),
    }
    return render(request, "enrolments/detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


ACTIONS: dict[str, tuple[type[django_forms.Form], Callable[..., Any], str]] = {}


def _action(name: str, form_class: type[django_forms.Form], call: Callable[..., Any], done: str) -> None:
    ACTIONS[name] = (form_class, call, done)


_action(
    "change",
    ChangeForm,
    lambda a, pk, d, _r: services.enrolment_change(
        actor=a,
        enrolment_id=pk,
        kind=d["kind"],
        effective_month=d["effective_month"],
        new_amount=d.get("new_amount"),
        reason=d["reason"],
        basis=d.get("basis") or "",
    ),
    "已办理变更",
)
_action(
    "gradual_exit",
    GradualExitForm,
    lambda a, pk, d, _r: services.enrolment_gradual_exit(
        actor=a,
        enrolment_id=pk,
        effective_month=d["effective_month"],
        months=d.get("months"),
        reason=d["reason"],
    ),
    "已安排渐退",
)
_action(
    "terminate",
    TerminationForm,
    lambda a, pk, d, _r: services.extreme_poverty_termination_propose(
        actor=a, enrolment_id=pk, ground=d["ground"], reason=d["reason"]
    ),
    "已发起终止公示（7天）",
)
_action(
    "withdraw",
    WithdrawForm,
    lambda a, pk, d, r: services.extreme_poverty_termination_withdraw(
        actor=a, change_id=r["notice"].pk, reason=d["reason"]
    ),
    "已撤回终止",
)
_action(
    "transfer",
    TransferForm,
    lambda a, pk, d, _r: services.extreme_poverty_transfer(
        actor=a,
        enrolment_id=pk,
        programme=d["programme"],
        monthly_amount=d["monthly_amount"],
        starts_month=d.get("starts_month"),
        reason=d["reason"],
    ),
    "已转入",
)
_action(
    "review",
    ReviewForm,
    lambda a, pk, d, r: reviews.review_complete(
        actor=a,
        review_id=r["open_review"].pk,
        findings=d["findings"],
        outcome=d["outcome"],
        new_amount=d.get("new_amount"),
        months=d.get("months"),
    ),
    "复核已完成",
)


@require_POST
@capability_required(Capability.MANAGE_ENROLMENTS)
def enrolment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action form of the detail page, posted to the service of the same name."""
    actor = request_actor(request)
    if action not in ACTIONS:
        return _detail_page(request, pk, error=_("未知的操作"), status=404)
    detail = selectors.enrolment_detail(actor=actor, pk=pk)
    form_class, call, done = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail_page(request, pk, bound={action: form}, status=422)
    related = {
        "notice": detail.notice,
        "open_review": next((r for r in detail.reviews if r.status == ReviewStatus.OPEN), None),
    }
    try:
        result = call(actor, pk, form.cleaned_data, related)
    except DomainError as error:
        status = error_attach(form, error)
        return _detail_page(request, pk, bound={action: form}, error=error.message, status=status)
    messages.success(request, _(done))
    target = getattr(result, "pk", None) if action == "transfer" else pk
    return redirect("enrolments:detail", pk=target or pk)


@require_POST
@capability_required(Capability.MANAGE_ENROLMENTS)
def termination_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.enrolment_detail(actor=actor, pk=pk)
    if detail.notice is None:
        return _detail_page(request, pk, error=_("没有公示中的终止"), status=409)
    try:
        services.extreme_poverty_termination_confirm(actor=actor, change_id=detail.notice.pk)
    except DomainError as error:
        return _detail_page(request, pk, error=error.message, status=error.http_status)
    messages.success(request, _("已终止救助供养，次月起停止发放"))
    return redirect("enrolments:detail", pk=pk)


# --- reviews ----------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def review_queue(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    status = request.GET.get("status", ReviewStatus.OPEN)
    status = status if status in ReviewStatus.values or status == "" else ReviewStatus.OPEN
    number = request.GET.get("page", "1")
    page = list_page(
        selectors.review_queue(actor=actor, status=status), int(number) if number.isdigit() else 1
    )
    context = {
        "page": page,
        "page_query": query_without(request, "page"),
        "status": status,
        "today": timezone.localdate(),
        "can_manage": actor.can(Capability.MANAGE_ENROLMENTS),
    }
    return render(request, "enrolments/reviews.html", context)


@require_POST
@capability_required(Capability.MANAGE_ENROLMENTS)
def review_generate(request: HttpRequest) -> HttpResponse:
    count = reviews.review_schedule_generate(actor=request_actor(request))
    messages.success(request, _("已生成 %(count)s 条到期复核任务") % {"count": count})
    return redirect("enrolments:reviews")


# --- legacy import ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ENROLMENTS)
def legacy_import_page(request: HttpRequest) -> HttpResponse:
    """Upload → the import runs in the background (``tasks.legacy_import_task``) with a progress bar; the job
    page links back here with ``?record=<id>``: the success counts, or the errors with a report."""
    actor = request_actor(request)
    form = LegacyImportForm(request.POST or None, request.FILES or None)
    status, record = 200, None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("文件不能超过 50 MB，请按乡镇拆分"))
            elif not actor.can(Capability.EDIT_REGISTRY):
                form.add_error("file", _("您的角色不能导入原系统数据"))
                status = 403
            else:
                return _legacy_import_start(actor, upload)
    elif request.GET.get("record", "").isdigit():
        record = selectors.legacy_import_get(actor=actor, pk=int(request.GET["record"]))
        status = 200 if record.status == record.Status.SUCCEEDED else 422
    context = {"form": form, "record": record, "history": selectors.legacy_import_list(actor=actor)}
    return render(request, "enrolments/legacy_import.html", context, status=status)


def _legacy_import_start(actor: User, upload: Any) -> HttpResponse:
    """Store the upload beside the job (deleted by the task) and enqueue the import."""
    name = Path(upload.name).name[:200]
    job = job_create(
        actor=actor,
        kind=tasks.LEGACY_IMPORT_KIND,
        title=_("原系统数据导入：%(name)s") % {"name": name},
        total=5,
        parameters={"back_url": reverse("enrolments:legacy_import")},
    )
    path = job_upload_keep(job_id=job.pk, upload=upload)
    job_enqueue(tasks.legacy_import_task, job, user_id=actor.pk, path=str(path), filename=name)
    return redirect("enrolments:job", job_id=job.pk)


@require_GET
@capability_required(Capability.MANAGE_ENROLMENTS)
def legacy_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.legacy_import_get(actor=request_actor(request), pk=pk)
    response = HttpResponse(legacy_error_report(record), content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"导入错误报告-{record.pk}.xlsx"
    )
    return response


# --- background jobs --------------------------------------------------------------------------------------


def job_context(request: HttpRequest, job_id: int, progress_url: str) -> dict[str, Any]:
    try:
        jobs_reap()  # a job whose worker died shows failed, not running (ADR 0010)
        job = job_get(actor=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return {"job": job, "progress_url": progress_url}


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job of this app with its progress bar and, once finished, the link to its result."""
    context = job_context(request, job_id, reverse("enrolments:job_progress", args=[job_id]))
    return render(request, "enrolments/job.html", context)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    context = job_context(request, job_id, reverse("enrolments:job_progress", args=[job_id]))
    return render(request, "enrolments/_job_progress.html", context)


# --- allowances from the registry ---------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def candidate_list(request: HttpRequest) -> HttpResponse:
    """Candidates found by the registry runs (主动发现), to confirm or dismiss in bulk; the run buttons."""
    actor = request_actor(request)
    programme = request.GET.get("programme", "")
    programme = programme if programme in CANDIDATE_PROGRAMMES else ""
    status = request.GET.get("status", CandidateStatus.PENDING)
    status = status if status in CandidateStatus.values else CandidateStatus.PENDING
    number = request.GET.get("page", "1")
    page = list_page(
        selectors.allowance_candidates(actor=actor, programme=programme, status=status),
        int(number) if number.isdigit() else 1,
    )
    for row in page.rows:
        row.programme_label = PROGRAMME_LABELS.get(row.programme, row.programme)
    counts = selectors.allowance_candidate_counts(actor=actor)
    context = {
        "page": page,
        "page_query": query_without(request, "page"),
        "programme": programme,
        "status": status,
        "statuses": CandidateStatus.choices,
        "tabs": [
            (code, PROGRAMME_LABELS.get(code, code), counts.get(code, 0)) for code in CANDIDATE_PROGRAMMES
        ],
        "pending_total": sum(counts.values()),
        "can_manage": actor.can(Capability.MANAGE_ENROLMENTS),
        "run_form": AllowanceRunForm(initial={"month": timezone.localdate().strftime("%Y-%m")}),
        "default_month": timezone.localdate().strftime("%Y-%m"),
    }
    return render(request, "enrolments/candidates.html", context)


@require_POST
@capability_required(Capability.MANAGE_ENROLMENTS)
def allowance_run(request: HttpRequest) -> HttpResponse:
    """Start one registry run in the background (progress bar on the job page)."""
    actor = request_actor(request)
    form = AllowanceRunForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect("enrolments:candidates")
    kind, month = form.cleaned_data["kind"], form.cleaned_data["month"]
    job = job_create(
        actor=actor,
        kind=tasks.ALLOWANCE_RUN_KIND,
        title=f"{tasks.RUNS[kind]}（{month:%Y-%m}）",
        total=3,
        parameters={
            "kind": kind,
            "month": month.isoformat(),
            "within": actor.scope_prefix or "",
            "back_url": reverse("enrolments:candidates"),
        },
    )
    job_enqueue(tasks.allowance_run_task, job, user_id=actor.pk, kind=kind, month=month.isoformat())
    return redirect("enrolments:job", job_id=job.pk)


@require_POST
@capability_required(Capability.MANAGE_ENROLMENTS)
def candidate_decide(request: HttpRequest) -> HttpResponse:
    """Confirm (enrol) or dismiss the ticked candidates, all or nothing."""
    actor = request_actor(request)
    form = CandidateDecisionForm(request.POST)
    back = f"{reverse('enrolments:candidates')}?{request.POST.get('back', '')}"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        if data["decision"] == "confirm":
            count = allowances.allowance_candidates_confirm(
                actor=actor,
                candidate_ids=data["candidates"],
                starts_month=data["starts_month"],
                note=data["note"],
            )
            messages.success(
                request,
                _("已确认纳入 %(n)s 人，自 %(m)s 起发放")
                % {"n": count, "m": f"{data['starts_month']:%Y-%m}"},
            )
        else:
            count = allowances.allowance_candidates_dismiss(
                actor=actor, candidate_ids=data["candidates"], note=data["note"]
            )
            messages.success(request, _("已不予纳入 %(n)s 人") % {"n": count})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)
