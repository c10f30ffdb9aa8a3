"""Portal online application pages (placeholder: being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def apply_start(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def draft_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def draft_upload(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def draft_document_remove(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def draft_submit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def progress_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def progress_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
