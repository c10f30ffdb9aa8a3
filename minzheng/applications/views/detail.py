"""The detail page with the actions this user may take at the current step and the record forms
of the step, and taking an action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

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
    TransitionForm,
    VerificationForm,
    transition_fields,
)
from minzheng.applications.inputs import INPUTS, ApprovalInput
from minzheng.applications.models import Application, CareAssessment, SupportMode, VerificationSource
from minzheng.applications.rules import Channel, Record, Step, Transition, Workflow
from minzheng.applications.views.lists import row_of
from minzheng.benefits.views import APPROVAL_LABELS, LEVEL_LABELS
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.pages import capability_required
from minzheng.common.pages import error_attach as _attach

STEP_COLOURS = {
    Step.APPROVED: "green",
    Step.REJECTED: "red",
    Step.WITHDRAWN: "secondary",
    Step.TERMINATED: "secondary",
}

# --- detail and actions -------------------------------------------------------------------------------


# Decisions that refuse or end the case: styled as danger and confirmed before they are taken.
NEGATIVE_STEPS = frozenset({Step.REJECTED, Step.WITHDRAWN, Step.TERMINATED})


@dataclass(frozen=True)
class Action:
    transition: Transition
    form: TransitionForm
    is_exit: bool  # withdraw / terminate: open at every step, shown apart

    @property
    def danger(self) -> bool:
        return self.transition.target in NEGATIVE_STEPS

    @property
    def confirm(self) -> str:
        """The question a negative decision asks before it is sent (htmx ``hx-confirm``)."""
        if not self.danger:
            return ""
        return _("确定办理“%(label)s”？办理后本申请即告办结，不能撤销。") % {"label": self.transition.label}


def _approves(transition: Transition) -> bool:
    """An approval (批准, 先行救助), which carries a manual determination when the engine cannot decide."""
    return INPUTS.get(transition.code) is ApprovalInput


def _opinion_kept(transition: Transition, application: Application) -> dict[str, str]:
    """After the appraisal the township's stored opinion is what goes to the county, so it is offered
    for editing; elsewhere the opinion is written afresh."""
    return {"opinion": application.opinion} if transition.code == "submit_after_appraisal" else {}


def _actions(
    actor: User, detail: selectors.ApplicationDetail, bound: dict[str, Any], manual: bool = False
) -> list[Action]:
    application = detail.application
    workflow = Workflow(application.workflow)
    signed = application.pledge_signed_at is not None
    actions = []
    for transition in selectors.actions_for(actor=actor, detail=detail):
        form = bound.get(transition.code) or TransitionForm(
            transition=transition,
            names=transition_fields(
                transition, workflow=workflow, pledge_signed=signed, manual=manual and _approves(transition)
            ),
            initial={"expected_step": application.step, **_opinion_kept(transition, application)},
        )
        actions.append(Action(transition, form, transition not in rules.WORKFLOWS[workflow]))
    return actions


def _record_forms(actor: User, application: Application, bound: dict[str, Any]) -> dict[str, Any]:
    """The record forms this user may fill in at the current step, as ``rules.RECORDS`` has them (the
    services check the same rows): 入户调查 while investigating (the county's own visit during review),
    信息核对 (the township's data matching for children; the 残联's review at 县级残联审核), the 特困
    assessment, 刚性支出, 公示异议 during the notice, and 延长时限 once the limit runs."""
    if not application.is_open:
        return {}
    today = timezone.localdate()
    federation = application.step == Step.FEDERATION_REVIEW
    makers: dict[Record, Callable[[], django_forms.Form]] = {
        Record.HOME_VISIT: lambda: HomeVisitForm(initial={"visited_on": today}),
        Record.VERIFICATION: lambda: VerificationForm(
            initial={"source": VerificationSource.DISABILITY_FEDERATION} if federation else None
        ),
        Record.CARE: lambda: CareAssessmentForm(initial=_care_initial(application, today)),
        Record.EXPENSE: lambda: ExpenseForm(initial={"incurred_on": today}),
        Record.OBJECTION: lambda: ObjectionForm(initial={"received_on": today}),
        Record.EXTEND: ExtendForm,
    }
    shown = rules.records_open(
        workflow=Workflow(application.workflow), step=application.step, role=actor.role
    )
    if not application.accepted_on or application.extension_reason:
        shown = [record for record in shown if record != Record.EXTEND]  # once, from acceptance (45 days)
    return {record: bound.get(record) or makers[record]() for record in shown}


def _care_initial(application: Application, today: dt.date) -> dict[str, Any]:
    """An earlier assessment pre-fills the form (recording again replaces it)."""
    care = CareAssessment.objects.filter(application=application).first()
    if care is None:
        return {"assessed_on": today, **dict.fromkeys(CareAssessmentForm.ADL, True)}
    fields = (
        "assessed_on",
        "supporter_status",
        "supporter_inability",
        "other_no_work_capacity",
        "support_mode",
    )
    return {
        **{name: getattr(care, name) for name in (*fields, *CareAssessmentForm.ADL)},
        "assessors": "、".join(care.assessors),
    }


def _handover_form(actor: User, application: Application, bound: dict[str, Any]) -> HandoverForm | None:
    """A household rejected for 低保/特困 can be moved into the margin or rigid-expense procedure."""
    if (
        Workflow(application.workflow) not in rules.HANDOVER_FROM
        or application.step != Step.REJECTED
        or actor.role not in rules.HANDOVER_ROLES
    ):
        return None
    return bound.get("handover") or HandoverForm()


def _reason_rows(assessment: dict[str, Any] | None) -> list[dict[str, Any]]:
    reasons = (assessment or {}).get("reasons") or []
    return [{"number": n, **reason} for n, reason in enumerate(reasons, start=1)]


def _panel(actor: User, detail: selectors.ApplicationDetail) -> dict[str, Any]:
    """The decision panel beside the decision buttons (``selectors.decision_panel``) with its labels."""
    panel = selectors.decision_panel(actor=actor, detail=detail)
    if panel is None:
        return {"panel": None}
    return {
        "panel": panel,
        "panel_level": LEVEL_LABELS.get(panel.level, panel.level),
        "panel_mode": dict(SupportMode.choices).get(panel.support_mode, ""),
        "panel_approval": APPROVAL_LABELS.get(panel.temporary.approval_level, "") if panel.temporary else "",
    }


def detail_page(
    request: HttpRequest,
    detail: selectors.ApplicationDetail,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    application = detail.application
    bound = bound or {}
    panel = _panel(actor, detail)
    actions = _actions(actor, detail, bound, manual=bool(panel["panel"] and panel["panel"].manual))
    context = {
        "detail": detail,
        "application": application,
        "row": row_of(application, timezone.localdate()),
        "channel_label": Channel(application.channel).label,
        "step_colour": STEP_COLOURS.get(Step(application.step), "blue"),
        "extension_label": rules.EXTENSION_REASONS.get(application.extension_reason, ""),
        "actions": [a for a in actions if not a.is_exit],
        "exits": [a for a in actions if a.is_exit],
        "records": _record_forms(actor, application, bound),
        "handover": _handover_form(actor, application, bound),
        "expenses": [
            {
                "incurred_on": e.incurred_on,
                "amount": e.amount,
                "note": e.note,
                "label": services.EXPENSE_LABELS.get(e.kind, e.kind),
            }
            for e in application.expenses.order_by("incurred_on", "id")
        ],
        "level_label": LEVEL_LABELS.get(application.level, application.level),
        "subsidy_labels": [rules.SUBSIDY_LABELS.get(code, code) for code in application.subsidies],
        "reason_rows": _reason_rows(application.assessment),
        "step_labels": dict(Step.choices),
        "error": error,
        **panel,
    }
    if request.htmx and status >= 400:  # type: ignore[attr-defined]
        status = 200  # htmx swaps only 2xx responses: the page carries the error message
    return render(request, "applications/detail.html", context, status=status)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, selectors.application_detail(actor=request_actor(request), pk=pk))


def _transition_named(workflow: Workflow, code: str, step: str) -> Transition | None:
    found = rules.transition_for(workflow, step, code)
    return found or next((t for t in rules.transitions(workflow) if t.code == code), None)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def application_act(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Take one transition; the service checks step, role, jurisdiction and the step's records."""
    actor = request_actor(request)
    detail = selectors.application_detail(actor=actor, pk=pk)
    application = detail.application
    workflow = Workflow(application.workflow)
    transition = _transition_named(workflow, code, request.POST.get("expected_step") or application.step)
    if transition is None:
        raise Http404(_("该类别申请没有此办理事项"))
    names = transition_fields(
        transition,
        workflow=workflow,
        pledge_signed=application.pledge_signed_at is not None,
        manual=_approves(transition),  # the fields are optional; the service asks for them if 需人工核定
    )
    form = TransitionForm(request.POST, transition=transition, names=names)
    if not form.is_valid():
        return detail_page(request, detail, bound={code: form}, error=_("请更正表单中的错误"), status=422)
    try:
        moved = services.application_transition(
            actor=actor,
            application_id=pk,
            code=code,
            expected_step=form.cleaned_data["expected_step"],
            data=form.transition_data(),
        )
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as error:
        status = _attach(form, error)
        return detail_page(request, detail, bound={code: form}, error=error.message, status=status)
    messages.success(
        request,
        _("已办理“%(label)s”，当前环节：%(step)s")
        % {"label": transition.label, "step": Step(moved.step).label},
    )
    if request.htmx:  # type: ignore[attr-defined]
        # a confirmed negative decision was sent by htmx (``hx-confirm``): the browser loads the page
        return HttpResponseClientRedirect(reverse("applications:detail", args=[pk]))
    return redirect("applications:detail", pk=pk)
