"""The yearly standards notice: upload the table → preview of every change (old → new per division and
parameter) → confirm. The preview carries the parsed table signed (``django.core.signing``), so the
confirmation writes exactly what was shown; the write re-checks everything in one transaction."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from minzheng.common.errors import DomainError
from minzheng.policy import notices
from minzheng.policy.errors import PolicyFileInvalid
from minzheng.policy.forms import NoticeImportForm
from minzheng.policy.views.versions import _require_maintainer

SALT = "policy.notice-import"
MAX_AGE = 3600  # a preview older than an hour must be uploaded again


def _errors_page(request: HttpRequest, form: NoticeImportForm, errors: list[str]) -> HttpResponse:
    context = {"form": form, "errors": errors, "columns": list(notices.COLUMNS)}
    return render(request, "policy/notice_import.html", context, status=422)


@require_http_methods(["GET", "POST"])
def parameter_notice_import(request: HttpRequest) -> HttpResponse:
    actor = _require_maintainer(request)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, actor)
    form = NoticeImportForm(request.POST or None, request.FILES or None)
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        context = {"form": form, "errors": [], "columns": list(notices.COLUMNS)}
        return render(request, "policy/notice_import.html", context, status=status)
    data = form.cleaned_data
    try:
        entries = notices.notice_entries(
            data["file"].read(),
            valid_from=data["valid_from"],
            document=data["document"],
            status=data["status"],
            note=data["note"],
        )
        plan = notices.notice_check(actor, entries)
    except PolicyFileInvalid as invalid:
        return _errors_page(request, form, invalid.errors)
    except DomainError as error:
        return _errors_page(request, form, [error.message])
    token = signing.dumps(
        {"entries": notices.entries_dump(entries), "document": data["document"]}, salt=SALT, compress=True
    )
    context = {
        "lines": notices.notice_preview(entries),
        "plan": plan,
        "document": data["document"],
        "valid_from": data["valid_from"],
        "token": token,
    }
    return render(request, "policy/notice_preview.html", context)


def _confirm(request: HttpRequest, actor: object) -> HttpResponse:
    try:
        payload = signing.loads(request.POST["token"], salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("预览已过期或无效，请重新上传标准表"))
        return redirect("policy:parameter_notice_import")
    entries = notices.entries_load(payload["entries"])
    try:
        result = notices.notice_import(actor, entries)
    except PolicyFileInvalid as invalid:
        form = NoticeImportForm()
        return _errors_page(request, form, invalid.errors)
    messages.success(
        request,
        _("已按“%(document)s”导入：%(summary)s")
        % {"document": payload["document"], "summary": result.summary()},
    )
    codes = sorted({n.entry.division_code for n in entries})
    target = reverse("policy:parameter_list")
    return redirect(f"{target}?division={codes[0]}" if len(codes) == 1 else target)
