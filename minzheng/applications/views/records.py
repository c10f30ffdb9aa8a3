"""The step records posted from the detail page, the handover and the extension."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.applications import rules, selectors, services
from minzheng.applications.forms import (
    CareAssessmentForm,
    ExpenseForm,
    ExtendForm,
    HandoverForm,
    HomeVisitForm,
    ObjectionForm,
    VerificationForm,
)
from minzheng.applications.rules import Workflow
from minzheng.applications.views.detail import detail_page
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.pages import capability_required
from minzheng.common.pages import error_attach as _attach

Save = Callable[[User, dict[str, Any]], object]


def _record_view(
    request: HttpRequest, pk: int, key: str, form: django_forms.Form, save: Save, done: str
) -> HttpResponse:
    actor = request_actor(request)
    detail = selectors.application_detail(actor=actor, pk=pk)
    if not form.is_valid():
        return detail_page(request, detail, bound={key: form}, error=_("请更正表单中的错误"), status=422)
    try:
        save(actor, form.cleaned_data)
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        status = _attach(form, error)
        return detail_page(request, detail, bound={key: form}, error=error.message, status=status)
    messages.success(request, done)
    return redirect("applications:detail", pk=pk)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def home_visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = HomeVisitForm(request.POST)
    return _record_view(
        request,
        pk,
        "home_visit",
        form,
        lambda actor, data: services.home_visit_record(
            actor=actor,
            application_id=pk,
            visited_on=data["visited_on"],
            investigators=form.investigator_names(),
            members_present=data["members_present"],
            findings=data["findings"],
            housing=data["housing"],
        ),
        _("入户调查记录已保存"),
    )


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def verification_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(
        request,
        pk,
        "verification",
        VerificationForm(request.POST),
        lambda actor, data: services.verification_record(
            actor=actor,
            application_id=pk,
            source=data["source"],
            outcome=data["outcome"],
            detail=data["detail"],
            amount=data["amount"],
        ),
        _("核对结果已录入"),
    )


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(
        request,
        pk,
        "objection",
        ObjectionForm(request.POST),
        lambda actor, data: services.objection_record(
            actor=actor, application_id=pk, received_on=data["received_on"], content=data["content"]
        ),
        _("公示异议已登记"),
    )


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def care_assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = CareAssessmentForm(request.POST)
    return _record_view(
        request,
        pk,
        "care",
        form,
        lambda actor, data: services.care_assessment_record(
            actor=actor, application_id=pk, **form.service_kwargs()
        ),
        _("特困人员评估已保存"),
    )


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def expense_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(
        request,
        pk,
        "expense",
        ExpenseForm(request.POST),
        lambda actor, data: services.expense_record(
            actor=actor,
            application_id=pk,
            kind=data["kind"],
            amount=data["amount"],
            incurred_on=data["incurred_on"],
            note=data["note"],
        ),
        _("刚性支出已录入"),
    )


@require_POST
@capability_required(Capability.ACCEPT_APPLICATIONS)
def application_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Create the margin / rigid-expense application and open it."""
    actor = request_actor(request)
    detail = selectors.application_detail(actor=actor, pk=pk)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        return detail_page(
            request, detail, bound={"handover": form}, error=_("请更正表单中的错误"), status=422
        )
    try:
        handed = services.application_handover(
            actor=actor,
            application_id=pk,
            workflow=form.cleaned_data["workflow"],
            consent=form.cleaned_data["consent"],
        )
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        status = _attach(form, error)
        return detail_page(request, detail, bound={"handover": form}, error=error.message, status=status)
    messages.success(
        request,
        _("已转入%(label)s：%(number)s")
        % {"label": rules.WORKFLOW_LABELS[Workflow(handed.workflow)], "number": handed.number},
    )
    return redirect("applications:detail", pk=handed.pk)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def application_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(
        request,
        pk,
        "extend",
        ExtendForm(request.POST),
        lambda actor, data: services.application_extend(
            actor=actor, application_id=pk, reason=data["reason"]
        ),
        _("办理时限已延长"),
    )
