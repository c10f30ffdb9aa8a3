"""The home page (工作台)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minzheng.accounts.actors import request_actor
from minzheng.audit.rules import verb_label
from minzheng.workbench.selectors import workbench_for


def dashboard(request: HttpRequest) -> HttpResponse:
    """The user's work at a glance: what waits for the user's role, and for supervisors the area's figures."""
    workbench = workbench_for(actor=request_actor(request))
    for event in workbench.registry.recent_events if workbench.registry else []:
        event.verb_label = verb_label(event.verb)  # type: ignore[attr-defined]  # shown where no summary
    return render(request, "dashboard.html", {"workbench": workbench, "counts": workbench.registry})
