"""Pages of the departments area: an application's automatic checks (confirm, correct, check again) for civil
affairs, and the department users' referral inbox (read, reply, attach, close). Reads go through the
selectors (jurisdiction, department, masking, access log); writes through one service each, a
``DomainError`` becomes a message on the page (nothing was written)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required
from minzheng.departments import exchange, rules, selectors, services, verification
from minzheng.departments.exchange import Delivery
from minzheng.departments.forms import AttachForm, CorrectForm, JointAnswerForm, ReplyForm, ReturnForm
from minzheng.departments.joint import department_joint_requests
from minzheng.departments.models import ExchangeReturn, SourceCheck
from minzheng.departments.rules import ReferralState


def _act(request: HttpRequest, target: str, done: str, action: Callable[[], object]) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(target)


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def checks_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    views = selectors.application_checks(actor, pk)
    application = Application.objects.visible_to(actor).get(pk=pk)
    context = {
        "application": application,
        "checks": views,
        "correct_form": CorrectForm(),
        "can_run": application.step == Step.VERIFYING,
    }
    return render(request, "departments/checks.html", context)


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def checks_run(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    return _act(
        request,
        f"/departments/applications/{pk}/checks/",
        "已完成自动核对",
        lambda: verification.application_check_start(actor=actor, application_id=pk),
    )


def _check_target(request: HttpRequest, pk: int) -> str:
    application_id = (
        SourceCheck.objects.visible_to(request_actor(request))
        .filter(pk=pk)
        .values_list("application_id", flat=True)
        .first()
    )
    if application_id is None:
        raise NotFound("核对结果不存在或不在您的管辖范围内")
    return f"/departments/applications/{application_id}/checks/#check-{pk}"


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def check_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    return _act(
        request,
        _check_target(request, pk),
        "已确认核对结果",
        lambda: services.check_confirm(actor=actor, check_id=pk),
    )


@require_POST
@capability_required(Capability.VIEW_REGISTRY)
def check_correct(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = CorrectForm(request.POST)
    target = _check_target(request, pk)
    if not form.is_valid():
        messages.error(request, "请选择核对结论并填写更正理由")
        return redirect(target)
    data = form.cleaned_data
    return _act(
        request,
        target,
        "已更正核对结果",
        lambda: services.check_correct(
            actor=actor, check_id=pk, outcome=data["outcome"], reason=data["reason"]
        ),
    )


# --- department users -----------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.ANSWER_REFERRALS)
def referral_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    referrals = list(selectors.department_referrals(actor)[:200])
    rows = [(r, ReferralState(selectors.referral_state(r)).label) for r in referrals]
    requests = [
        (r, rules.JOINT_ITEMS[rules.JointItem(r.item)][0]) for r in department_joint_requests(actor)[:200]
    ]
    context = {"rows": rows, "joint_requests": requests, "answer_form": JointAnswerForm()}
    return render(request, "departments/referrals.html", context)


@require_GET
@capability_required(Capability.ANSWER_REFERRALS)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    referral = selectors.referral_for_department(actor, pk)
    person = selectors.referral_person(actor, referral, client_address(request))
    state = selectors.referral_state(referral)
    context = {
        "referral": referral,
        "person": person,
        "state": state,
        "state_label": ReferralState(state).label,
        "attachments": list(referral.attachments.order_by("id")),
        "reply_form": ReplyForm() if state == ReferralState.OPEN else None,
        "attach_form": AttachForm() if state != ReferralState.CLOSED else None,
        "can_close": state == ReferralState.REPLIED,
    }
    return render(request, "departments/referral.html", context)


@require_POST
@capability_required(Capability.ANSWER_REFERRALS)
def referral_reply(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写部门反馈和反馈日期")
        return redirect("departments:referral", pk=pk)
    data = form.cleaned_data
    return _act(
        request,
        f"/departments/referrals/{pk}/",
        "已反馈",
        lambda: services.referral_reply(
            actor=actor, referral_id=pk, feedback=data["feedback"], feedback_on=data["feedback_on"]
        ),
    )


@require_POST
@capability_required(Capability.ANSWER_REFERRALS)
def referral_attach(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件")
        return redirect("departments:referral", pk=pk)
    upload = form.cleaned_data["file"]
    return _act(
        request,
        f"/departments/referrals/{pk}/",
        "已上传附件",
        lambda: services.referral_attach(
            actor=actor,
            referral_id=pk,
            name=upload.name,
            data=upload.read(),
            ip_address=client_address(request),
        ),
    )


@require_POST
@capability_required(Capability.ANSWER_REFERRALS)
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    return _act(
        request,
        f"/departments/referrals/{pk}/",
        "已办结",
        lambda: services.referral_close(actor=actor, referral_id=pk),
    )


# --- returned files ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REGISTRY)
def exchange_returns(request: HttpRequest) -> HttpResponse:
    """The batch endpoint: upload a department's returned file with its signed manifest; the recent ones."""
    actor = request_actor(request)
    form = ReturnForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, manifest = form.cleaned_data["file"], form.cleaned_data["manifest"]
        try:
            delivery = Delivery(upload.name, upload.read(), json.loads(manifest.read().decode("utf-8")))
            batch = exchange.exchange_return_import(actor=actor, delivery=delivery)
        except (ValueError, DomainError) as error:
            messages.error(request, getattr(error, "message", "清单不是有效的 JSON"))
        else:
            done = (
                f"已写入 {batch.applied} 件申请的核对结果"
                if batch.status == ExchangeReturn.Status.APPLIED
                else "文件已拒收，见错误报告"
            )
            messages.success(request, done)
        return redirect("departments:exchange")
    returns = ExchangeReturn.objects.filter(imported_by=actor).order_by("-id")[:20]
    return render(request, "departments/exchange.html", {"form": form, "returns": returns})
