"""The registrar's record pages: the records query (a query is required; every read in the personal-data
access log), one record with its corrections, history and replacement certificates, the certificate print,
the import of historical registers with the row-level report, and the statistics with Excel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without
from minzheng.marriage import exports, rules, services
from minzheng.marriage.forms import CorrectionForm, ImportForm, RecordQueryForm, ReissueForm, StatisticsForm
from minzheng.marriage.selectors import records as record_selectors
from minzheng.marriage.selectors import staff as selectors
from minzheng.marriage.services.registrations import CORRECTABLE
from minzheng.marriage.views.staff import REGISTRAR, office_choices


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_GET
@capability_required(REGISTRAR)
def record_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = RecordQueryForm(request.GET or None)
    page = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            query = record_selectors.RecordQuery(
                id_number=data["id_number"].strip().upper(),
                certificate=data["certificate"],
                name=data["name"].strip(),
                kind=data["kind"],
            )
            page = list_page(
                record_selectors.record_search(actor=actor, query=query, ip_address=client_address(request)),
                data.get("page") or 1,
            )
        else:
            status = 422
    context = {
        "form": form,
        "page": page,
        "page_query": query_without(request, "page"),
        "marriage_tab": "records",
    }
    return render(request, "marriage/record_list.html", context, status=status)


def _record_page(
    request: HttpRequest,
    pk: int,
    *,
    correction: CorrectionForm | None = None,
    reissue: ReissueForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    record = record_selectors.record_get(actor=actor, pk=pk, ip_address=client_address(request))
    fields = {
        k: v
        for k, v in CORRECTABLE.items()
        if k != "dissolved_on" or record.kind == rules.RecordKind.MARRIAGE
    }
    context = {
        "record": record,
        "kind_label": rules.RECORD_KIND_LABELS[rules.RecordKind(record.kind)],
        "corrections": [
            (c, CORRECTABLE.get(c.field, "")) for c in record.corrections.select_related("corrected_by")
        ],
        "reissues": record.reissues.select_related("office"),
        "correction_form": correction or CorrectionForm(fields=fields),
        "reissue_form": reissue or ReissueForm(offices=office_choices(request)),
        "marriage_tab": "records",
    }
    return render(request, "marriage/record_detail.html", context, status=status)


@require_GET
@capability_required(REGISTRAR)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_page(request, pk)


@require_GET
@capability_required(REGISTRAR)
def record_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable certificate page (the printed form is the ministry's; this prints the data onto it)."""
    record = record_selectors.record_get(
        actor=request_actor(request), pk=pk, ip_address=client_address(request)
    )
    context = {"record": record, "kind_label": rules.RECORD_KIND_LABELS[rules.RecordKind(record.kind)]}
    return render(request, "marriage/certificate.html", context)


@require_POST
@capability_required(REGISTRAR)
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    form = CorrectionForm(request.POST, fields=CORRECTABLE)
    if not form.is_valid():
        return _record_page(request, pk, correction=form, status=422)
    data = form.cleaned_data
    try:
        services.record_correct(
            actor=request_actor(request),
            record_id=pk,
            field=data["field"],
            new_value=data["new_value"],
            reason=data["reason"],
        )
    except DomainError as error:
        return _record_page(request, pk, correction=form, status=error_attach(form, error))
    messages.success(request, _("档案已更正"))
    return redirect("marriage:record_detail", pk=pk)


@require_POST
@capability_required(REGISTRAR)
def record_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReissueForm(request.POST, offices=office_choices(request))
    if not form.is_valid():
        return _record_page(request, pk, reissue=form, status=422)
    try:
        reissue = services.certificate_reissue(
            actor=request_actor(request),
            record_id=pk,
            office_id=form.cleaned_data["office"],
            holder=form.cleaned_data["holder"],
        )
    except DomainError as error:
        return _record_page(request, pk, reissue=form, status=error_attach(form, error))
    messages.success(request, _("已补发，证书编号 %(n)s") % {"n": reissue.certificate_number})
    return redirect("marriage:record_detail", pk=pk)


# --- imports ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(REGISTRAR)
def import_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = ImportForm(request.POST or None, request.FILES or None, offices=office_choices(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.records_import(
                    actor=actor,
                    office_id=form.cleaned_data["office"],
                    file_name=upload.name,
                    content=upload.read(),
                )
            except services.ImportRejected as rejected:
                messages.error(request, rejected.message)
                return redirect("marriage:import_detail", pk=rejected.batch.pk)
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("导入完成：新增 %(n)s 条") % {"n": batch.rows_created})
                return redirect("marriage:import_detail", pk=batch.pk)
        else:
            status = 422
    context = {
        "form": form,
        "batches": selectors.import_list(actor=actor)[:50],
        "marriage_tab": "imports",
        "columns": services.imports.COLUMNS,
    }
    return render(request, "marriage/import_list.html", context, status=status)


@require_GET
@capability_required(REGISTRAR)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get(actor=request_actor(request), pk=pk)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.import_errors_export(batch), f"补录错误报告-{batch.pk}.xlsx")
    return render(request, "marriage/import_detail.html", {"batch": batch, "marriage_tab": "imports"})


# --- statistics -------------------------------------------------------------------------------------------


@require_GET
@capability_required(REGISTRAR)
def statistics(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    year = timezone.localdate().year
    form = StatisticsForm(request.GET or None, initial={"year": year})
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
    report = selectors.statistics(actor=actor, year=year)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.statistics_export(report), f"婚姻登记统计-{year}.xlsx")
    context = {
        "form": form,
        "report": report,
        "chart": report.chart(),
        "marriage_tab": "statistics",
        "query": query_without(request, "format"),
    }
    return render(request, "marriage/statistics.html", context, status=200 if not form.errors else 422)
