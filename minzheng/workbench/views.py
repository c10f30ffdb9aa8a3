"""The home page (工作台)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.registry.selectors import registry_counts


def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts of households and persons in the user's divisions and the latest business events there."""
    actor = request_actor(request)
    counts = registry_counts(actor=actor) if actor.can(Capability.VIEW_REGISTRY) else None
    return render(request, "dashboard.html", {"counts": counts})
