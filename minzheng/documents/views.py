"""Document pages: the htmx panel on the application page (list by step, upload, remove), preview and
download of one document, the case file (审批表) as Excel/PDF, and the public notice as PDF.

A document is served only to users who can see its application (404 otherwise), with the type detected
at upload, ``X-Content-Type-Options: nosniff``, no caching and, whatever the type, the sandboxing CSP
``FILE_CSP``; only images are shown inline, a PDF is always downloaded (ADR 0028). Every opening is logged as
a personal-data access.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.applications import selectors as application_selectors
from minzheng.applications.forms import NoticeForm
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach
from minzheng.documents import exports, rules, selectors, services
from minzheng.documents.forms import DocumentRemoveForm, DocumentUploadForm
from minzheng.documents.models import Document, DocumentKind
from minzheng.documents.rules import IMAGE_TYPES, INLINE_TYPES, FileType

# An uploaded file is never a page of ours: no scripts, no plugins, an opaque origin (sandbox), nothing
# loaded but the image itself, and no framing by any page.
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _panel(request: HttpRequest, pk: int, *, form: DocumentUploadForm | None = None, error: str = "",
           done: str = "", status: int = 200) -> HttpResponse:  # fmt: skip
    actor = request_actor(request)
    application = selectors.application_for_documents(actor=actor, pk=pk)
    documents = list(selectors.document_list(actor=actor, application_id=pk))
    may_upload = actor.role in rules.UPLOADER_ROLES
    if may_upload and form is None:
        form = DocumentUploadForm(
            initial={"kind": DocumentKind.OTHER if application.is_open else DocumentKind.DECISION}
        )
    context: dict[str, Any] = {
        "application": application,
        "groups": selectors.documents_by_step(documents),
        "count": sum(1 for d in documents if d.removed_at is None),
        "form": form if may_upload else None,
        "may_remove": actor.role in rules.REMOVER_ROLES and application.is_open,
        "can_export": actor.can(Capability.EXPORT),
        "image_types": {t.value for t in IMAGE_TYPES},
        "inline_types": {t.value for t in INLINE_TYPES},
        "error": error,
        "done": done,
    }
    return render(request, "documents/_panel.html", context, status=status)


def _back(request: HttpRequest, pk: int, *, error: str = "", done: str = "") -> HttpResponse:
    """Without htmx (scripts off) the result goes to the application page as a message."""
    if error:
        messages.error(request, error)
    if done:
        messages.success(request, done)
    return redirect("applications:detail", pk=pk)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REGISTRY)
def application_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel (GET) and the upload (POST, multipart). htmx swaps only 2xx answers, so a refused upload
    is a 200 panel carrying the message; the API answers with the error's status."""
    if request.method == "GET":
        return _panel(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _panel(request, pk, form=form, error=_("请更正表单中的错误")) if _is_htmx(request) else \
            _back(request, pk, error=_("请选择材料类别和文件"))  # fmt: skip
    try:
        document = services.document_upload(
            actor=request_actor(request),
            application_id=pk,
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["file"],
            ip_address=client_address(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        error_attach(form, error)
        return _panel(request, pk, form=form, error=error.message) if _is_htmx(request) else \
            _back(request, pk, error=error.message)  # fmt: skip
    done = _("已上传：%(name)s") % {"name": document.original_name}
    return _panel(request, pk, done=done) if _is_htmx(request) else _back(request, pk, done=done)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    document = selectors.document_get(actor=actor, pk=pk)
    application_id = document.application_id
    form = DocumentRemoveForm(request.POST)
    reason = str(form.cleaned_data["reason"]) if form.is_valid() else ""
    try:
        services.document_remove(
            actor=actor, document_id=pk, reason=reason, ip_address=client_address(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        return _panel(request, application_id, error=error.message) if _is_htmx(request) else \
            _back(request, application_id, error=error.message)  # fmt: skip
    done = _("已移除：%(name)s") % {"name": document.original_name}
    return _panel(request, application_id, done=done) if _is_htmx(request) else \
        _back(request, application_id, done=done)  # fmt: skip


def _file_response(document: Document, *, inline: bool) -> HttpResponse:
    """Inline only for the types of ``INLINE_TYPES`` (images); everything under the sandboxing CSP."""
    inline = inline and FileType(document.content_type) in INLINE_TYPES
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=not inline, filename=document.original_name) or ""
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = FILE_CSP
    # streamed, not read into memory; the page decorators are typed for HttpResponse only
    return cast(HttpResponse, response)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def document_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Images are shown in the browser; PDF and HEIC are downloaded instead (see ``INLINE_TYPES``)."""
    document = services.document_open(
        actor=request_actor(request), pk=pk, purpose="document_view", ip_address=client_address(request)
    )
    return _file_response(document, inline=True)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = services.document_open(
        actor=request_actor(request), pk=pk, purpose="document_download", ip_address=client_address(request)
    )
    return _file_response(document, inline=False)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@capability_required(Capability.EXPORT)
def case_file_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """审批表 as Excel (masked unless the role may see personal data); logged."""
    case_file = exports.case_file_get(
        actor=request_actor(request), pk=pk, file_format="xlsx", ip_address=client_address(request)
    )
    name = f"审批表-{case_file.application.number}.xlsx"
    return _attachment(exports.case_file_xlsx(case_file), exports.XLSX, name)


@require_GET
@capability_required(Capability.EXPORT)
def case_file_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case_file = exports.case_file_get(
        actor=request_actor(request), pk=pk, file_format="pdf", ip_address=client_address(request)
    )
    name = f"审批表-{case_file.application.number}.pdf"
    return _attachment(exports.case_file_pdf(case_file), "application/pdf", name)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def notice_pdf(request: HttpRequest) -> HttpResponse:
    """The public notice page's list (same ``village`` parameter, same selector) as a printable PDF."""
    form = NoticeForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("请选择村（社区）"), status=422, content_type="text/plain; charset=utf-8")
    notice = application_selectors.public_notice_list(
        actor=request_actor(request), village_code=form.cleaned_data["village"]
    )
    content = exports.public_notice_pdf(notice)
    name = f"公示名单-{notice.village.code}-{timezone.localdate():%Y%m%d}.pdf"
    return _attachment(content, "application/pdf", name)
