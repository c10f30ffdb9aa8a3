"""The worker's phone pages (role 养老服务机构人员, capability PROVIDE_CARE; the worker's own orders only):
today's list and the provider's orders waiting for a worker, one order with check-in and check-out (server
time, the phone's location through the browser Geolocation API, a photo compressed in the browser) and
the SMS confirmation code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach
from minzheng.eldercare import forms_orders as forms
from minzheng.eldercare.models import CareWorker
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.selectors import orders as selectors
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.services import orders_confirm as confirm
from minzheng.eldercare.services import orders_evv as evv


def _worker(request: HttpRequest) -> CareWorker:
    worker = selectors.worker_of(request_actor(request))
    if worker is None:
        raise PermissionDenied(_("您的账号未登记为在岗的服务人员，请联系所在服务机构"))
    return worker


@require_GET
@capability_required(Capability.PROVIDE_CARE)
def worker_today(request: HttpRequest) -> HttpResponse:
    worker = _worker(request)
    context = {
        "worker": worker,
        "today": timezone.localdate(),
        "orders": list(selectors.worker_orders(worker=worker)),
        "unassigned": list(selectors.provider_unassigned(worker=worker)[:50]),
    }
    return render(request, "eldercare/orders/worker_today.html", context)


def _page(
    request: HttpRequest, pk: int, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    worker = _worker(request)
    order = selectors.worker_order(worker=worker, pk=pk)
    bound = bound or {}
    context = {
        "worker": worker,
        "order": order,
        "flag_words": rules.flag_words(order.flags),
        "check_form": bound.get("check") or forms.CheckForm(),
        "code_form": bound.get("code") or forms.CodeForm(),
        "now": timezone.localtime(),
    }
    return render(request, "eldercare/orders/worker_order.html", context, status=status)


@require_GET
@capability_required(Capability.PROVIDE_CARE)
def worker_order(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@require_POST
@capability_required(Capability.PROVIDE_CARE)
def worker_take(request: HttpRequest, pk: int) -> HttpResponse:
    """A worker takes one of the provider's dispatched orders (接单)."""
    worker = _worker(request)
    try:
        services.order_assign(
            actor=request_actor(request), order_id=pk, worker_id=worker.pk, ip_address=client_address(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("eldercare:worker_today")
    messages.success(request, _("已接单"))
    return redirect("eldercare:worker_order", pk)


@require_POST
@capability_required(Capability.PROVIDE_CARE)
def worker_check(request: HttpRequest, pk: int, moment: str) -> HttpResponse:
    if moment not in ("in", "out"):
        raise Http404
    form = forms.CheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, pk, {"check": form}, status=422)
    data = form.cleaned_data
    location = evv.Location(data["latitude"], data["longitude"], data["location_reason"])
    service = evv.order_check_in if moment == "in" else evv.order_check_out
    try:
        order = service(
            actor=request_actor(request),
            order_id=pk,
            location=location,
            photo=data["photo"],
            ip_address=client_address(request),
        )
    except DomainError as error:
        return _page(
            request, pk, {"check": form}, status=error_attach(form, error, {"location": "location_reason"})
        )
    done = _("签到成功") if moment == "in" else _("签退成功")
    if order.flags:
        messages.warning(request, f"{done}：{'、'.join(rules.flag_words(order.flags))}，将由乡镇（街道）核验")
    else:
        messages.success(request, done)
    return redirect("eldercare:worker_order", pk)


@require_POST
@capability_required(Capability.PROVIDE_CARE)
def worker_code(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Send the confirmation code to the family (``send``) or check the code they read out (``verify``)."""
    actor = request_actor(request)
    _worker(request)
    if step == "send":
        try:
            phone = confirm.order_sms_code_send(actor=actor, order_id=pk, ip_address=client_address(request))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("验证码已发送至 %(phone)s，请老人或家属告知验证码") % {"phone": phone}
            )
        return redirect("eldercare:worker_order", pk)
    form = forms.CodeForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, {"code": form}, status=422)
    try:
        _order, message = confirm.order_sms_code_verify(
            actor=actor, order_id=pk, code=form.cleaned_data["code"], ip_address=client_address(request)
        )
    except DomainError as error:
        return _page(request, pk, {"code": form}, status=error_attach(form, error))
    messages.success(request, message)
    return redirect("eldercare:worker_order", pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("worker/", worker_today, name="worker_today"),
    path("worker/<int:pk>/", worker_order, name="worker_order"),
    path("worker/<int:pk>/take/", worker_take, name="worker_take"),
    path("worker/<int:pk>/check/<slug:moment>/", worker_check, name="worker_check"),
    path("worker/<int:pk>/code/<slug:step>/", worker_code, name="worker_code"),
]
