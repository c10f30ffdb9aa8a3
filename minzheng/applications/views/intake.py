"""Intake in any channel, and the printable receipt."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from minzheng.accounts.actors import request_actor
from minzheng.applications import rules, selectors, services
from minzheng.applications.forms import (
    ApplicationCreateForm,
)
from minzheng.applications.rules import Channel, Workflow
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.pages import capability_required
from minzheng.common.pages import error_attach as _attach

# --- intake and receipt -------------------------------------------------------------------------------

INTAKE_ALIASES: dict[str, str | None] = {
    "applicant_id": "applicant",
    "subject_id": "subject",
    "household_id": None,
}


@require_http_methods(["GET", "POST"])
@capability_required(Capability.ACCEPT_APPLICATIONS)
def application_create(request: HttpRequest) -> HttpResponse:
    """Register an application for ``?household=<id>`` in any channel; the number is shown on success."""
    actor = request_actor(request)
    raw = request.GET.get("household", "")
    if not raw.isdigit():
        return render(
            request, "applications/create_pick.html", {"household": raw}, status=200 if not raw else 422
        )
    intake = selectors.intake_household(actor=actor, household_id=int(raw))
    form = ApplicationCreateForm(
        request.POST or None, members=intake.members, initial={"channel": Channel.WINDOW}
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                application = services.application_create(
                    actor=actor, data=form.application_data(household_id=intake.household.pk)
                )
            except DomainError as error:
                status = _attach(form, error, INTAKE_ALIASES)
            else:
                messages.success(
                    request, _("已登记申请，申请编号：%(number)s") % {"number": application.number}
                )
                if not selectors.application_is_visible(actor=actor, pk=application.pk):
                    # a village assistant registers for the township, whose applications lie outside
                    # the village's jurisdiction
                    return redirect("registry:household_detail", pk=intake.household.pk)
                return redirect("applications:detail", pk=application.pk)
    context = {
        "form": form,
        "household": intake.household,
        "temporary": sorted(rules.TEMPORARY_WORKFLOWS),
        "allowances": sorted(rules.ALLOWANCE_WORKFLOWS),
        "disability": Workflow.DISABILITY_SUBSIDIES.value,
    }
    return render(request, "applications/create.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def application_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """受理回执: the printable receipt with the number and, if any, the one-time notice of missing items."""
    application = selectors.application_get(actor=request_actor(request), pk=pk)
    context = {
        "application": application,
        "workflow_label": rules.WORKFLOW_LABELS.get(Workflow(application.workflow), application.workflow),
        "printed_on": timezone.localdate(),
        # 蒙汉双语: the receipt once in traditional Mongolian and once in Chinese (ADR 0040)
        "bilingual": request.GET.get("script") == "mn",
    }
    return render(request, "applications/receipt.html", context)
