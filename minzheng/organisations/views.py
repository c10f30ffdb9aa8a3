"""社会组织 staff pages: the register (list, search, filters, sort, pages, Excel; registration; detail with
history, changes and the organisation's account), the inspection queue by deadline, a report with the
review actions, the 活动异常名录, statistics; and the 业务主管单位's pre-review queue.

Each view checks a capability, reads through a selector with the request's user (another jurisdiction's
record is a 404) and writes through one service; a ``DomainError`` re-renders the page with the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
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
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.common.services import job_create, job_enqueue, job_upload_keep
from minzheng.organisations import exports, rules, selectors, tasks
from minzheng.organisations.forms import (
    AccountForm,
    ChangeForm,
    ImportForm,
    OrganisationFilterForm,
    OrganisationForm,
    ReportFilterForm,
    ReviewForm,
    YearForm,
)
from minzheng.organisations.services.accounts import account_set
from minzheng.organisations.services.imports import COLUMNS, REQUIRED
from minzheng.organisations.services.registry import (
    OrganisationData,
    organisation_change_record,
    organisation_register,
)
from minzheng.organisations.services.reports import inspection_year_open, report_transition
from minzheng.organisations.services.scan import organisations_daily_scan

ORGANISATION_COLUMNS = [
    ("code", _lazy("统一社会信用代码")),
    ("name", _lazy("名称")),
    ("type", _lazy("组织类型")),
    (None, _lazy("登记管理机关")),
    (None, _lazy("业务主管单位")),
    ("established", _lazy("成立日期")),
    (None, _lazy("状态")),
]
REPORT_COLUMNS = [
    ("year", _lazy("年度")),
    ("name", _lazy("名称")),
    (None, _lazy("组织类型")),
    ("status", _lazy("状态")),
    (None, _lazy("报业务主管单位截止日")),
    ("due", _lazy("报登记管理机关截止日")),
    (None, _lazy("年检结论")),
]


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


def default_year() -> int:
    """The year whose reports are being filed now: last year."""
    return timezone.localdate().year - 1


# --- register --------------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.REGISTER_ORGANISATIONS)
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = OrganisationFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters() if form.is_bound and valid else selectors.OrganisationFilters()
    rows = selectors.organisation_list(actor=actor, filters=filters)
    if request.GET.get("format") == "xlsx" and valid:
        if not actor.can(Capability.EXPORT):
            raise PermissionDenied(_("您的角色无权导出"))
        return _xlsx(exports.organisations_xlsx(rows), f"社会组织-{_stamp()}.xlsx")
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and valid else 1
    context = {
        "form": form,
        "page": list_page(rows, number) if valid else None,
        "columns": sort_columns(ORGANISATION_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort", "format"),
        "page_query": query_without(request, "page", "format"),
        "export_query": query_without(request, "page", "format"),
        "can_export": actor.can(Capability.EXPORT),
    }
    return render(request, "organisations/list.html", context, status=200 if valid else 422)


def _organisation_form(request: HttpRequest, data: Any = None, files: Any = None) -> OrganisationForm:
    actor = request_actor(request)
    return OrganisationForm(
        data,
        files,
        divisions=selectors.division_choices(actor=actor),
        supervisors=selectors.supervisor_choices(actor=actor),
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.REGISTER_ORGANISATIONS)
def organisation_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "organisations/create.html", {"form": _organisation_form(request)})
    form = _organisation_form(request, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "organisations/create.html", {"form": form}, status=422)
    data = form.cleaned_data
    try:
        organisation = organisation_register(
            actor=request_actor(request),
            data=OrganisationData(
                credit_code=data["credit_code"],
                name=data["name"],
                organisation_type=data["organisation_type"],
                division_code=data["division"],
                legal_representative=data["legal_representative"],
                domicile=data["domicile"],
                business_scope=data["business_scope"],
                registered_capital=data["registered_capital"],
                established_on=data["established_on"],
                supervisor_id=data.get("supervisor"),
                legal_rep_id_number=data.get("legal_rep_id_number") or "",
                legal_rep_phone=data.get("legal_rep_phone") or "",
                document_number=data.get("document_number") or "",
            ),
            files=[data["attachment"]] if data.get("attachment") else [],
            ip_address=client_address(request),
        )
    except DomainError as error:
        status = error_attach(form, error)
        return render(request, "organisations/create.html", {"form": form}, status=status)
    messages.success(request, _("已办理成立登记"))
    return redirect("organisations:detail", pk=organisation.pk)


def _detail(
    request: HttpRequest,
    pk: int,
    *,
    change: ChangeForm | None = None,
    account: AccountForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    organisation = selectors.organisation_get(actor=actor, pk=pk)
    context = {
        "organisation": organisation,
        "changes": organisation.changes.prefetch_related("files").order_by("occurred_on", "pk"),
        "reports": organisation.reports.order_by("-year"),
        "entries": organisation.abnormal_entries.order_by("-listed_on"),
        "change_form": change
        or ChangeForm(initial={"expected_status": organisation.status, "occurred_on": timezone.localdate()}),
        "account_form": account or AccountForm(),
        "has_account": hasattr(organisation, "account"),
        "can_change": organisation.status == rules.OrganisationStatus.ACTIVE,
    }
    return render(request, "organisations/detail.html", context, status=status)


@require_GET
@capability_required(Capability.REGISTER_ORGANISATIONS)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@capability_required(Capability.REGISTER_ORGANISATIONS)
def organisation_change(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.organisation_get(actor=request_actor(request), pk=pk)
    form = ChangeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, pk, change=form, status=422)
    data = form.cleaned_data
    try:
        organisation_change_record(
            actor=request_actor(request),
            pk=pk,
            kind=data["kind"],
            expected_status=data["expected_status"],
            occurred_on=data["occurred_on"],
            summary=data["summary"],
            document_number=data["document_number"],
            files=[data["file"]] if data.get("file") else [],
            ip_address=client_address(request),
        )
    except DomainError as error:
        return _detail(request, pk, change=form, status=error_attach(form, error))
    messages.success(request, _("登记事项已办理"))
    return redirect("organisations:detail", pk=pk)


@require_POST
@capability_required(Capability.REGISTER_ORGANISATIONS)
def organisation_account(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.organisation_get(actor=request_actor(request), pk=pk)
    form = AccountForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, account=form, status=422)
    try:
        account_set(
            actor=request_actor(request),
            organisation_id=pk,
            password=form.cleaned_data["password"],
            phone=form.cleaned_data["phone"],
            ip_address=client_address(request),
        )
    except DomainError as error:
        return _detail(request, pk, account=form, status=error_attach(form, error))
    messages.success(request, _("社会组织账号已设置，请将统一社会信用代码和初始密码告知该组织"))
    return redirect("organisations:detail", pk=pk)


# --- inspection ------------------------------------------------------------------------------------------


def _report_list(request: HttpRequest, *, supervisor: bool) -> HttpResponse:
    actor = request_actor(request)
    form = ReportFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters(default_year()) if valid else selectors.ReportFilters(year=default_year())
    if supervisor:
        rows = selectors.prereview_queue(actor=actor, filters=filters)
    else:
        rows = selectors.report_queue(actor=actor, filters=filters)
    if request.GET.get("format") == "xlsx" and valid and actor.can(Capability.EXPORT):
        return _xlsx(exports.reports_xlsx(rows), f"社会组织年检-{filters.year}-{_stamp()}.xlsx")
    number = (form.cleaned_data.get("page") or 1) if form.is_bound and valid else 1
    context = {
        "form": form,
        "year": filters.year,
        "supervisor": supervisor,
        "unit": selectors.supervisor_unit_of(actor) if supervisor else None,
        "page": list_page(rows, number),
        "columns": sort_columns(REPORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort", "format"),
        "page_query": query_without(request, "page", "format"),
        "export_query": query_without(request, "page", "format"),
        "can_export": actor.can(Capability.EXPORT),
        "today": timezone.localdate(),
        "year_form": YearForm(initial={"year": default_year()}),
    }
    return render(request, "organisations/reports.html", context, status=200 if valid else 422)


@require_GET
@capability_required(Capability.REGISTER_ORGANISATIONS)
def report_queue(request: HttpRequest) -> HttpResponse:
    return _report_list(request, supervisor=False)


@require_GET
@capability_required(Capability.SUPERVISE_ORGANISATIONS)
def prereview_queue(request: HttpRequest) -> HttpResponse:
    return _report_list(request, supervisor=True)


@require_POST
@capability_required(Capability.REGISTER_ORGANISATIONS)
def year_open(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.POST)
    if form.is_valid():
        try:
            opened = inspection_year_open(
                actor=request_actor(request),
                year=form.cleaned_data["year"],
                ip_address=client_address(request),
            )
            messages.success(
                request,
                _("已开启%(year)s年度年检：新增 %(n)s 家须报送") % {"year": opened.year, "n": opened.created},
            )
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("请填写正确的年度"))
    return redirect("organisations:reports")


@require_POST
@capability_required(Capability.REGISTER_ORGANISATIONS)
def scan_run(request: HttpRequest) -> HttpResponse:
    result = organisations_daily_scan()
    messages.success(request, _("逾期检查已完成：%(summary)s") % {"summary": result.summary()})
    return redirect("organisations:reports")


def _staff_can_read_reports(request: HttpRequest) -> Any:
    actor = request_actor(request)
    if not (actor.can(Capability.REGISTER_ORGANISATIONS) or actor.can(Capability.SUPERVISE_ORGANISATIONS)):
        raise PermissionDenied(_("您的角色无权执行此操作"))
    return actor


def _report_page(
    request: HttpRequest, pk: int, *, form: ReviewForm | None = None, status: int = 200
) -> HttpResponse:
    actor = _staff_can_read_reports(request)
    try:
        report = selectors.report_for_staff(actor=actor, pk=pk)
    except NotFound as missing:
        raise Http404(missing.message) from None
    unit = selectors.supervisor_unit_of(actor)
    supervises = unit is not None and report.organisation.supervisor_id == unit.pk
    actions: list[tuple[str, str]] = []
    if (
        report.status == rules.ReportStatus.SUBMITTED
        and supervises
        and actor.can(Capability.SUPERVISE_ORGANISATIONS)
    ):
        actions = [
            (rules.ReportAction.PRE_APPROVE, _("初审同意")),
            (rules.ReportAction.PRE_RETURN, _("退回修改")),
        ]
    if report.status == rules.ReportStatus.AWAITING_REVIEW and actor.can(Capability.REGISTER_ORGANISATIONS):
        actions = [
            (rules.ReportAction.CONCLUDE, _("作出年检结论")),
            (rules.ReportAction.RETURN, _("退回修改")),
        ]
    context = {
        "report": report,
        "organisation": report.organisation,
        "actions": actions,
        "form": form or ReviewForm(initial={"expected_status": report.status}),
        "concluding": any(code == rules.ReportAction.CONCLUDE for code, _label in actions),
        "files": report.files.order_by("uploaded_at"),
        "events": report.events.select_related("actor").order_by("created_at"),
        "back": "organisations:prereview"
        if not actor.can(Capability.REGISTER_ORGANISATIONS)
        else "organisations:reports",
    }
    return render(request, "organisations/report_detail.html", context, status=status)


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, pk)


@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _staff_can_read_reports(request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _report_page(request, pk, form=form, status=422)
    data = form.cleaned_data
    try:
        report_transition(
            report_id=pk,
            action=data["action"],
            expected_status=data["expected_status"],
            actor=actor,
            note=data.get("note") or "",
            conclusion=data.get("conclusion") or "",
            ip_address=client_address(request),
        )
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return _report_page(request, pk, form=form, status=error_attach(form, error))
    messages.success(request, _("已办理"))
    return redirect("organisations:report", pk=pk)


# --- abnormal list and statistics ------------------------------------------------------------------------


@require_GET
@capability_required(Capability.REGISTER_ORGANISATIONS)
def abnormal_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    current = request.GET.get("all") != "1"
    rows = selectors.abnormal_list(actor=actor, current_only=current)
    if request.GET.get("format") == "xlsx" and actor.can(Capability.EXPORT):
        return _xlsx(exports.abnormal_xlsx(rows), f"活动异常名录-{_stamp()}.xlsx")
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    context = {
        "page": list_page(rows, number),
        "current": current,
        "page_query": query_without(request, "page", "format"),
        "export_query": query_without(request, "page", "format"),
        "can_export": actor.can(Capability.EXPORT),
    }
    return render(request, "organisations/abnormal.html", context)


@require_GET
@capability_required(Capability.REGISTER_ORGANISATIONS)
def statistics(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    bound = YearForm(request.GET or None)
    year = bound.cleaned_data["year"] if bound.is_bound and bound.is_valid() else default_year()
    form = bound if bound.is_bound else YearForm(initial={"year": year})
    stats = selectors.statistics(actor=actor, year=year)
    if request.GET.get("format") == "xlsx" and actor.can(Capability.EXPORT):
        return _xlsx(exports.statistics_xlsx(stats), f"社会组织统计-{year}-{_stamp()}.xlsx")
    chart = {
        "types": [{"name": label, "value": n} for label, n in stats.by_type],
        "conclusions": [{"name": label, "value": n} for label, n in stats.by_conclusion],
        "areas": [row[0] for row in stats.by_area],
        "due": [row[2] for row in stats.by_area],
        "concluded": [row[3] for row in stats.by_area],
    }
    context = {"form": form, "stats": stats, "chart": chart, "can_export": actor.can(Capability.EXPORT)}
    return render(request, "organisations/statistics.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.REGISTER_ORGANISATIONS)
def register_import_page(request: HttpRequest) -> HttpResponse:
    """Upload an existing register: the import runs in the background (``tasks.register_import_task``) with a
    progress bar; the job page links back here with ``?job=<id>``: the valid rows imported, the others listed
    by row and column."""
    actor = request_actor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "columns": COLUMNS, "required": REQUIRED, "result": None}
    if request.method == "POST":
        if form.is_valid():
            return _register_import_start(actor, form.cleaned_data["file"], client_address(request))
        return render(request, "organisations/import.html", context, status=422)
    if request.GET.get("job", "").isdigit():
        context["result"] = selectors.import_job_result(actor=actor, job_id=int(request.GET["job"]))
    return render(request, "organisations/import.html", context)


def _register_import_start(actor: User, upload: Any, ip_address: str | None) -> HttpResponse:
    """Store the upload beside the job (the task deletes it) and enqueue the import."""
    name = Path(upload.name).name[:200]
    job = job_create(actor=actor, kind=selectors.REGISTER_IMPORT_KIND,
                     title=_("社会组织登记信息导入：%(name)s") % {"name": name},
                     parameters={"back_url": reverse("organisations:import")})  # fmt: skip
    path = job_upload_keep(job_id=job.pk, upload=upload)
    job_enqueue(tasks.register_import_task, job, user_id=actor.pk, path=str(path), filename=name,
                ip_address=ip_address)  # fmt: skip
    return redirect("jobs:detail", job_id=job.pk)
