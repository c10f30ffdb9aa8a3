"""The JSON API under /api/v1/ (django-ninja, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Every error has one shape, ``{"code", "message", "field"}`` (see docs/api.md): domain errors
keep their code and HTTP status, request-shape errors are 422 with the field named.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from minzheng.accounts.api_auth import ApiTokenAuth, StaffSessionAuth
from minzheng.applications.api import router as applications_router
from minzheng.benefits.api import router as benefits_router
from minzheng.common.errors import DomainError
from minzheng.documents.api import router as documents_router
from minzheng.eldercare.api import router as eldercare_router
from minzheng.enrolments.api import router as enrolments_router
from minzheng.field.api import router as field_router
from minzheng.marriage.api import router as marriage_router
from minzheng.monitoring.api import router as monitoring_router
from minzheng.organisations.api import router as organisations_router
from minzheng.payments.api import router as payments_router
from minzheng.petitions.api import router as petitions_router
from minzheng.portal.api import router as portal_router
from minzheng.portal.apply_api import router as portal_apply_router
from minzheng.registry.api import router as registry_router

api = NinjaAPI(
    title="Minzheng 民政 API",
    version="1.0.0",
    description="家庭与人员登记接口。认证：`Authorization: Bearer <令牌>`，或已登录的页面会话（需 CSRF）。",
    urls_namespace="api",
    auth=[ApiTokenAuth(), StaffSessionAuth(csrf=True)],
)
api.add_router("/", registry_router)
api.add_router("/", benefits_router)
api.add_router("/", applications_router)
api.add_router("/", documents_router)
api.add_router("/", enrolments_router)
api.add_router("/", payments_router)
api.add_router("/", monitoring_router)
api.add_router("/eldercare/", eldercare_router)
api.add_router("/", marriage_router)
api.add_router("/", petitions_router)
api.add_router("/", organisations_router)
api.add_router("/", field_router)
api.add_router("/portal/", portal_router)
api.add_router("/portal/", portal_apply_router)

_NINJA_CSRF_FAILED = "CSRF check Failed"  # ninja.security.apikey.APIKeyCookie's text
_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})
_PARAMETER_NAMES = frozenset({"payload", "filters"})  # the names our endpoints give their schemas


def _error(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None, **extra: Any
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "field": field, **extra}, status=status
    )


def _field_name(location: tuple[Any, ...] | list[Any]) -> str | None:
    parts = list(location)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _PARAMETER_NAMES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or None


# Chinese wording of the pydantic error types clients actually meet; others fall back to pydantic's text.
_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("缺少必填字段 %(field)s"),
    "enum": gettext_noop("%(field)s 的取值不在允许范围内，可选值：%(expected)s"),
    "literal_error": gettext_noop("%(field)s 的取值不在允许范围内，可选值：%(expected)s"),
    "less_than_equal": gettext_noop("%(field)s 不能大于 %(le)s"),
    "greater_than_equal": gettext_noop("%(field)s 不能小于 %(ge)s"),
    "string_too_long": gettext_noop("%(field)s 不能超过 %(max_length)s 个字符"),
    "string_pattern_mismatch": gettext_noop("%(field)s 的格式不正确"),
    "string_type": gettext_noop("%(field)s 应为字符串"),
    "int_parsing": gettext_noop("%(field)s 应为整数"),
    "int_type": gettext_noop("%(field)s 应为整数"),
    "bool_parsing": gettext_noop("%(field)s 应为 true 或 false"),
    "bool_type": gettext_noop("%(field)s 应为 true 或 false"),
    "date_from_datetime_parsing": gettext_noop("%(field)s 不是有效日期（格式 YYYY-MM-DD）"),
    "date_parsing": gettext_noop("%(field)s 不是有效日期（格式 YYYY-MM-DD）"),
    "date_type": gettext_noop("%(field)s 不是有效日期（格式 YYYY-MM-DD）"),
    "model_type": gettext_noop("%(field)s 应为 JSON 对象"),
    "value_error": gettext_noop("%(field)s：%(detail)s"),
}


def _field_message(error: dict[str, Any], field: str | None) -> str:
    context = {str(key): str(value) for key, value in (error.get("ctx") or {}).items()}
    values = {
        **context,
        "field": field or _("请求体"),
        "expected": context.get("expected", "").replace(" or ", ", "),
        "detail": str(error.get("msg", "")).removeprefix("Value error, "),
    }
    template = _MESSAGES.get(str(error.get("type")), "%(field)s 的格式或取值有误（%(detail)s）")
    try:
        return _(template) % values
    except KeyError:  # a context value the template expects is missing
        return _("%(field)s 的格式或取值有误（%(detail)s）") % values


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.http_status, exc.code, exc.message, exc.field)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        field = _field_name(item.get("loc", ()))
        errors.append({"field": field, "message": _field_message(item, field)})
    first = errors[0] if errors else {"field": None, "message": _("请求数据格式有误")}
    return _error(request, 422, "invalid_request", first["message"] or "", first["field"], errors=errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, 401, "unauthenticated", _("未登录或接口令牌无效、已过期、已吊销，请提供有效的 Bearer 令牌")
    )
    response["WWW-Authenticate"] = 'Bearer realm="minzheng"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja could not parse the body
        return _error(request, 400, "malformed_request", _("请求体不是有效的 JSON"))
    if exc.status_code == 403 and str(exc) == _NINJA_CSRF_FAILED:  # the portal session's cookie auth
        return _error(
            request, 403, "csrf_failed", _("CSRF 校验失败：使用页面会话调用接口时须带 X-CSRFToken 请求头")
        )
    return _error(request, exc.status_code, "http_error", str(exc))
