"""Pages outside the staff site (``/portal/organisations/``): the public query (no login, no personal data,
a 360 px phone) and the organisation's own sign-in, report form, audit-report upload and submission."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.organisations import rules, selectors
from minzheng.organisations.auth import (
    organisation_account,
    organisation_login_required,
    organisation_sign_in,
    organisation_sign_out,
)
from minzheng.organisations.forms import PublicQueryForm, ReportForm, SignInForm, UploadForm
from minzheng.organisations.services.accounts import account_authenticate
from minzheng.organisations.services.reports import (
    REPORT_FIELDS,
    report_file_attach,
    report_save,
    report_transition,
)


@require_GET
def public_query(request: HttpRequest) -> HttpResponse:
    form = PublicQueryForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    rows = selectors.public_search(query) if query else []
    return render(request, "organisations/public_query.html", {"form": form, "query": query, "rows": rows})


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            account = account_authenticate(
                credit_code=form.cleaned_data["credit_code"], password=form.cleaned_data["password"]
            )
        except DomainError as refused:
            error = refused.message
        else:
            organisation_sign_in(request, account)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(
                target, {request.get_host()}, require_https=request.is_secure()
            ):
                target = reverse("organisations_public:home")
            return redirect(target or reverse("organisations_public:home"))
    status = 403 if error else 200
    return render(request, "organisations/sign_in.html", {"form": form, "error": error}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    organisation_sign_out(request)
    return redirect("organisations_public:sign_in")


@require_GET
@organisation_login_required
def home(request: HttpRequest) -> HttpResponse:
    account = request.organisation_account  # type: ignore[attr-defined]
    context = {
        "account": account,
        "organisation": account.organisation,
        "reports": selectors.own_reports(account),
    }
    return render(request, "organisations/org_home.html", context)


def _report_page(
    request: HttpRequest,
    pk: int,
    *,
    form: ReportForm | None = None,
    upload: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    account = request.organisation_account  # type: ignore[attr-defined]
    try:
        report = selectors.own_report(account, pk)
    except NotFound:
        raise Http404(_("年度工作报告不存在")) from None
    editable = report.status in rules.EDITABLE
    initial = {name: getattr(report, name) for name in REPORT_FIELDS}
    context = {
        "report": report,
        "organisation": account.organisation,
        "form": form or ReportForm(initial=initial),
        "upload": upload or UploadForm(),
        "editable": editable,
        "files": report.files.order_by("uploaded_at"),
        "events": report.events.order_by("created_at"),
    }
    return render(request, "organisations/org_report.html", context, status=status)


@require_http_methods(["GET", "POST"])
@organisation_login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the report; POST saves it (``save``) or saves and submits it (``submit``)."""
    if request.method == "GET":
        return _report_page(request, pk)
    account = request.organisation_account  # type: ignore[attr-defined]
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _report_page(request, pk, form=form, status=422)
    try:
        report = report_save(account=account, report_id=pk, data=form.cleaned_data)
        if "submit" in request.POST:
            report_transition(
                report_id=pk,
                action=rules.ReportAction.SUBMIT,
                expected_status=report.status,
                account=account,
                ip_address=client_address(request),
            )
            messages.success(request, _("年度工作报告已报送"))
        else:
            messages.success(request, _("已保存"))
    except NotFound:
        raise Http404(_("年度工作报告不存在")) from None
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _report_page(request, pk, form=form, status=422 if error.http_status != 409 else 409)
    return redirect("organisations_public:report", pk=pk)


@require_POST
@organisation_login_required
def report_upload(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.organisation_account  # type: ignore[attr-defined]
    upload = UploadForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _report_page(request, pk, upload=upload, status=422)
    try:
        report_file_attach(
            account=account,
            report_id=pk,
            file=upload.cleaned_data["file"],
            ip_address=client_address(request),
        )
    except NotFound:
        raise Http404(_("年度工作报告不存在")) from None
    except DomainError as error:
        upload.add_error("file", error.message)
        return _report_page(request, pk, upload=upload, status=422)
    messages.success(request, _("审计报告已上传"))
    return redirect("organisations_public:report", pk=pk)


def signed_in(request: HttpRequest) -> bool:
    return organisation_account(request) is not None
