"""Pages of the field app (/field/, ADR 0039): the offline shell, its service worker and its web app
manifest. The shell holds no personal data — lists and drafts live in the phone's IndexedDB, filled from the
sync API — so the service worker may serve it from its cache to whoever opens it offline."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minzheng.accounts.actors import request_actor
from minzheng.common.errors import PermissionDenied
from minzheng.field import rules
from minzheng.field.selectors import field_require

# What the service worker keeps for offline use: the shell's own files, nothing from another origin.
ASSETS = (
    "vendor/tabler.min.css",
    "field/field.css",
    "field/app.js",
    "field/store.js",
    "field/sync.js",
    "field/photos.js",
    "field/icon.svg",
)


@lru_cache(maxsize=1)
def assets_version() -> str:
    """A digest of the cached files: a deployment that changes one installs a new service worker, which
    replaces the old cache."""
    digest = hashlib.sha256()
    for name in ASSETS:
        found = finders.find(name)
        digest.update(name.encode())
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


@require_GET
def field_app(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    try:
        field_require(actor)
    except PermissionDenied as refused:
        raise DjangoPermissionDenied(refused.message) from None
    response = render(request, "field/app.html", {"max_photos": rules.MAX_PHOTOS})
    response["Cache-Control"] = "no-cache, private"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    context = {
        "version": assets_version(),
        "shell": reverse("field:app"),
        "assets": json.dumps([static(name) for name in ASSETS]),
    }
    response = render(request, "field/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field:app")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": _("民政离线走访"),
        "short_name": _("离线走访"),
        "start_url": reverse("field:app"),
        "scope": reverse("field:app"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#206bc4",
        "lang": "zh-CN",
        "icons": [{"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )
