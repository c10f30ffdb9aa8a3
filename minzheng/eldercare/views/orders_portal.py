"""Portal pages of eldercare orders (/portal/eldercare/, issue 17 §4, §9): an older person or a family member
signed in to 救助通 orders a service for someone the account may act for
(``selectors.orders.older_people_of_account``), follows the orders, confirms, rates and complains.
Authenticated like every portal page (``portal.auth``); built for a 360-px phone and large type."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import error_attach
from minzheng.eldercare import forms_orders as forms
from minzheng.eldercare.choices import ServiceKind
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.selectors import orders as selectors
from minzheng.eldercare.selectors.providers import items_serving
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.services import orders_confirm as confirm
from minzheng.portal.auth import portal_login_required


def _account(request: HttpRequest) -> Any:
    return request.portal_account  # type: ignore[attr-defined]


@portal_login_required
def portal_orders(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    context = {
        "people": list(selectors.older_people_of_account(account)),
        "orders": list(selectors.account_orders(account)[:50]),
    }
    return render(request, "eldercare/orders/portal_list.html", context)


def _item_label(item: Any) -> str:
    pay = _("自付 %(p)s 元") % {"p": item.co_payment} if item.co_payment else _("免费")
    return f"{item.name} · {item.provider.name}（{item.price} 元/{item.get_unit_display()}，{pay}）"


@portal_login_required
def portal_order_new(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET ``older`` and ``kind``): for whom and what; step 2: the item of a provider serving the
    person's village, the day and the time."""
    account = _account(request)
    people = list(selectors.older_people_of_account(account))
    if not people:
        return redirect("eldercare_portal:orders")
    source = request.POST if request.method == "POST" else request.GET
    chosen = next((o for o in people if str(o.pk) == source.get("older_person", "")), people[0])
    kind = source.get("kind", "") if source.get("kind", "") in ServiceKind.values else ServiceKind.MEAL
    items = [(i.pk, _item_label(i)) for i in items_serving(chosen.division.code, kind)]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form = forms.PlaceForm(
        request.POST or None,
        people=[(o.pk, o.person.name) for o in people],
        items=items,
        initial={"older_person": chosen.pk, "day": tomorrow, "start_time": dt.time(11, 0), "hours": 1},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            start, end = form.window()
            try:
                order, created = services.order_place(
                    account=account,
                    older_person_id=form.cleaned_data["older_person"],
                    item_id=form.cleaned_data["item"],
                    window_start=start,
                    window_end=end,
                    quantity=form.cleaned_data["quantity"],
                    note=form.cleaned_data["note"],
                    ip_address=client_address(request),
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(
                    request, _("预约成功，等待乡镇（街道）派单") if created else _("您已预约过，未重复下单")
                )
                return redirect("eldercare_portal:order", order.pk)
    context = {"form": form, "people": people, "chosen": chosen, "kind": kind, "kinds": ServiceKind.choices}
    return render(request, "eldercare/orders/portal_new.html", context, status=status)


def _page(
    request: HttpRequest, pk: int, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    try:
        order = selectors.account_order(_account(request), pk)
    except NotFound as error:
        raise Http404(error.message) from None
    bound = bound or {}
    context = {
        "order": order,
        "flag_words": rules.flag_words(order.flags),
        "confirm_form": bound.get("confirm") or forms.ConfirmForm(),
        "complain_form": bound.get("complain") or forms.ReasonForm(),
        "cancel_form": bound.get("cancel") or forms.ReasonForm(),
    }
    return render(request, "eldercare/orders/portal_order.html", context, status=status)


@portal_login_required
def portal_order(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@require_POST
@portal_login_required
def portal_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    account = _account(request)
    ip = client_address(request)
    form: Any = forms.ConfirmForm(request.POST) if action == "confirm" else forms.ReasonForm(request.POST)
    if action not in ("confirm", "complain", "cancel"):
        raise Http404
    if not form.is_valid():
        return _page(request, pk, {action: form}, status=422)
    data = form.cleaned_data
    try:
        if action == "confirm":
            _order, message = confirm.order_confirm(
                order_id=pk,
                channel="portal",
                rating=data["rating"],
                feedback=data["feedback"],
                account=account,
                ip_address=ip,
            )
        elif action == "complain":
            confirm.order_complain(order_id=pk, reason=data["reason"], account=account, ip_address=ip)
            message = _("投诉已提交，乡镇（街道）将核实处理")
        else:
            services.order_cancel(order_id=pk, reason=data["reason"], account=account, ip_address=ip)
            message = _("订单已取消")
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        return _page(request, pk, {action: form}, status=error_attach(form, error))
    messages.success(request, message)
    return redirect("eldercare_portal:order", pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", portal_orders, name="orders"),
    path("new/", portal_order_new, name="order_new"),
    path("<int:pk>/", portal_order, name="order"),
    path("<int:pk>/<slug:action>/", portal_order_action, name="order_action"),
]
