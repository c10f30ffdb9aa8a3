"""The division picker's lookup (issue 14 §4): JSON for ``static/js/division-picker.js``.

Scoped to the user's jurisdiction through ``divisions.selectors`` (a user never sees a division outside
their subtree). ``accounts`` sits above this app, so the user is ``request.user`` as the selectors take it.
"""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from minzheng.catalogue.roles import Capability
from minzheng.common.pages import capability_required
from minzheng.divisions import selectors


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def division_search(request: HttpRequest) -> HttpResponse:
    """``?q=`` part of a name or code (``kind``: entry | village | any, ``within``: a code prefix) → up
    to 20 options; ``?code=`` → the one option for a code already in the field (none if out of scope)."""
    kind = request.GET.get("kind", "entry")
    if "code" in request.GET:
        option = selectors.division_option(actor=request.user, code=request.GET["code"].strip(), kind=kind)
        options = [option] if option is not None else []
    else:
        options = selectors.division_search(
            actor=request.user,
            query=request.GET.get("q", "")[:50],
            kind=kind,
            within=request.GET.get("within", "").strip(),
        )
    return JsonResponse({"results": [asdict(option) for option in options]})
