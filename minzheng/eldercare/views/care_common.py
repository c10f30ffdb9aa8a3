"""What the entitlement, visit and home-care pages share: the older-person picker of the apply forms."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from minzheng.accounts.actors import request_actor
from minzheng.common.errors import NotFound
from minzheng.eldercare.models import OlderPerson
from minzheng.eldercare.selectors.entitlements import older_person_get, older_person_search


def picker_context(request: HttpRequest) -> dict[str, Any]:
    """``?q=`` searches older people of the jurisdiction by name; ``?older=<id>`` picks one."""
    actor = request_actor(request)
    query = request.GET.get("q", "").strip()[:50]
    chosen: OlderPerson | None = None
    raw = request.GET.get("older") or request.POST.get("older") or ""
    if raw.isdigit():
        try:
            chosen = older_person_get(actor=actor, pk=int(raw))
        except NotFound:
            chosen = None
    return {"q": query, "matches": older_person_search(actor=actor, text=query), "older": chosen}
