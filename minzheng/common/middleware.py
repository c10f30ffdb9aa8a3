"""Requests no handler should see (issue 16 §5): NUL and the other control characters in the query string,
form fields or a JSON body, and paging numbers beyond any real list. They are refused with 400 and a precise
Chinese message before any view or query runs — JSON in the API's error shape under ``/api/``, a plain page
elsewhere — so that no database error (PostgreSQL rejects NUL in text; a page number past ``bigint`` overflows
an OFFSET) can become a 500. Tab, line feed and carriage return stay allowed: text areas carry them."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters written as JSON escapes (\u0000 …), as an API client sends them.
JSON_CONTROL = re.compile(r"\\u00(?:0[0-8bcef]|1[0-9a-f]|7f)", re.IGNORECASE)
PAGING = frozenset({"page", "offset", "limit", "page_size", "per_page"})
PAGING_MAX = 1_000_000
JSON_BODY_LIMIT = 10 * 1024 * 1024  # larger JSON bodies are refused by the views' own limits


def _pairs(query: Iterable[tuple[str, list[str]]]) -> Iterable[tuple[str, str]]:
    for name, values in query:
        for value in values:
            yield name, value


def problem_of(request: HttpRequest) -> tuple[str, str] | tuple[str, str, str] | None:
    """``(field, message)`` of the first thing refused in the request (``(field, message, code)`` when it is
    not a control character), or ``None``."""
    fields = list(_pairs(request.GET.lists()))
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            fields += list(_pairs(request.POST.lists()))
        except MultiPartParserError:  # no or a bad boundary: Django would raise it again in the view (a 500)
            return (
                "body",
                _("请求体不是有效的 multipart/form-data（缺少或错误的 boundary）"),
                "malformed_request",
            )
    for name, value in fields:
        if CONTROL.search(name) or CONTROL.search(value):
            return name, _("“%(field)s”含有不允许的控制字符（如 NUL），请删除后重试") % {"field": name}
        if name in PAGING and value.strip().lstrip("+").isdigit() and int(value) > PAGING_MAX:
            return name, _("“%(field)s”超出范围（最大 %(max)s）") % {"field": name, "max": f"{PAGING_MAX:,}"}
    if request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
        body = request.body[:JSON_BODY_LIMIT].decode("utf-8", "replace")
        if CONTROL.search(body) or JSON_CONTROL.search(body):
            return "body", _("请求体含有不允许的控制字符（如 NUL），请删除后重试")
    return None


def _refuse(request: HttpRequest, field: str, message: str, code: str = "invalid_characters") -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message, "field": field}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class InputGuardMiddleware:
    """First line of the input checks; field rules stay with the forms, schemas and services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = problem_of(request)
        if problem is not None:
            return _refuse(request, *problem)
        return self.get_response(request)


API_ERRORS = {
    404: ("not_found", gettext_noop("接口不存在")),
    405: ("method_not_allowed", gettext_noop("接口不支持该请求方法")),
    500: ("server_error", gettext_noop("服务器内部错误，请稍后重试；如持续出现请联系系统管理员")),
}


class ApiErrorShapeMiddleware:
    """Every error under ``/api/`` in the API's JSON shape ``{"code", "message", "field"}`` (issue 16 §5):
    the API's own handlers already answer so; this covers what reaches Django instead — an unknown path, a
    wrong method, an unexpected exception — which would otherwise be an HTML page (or a traceback)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code not in API_ERRORS:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        shaped = _api_error(response.status_code)
        if response.has_header("Allow"):  # a 405 names the methods the path supports (RFC 9110 §15.5.6)
            shaped["Allow"] = response["Allow"]
        return shaped

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        logger.exception("API request failed: %s %s", request.method, request.path, exc_info=exception)
        return _api_error(500)


def _api_error(status: int) -> JsonResponse:
    code, message = API_ERRORS[status]
    return JsonResponse({"code": code, "message": _(message), "field": None}, status=status)


# Pages load scripts only from our own origin or as inline blocks carrying this request's nonce; styles may be
# inline (Tabler and the charts set element styles); nothing is framed by another site; forms post only here.
CSP_EXEMPT_PREFIXES = ("/api/", "/admin/", "/static/")
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every page (issue 16 §8), with a fresh nonce per request for the few
    inline chart scripts (``request.csp_nonce`` in templates). Only HTML pages get it: a file (an uploaded
    PDF shown by the browser's viewer, a spreadsheet) keeps its own headers, and so do the API, its generated
    docs and the admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        if (
            html
            and not request.path.startswith(CSP_EXEMPT_PREFIXES)
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = CSP.format(nonce=nonce)
        return response
