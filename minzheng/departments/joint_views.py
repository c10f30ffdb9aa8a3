"""Pages of 社会救助一件事: civil affairs opens a joint case and follows it; a department answers its request;
the applicant follows the whole case in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.applications.models import Application
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.pages import capability_required
from minzheng.departments import joint
from minzheng.departments.forms import JointAnswerForm, JointOpenForm
from minzheng.departments.models import JointCase
from minzheng.portal.auth import portal_bound_required


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REGISTRY)
def joint_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = JointOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["application"].strip()
        application = Application.objects.visible_to(actor).filter(number=number).first()
        try:
            case = joint.joint_case_open(
                actor=actor,
                application_id=application.pk if application else 0,
                items=form.cleaned_data["items"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已开启一件事联办 {case.number}")
            return redirect("departments:joint", pk=case.pk)
    cases = JointCase.objects.visible_to(actor).select_related("application").order_by("-id")[:100]
    return render(request, "departments/joint_list.html", {"form": form, "cases": cases})


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def joint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = joint.joint_case_for_staff(request_actor(request), pk)
    return render(
        request, "departments/joint_detail.html", {"case": case, "lines": joint.joint_progress(case)}
    )


@require_POST
@capability_required(Capability.ANSWER_REFERRALS)
def joint_answer(request: HttpRequest, pk: int) -> HttpResponse:
    form = JointAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写办理结果")
    else:
        try:
            joint.joint_request_answer(
                actor=request_actor(request), request_id=pk, reply=form.cleaned_data["reply"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已办结联办事项")
    return redirect("departments:referrals")


@require_GET
@portal_bound_required
def portal_joint(request: HttpRequest) -> HttpResponse:
    """The applicant's joint cases: one progress list per case (their household only)."""
    person = request.portal_account.person  # type: ignore[attr-defined]
    cases = [(c, joint.joint_progress(c)) for c in joint.joint_cases_for_household(person.household_id)]
    return render(request, "departments/portal_joint.html", {"cases": cases})
