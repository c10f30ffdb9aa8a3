"""动态监测预警 pages (issue 6 §4–6): the alert list (filters, sort, pages, Excel), an alert with the
actions of its status, the dashboard, department feed upload with its row-level report, runs with a
progress bar, and rule editing with preview and publication.

Each view checks a capability, reads through a selector with the request's user
(``accounts.actors.request_actor``; an alert of another jurisdiction is a 404) and writes through one
service; a ``DomainError`` re-renders the page with the message (nothing was written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.common.selectors import queryset_count_capped
from minzheng.common.services import jobs_reap
from minzheng.monitoring import exports, feeds, rules, selectors, services
from minzheng.monitoring.forms import (
    ActionForm,
    AlertFilterForm,
    ApplicationOpenForm,
    FeedbackForm,
    FeedUploadForm,
    ReferForm,
    ReviewForm,
    RuleForm,
)
from minzheng.monitoring.models import WarningRule
from minzheng.monitoring.rules.words import CHANNEL_LABELS, condition_words

SORT_COLUMNS = [
    ("number", "预警编号"),
    (None, "规则"),
    ("severity", "等级"),
    (None, "对象"),
    (None, "村（社区）"),
    (None, "状态"),
    ("raised", "预警日期"),
    ("due", "响应时限"),
]
SEVERITY_COLOURS = {"red": "red", "orange": "orange", "yellow": "yellow"}


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --- alert list -----------------------------------------------------------------------------------------


def _filter_form(request: HttpRequest) -> AlertFilterForm:
    data = request.GET if request.GET else None
    return AlertFilterForm(data, rule_choices=selectors.rule_choices())


@require_GET
@capability_required(Capability.MONITOR)
def alert_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = _filter_form(request)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters() if form.is_bound and valid else selectors.AlertFilters(status="open")
    page = None
    if valid:
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        page = list_page(selectors.alert_list(actor=actor, filters=filters), number)
    context = {
        "form": form,
        "page": page,
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "today": timezone.localdate(),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "status_labels": {s.value: label for s, label in rules.ALERT_STATUS_LABELS.items()},
        "severity_labels": {s.value: label for s, label in rules.SEVERITY_LABELS.items()},
        "division_choices": selectors.division_filter_choices(actor=actor),
    }
    if request.htmx and request.htmx.target == "alert-results":  # type: ignore[attr-defined]
        return render(request, "monitoring/_alert_results.html", context)
    return render(request, "monitoring/alert_list.html", context, status=200 if valid else 422)


@require_GET
@capability_required(Capability.EXPORT)
def alert_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    if not actor.can(Capability.MONITOR):
        return redirect("monitoring:alert_list")
    form = _filter_form(request)
    back = f"{reverse('monitoring:alert_list')}?{query_without(request, 'page')}"
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(back)
    filters = form.to_filters() if form.is_bound else selectors.AlertFilters(status="open")
    _total, too_many = queryset_count_capped(
        selectors.alert_list(actor=actor, filters=filters), cap=settings.EXPORT_SYNC_LIMIT
    )
    if too_many:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect(back)
    content, _count = exports.alert_export(actor=actor, filters=filters, ip_address=client_address(request))
    return _xlsx(content, f"动态监测预警-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


# --- alert detail and actions -------------------------------------------------------------------------


def _detail_page(
    request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.alert_detail(actor=actor, pk=pk)
    alert = detail.alert
    bound = bound or {}
    initial = {"expected_status": alert.status}
    is_open = alert.status in {s.value for s in rules.OPEN_STATUSES}
    actions = [
        (t, bound.get(t.code) or ActionForm(initial=initial)) for t in detail.transitions if t.code != "refer"
    ]
    context = {
        "detail": detail,
        "alert": alert,
        "error": error,
        "actions": actions,
        "is_open": is_open,
        "status_label": rules.ALERT_STATUS_LABELS[rules.AlertStatus(alert.status)],
        "severity_label": rules.SEVERITY_LABELS[rules.Severity(alert.severity)],
        "overdue": is_open and alert.due_on < timezone.localdate(),
        "refer_form": (bound.get("refer") or ReferForm(initial=initial))
        if alert.status == "verifying"
        else None,
        "application_form": (bound.get("application") or ApplicationOpenForm(initial=initial))
        if alert.status in ("verifying", "assisting")
        and alert.application_id is None
        and actor.can(Capability.ACCEPT_APPLICATIONS)
        else None,
        "review_form": (bound.get("review") or ReviewForm()) if is_open else None,
        "feedback_forms": [
            (r, bound.get(f"feedback-{r.pk}") or FeedbackForm(initial={"referral": r.pk}))
            for r in detail.referrals
            if not r.feedback
        ],
        "status_labels": {s.value: label for s, label in rules.ALERT_STATUS_LABELS.items()},
    }
    return render(request, "monitoring/alert_detail.html", context, status=status)


@require_GET
@capability_required(Capability.MONITOR)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _submit(
    request: HttpRequest,
    pk: int,
    key: str,
    form: Any,
    save: Callable[[User, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    selectors.alert_get(actor=request_actor(request), pk=pk)  # 404 outside the jurisdiction
    if not form.is_valid():
        return _detail_page(request, pk, bound={key: form}, error=_("请更正表单中的错误"), status=422)
    try:
        save(request_actor(request), form.cleaned_data)
    except DomainError as error:
        status = error_attach(form, error)
        return _detail_page(request, pk, bound={key: form}, error=error.message, status=status)
    messages.success(request, done)
    return redirect("monitoring:alert_detail", pk=pk)


TRANSITION_SERVICES: dict[str, Callable[..., Any]] = {
    "verify": lambda actor, pk, data: services.alert_verify(
        actor=actor, alert_id=pk, expected_status=data["expected_status"]
    ),
    "assist": lambda actor, pk, data: services.alert_assist(
        actor=actor, alert_id=pk, expected_status=data["expected_status"], reason=data["reason"]
    ),
    "dismiss": lambda actor, pk, data: services.alert_dismiss(
        actor=actor, alert_id=pk, expected_status=data["expected_status"], reason=data["reason"]
    ),
    "close": lambda actor, pk, data: services.alert_close(
        actor=actor, alert_id=pk, expected_status=data["expected_status"], reason=data["reason"]
    ),
}


@require_POST
@capability_required(Capability.MONITOR)
def alert_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    service = TRANSITION_SERVICES.get(code)
    if service is None:
        return _detail_page(request, pk, error=_("没有此办理事项"), status=404)
    label = next((t.label for t in rules.ALERT_TRANSITIONS if t.code == code), code)
    return _submit(
        request,
        pk,
        code,
        ActionForm(request.POST),
        lambda actor, data: service(actor, pk, data),
        _("已办理“%(label)s”") % {"label": label},
    )


@require_POST
@capability_required(Capability.MONITOR)
def alert_refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(
        request,
        pk,
        "refer",
        ReferForm(request.POST),
        lambda actor, data: services.alert_refer(
            actor=actor,
            alert_id=pk,
            expected_status=data["expected_status"],
            department=data["department"],
            note=data["note"],
        ),
        _("已转办"),
    )


@require_POST
@capability_required(Capability.MONITOR)
def alert_application(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(
        request,
        pk,
        "application",
        ApplicationOpenForm(request.POST),
        lambda actor, data: services.alert_application_open(
            actor=actor, alert_id=pk, expected_status=data["expected_status"], workflow=data["workflow"]
        ),
        _("已发起主动发现申请"),
    )


@require_POST
@capability_required(Capability.MONITOR)
def alert_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(
        request,
        pk,
        "review",
        ReviewForm(request.POST),
        lambda actor, data: services.alert_review_schedule(
            actor=actor, alert_id=pk, review_on=data["review_on"], note=data["note"]
        ),
        _("已安排复核"),
    )


@require_POST
@capability_required(Capability.MONITOR)
def referral_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    form = FeedbackForm(request.POST)
    key = f"feedback-{request.POST.get('referral', '')}"
    return _submit(
        request,
        pk,
        key,
        form,
        lambda actor, data: services.referral_feedback_record(
            actor=actor,
            referral_id=data["referral"],
            feedback=data["feedback"],
            feedback_on=data["feedback_on"],
        ),
        _("已登记部门反馈"),
    )


# --- dashboard ------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.MONITOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    board = selectors.dashboard(actor=request_actor(request))
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            exports.dashboard_export(board=board), f"监测预警统计-{timezone.localdate():%Y%m%d}.xlsx"
        )
    chart = {
        "names": [r["name"] for r in board.by_division],
        "open": [r["open"] for r in board.by_division],
        "overdue": [r["overdue"] for r in board.by_division],
        "treemap": [{"name": r["name"], "value": r["open"]} for r in board.by_division if r["open"]],
        "labels": {"open": _("未办结"), "overdue": _("超期")},
    }
    programmes = board.coverage[0]["programmes"] if board.coverage else []
    return render(
        request, "monitoring/dashboard.html", {"board": board, "chart": chart, "programmes": programmes}
    )


# --- feeds ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.IMPORT_FEEDS)
def feed_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = feeds.feed_import(
                    actor=actor, feed=form.cleaned_data["feed"], content=upload.read(), file_name=upload.name
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                if outcome.duplicate_file:
                    messages.info(request, _("该文件已导入过（内容相同），未做任何更改"))
                elif outcome.rejected:
                    messages.error(
                        request, _("文件有错误，已拒收，未导入任何记录；请按错误报告更正后重新上传")
                    )
                else:
                    messages.success(request, _("已导入"))
                return redirect("monitoring:feed_batch", pk=outcome.batch.pk)
    number = request.GET.get("page", "1")
    page = list_page(selectors.feed_batch_list(actor=actor), int(number) if number.isdigit() else 1)
    for batch in page.rows:  # the feed's Chinese name, not its code (issue 14 §6)
        spec = rules.FEEDS.get(batch.feed)
        batch.feed_label = f"{spec.department}：{spec.label}" if spec else batch.feed
    context = {
        "form": form,
        "page": page,
        "feeds": list(rules.FEEDS.values()),
        "page_query": query_without(request, "page"),
    }
    return render(request, "monitoring/feed_list.html", context, status=status)


@require_GET
@capability_required(Capability.IMPORT_FEEDS)
def feed_batch(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    batch = selectors.feed_batch_get(actor=actor, pk=pk)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.feed_errors_export(batch=batch), f"错误报告-{batch.pk}.xlsx")
    spec = rules.FEEDS.get(batch.feed)
    context = {
        "batch": batch,
        "channel_label": CHANNEL_LABELS.get(batch.channel, batch.channel),
        "spec": spec,
        "unmatched": selectors.feed_batch_unmatched(actor=actor, batch=batch),
    }
    return render(request, "monitoring/feed_batch.html", context)


# --- runs -----------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.MONITOR)
def run_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    number = request.GET.get("page", "1")
    page = list_page(selectors.run_list(actor=actor), int(number) if number.isdigit() else 1)
    return render(
        request,
        "monitoring/run_list.html",
        {
            "page": page,
            "rows": selectors.run_rows(actor=actor, runs=page.rows),
            "can_run": actor.can(Capability.IMPORT_FEEDS),
            "page_query": query_without(request, "page"),
        },
    )


@require_POST
@capability_required(Capability.IMPORT_FEEDS)
def run_start(request: HttpRequest) -> HttpResponse:
    """A manual run over the user's jurisdiction, in the background with a progress bar."""
    try:
        job = services.monitoring_run_start(actor=request_actor(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("monitoring:run_list")
    return redirect("monitoring:run_progress", job_id=job.pk)


@require_GET
@capability_required(Capability.MONITOR)
def run_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar of a manual run (polled by htmx every second), then its counts; a run whose worker
    died is shown failed (``jobs_reap``, ADR 0010)."""
    jobs_reap()
    job, run = selectors.run_job_get(actor=request_actor(request), job_id=job_id)
    context = {"job": job, "run": run}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "monitoring/_run_progress.html", context)
    return render(request, "monitoring/run_progress.html", context)


# --- rules ----------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.MONITOR)
def rule_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    context = {
        "rules": selectors.rule_list(),
        "can_manage": actor.can(Capability.MANAGE_ALERT_RULES),
        "severity_labels": {s.value: label for s, label in rules.SEVERITY_LABELS.items()},
    }
    return render(request, "monitoring/rule_list.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ALERT_RULES)
def rule_edit(request: HttpRequest) -> HttpResponse:
    """A new draft: blank, or the next version of ``?from=<rule id>``."""
    initial: dict[str, Any] = {"severity": "yellow", "subject": "person", "response_days": 10}
    source = request.GET.get("from", "")
    if source.isdigit():
        rule = selectors.rule_get(pk=int(source))
        initial = {
            **services.rule_data_from(rule).__dict__,
            "condition": services.condition_text(rule.condition),
        }
    form = RuleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                rule = services.rule_draft_save(actor=request_actor(request), data=form.rule_data())
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("草稿已保存，请预览命中人数后发布"))
                return redirect("monitoring:rule_detail", pk=rule.pk)
    context = {
        "form": form,
        "indicators": rules.NUMBER_INDICATORS,
        "flags": rules.FLAG_INDICATORS,
        "feeds": rules.FEEDS,
    }
    return render(request, "monitoring/rule_edit.html", context, status=status)


def _preview_context(request: HttpRequest, rule: WarningRule) -> dict[str, Any]:
    job = selectors.rule_preview_job(rule=rule)
    share = services.max_flag_share()
    count, population = rule.preview_count, rule.preview_population
    percent = count * 100 / population if count is not None and population else None
    return {
        "rule": rule,
        "job": job,
        "running": job is not None and job.status in ("queued", "running"),
        "failed": job is not None
        and job.status == "failed"
        and (rule.previewed_at is None or job.created_at > rule.previewed_at),
        "percent": percent,
        "limit_percent": share * 100,
        "too_broad": count is not None and bool(population) and count > share * (population or 0),
        "can_manage": request_actor(request).can(Capability.MANAGE_ALERT_RULES),
        "is_draft": rule.status == WarningRule.Status.DRAFT,
    }


@require_GET
@capability_required(Capability.MONITOR)
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(pk=pk)
    context = {
        **_preview_context(request, rule),
        "condition": services.condition_text(rule.condition),
        "condition_words": condition_words(rule.condition),
    }
    return render(request, "monitoring/rule_detail.html", context)


@require_GET
@capability_required(Capability.MONITOR)
def rule_preview_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview card of a rule: a progress bar while the preview job runs (polled), then the count."""
    rule = selectors.rule_get(pk=pk)
    return render(request, "monitoring/_rule_preview.html", _preview_context(request, rule))


@require_POST
@capability_required(Capability.MANAGE_ALERT_RULES)
def rule_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the preview in the background; the rule's page shows its progress bar."""
    try:
        services.rule_preview_start(actor=request_actor(request), rule_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("monitoring:rule_detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_ALERT_RULES)
def rule_publish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.rule_publish(actor=request_actor(request), rule_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("规则已发布，下次监测运行起生效"))
    return redirect("monitoring:rule_detail", pk=pk)
