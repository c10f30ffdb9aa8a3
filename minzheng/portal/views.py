"""Portal pages (placeholder: being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def home(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def sign_in(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def code_send(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def sign_out(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def bind(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def policy_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def policy_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def self_check(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def entitlements(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def qr_open(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def self_report_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def self_report(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def household_qr(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def household_qr_revoke(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
